"""Marks made afresh for every sample: dots and blobs, short lines, scribbles.

Each maker takes a ``np.random.Generator`` and returns strokes, (k, 2) float arrays of
points (x, y), y down. Lines and scribbles are about one unit across (the caller
scales them to a drawing's size); dots and blobs are in pen widths, because a dot's
look depends on the pen that made it, not on how large the person writes.

Lines stay within 35 degrees of horizontal: a near-vertical stroke is a 1. Scribbles
that come out tall and thin are laid on their side for the same reason.
"""

from __future__ import annotations

import numpy as np

from digitlab.core.data.non_digit_shapes import Stroke, arc

#: The steepest a line may be, in degrees from horizontal.
MAX_LINE_ANGLE = 35.0


# Dots and blobs, in pen widths ---------------------------------------------------


def dot(rng: np.random.Generator) -> list[Stroke]:
    """A touch of the pen: one point, or a few within a third of a pen width (a pen
    that moved a little while pressing)."""
    count = int(rng.integers(1, 4))
    return [rng.uniform(-0.15, 0.15, (count, 2))]


def smudge(rng: np.random.Generator) -> list[Stroke]:
    """A short scrub back and forth over one spot."""
    return [rng.uniform(-0.7, 0.7, (int(rng.integers(3, 7)), 2))]


def blot(rng: np.random.Generator) -> list[Stroke]:
    """A filled-in blot: one stroke sweeping back and forth across an ellipse, rows
    half a pen width apart so the ink closes up."""
    width, height = rng.uniform(2.0, 6.0), rng.uniform(1.5, 4.0)
    rows = max(3, int(height / rng.uniform(0.4, 0.6)) + 1)
    ys = np.linspace(-1.0, 1.0, rows)
    half = np.sqrt(np.clip(1.0 - ys**2, 0.1, None)) * width / 2  # the ellipse's half-width
    sides = np.where(np.arange(rows) % 2 == 0, 1.0, -1.0)[:, None]  # every other row reversed
    ends = np.stack([-half, half], axis=1) * sides  # (rows, 2): x where each row starts, ends
    xs = ends.reshape(-1)  # (2 * rows,)
    return [np.stack([xs, np.repeat(ys * height / 2, 2)], axis=1)]


def tiny_loop(rng: np.random.Generator) -> list[Stroke]:
    """A small circle, hardly wider than the pen: it inks a disc."""
    radius = rng.uniform(0.15, 0.6)
    return [arc(0.0, 0.0, radius, radius * rng.uniform(0.7, 1.0), 0, 360)]


def dot_pair(rng: np.random.Generator) -> list[Stroke]:
    """Two dots side by side (never one above the other, which would stand like a 1)."""
    gap = rng.uniform(1.6, 3.5)
    angle = np.deg2rad(rng.uniform(-30, 30))
    second = gap * np.array([[np.cos(angle), np.sin(angle)]])
    return [np.zeros((1, 2)), second]


def tangle(rng: np.random.Generator) -> list[Stroke]:
    """Scribbling out: round and round a spot, each loop of a different size, so the
    loops cover the middle and the ink closes into a blob."""
    turns = rng.uniform(4.0, 8.0)
    t = np.linspace(0.0, 2 * np.pi * turns, int(24 * turns))
    # One radius per half turn, eased in between: every other one under a pen width,
    # so the loops pass over the middle and leave no hole (a ring would be a 0).
    knots = rng.uniform(0.8, 2.0, int(2 * turns) + 2)
    knots[::2] = rng.uniform(0.2, 0.8, len(knots[::2]))
    radius = np.interp(t / np.pi, np.arange(len(knots)), knots)
    drift = rng.normal(0.0, 0.05, (len(t), 2)).cumsum(axis=0)
    return [np.stack([radius * np.cos(t), radius * np.sin(t)], axis=1) + drift]


# Short lines, about one unit long ------------------------------------------------


def _straight(angle_degrees: float) -> Stroke:
    """A unit line rising at ``angle_degrees`` (y down, so rising means y falls)."""
    angle = np.deg2rad(angle_degrees)
    t = np.linspace(0.0, 1.0, 5)[:, None]
    return t * np.array([np.cos(angle), -np.sin(angle)])


def dash(rng: np.random.Generator) -> list[Stroke]:
    """A stray horizontal stroke, a little tilted either way."""
    return [_straight(rng.uniform(-12, 12))]


def rising_line(rng: np.random.Generator) -> list[Stroke]:
    """A short line going up to the right, well away from a 1's slope."""
    return [_straight(rng.uniform(18, MAX_LINE_ANGLE))]


def falling_line(rng: np.random.Generator) -> list[Stroke]:
    """A short line going down to the right."""
    return [_straight(-rng.uniform(18, MAX_LINE_ANGLE))]


def curved_line(rng: np.random.Generator) -> list[Stroke]:
    """A shallow arc, like a smile or a frown, lying about flat."""
    x = np.linspace(0.0, 1.0, 9)
    sag = rng.uniform(0.08, 0.2) * rng.choice([-1.0, 1.0])
    y = sag * 4 * x * (1 - x) + x * np.tan(np.deg2rad(rng.uniform(-10, 10)))
    return [np.stack([x, y], axis=1)]


# Scribbles, about one unit across ------------------------------------------------


def _lying(strokes: list[Stroke]) -> list[Stroke]:
    """``strokes`` turned a quarter turn when they stand taller than wide, so no
    scribble passes for a 1."""
    points = np.vstack(strokes)
    width, height = np.ptp(points, axis=0)
    if height <= width:
        return strokes
    return [s[:, ::-1].copy() for s in strokes]


def random_walk(rng: np.random.Generator) -> list[Stroke]:
    """An aimless line: each step turns sharply from the last."""
    steps = int(rng.integers(12, 25))
    heading = rng.uniform(0, 2 * np.pi) + np.cumsum(rng.normal(0.0, 1.3, steps))
    lengths = rng.uniform(0.4, 1.2, steps)
    moves = np.stack([np.cos(heading), np.sin(heading)], axis=1) * lengths[:, None]
    return _lying([np.vstack([np.zeros((1, 2)), moves.cumsum(axis=0)])])


def zigzag(rng: np.random.Generator) -> list[Stroke]:
    """A horizontal zig-zag of four to eight teeth."""
    corners = int(rng.integers(5, 10))
    xs = np.arange(corners) * rng.uniform(0.6, 1.2) + rng.uniform(-0.15, 0.15, corners)
    ys = np.where(np.arange(corners) % 2 == 0, 0.0, rng.uniform(0.6, 1.6))
    return [np.stack([xs, ys + rng.uniform(-0.1, 0.1, corners)], axis=1)]


def hatching(rng: np.random.Generator) -> list[Stroke]:
    """Four to seven parallel diagonal strokes side by side, lifted between strokes
    or drawn back and forth in one."""
    count = int(rng.integers(4, 8))
    angle = np.deg2rad(rng.uniform(30, 60)) * rng.choice([-1.0, 1.0])
    along = np.array([np.cos(angle), np.sin(angle)])
    spacing = rng.uniform(0.25, 0.45)
    strokes = [
        np.stack([np.array([i * spacing, 0.0]), np.array([i * spacing, 0.0]) + along])
        for i in range(count)
    ]
    if rng.random() < 0.5:
        strokes = [np.vstack([s if i % 2 == 0 else s[::-1] for i, s in enumerate(strokes)])]
    return _lying(strokes)


def coil(rng: np.random.Generator) -> list[Stroke]:
    """Loops run together along a line, like a spring or a row of cursive l's."""
    loops = rng.uniform(3.0, 6.0)
    t = np.linspace(0.0, 2 * np.pi * loops, int(20 * loops))
    radius = rng.uniform(0.5, 1.0)
    x = t / (2 * np.pi) * rng.uniform(0.6, 1.1) - radius * np.sin(t)
    y = -radius * rng.uniform(0.8, 1.4) * np.cos(t)
    return _lying([np.stack([x, y], axis=1)])


def crosshatch(rng: np.random.Generator) -> list[Stroke]:
    """Strokes one way, then strokes across them, as in shading a patch."""
    strokes = []
    for sign in (1.0, -1.0):
        angle = np.deg2rad(rng.uniform(30, 60)) * sign
        along = np.array([np.cos(angle), np.sin(angle)])
        spacing = rng.uniform(0.25, 0.4)
        for i in range(int(rng.integers(2, 5))):
            # The second set starts low and rises through the first.
            start = np.array([i * spacing, 0.0 if sign > 0 else 0.8])
            strokes.append(np.stack([start, start + along]))
    return _lying(strokes)
