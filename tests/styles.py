"""Made-up handwriting styles, drawn programmatically, for testing personalisation.

A "style" is a way of writing some digits that MNIST's mostly American writers rarely
used: the continental seven with a crossbar and a hooked foot, the one with a long
flag and a base. Each glyph is a few strokes in a unit box (x right, y down, 0..1);
every sample gets its own jitter of the points, slant, rotation, aspect, size, place
on the canvas and pen width, then is rendered as anti-aliased strokes on a canvas-like
image and run through ``digitlab.core.reading.preprocess.to_mnist``, exactly like a
drawing in the app.

Used by the fine-tuning tests and ``bench/finetune_style.py``; plain NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from digitlab.core.reading.preprocess import to_mnist
from digitlab.core.reading.render import draw_strokes as render_strokes

Stroke = np.ndarray  # (k, 2) float points (x, y) of one pen stroke


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, stop: float) -> Stroke:
    """Points on an ellipse from angle ``start`` to ``stop`` degrees (0 = right, 90 = down)."""
    angles = np.deg2rad(np.linspace(start, stop, 1 + int(abs(stop - start)) // 10))
    return np.stack([cx + rx * np.cos(angles), cy + ry * np.sin(angles)], axis=1)


def _line(*points: tuple[float, float]) -> Stroke:
    return np.array(points, dtype=np.float64)


# Each glyph: (label, strokes). The bundled model reads the first two badly: the
# continental seven, crossed and with its foot curled back, mostly as a 3; the zero
# slashed right through, as engineers and programmers write it, mostly as an 8. The
# one with a long flag and a base is also continental, but MNIST has many of those.
GLYPHS: dict[str, tuple[int, list[Stroke]]] = {
    "crossed_seven": (
        7,
        [
            _line((0.08, 0.22), (0.12, 0.06), (0.92, 0.06), (0.5, 0.72)),
            np.concatenate([_line((0.5, 0.72)), _arc(0.32, 0.78, 0.2, 0.2, -15, 160)[1:]]),
            _line((0.28, 0.42), (0.95, 0.40)),
        ],
    ),
    "slashed_zero": (
        0,
        [_arc(0.5, 0.5, 0.38, 0.42, -90, 270), _line((1.0, -0.08), (0.0, 1.08))],
    ),
    "flag_one": (
        1,
        [_line((0.05, 0.5), (0.62, 0.02), (0.62, 0.97)), _line((0.2, 0.97), (0.98, 0.97))],
    ),
    # Plain forms, for checking that the renderer itself draws readable digits.
    "plain_seven": (7, [_line((0.1, 0.06), (0.9, 0.06), (0.4, 0.97))]),
    "plain_one": (1, [_line((0.45, 0.03), (0.55, 0.97))]),
}

#: A made-up person's handwriting that MNIST's model reads badly (see GLYPHS).
HARD_STYLE = ("crossed_seven", "slashed_zero")


@dataclass(frozen=True)
class Jitter:
    """How much each random variation may be, drawn uniformly per sample."""

    point: float = 0.025  # std of each point's wobble, in glyph units
    rotation: float = 8.0  # degrees either way
    slant: float = 0.2  # horizontal shear per unit of height, either way
    aspect: tuple[float, float] = (0.75, 1.15)  # width relative to the glyph's own
    height: tuple[float, float] = (0.35, 0.8)  # of the canvas
    pen: tuple[float, float] = (0.05, 0.13)  # pen width, as a fraction of the digit's height
    canvas: tuple[int, int] = (160, 300)  # canvas side in pixels


def draw_glyph(name: str, rng: np.random.Generator, jitter: Jitter = Jitter()) -> np.ndarray:
    """One sample of glyph ``name`` as a canvas image (H, W) float32 in [0, 1], ink high."""
    _, strokes = GLYPHS[name]
    side = int(rng.integers(jitter.canvas[0], jitter.canvas[1] + 1))
    height = rng.uniform(*jitter.height) * side
    width = height * rng.uniform(*jitter.aspect) * 0.65
    angle = np.deg2rad(rng.uniform(-jitter.rotation, jitter.rotation))
    slant = rng.uniform(-jitter.slant, jitter.slant)
    cos, sin = np.cos(angle), np.sin(angle)
    placed = []
    for stroke in strokes:
        p = stroke + rng.normal(0.0, jitter.point, stroke.shape)
        x, y = (p[:, 0] - 0.5) * width, (p[:, 1] - 0.5) * height
        x = x - slant * y  # leaning right as y goes up
        placed.append(np.stack([cos * x - sin * y, sin * x + cos * y], axis=1))
    points = np.concatenate(placed)
    pen = rng.uniform(*jitter.pen) * height
    low, high = points.min(axis=0) - pen, points.max(axis=0) + pen
    # Anywhere on the canvas that keeps the whole digit on it.
    room = np.maximum(side - (high - low), 0.0)
    offset = -low + rng.uniform(0.0, 1.0, 2) * room
    return render_strokes([s + offset for s in placed], (side, side), pen)


def style_samples(
    names: list[str] | tuple[str, ...], per_glyph: int, seed: int, jitter: Jitter = Jitter()
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """``per_glyph`` samples of each glyph: x (N, 1, 28, 28) float32 as the network sees
    them, labels (N,) int64 and the canvas images, glyphs interleaved."""
    rng = np.random.default_rng(seed)
    canvases, labels = [], []
    for _ in range(per_glyph):
        for name in names:
            canvases.append(draw_glyph(name, rng, jitter))
            labels.append(GLYPHS[name][0])
    x = np.stack([to_mnist(c) for c in canvases])[:, None]  # (N, 1, 28, 28)
    return x.astype(np.float32), np.array(labels, np.int64), canvases
