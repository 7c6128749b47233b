"""The drawing canvas, driven by real mouse, tablet and touch events."""

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QPointingDevice, QTabletEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from digitlab.desktop.common.style import DARK, LIGHT, make_palette
from digitlab.desktop.draw.canvas import DrawingCanvas


@pytest.fixture
def canvas(qtbot):
    widget = DrawingCanvas()
    widget.resize(301, 257)  # odd sizes: rows of the ink image are padded
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_a_new_canvas_is_empty(canvas):
    ink = canvas.ink_image()
    assert canvas.is_empty()
    assert ink.shape == (257, 301)
    assert ink.dtype == np.float32
    assert ink.max() == 0.0


def test_a_stroke_leaves_ink_where_it_was_drawn(canvas, draw, make_line):
    draw(canvas, make_line((50, 40), (50, 200)))
    ink = canvas.ink_image()
    assert not canvas.is_empty()
    assert len(canvas.strokes()) == 1
    assert ink.max() == pytest.approx(1.0)
    rows, cols = np.nonzero(ink > 0.5)
    assert rows.min() >= 40 - 10 and rows.max() <= 200 + 10
    assert abs(cols.mean() - 50) < 1.0  # a vertical line, centred on x = 50
    assert ink[:, 150:].max() == 0.0  # and nothing elsewhere


def test_drawing_changed_fires_when_the_stroke_ends(canvas, qtbot, draw, make_line):
    with qtbot.waitSignal(canvas.drawing_changed, timeout=1000):
        draw(canvas, make_line((20, 20), (200, 200)))


class SteppingClock:
    """A stand-in for the canvas's QElapsedTimer whose time moves ``step`` ms each time
    it is read, so the throttle is tested without depending on the machine's speed."""

    def __init__(self, step: int) -> None:
        self.step, self.now, self.started = step, 0, None

    def isValid(self) -> bool:  # noqa: N802 (QElapsedTimer's name)
        return self.started is not None

    def restart(self) -> None:
        self.started = self.now

    def elapsed(self) -> int:
        self.now += self.step
        return self.now - self.started


def test_updates_during_a_stroke_are_throttled(canvas, draw, make_line, monkeypatch):
    monkeypatch.setattr(canvas, "_clock", SteppingClock(step=0))  # a very fast machine
    emitted = []
    canvas.drawing_changed.connect(lambda: emitted.append(1))
    draw(canvas, make_line((20, 20), (250, 200), steps=200))
    assert len(emitted) == 2  # the pen going down, then none until the stroke ends


def test_a_slow_stroke_updates_at_every_interval(canvas, draw, make_line, monkeypatch):
    monkeypatch.setattr(canvas, "_clock", SteppingClock(step=canvas.THROTTLE_MS))
    emitted = []
    canvas.drawing_changed.connect(lambda: emitted.append(1))
    draw(canvas, make_line((20, 20), (250, 200), steps=20))
    assert len(emitted) == 22  # the pen going down, each of the 20 moves, the stroke's end


def test_undo_takes_back_the_last_stroke(canvas, draw, make_line):
    draw(canvas, make_line((40, 40), (40, 200)))
    first = canvas.ink_image()
    draw(canvas, make_line((150, 40), (250, 200)))
    assert not np.array_equal(canvas.ink_image(), first)
    canvas.undo()
    np.testing.assert_array_equal(canvas.ink_image(), first)  # re-rendered exactly the same
    canvas.undo()
    assert canvas.is_empty()
    assert canvas.ink_image().max() == 0.0
    canvas.undo()  # nothing left: harmless
    assert canvas.is_empty()


def test_clear_removes_everything(canvas, draw, make_line, qtbot):
    draw(canvas, make_line((40, 40), (40, 200)))
    draw(canvas, make_line((100, 40), (200, 40)))
    with qtbot.waitSignal(canvas.drawing_changed, timeout=1000):
        canvas.clear()
    assert canvas.is_empty()
    assert canvas.strokes() == []
    assert canvas.ink_image().max() == 0.0


def test_a_wider_pen_leaves_more_ink(canvas, draw, make_line):
    canvas.set_pen_width(4)
    draw(canvas, make_line((40, 40), (40, 200)))
    thin = canvas.ink_image().sum()
    canvas.clear()
    canvas.set_pen_width(30)
    draw(canvas, make_line((40, 40), (40, 200)))
    assert canvas.ink_image().sum() > 5 * thin


def test_a_click_leaves_a_dot(canvas, qtbot):
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.rect().center())
    assert len(canvas.strokes()) == 1
    assert canvas.ink_image().max() > 0.9


def test_moving_without_the_button_draws_nothing(canvas):
    QTest.mouseMove(canvas, canvas.rect().center())
    assert canvas.is_empty()


def test_the_ink_is_high_in_light_and_dark_themes(canvas, draw, make_line):
    draw(canvas, make_line((40, 40), (200, 200)))
    canvas.setPalette(make_palette(LIGHT))
    light = canvas.ink_image()
    canvas.setPalette(make_palette(DARK))
    np.testing.assert_array_equal(canvas.ink_image(), light)
    assert light.max() == pytest.approx(1.0)
    assert light[0, 0] == 0.0


def test_a_shown_picture_is_the_ink_until_drawing_starts(canvas, draw, make_line):
    picture = np.zeros((40, 30), np.float32)
    picture[5:35, 14:16] = 1.0
    canvas.show_picture(picture)
    np.testing.assert_array_equal(canvas.ink_image(), picture)
    assert not canvas.is_empty()
    draw(canvas, make_line((40, 40), (200, 40)))
    assert canvas.ink_image().shape == (257, 301)  # the picture made way for the drawing
    canvas.show_picture(picture)
    canvas.undo()
    assert canvas.is_empty()


def _tablet(canvas, kind, pos, pressure):
    device = QPointingDevice.primaryPointingDevice()
    buttons = (
        Qt.MouseButton.NoButton if kind == QEvent.Type.TabletRelease else Qt.MouseButton.LeftButton
    )
    event = QTabletEvent(
        kind, device, QPointF(*pos), canvas.mapToGlobal(QPointF(*pos)), pressure,
        0.0, 0.0, 0.0, 0.0, 0.0, Qt.KeyboardModifier.NoModifier, Qt.MouseButton.LeftButton, buttons,
    )  # fmt: skip
    QApplication.sendEvent(canvas, event)


def _tablet_stroke(canvas, pressure):
    _tablet(canvas, QEvent.Type.TabletPress, (40, 40), pressure)
    for y in range(45, 205, 5):
        _tablet(canvas, QEvent.Type.TabletMove, (40, y), pressure)
    _tablet(canvas, QEvent.Type.TabletRelease, (40, 200), pressure)


def test_tablet_pressure_sets_the_width(canvas):
    canvas.set_pen_width(24)
    _tablet_stroke(canvas, 1.0)
    firm = canvas.ink_image().sum()
    assert len(canvas.strokes()) == 1
    canvas.clear()
    _tablet_stroke(canvas, 0.3)
    light = canvas.ink_image().sum()
    assert 0.15 * firm < light < 0.5 * firm


def test_a_finger_draws(canvas):
    device = QTest.createTouchDevice()
    centre = canvas.rect().center()
    QTest.touchEvent(canvas, device).press(0, centre).commit()
    for step in range(1, 20):
        QTest.touchEvent(canvas, device).move(0, centre + QPoint(0, 4 * step)).commit()
    QTest.touchEvent(canvas, device).release(0, centre + QPoint(0, 80)).commit()
    assert len(canvas.strokes()) == 1
    rows, _ = np.nonzero(canvas.ink_image() > 0.5)
    assert rows.max() - rows.min() > 70  # the whole vertical stroke, not a dot
