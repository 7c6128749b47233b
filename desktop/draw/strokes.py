"""Strokes as data, and how one is painted: smooth, anti-aliased, round-ended.

A stroke is the points a pen passed through, drawn as quadratic curves through the
midpoints of successive points (each point is the control point of the curve
between its neighbours' midpoints), so a mouse's jagged samples come out as one
smooth line. ``paint_segment`` paints just the piece that a new point completes,
so a stroke can be drawn while it is being made, and ``paint_stroke`` paints the
same pixels in one go.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen

Point = tuple[float, float, float]  # x, y in logical pixels; pressure in (0, 1]


@dataclass
class Stroke:
    """One pen-down to pen-up: its nominal width and the points it passed through."""

    width: float
    points: list[Point] = field(default_factory=list)


def ink_painter(image: QImage) -> QPainter:
    """An anti-aliasing painter on ``image``; the caller ends it."""
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    return painter


def _mid(a: Point, b: Point) -> QPointF:
    return QPointF((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)


def _stroke_path(painter: QPainter, color: QColor, path: QPainterPath, width: float) -> QRectF:
    pen = QPen(color, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.strokePath(path, pen)
    return path.boundingRect()


def paint_dot(painter: QPainter, color: QColor, stroke: Stroke, index: int) -> QRectF:
    """A round dot at point ``index``: a click, or where a stroke starts."""
    x, y, pressure = stroke.points[index]
    radius = stroke.width * pressure / 2
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawEllipse(QPointF(x, y), radius, radius)
    return QRectF(x, y, 0, 0)


def paint_segment(painter: QPainter, color: QColor, stroke: Stroke, index: int) -> QRectF:
    """The piece of curve that point ``index`` (>= 1) completes: from the previous
    midpoint to the new one, bending through the point in between."""
    points = stroke.points
    prev, new = points[index - 1], points[index]
    if index == 1:  # the first piece starts at the first point itself
        path = QPainterPath(QPointF(prev[0], prev[1]))
        path.lineTo(_mid(prev, new))
    else:
        path = QPainterPath(_mid(points[index - 2], prev))
        path.quadTo(QPointF(prev[0], prev[1]), _mid(prev, new))
    return _stroke_path(painter, color, path, stroke.width * prev[2])


def paint_tail(painter: QPainter, color: QColor, stroke: Stroke) -> QRectF:
    """From the last midpoint to the last point, where the pen left the surface."""
    points = stroke.points
    if len(points) < 2:
        return paint_dot(painter, color, stroke, 0)
    path = QPainterPath(_mid(points[-2], points[-1]))
    path.lineTo(QPointF(points[-1][0], points[-1][1]))
    return _stroke_path(painter, color, path, stroke.width * points[-1][2])


def paint_stroke(painter: QPainter, color: QColor, stroke: Stroke, finished: bool) -> None:
    """A whole stroke, exactly as drawing it point by point painted it."""
    paint_dot(painter, color, stroke, 0)
    for index in range(1, len(stroke.points)):
        paint_segment(painter, color, stroke, index)
    if finished:
        paint_tail(painter, color, stroke)
