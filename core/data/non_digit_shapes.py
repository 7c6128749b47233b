"""The shapes behind :mod:`digitlab.core.data.non_digits`, as strokes in a unit box.

Symbols and letters are fixed glyphs (x right, y down, roughly 0..1; their own width
and height give their aspect), each a list of (k, 2) float arrays, one per pen stroke.
Dots, lines and scribbles are made afresh for every sample instead
(:mod:`digitlab.core.data.non_digit_marks`). The jitter that makes every sample look
hand-drawn (wobble, slant, rotation, size, stroke order) is applied later.
"""

from __future__ import annotations

import numpy as np

Stroke = np.ndarray  # (k, 2) float points (x, y)


def arc(cx: float, cy: float, rx: float, ry: float, start: float, stop: float) -> Stroke:
    """Points on an ellipse from angle ``start`` to ``stop`` degrees (0 = right, 90 = down)."""
    angles = np.deg2rad(np.linspace(start, stop, 2 + int(abs(stop - start)) // 10))
    return np.stack([cx + rx * np.cos(angles), cy + ry * np.sin(angles)], axis=1)


def line(*points: tuple[float, float]) -> Stroke:
    """A polyline through ``points``."""
    return np.array(points, dtype=np.float64)


def _joined(*pieces: Stroke) -> Stroke:
    return np.vstack(pieces)


def dot_at(x: float, y: float, smear: float = 0.0) -> Stroke:
    """A dot: one touch of the pen at (x, y), smeared ``smear`` to either side as a
    pen that moves a little while pressing does."""
    return np.array([[x - smear, y - smear / 2], [x + smear, y + smear / 2]])


# Symbols a person might draw instead of a digit. Left out on purpose, because a human
# could honestly read them as digits: / | (1), & and $ drawn loosely (8), S-like signs (5).
SYMBOLS: dict[str, list[Stroke]] = {
    "plus": [line((0.5, 0.05), (0.5, 0.95)), line((0.05, 0.5), (0.95, 0.5))],
    "equals": [line((0.0, 0.35), (1.0, 0.35)), line((0.0, 0.65), (1.0, 0.65))],
    "asterisk": [
        line((0.5, 0.0), (0.5, 1.0)),
        line((0.07, 0.25), (0.93, 0.75)),
        line((0.93, 0.25), (0.07, 0.75)),
    ],
    "hash": [
        line((0.0, 0.33), (1.0, 0.33)),
        line((0.0, 0.67), (1.0, 0.67)),
        line((0.4, 0.0), (0.3, 1.0)),
        line((0.75, 0.0), (0.65, 1.0)),
    ],
    "less": [line((0.75, 0.0), (0.0, 0.45), (0.75, 0.9))],
    "tilde": [
        np.stack([np.linspace(0, 1, 25), 0.5 - 0.14 * np.sin(np.linspace(0, 2 * np.pi, 25))], 1)
    ],
    "caret": [line((0.0, 0.65), (0.5, 0.0), (1.0, 0.65))],
    "question": [
        _joined(arc(0.5, 0.28, 0.3, 0.26, 190, 400), line((0.5, 0.68))),
        dot_at(0.5, 0.98, 0.04),
    ],
    "star": [line((0.2, 1.0), (0.5, 0.0), (0.8, 1.0), (0.02, 0.38), (0.98, 0.38), (0.2, 1.0))],
    "plus_minus": [
        line((0.5, 0.0), (0.5, 0.7)),
        line((0.1, 0.35), (0.9, 0.35)),
        line((0.1, 0.95), (0.9, 0.95)),
    ],
    "not_equal": [
        line((0.0, 0.35), (1.0, 0.35)),
        line((0.0, 0.65), (1.0, 0.65)),
        line((0.72, 0.0), (0.28, 1.0)),
    ],
    "check": [line((0.0, 0.55), (0.3, 1.0), (1.0, 0.0))],
    # Rings with something inside or across: a ring alone is a 0, these are not.
    "circled_plus": [
        arc(0.5, 0.5, 0.5, 0.5, -90, 270),
        line((0.5, 0.15), (0.5, 0.85)),
        line((0.15, 0.5), (0.85, 0.5)),
    ],
    "smiley": [
        arc(0.5, 0.5, 0.5, 0.5, -90, 270),
        dot_at(0.33, 0.35, 0.02),
        dot_at(0.67, 0.35, 0.02),
        arc(0.5, 0.55, 0.25, 0.2, 20, 160),
    ],
    "heart": [
        _joined(line((0.5, 1.0)), arc(0.27, 0.3, 0.25, 0.24, 150, 355)),
        _joined(arc(0.73, 0.3, 0.25, 0.24, 185, 390), line((0.5, 1.0))),
    ],
    "euro": [
        arc(0.55, 0.5, 0.5, 0.5, -45, -315),
        line((0.0, 0.4), (0.7, 0.4)),
        line((0.0, 0.6), (0.65, 0.6)),
    ],
    "pi": [
        line((0.0, 0.1), (1.0, 0.1)),
        line((0.3, 0.1), (0.25, 1.0)),
        line((0.72, 0.1), (0.75, 1.0)),
    ],
    # The test family's symbols
    "times": [line((0.0, 0.0), (1.0, 1.0)), line((1.0, 0.0), (0.0, 1.0))],
    "percent": [
        arc(0.18, 0.2, 0.16, 0.2, -90, 270),
        line((0.85, 0.0), (0.15, 1.0)),
        arc(0.82, 0.8, 0.16, 0.2, -90, 270),
    ],
    # One stroke, as usually written: the small a, its tail, then the ring round it
    "at": [
        _joined(
            arc(0.5, 0.52, 0.2, 0.22, -20, -380),
            line((0.7, 0.75)),
            arc(0.5, 0.5, 0.48, 0.48, 40, -290),
        )
    ],
    "exclamation": [line((0.5, 0.0), (0.48, 0.72)), dot_at(0.48, 1.0)],
    "greater": [line((0.0, 0.0), (0.75, 0.45), (0.0, 0.9))],
    "divide": [line((0.0, 0.5), (1.0, 0.5)), dot_at(0.5, 0.18), dot_at(0.5, 0.82)],
    "arrow": [line((0.0, 0.5), (1.0, 0.5)), line((0.72, 0.25), (1.0, 0.5), (0.72, 0.75))],
    "infinity": [
        np.stack(
            [
                0.5 + 0.5 * np.cos(t) / (1 + np.sin(t) ** 2),
                0.5 + 0.5 * np.sin(t) * np.cos(t) / (1 + np.sin(t) ** 2),
            ],
            axis=1,
        )
        for t in [np.linspace(0, 2 * np.pi, 49)]
    ],
}

_STEM_AND_BOWL = _joined(
    line((0.0, 1.0), (0.0, 0.0)), arc(0.22, 0.25, 0.36, 0.25, -90, 90), line((0.0, 0.5))
)

# Letters, capitals one unit tall. Left out because they are, or pass for, digits:
# O D Q (0), I l J (1), Z (2), S (5), G b (6), T (7), B (8), g q y (9), and L U V C Y,
# which the 20-pixel box of the preprocessing turns into something like a 4, 0 or 7.
LETTERS: dict[str, list[Stroke]] = {
    "A": [line((0.0, 1.0), (0.35, 0.0), (0.7, 1.0)), line((0.14, 0.62), (0.56, 0.62))],
    "E": [line((0.65, 0.0), (0.05, 0.0), (0.05, 1.0), (0.65, 1.0)), line((0.05, 0.5), (0.5, 0.5))],
    "F": [line((0.65, 0.0), (0.05, 0.0), (0.05, 1.0)), line((0.05, 0.48), (0.5, 0.48))],
    "H": [
        line((0.0, 0.0), (0.0, 1.0)),
        line((0.65, 0.0), (0.65, 1.0)),
        line((0.0, 0.5), (0.65, 0.5)),
    ],
    "K": [line((0.0, 0.0), (0.0, 1.0)), line((0.62, 0.0), (0.02, 0.55), (0.66, 1.0))],
    "M": [line((0.0, 1.0), (0.05, 0.0), (0.4, 0.65), (0.75, 0.0), (0.8, 1.0))],
    "N": [line((0.0, 1.0), (0.0, 0.0), (0.65, 1.0), (0.65, 0.0))],
    "P": [_STEM_AND_BOWL],
    "R": [_STEM_AND_BOWL, line((0.22, 0.5), (0.65, 1.0))],
    "W": [line((0.0, 0.0), (0.22, 1.0), (0.45, 0.3), (0.68, 1.0), (0.9, 0.0))],
    # Lower case, in the training family too: letters with a dot, a bar or a shoulder
    # that a digit lacks. Left out: a (a 9 with a short tail), and f and r, whose
    # hooks pass for the bar of a 7 or the flag of a 1.
    "e": [_joined(line((0.02, 0.65), (0.62, 0.65)), arc(0.32, 0.65, 0.3, 0.33, 0, -320))],
    "t": [
        _joined(line((0.3, 0.0), (0.3, 0.8)), arc(0.45, 0.8, 0.15, 0.15, 180, 20)),
        line((0.05, 0.3), (0.6, 0.3)),
    ],
    "i": [line((0.5, 0.35), (0.5, 1.0)), dot_at(0.5, 0.08, 0.03)],
    "d": [arc(0.3, 0.68, 0.27, 0.3, 0, 360), line((0.57, 0.0), (0.57, 1.0))],
    # Letters of other alphabets that people draw. Left out: Ж (it holds a < and a >),
    # Ч (a 4), З and Э (3s), б (a 6), η (an n), ω (a w), ε (a 3), θ (a barred 0).
    "Д": [
        line((0.0, 1.0), (0.0, 0.8), (0.95, 0.8), (0.95, 1.0)),
        line((0.1, 0.8), (0.25, 0.0), (0.8, 0.0), (0.8, 0.8)),
    ],
    "И": [line((0.0, 0.0), (0.0, 1.0), (0.65, 0.0), (0.65, 1.0))],
    "П": [line((0.0, 1.0), (0.0, 0.0), (0.65, 0.0), (0.65, 1.0))],
    "Я": [
        line((0.65, 1.0), (0.65, 0.0)),
        _joined(line((0.65, 0.0)), arc(0.43, 0.25, 0.36, 0.25, 270, 90), line((0.65, 0.5))),
        line((0.43, 0.5), (0.0, 1.0)),
    ],
    "λ": [line((0.1, 0.0), (0.3, 0.1), (0.9, 1.0)), line((0.5, 0.4), (0.05, 1.0))],
    "Ψ": [line((0.5, 0.0), (0.5, 1.0)), arc(0.5, 0.05, 0.5, 0.5, 180, 0)],
    # The test family's letters: lower case, a little wider than tall apart from ascenders
    "h": [
        line((0.0, 0.0), (0.0, 1.0)),
        _joined(arc(0.25, 0.62, 0.25, 0.22, 180, 360), line((0.5, 1.0))),
    ],
    "k": [line((0.0, 0.0), (0.0, 1.0)), line((0.45, 0.42), (0.02, 0.72), (0.5, 1.0))],
    "m": [
        line((0.0, 0.3), (0.0, 1.0)),
        _joined(arc(0.22, 0.5, 0.22, 0.2, 180, 360), line((0.44, 1.0))),
        _joined(arc(0.66, 0.5, 0.22, 0.2, 180, 360), line((0.88, 1.0))),
    ],
    "n": [
        line((0.0, 0.3), (0.0, 1.0)),
        _joined(arc(0.3, 0.5, 0.3, 0.2, 180, 360), line((0.6, 1.0))),
    ],
    "w": [
        _joined(
            line((0.0, 0.3)),
            arc(0.2, 0.75, 0.2, 0.25, 180, 0),
            line((0.4, 0.5)),
            arc(0.6, 0.75, 0.2, 0.25, 180, 0),
            line((0.8, 0.3)),
        )
    ],
}
