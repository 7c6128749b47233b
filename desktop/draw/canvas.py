"""The drawing canvas: strokes kept as data, rendered smooth and anti-aliased.

Each stroke is a list of ``(x, y, pressure)`` points in canvas (logical) coordinates,
drawn as quadratic curves through the midpoints of successive points, so a mouse's
jagged samples come out as one smooth line. Two images are kept up to date segment by
segment while drawing: the ink (greyscale, logical size, what ``ink_image`` returns
and the network reads, the same at any screen scaling) and the display (at the
screen's device pixel ratio, in the theme's ink colour, crisp at 200%).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QElapsedTimer, QEvent, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPointingDevice
from PySide6.QtWidgets import QSizePolicy, QWidget

from digitlab.desktop.common.style import colors_for
from digitlab.desktop.draw.strokes import (
    Point,
    Stroke,
    ink_painter,
    paint_dot,
    paint_segment,
    paint_stroke,
    paint_tail,
)


class DrawingCanvas(QWidget):
    """Draw with the mouse, a pen tablet (with pressure) or a finger."""

    #: The drawing changed: throttled while a stroke goes on, at once when it ends,
    #: and on undo, clear and a shown picture.
    drawing_changed = Signal()

    THROTTLE_MS = 30  # at most ~33 live updates a second while a stroke is drawn
    MIN_PRESSURE = 0.15  # a feather-light pen touch still leaves a visible line
    MIN_STEP = 0.75  # px: closer samples add nothing but work

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._strokes: list[Stroke] = []
        self._current: Stroke | None = None
        self._picture: np.ndarray | None = None  # a shown image file, ink high
        self._picture_image: QImage | None = None  # its colourised rendering
        self._pen_width = 16.0
        self._ink = QImage()
        self._display = QImage()
        self._clock = QElapsedTimer()
        self._pending = QTimer(self, singleShot=True, timeout=self._emit_changed)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 240)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Write a digit here with the mouse, a pen or a finger")

    def sizeHint(self) -> QSize:
        return QSize(420, 420)

    # -- public API -------------------------------------------------------
    def ink_image(self) -> np.ndarray:
        """(H, W) float32 in [0, 1], ink high: the strokes, or the shown picture."""
        if self._picture is not None:
            return self._picture.copy()
        self._ensure_images()
        h, w, stride = self._ink.height(), self._ink.width(), self._ink.bytesPerLine()
        rows = np.frombuffer(self._ink.constBits(), np.uint8, count=h * stride)
        return rows.reshape(h, stride)[:, :w].astype(np.float32) * np.float32(1 / 255)

    def strokes(self) -> list[Stroke]:
        """The finished strokes, oldest first."""
        return list(self._strokes)

    def is_empty(self) -> bool:
        return not self._strokes and self._current is None and self._picture is None

    def can_undo(self) -> bool:
        return bool(self._strokes) or self._picture is not None

    def pen_width(self) -> float:
        return self._pen_width

    def set_pen_width(self, px: float) -> None:
        """The width of new strokes in logical pixels (at full pressure)."""
        self._pen_width = float(min(max(px, 1.0), 80.0))

    def undo(self) -> None:
        """Take back the last stroke (or the shown picture)."""
        if self._picture is not None:
            self._set_picture(None)
        elif self._strokes:
            self._strokes.pop()
            self._render_all()
        else:
            return
        self._emit_changed()

    def clear(self) -> None:
        """Remove every stroke and any shown picture."""
        self._strokes.clear()
        self._current = None
        self._set_picture(None)
        self._render_all()
        self._emit_changed()

    def show_picture(self, ink: np.ndarray) -> None:
        """Show an image (H, W) in [0, 1], ink high, instead of strokes; drawing again
        starts a fresh drawing."""
        self._strokes.clear()
        self._current = None
        self._render_all()
        self._set_picture(np.clip(np.asarray(ink, np.float32), 0.0, 1.0))
        self._emit_changed()

    # -- strokes ----------------------------------------------------------
    def _begin_stroke(self, pos: QPointF, pressure: float) -> None:
        if self.is_empty():
            self.update()  # the "Draw a digit here" hint goes, not only where the pen is
        if self._picture is not None:
            self._set_picture(None)
        self._ensure_images()
        self._current = Stroke(self._pen_width, [self._point(pos, pressure)])
        self._paint_incremental(lambda p, c, s: paint_dot(p, c, s, 0))
        self._changed_while_drawing()

    def _extend_stroke(self, pos: QPointF, pressure: float) -> None:
        stroke = self._current
        if stroke is None:
            return
        x, y, _ = stroke.points[-1]
        if abs(pos.x() - x) + abs(pos.y() - y) < self.MIN_STEP:
            return
        stroke.points.append(self._point(pos, pressure))
        index = len(stroke.points) - 1
        self._paint_incremental(lambda p, c, s: paint_segment(p, c, s, index))
        self._changed_while_drawing()

    def _finish_stroke(self, pos: QPointF | None = None, pressure: float = 1.0) -> None:
        if self._current is None:
            return
        if pos is not None:
            self._extend_stroke(pos, pressure)
        self._paint_incremental(paint_tail)
        self._strokes.append(self._current)
        self._current = None
        self._pending.stop()
        self._emit_changed()

    def _cancel_stroke(self) -> None:
        if self._current is not None:
            self._current = None
            self._render_all()
            self._emit_changed()

    def _point(self, pos: QPointF, pressure: float) -> Point:
        pressure = 1.0 if pressure <= 0 else max(min(pressure, 1.0), self.MIN_PRESSURE)
        return float(pos.x()), float(pos.y()), float(pressure)

    def _changed_while_drawing(self) -> None:
        if not self._clock.isValid() or self._clock.elapsed() >= self.THROTTLE_MS:
            self._emit_changed()
        elif not self._pending.isActive():
            self._pending.start(max(1, self.THROTTLE_MS - self._clock.elapsed()))

    def _emit_changed(self) -> None:
        self._pending.stop()
        self._clock.restart()
        self.drawing_changed.emit()

    # -- rendering --------------------------------------------------------
    def _ensure_images(self) -> None:
        """(Re)create both images when the size or the pixel ratio changed."""
        dpr = self.devicePixelRatioF()
        size = self.size()
        if self._ink.size() != size or self._display.devicePixelRatio() != dpr:
            self._render_all()

    def _render_all(self) -> None:
        """Redraw every stroke into fresh images; after undo, resize or a new theme."""
        dpr = self.devicePixelRatioF()
        size = self.size()
        self._ink = QImage(size, QImage.Format.Format_Grayscale8)
        self._ink.fill(0)
        physical = QSize(round(size.width() * dpr), round(size.height() * dpr))
        self._display = QImage(physical, QImage.Format.Format_ARGB32_Premultiplied)
        self._display.setDevicePixelRatio(dpr)
        self._display.fill(Qt.GlobalColor.transparent)
        strokes = self._strokes + ([self._current] if self._current else [])
        for image, color in self._targets():
            painter = ink_painter(image)
            for stroke in strokes:
                paint_stroke(painter, color, stroke, finished=stroke is not self._current)
            painter.end()
        self.update()

    def _paint_incremental(self, paint) -> None:
        """Run ``paint(painter, colour, stroke)`` for the current stroke on both images and
        repaint only the area it touched."""
        stroke = self._current
        if stroke is None:
            return
        dirty = QRectF()
        for image, color in self._targets():
            painter = ink_painter(image)
            dirty = paint(painter, color, stroke)
            painter.end()
        margin = stroke.width / 2 + 2
        self.update(dirty.adjusted(-margin, -margin, margin, margin).toAlignedRect())

    def _targets(self) -> list[tuple[QImage, QColor]]:
        """Each image strokes go into, with its ink colour: white in the greyscale ink
        (ink high), the theme's ink colour on the display."""
        return [
            (self._ink, QColor(255, 255, 255)),
            (self._display, QColor(colors_for(self.palette()).ink)),
        ]

    def _set_picture(self, picture: np.ndarray | None) -> None:
        self._picture, self._picture_image = picture, None
        self.update()

    # -- Qt events --------------------------------------------------------
    def paintEvent(self, event) -> None:
        self._ensure_images()
        colors = colors_for(self.palette())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        paper = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(QPen(QColor(colors.border), 1))
        painter.setBrush(QColor(colors.paper))
        painter.drawRoundedRect(paper, 10, 10)
        if self._picture is not None:
            self._paint_picture(painter, colors.ink)
        else:
            painter.drawImage(0, 0, self._display)
        if self.is_empty():
            painter.setPen(QColor(colors.muted))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Draw a digit here")
        painter.end()

    def _paint_picture(self, painter: QPainter, ink: str) -> None:
        if self._picture_image is None:
            self._picture_image = _tinted(self._picture, QColor(ink))
        target = QRectF(self.rect()).adjusted(12, 12, -12, -12)
        size = QSize(self._picture_image.size()).scaled(
            target.size().toSize(), Qt.AspectRatioMode.KeepAspectRatio
        )
        box = QRectF(0, 0, size.width(), size.height())
        box.moveCenter(target.center())
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(box, self._picture_image)

    def resizeEvent(self, event) -> None:
        self._render_all()
        super().resizeEvent(event)

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._picture_image = None
            self._render_all()
        super().changeEvent(event)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin_stroke(event.position(), 1.0)

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._extend_stroke(event.position(), 1.0)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._finish_stroke(event.position(), 1.0)

    def tabletEvent(self, event) -> None:
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self._begin_stroke(event.position(), event.pressure())
        elif kind == QEvent.Type.TabletMove and self._current is not None:
            self._extend_stroke(event.position(), event.pressure())
        elif kind == QEvent.Type.TabletRelease:
            self._finish_stroke()
        event.accept()  # no synthesised mouse events on top

    def event(self, event) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd):
            self._touch(event)
            return True
        if kind == QEvent.Type.TouchCancel:
            self._cancel_stroke()
            return True
        return super().event(event)

    def _touch(self, event) -> None:
        """The first finger draws; more fingers are ignored."""
        event.accept()
        points = event.points()
        if not points:
            return
        point = points[0]
        has_pressure = bool(event.device().capabilities() & QPointingDevice.Capability.Pressure)
        pressure = point.pressure() if has_pressure else 1.0
        if event.type() == QEvent.Type.TouchBegin:
            self._begin_stroke(point.position(), pressure)
        elif event.type() == QEvent.Type.TouchUpdate:
            self._extend_stroke(point.position(), pressure)
        else:
            self._finish_stroke(point.position(), pressure)


def _tinted(ink: np.ndarray, color: QColor) -> QImage:
    """``ink`` (H, W) in [0, 1] as an image of ``color`` with the ink as its alpha."""
    h, w = ink.shape
    alpha = np.round(ink * 255).astype(np.uint32)
    rgb = (color.red() << 16) | (color.green() << 8) | color.blue()
    argb = np.ascontiguousarray((alpha << 24) | np.uint32(rgb))
    image = QImage(argb.data, w, h, 4 * w, QImage.Format.Format_ARGB32)
    return image.copy()  # own the pixels: ``argb`` is freed on return
