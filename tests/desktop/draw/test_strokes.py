"""Painting one stroke: where the ink goes, and pressure."""

import numpy as np
from PySide6.QtGui import QColor, QImage

from digitlab.desktop.draw.strokes import Stroke, ink_painter, paint_stroke

WHITE = QColor(255, 255, 255)


def painted(stroke: Stroke, size: int = 100) -> np.ndarray:
    """(size, size) uint8: ``stroke`` painted white on black."""
    image = QImage(size, size, QImage.Format.Format_Grayscale8)
    image.fill(0)
    painter = ink_painter(image)
    paint_stroke(painter, WHITE, stroke, finished=True)
    painter.end()
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(size, image.bytesPerLine())
    return rows[:, :size].copy()


def test_a_straight_stroke_covers_the_line_between_its_ends():
    ink = painted(Stroke(6.0, [(20.0, 50.0, 1.0), (50.0, 50.0, 1.0), (80.0, 50.0, 1.0)]))
    assert (ink[50, 20:81] == 255).all()  # the whole line, end points included
    assert ink[40:44].max() == 0 and ink[57:61].max() == 0  # 3 px either side, no more
    assert ink[:, :15].max() == 0 and ink[:, 86:].max() == 0  # round caps end at width/2


def test_a_bend_is_smoothed_through_the_midpoints():
    # A right angle at (80, 20): the curve leaves the corner itself unpainted.
    ink = painted(Stroke(2.0, [(20.0, 20.0, 1.0), (80.0, 20.0, 1.0), (80.0, 80.0, 1.0)]))
    assert ink[20, 50] > 0 and ink[50, 80] > 0  # the midpoints of both sides
    assert ink[19:22, 78:82].max() == 0  # the sharp corner is cut


def test_lighter_pressure_paints_a_thinner_line():
    firm = painted(Stroke(10.0, [(20.0, 50.0, 1.0), (80.0, 50.0, 1.0)]))
    light = painted(Stroke(10.0, [(20.0, 50.0, 0.4), (80.0, 50.0, 0.4)]))
    assert 0.3 < light.sum() / firm.sum() < 0.5


def test_a_single_point_is_a_dot():
    ink = painted(Stroke(10.0, [(50.0, 50.0, 1.0)]))
    rows, cols = np.nonzero(ink > 127)
    assert 8 <= rows.max() - rows.min() + 1 <= 11
    assert abs(rows.mean() - 49.5) < 1 and abs(cols.mean() - 49.5) < 1
