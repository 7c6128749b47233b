"""Drawings that are not digits, for teaching a model to say "not a digit".

A person at the canvas sometimes draws something other than a digit: a dot, a stray
line, a scribble, a letter, a symbol. A ten-class model must call each of them some
digit; with an eleventh class, "not a digit", trained on drawings like these, it can
decline them. Every sample here is a few pen strokes, jittered like handwriting
(wobble, slant, rotation, aspect, size, stroke order), drawn with a canvas-like pen and
put through the app's own preprocessing, so it looks to the network as a real drawing would.

The kinds come in two disjoint families, each covering every broad category
(``CATEGORIES``: dots, short lines, scribbles, symbols, letters):

- ``NON_DIGIT_KINDS_TRAIN`` is what a model is trained on;
- ``NON_DIGIT_KINDS_TEST`` is kept from training and measures how often the model
  declines shapes it has never seen.

The app will meet other people's symbols and letters, none of them ours, so what counts
is how a model generalises from the train family, not how well it knows these glyphs;
the test family estimates exactly that. Shapes that are, or could honestly be read as,
digits are left out of both (see :mod:`digitlab.core.data.non_digit_shapes`): declining
a real digit costs more than reading a symbol as one. Two kinds come close to a 1: "i"
(trained on) and "!" (tested), a near-vertical stroke with a dot apart from it. People
do draw them, and only the dot tells them from a 1, so the test kind shows whether a
model learnt to look for the dot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from digitlab.core.data import non_digit_marks as marks
from digitlab.core.data.non_digit_shapes import LETTERS, SYMBOLS, Stroke
from digitlab.core.reading.render import CANVAS_PEN, render_digit

Maker = Callable[[np.random.Generator], list[Stroke]]

#: The broad categories; each family has kinds of every one.
CATEGORIES = ("dot", "line", "scribble", "symbol", "letter")


@dataclass(frozen=True)
class Jitter:
    """How far one sample may stray from its kind's shape, drawn uniformly per sample."""

    wobble: float = 0.0  # std of the hand's slow drift along a stroke, in drawing widths
    rotation: float = 0.0  # degrees either way
    slant: float = 0.0  # horizontal shear per unit of height, either way
    aspect: tuple[float, float] = (1.0, 1.0)  # width scaled by this


@dataclass(frozen=True)
class Kind:
    """How to make one kind of drawing: its category, shape, jitter and size.

    ``size`` is the drawing's longer side in pixels. Kinds ``in_pens`` are made in
    pen widths instead and keep that size: a dot is as large as the pen that made it,
    however large the person writes.
    """

    category: str
    make: Maker
    jitter: Jitter
    size: tuple[float, float] = (0.0, 0.0)
    in_pens: bool = False


GLYPH = Jitter(wobble=0.02, rotation=12.0, slant=0.25, aspect=(0.75, 1.3))
SCRIBBLE = Jitter(wobble=0.015, rotation=15.0, slant=0.2, aspect=(0.8, 1.25))
# Lines get no rotation, slant or stretch: their makers choose the angle, kept away
# from the near-vertical of a 1.
LINE = Jitter(wobble=0.012)
BLOB = Jitter(rotation=30.0)

#: The canvas's range of drawing sizes (longer side) and pen widths, in pixels.
DRAWING_SIZE = (120.0, 500.0)
LINE_LENGTH = (60.0, 400.0)  # a stray line is often short
PEN_WIDTH = (8.0, 24.0)
#: Drawings larger than this are rendered scaled down with the pen in proportion: the
#: 28x28 result hardly changes (the preprocessing shrinks to 20 pixels anyway), and a
#: small canvas is many times faster to draw.
RENDER_SIZE = 64.0


def _fixed(strokes: list[Stroke]) -> Maker:
    return lambda rng: [s.copy() for s in strokes]


def _in_pens(category: str, make: Maker) -> Kind:
    return Kind(category, make, BLOB, in_pens=True)


KINDS: dict[str, Kind] = {
    "dot": _in_pens("dot", marks.dot),
    "smudge": _in_pens("dot", marks.smudge),
    "tiny_loop": _in_pens("dot", marks.tiny_loop),
    "dot_pair": _in_pens("dot", marks.dot_pair),
    "dash": Kind("line", marks.dash, LINE, LINE_LENGTH),
    "rising_line": Kind("line", marks.rising_line, LINE, LINE_LENGTH),
    "falling_line": Kind("line", marks.falling_line, LINE, LINE_LENGTH),
    "curved_line": Kind("line", marks.curved_line, LINE, LINE_LENGTH),
    # Filled-in blots are scribbles, made in pen widths so that the ink closes up.
    "blot": _in_pens("scribble", marks.blot),
    "tangle": _in_pens("scribble", marks.tangle),
    "random_walk": Kind("scribble", marks.random_walk, SCRIBBLE, DRAWING_SIZE),
    "zigzag": Kind("scribble", marks.zigzag, SCRIBBLE, DRAWING_SIZE),
    "hatching": Kind("scribble", marks.hatching, SCRIBBLE, DRAWING_SIZE),
    "coil": Kind("scribble", marks.coil, SCRIBBLE, DRAWING_SIZE),
    "crosshatch": Kind("scribble", marks.crosshatch, SCRIBBLE, DRAWING_SIZE),
    **{name: Kind("symbol", _fixed(s), GLYPH, DRAWING_SIZE) for name, s in SYMBOLS.items()},
    **{f"letter_{c}": Kind("letter", _fixed(s), GLYPH, DRAWING_SIZE) for c, s in LETTERS.items()},
}

NON_DIGIT_KINDS_TRAIN: tuple[str, ...] = (
    *("dot", "smudge"),
    *("dash", "rising_line"),
    *("blot", "random_walk", "zigzag", "hatching"),
    *("question", "plus", "equals", "asterisk", "hash", "less", "tilde", "caret", "star"),
    *("plus_minus", "not_equal", "check", "circled_plus", "smiley", "heart", "euro", "pi"),
    *(f"letter_{c}" for c in "AEFHKMNPRWdeitДИПЯλΨ"),
)
NON_DIGIT_KINDS_TEST: tuple[str, ...] = (
    *("tiny_loop", "dot_pair"),
    *("falling_line", "curved_line"),
    *("tangle", "coil", "crosshatch"),
    *("times", "percent", "at", "exclamation", "greater", "divide", "arrow", "infinity"),
    *(f"letter_{c}" for c in "hkmnw"),
)


def non_digit_category(kind: str) -> str:
    """The broad category of ``kind``, one of ``CATEGORIES``; ValueError, naming it,
    for an unknown kind."""
    return _kind(kind).category


def non_digit_strokes(
    kind: str, rng: np.random.Generator, *, pen: float = CANVAS_PEN
) -> list[np.ndarray]:
    """One hand-drawn-looking sample of ``kind``: strokes, (k, 2) float arrays of points
    (x, y) in pixels, y down, as a person drawing with a pen ``pen`` pixels wide might
    leave them on the canvas. ValueError, naming it, for an unknown kind."""
    spec = _kind(kind)
    strokes = _jittered(spec.make(rng), spec.jitter, rng)
    if spec.in_pens:
        return [s * pen for s in strokes]
    scale = rng.uniform(*spec.size) / _extent(strokes)  # one scale for all strokes
    return [s * scale for s in strokes]


def render_non_digits(
    n: int, rng: np.random.Generator, kinds: Sequence[str] = NON_DIGIT_KINDS_TRAIN
) -> np.ndarray:
    """``n`` drawings of ``kinds`` (each sample's kind drawn uniformly) as the network
    sees them: (n, 28, 28) float32 in [0, 1], ink high, after the app's preprocessing.

    Each is drawn with a pen ``PEN_WIDTH`` pixels wide at a canvas-like size (see
    ``DRAWING_SIZE``). ValueError for a negative ``n``, no kinds, or an unknown kind
    (named).
    """
    kinds = tuple(kinds)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ValueError(f"n must be a whole number >= 0, got {n!r}")
    if not kinds:
        raise ValueError("kinds must name at least one kind of non-digit")
    for kind in kinds:
        _kind(kind)
    images = np.zeros((n, 28, 28), np.float32)
    for i, choice in enumerate(rng.integers(0, len(kinds), n)):
        images[i] = render_one(kinds[choice], rng)
    return images


def render_one(kind: str, rng: np.random.Generator) -> np.ndarray:
    """One drawing of ``kind`` as the network sees it: (28, 28) float32."""
    pen = rng.uniform(*PEN_WIDTH)
    strokes = non_digit_strokes(kind, rng, pen=pen)
    extent = _extent(strokes)
    scale = min(1.0, RENDER_SIZE / extent)
    _, image = render_digit(strokes, pen=pen * scale, height=extent * scale)
    return image


def _kind(kind: str) -> Kind:
    spec = KINDS.get(kind) if isinstance(kind, str) else None
    if spec is None:
        known = ", ".join(sorted(KINDS))
        raise ValueError(f"unknown kind of non-digit {kind!r}; the kinds are {known}")
    return spec


def _extent(strokes: list[Stroke]) -> float:
    """The longer side of the strokes' bounding box; a tiny positive number for a dot."""
    return max(float(np.max(np.ptp(np.vstack(strokes), axis=0))), 1e-9)


def _jittered(strokes: list[Stroke], jitter: Jitter, rng: np.random.Generator) -> list[Stroke]:
    """``strokes`` wobbled, stretched, slanted and turned by one random draw of
    ``jitter``, in a random stroke order, each stroke drawn either way."""
    extent = _extent(strokes)
    aspect = rng.uniform(*jitter.aspect)
    slant = rng.uniform(-jitter.slant, jitter.slant)
    angle = np.deg2rad(rng.uniform(-jitter.rotation, jitter.rotation))
    cos, sin = np.cos(angle), np.sin(angle)
    out = []
    for index in rng.permutation(len(strokes)):
        s = _wobbled(strokes[index], jitter.wobble * extent, rng)
        x, y = s[:, 0] * aspect, s[:, 1]
        x = x - slant * y  # y down, so the top leans right for a positive slant
        s = np.stack([cos * x + sin * y, -sin * x + cos * y], axis=1)
        out.append(s[::-1] if rng.random() < 0.5 else s)
    return out


def _wobbled(stroke: Stroke, amount: float, rng: np.random.Generator) -> Stroke:
    """``stroke`` resampled every 2.5 ``amount`` along its length, each point pushed by
    noise smoothed along the stroke: a hand drifts, it does not jitter point by point."""
    if amount == 0 or len(stroke) < 2:
        return np.asarray(stroke, np.float64)
    along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(stroke, axis=0).T))])
    count = max(2, int(along[-1] / (amount * 2.5)) + 1)
    t = np.linspace(0.0, along[-1], count)
    points = np.stack([np.interp(t, along, stroke[:, 0]), np.interp(t, along, stroke[:, 1])], 1)
    # A moving average of 5 divides the noise's std by sqrt(5); scale it back to amount.
    noise = rng.normal(0.0, amount * np.sqrt(5), (count + 4, 2))
    drift = sum(noise[i : i + count] for i in range(5)) / 5  # (count, 2)
    return points + drift
