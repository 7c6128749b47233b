"""Strokes to images, as the canvas draws them: smooth, round-ended, anti-aliased ink.

Stroke data (a person's pen trajectories, or glyphs drawn by a program) meets the
canvas in one code path here: the strokes are fitted onto a canvas-sized image as a
person would place a digit on it, drawn with a round pen of a given width, then go
through the app's own preprocessing (:func:`digitlab.core.reading.preprocess.to_mnist`).

A stroke is a (k, 2) float array of points (x, y) in pixels, x right and y down, as on
a screen. The canvas smooths a stroke by drawing quadratic curves through the
midpoints of its samples (``desktop/draw/strokes.py``); :func:`smooth` does the same,
so pen data sampled far more sparsely than a mouse still draws as curves.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from digitlab.core.reading.preprocess import to_mnist

Stroke = np.ndarray  # (k, 2) float points (x, y)

#: The canvas's default pen width, in logical pixels.
CANVAS_PEN = 16.0


def smooth(stroke: Stroke, step: float = 2.0) -> Stroke:
    """The curve the canvas paints for ``stroke``: from the first point, quadratic
    curves through each sample's neighbours' midpoints, then a line to the last point;
    returned as points about ``step`` pixels apart."""
    points = np.asarray(stroke, dtype=np.float64)
    if len(points) < 3:
        return points
    mids = (points[:-1] + points[1:]) / 2  # (k-1, 2)
    pieces = [points[:1]]
    starts = np.vstack([points[:1], mids[1:-1]])  # each curve runs start -> control -> end
    for start, control, end in zip(starts, points[1:-1], mids[1:], strict=True):
        length = np.hypot(*(control - start)) + np.hypot(*(end - control))
        t = np.linspace(0.0, 1.0, max(2, int(length / step) + 1))[1:, None]
        pieces.append((1 - t) ** 2 * start + 2 * (1 - t) * t * control + t**2 * end)
    pieces.append(points[-1:])
    return np.vstack(pieces)


def draw_strokes(
    strokes: Sequence[Stroke], shape: tuple[int, int], pen: float | Sequence[float]
) -> np.ndarray:
    """Draw ``strokes`` (pixels, y down) with a round pen ``pen`` pixels wide (one width
    for all, or one per stroke): (H, W) float32 in [0, 1], ink high, anti-aliased by a
    one-pixel ramp at the pen's edge. A stroke of one point is a dot."""
    image = np.zeros(shape, np.float32)
    widths = [float(pen)] * len(strokes) if np.isscalar(pen) else [float(p) for p in pen]
    for stroke, width in zip(strokes, widths, strict=True):
        points = np.asarray(stroke, dtype=np.float64).reshape(-1, 2)
        segments = itertools.pairwise(points) if len(points) > 1 else [(points[0], points[0])]
        for a, b in segments:
            _draw_segment(image, a, b, width)
    return image


def _draw_segment(image: np.ndarray, a: np.ndarray, b: np.ndarray, pen: float) -> None:
    reach = pen / 2 + 1  # beyond this a pixel gets no ink from the segment
    # Only the pixels near the segment: a whole-canvas pass per segment is slow.
    x0, y0 = np.maximum(np.floor(np.minimum(a, b) - reach), 0).astype(int)
    x1, y1 = np.ceil(np.maximum(a, b) + reach).astype(int)
    if x1 <= x0 or y1 <= y0:
        return
    ys, xs = np.mgrid[y0 : min(y1, image.shape[0]), x0 : min(x1, image.shape[1])] + 0.5
    ink = np.clip(pen / 2 + 0.5 - _distance_to_segment(xs, ys, a, b), 0.0, 1.0)
    window = image[y0 : y0 + ink.shape[0], x0 : x0 + ink.shape[1]]
    np.maximum(window, ink, out=window)


def _distance_to_segment(
    xs: np.ndarray, ys: np.ndarray, a: np.ndarray, b: np.ndarray
) -> np.ndarray:
    """Distance of each point (xs, ys) to the segment from a to b."""
    ab = b - a
    length2 = float(ab @ ab)
    along = ((xs - a[0]) * ab[0] + (ys - a[1]) * ab[1]) / length2 if length2 else 0.0
    t = np.clip(along, 0.0, 1.0)
    return np.hypot(xs - (a[0] + t * ab[0]), ys - (a[1] + t * ab[1]))


def fit_to_canvas(
    strokes: Sequence[Stroke],
    *,
    height: float,
    centre: tuple[float, float],
    y_up: bool = False,
) -> list[Stroke]:
    """Scale ``strokes`` (any units) so their drawing is ``height`` pixels tall (or as
    wide, if wider), keep the aspect ratio, and centre it at ``centre`` (x, y) pixels.
    ``y_up`` flips data whose y grows upwards (a tablet's) so the digit stands upright."""
    points = [np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in strokes]
    allp = np.vstack(points)
    if y_up:
        points = [p * [1.0, -1.0] for p in points]
        allp = allp * [1.0, -1.0]
    low, high = allp.min(axis=0), allp.max(axis=0)
    extent = max(float(np.max(high - low)), 1e-9)
    scale = height / extent
    middle = (low + high) / 2
    return [(p - middle) * scale + centre for p in points]


def render_digit(
    strokes: Sequence[Stroke], *, pen: float = CANVAS_PEN, height: float = 300.0, y_up: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Strokes as a person would draw them on the canvas, and what the network sees:
    (the drawing (H, W) float32, the 28x28 float32 image after the app's preprocessing).

    The drawing is ``height`` pixels tall (or wide), drawn with the app's smoothing and a
    round pen ``pen`` pixels wide: on the app's canvas a digit is typically 200-500
    pixels tall and the pen 16 wide. Only the part of the canvas around the drawing is
    made: the preprocessing crops to the ink, so the rest would not change the result.
    """
    margin = pen / 2 + 2
    side = int(np.ceil(height + 2 * margin))
    placed = fit_to_canvas(strokes, height=height, centre=(side / 2, side / 2), y_up=y_up)
    image = draw_strokes([smooth(s) for s in placed], (side, side), pen)
    return image, to_mnist(image)
