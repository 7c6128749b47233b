"""Grids of small images painted from one QImage: feature maps and conv kernels."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QHelpEvent, QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from digitlab.desktop.common.image_utils import (
    IndexedImage,
    colour_map,
    format_value,
    frame_colour,
    to_indices,
)


class HoverCells(QWidget):
    """A widget of numbered cells that names the cell under the mouse in a tooltip and
    outlines it, and holds the values its cells show. Subclasses give ``index_at``,
    ``cell_rect`` and ``tooltip_for``.

    A click on a cell emits ``unit_clicked`` with the unit under the mouse (``unit_at``:
    ``(index,)``, or ``(map, row, column)`` in a grid of maps); ``set_marks`` outlines
    cells, or blocks of a map, in the highlight colour, e.g. the part of a layer one
    unit reads.
    """

    unit_clicked = Signal(tuple)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        # We fill our own background (see begin_paint), so Qt need not repaint the
        # card behind us on every update.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._hover: int | None = None
        self._values: np.ndarray | None = None  # what the cells show; None: nothing yet
        self._marks: list[tuple] = []  # outlined: (index,) or (map, rows, cols) spans
        self.format_value = format_value  # value -> text in tooltips (format_small: gradients)

    def unit_at(self, pos: QPoint) -> tuple[int, ...] | None:
        index = self.index_at(pos)
        return None if index is None else (index,)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        unit = self.unit_at(event.position().toPoint())
        if unit is not None and event.button() == Qt.MouseButton.LeftButton:
            self.unit_clicked.emit(unit)
        super().mousePressEvent(event)

    def set_marks(self, marks: list[tuple]) -> None:
        """Outline cells ``(index,)`` (or, in a grid of maps, blocks ``(map, (r0, r1),
        (c0, c1))``); an empty list removes the marks. Kept in cell terms, so they
        follow the cells when the widget is resized and the cells rewrap."""
        self._marks = list(marks)
        self.update()

    @property
    def marks(self) -> list[tuple]:
        return list(self._marks)

    def mark_rect(self, mark: tuple) -> QRect:
        return self.cell_rect(mark[0])

    def _paint_marks(self, painter: QPainter) -> None:
        if self._marks:
            pen = painter.pen()
            pen.setColor(self.palette().color(QPalette.ColorRole.Highlight))
            pen.setWidth(2)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRects([self.mark_rect(mark) for mark in self._marks])

    def clear_values(self) -> None:
        self._values = None
        self.update()

    @property
    def has_values(self) -> bool:
        return self._values is not None

    def begin_paint(self) -> QPainter:
        """A painter on this widget, its background filled with the card's colour."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
        return painter

    def index_at(self, pos: QPoint) -> int | None:
        raise NotImplementedError

    def cell_rect(self, index: int) -> QRect:
        raise NotImplementedError

    def tooltip_for(self, index: int) -> str:
        raise NotImplementedError

    def tooltip_at(self, pos: QPoint) -> str | None:
        """The tooltip for the cell at ``pos`` (widget coordinates), None between cells."""
        index = self.index_at(pos)
        return None if index is None else self.tooltip_for(index)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            self._show_tooltip(event)  # type: ignore[arg-type]
            return True
        return super().event(event)

    def _show_tooltip(self, event: QHelpEvent) -> None:
        index = self.index_at(event.pos())
        if index is None:
            QToolTip.hideText()
            event.ignore()
            return
        # The rect makes Qt hide the tip once the mouse leaves this cell.
        QToolTip.showText(event.globalPos(), self.tooltip_for(index), self, self.cell_rect(index))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        index = self.index_at(event.position().toPoint())
        if index != self._hover:
            self._hover = index
            self.update()
            if QToolTip.isVisible() and index is not None:  # follow the mouse at once
                pos = event.globalPosition().toPoint()
                QToolTip.showText(pos, self.tooltip_for(index), self, self.cell_rect(index))
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._hover = None
        self.update()
        super().leaveEvent(event)

    def _paint_hover(self, painter: QPainter) -> None:
        self._paint_marks(painter)
        if self._hover is not None:
            painter.setPen(self.palette().color(QPalette.ColorRole.Highlight))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(self.cell_rect(self._hover).adjusted(-1, -1, 0, 0))


def balanced_columns(count: int, fit: int) -> int:
    """Columns for ``count`` cells when at most ``fit`` fit in a row, filling the rows
    evenly: 84 cells with room for 72 make two rows of 42, not 72 and an orphan 12."""
    fit = max(1, min(count, fit))
    rows = -(-count // fit)
    return -(-count // rows)


class MapGrid(HoverCells):
    """``count`` maps of shape (h, w), each nearest-neighbour scaled by a whole factor to
    about ``cell`` pixels, wrapped to the widget's width or in ``columns`` columns.

    ``set_values`` writes every map into ONE uint8 buffer (h, count*w), map i in
    columns i*w..(i+1)*w, so an update is a single NumPy pass and no widget changes.
    """

    GAP = 4  # pixels between maps

    def __init__(
        self,
        count: int,
        map_shape: tuple[int, int],
        describe: Callable[[int], str],
        *,
        centred: bool,
        cell: int = 56,
        columns: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.count = count
        self._h, self._w = map_shape
        self._scale = max(1, cell // max(self._h, self._w))
        self._describe = describe  # index -> "conv2 · channel 7"
        self.centred = centred  # signed values: a diverging map centred on zero
        self._fixed_columns = columns
        self._image = IndexedImage(self._h, count * self._w)
        self._sources = [QRect(i * self._w, 0, self._w, self._h) for i in range(count)]
        self._rects_cache: tuple[int, list[QRect], list[QRect]] = (-1, [], [])
        # Wrapped grids take their height from their width; a Fixed vertical policy
        # would cap that height at sizeHint's, which assumes another width.
        vertical = QSizePolicy.Policy.Fixed if columns else QSizePolicy.Policy.Preferred
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, vertical)
        policy.setHeightForWidth(columns is None)
        self.setSizePolicy(policy)

    # -- data -------------------------------------------------------------
    def set_values(self, values: np.ndarray, lo: float, hi: float) -> None:
        """values: (count, h, w) float, coloured on the scale [lo, hi]."""
        strip = values.transpose(1, 0, 2).reshape(self._h, -1)  # (h, count*w), maps side by side
        to_indices(strip, lo, hi, self._image.pixels)
        self._values = values
        self.update()

    @property
    def values_shape(self) -> tuple[int, int, int]:
        """(count, h, w): the shape of the values the grid shows."""
        return (self.count, self._h, self._w)

    # -- geometry ---------------------------------------------------------
    def map_size(self) -> QSize:
        return QSize(self._w * self._scale, self._h * self._scale)

    def columns(self, width: int | None = None) -> int:
        if self._fixed_columns is not None:
            return self._fixed_columns
        width = self.width() if width is None else width
        step = self.map_size().width() + self.GAP
        return balanced_columns(self.count, (width + self.GAP) // step)

    def _height_for_columns(self, columns: int) -> int:
        rows = -(-self.count // columns)
        return rows * (self.map_size().height() + self.GAP) - self.GAP + 2  # +2: hover outline

    def _width_for_columns(self, columns: int) -> int:
        return columns * (self.map_size().width() + self.GAP) - self.GAP + 2

    def hasHeightForWidth(self) -> bool:
        return self._fixed_columns is None

    def heightForWidth(self, width: int) -> int:
        return self._height_for_columns(self.columns(width))

    def sizeHint(self) -> QSize:
        columns = self._fixed_columns or min(self.count, 8)
        return QSize(self._width_for_columns(columns), self._height_for_columns(columns))

    def minimumSizeHint(self) -> QSize:
        if self._fixed_columns is not None:
            return self.sizeHint()
        # One map wide, one row high: the real height comes from heightForWidth. A
        # one-column height here would make the scroll area as tall as that layout.
        return QSize(self._width_for_columns(1), self._height_for_columns(self.count))

    def cell_rect(self, index: int) -> QRect:
        row, col = divmod(index, self.columns())
        size = self.map_size()
        x, y = 1 + col * (size.width() + self.GAP), 1 + row * (size.height() + self.GAP)
        return QRect(QPoint(x, y), size)

    def unit_at(self, pos: QPoint) -> tuple[int, int, int] | None:
        """(map, row, column) of the value under ``pos``, None between maps."""
        index = self.index_at(pos)
        if index is None:
            return None
        offset = pos - self.cell_rect(index).topLeft()
        return index, offset.y() // self._scale, offset.x() // self._scale

    def mark_rect(self, mark: tuple) -> QRect:
        return self.block_rect(*mark) if len(mark) == 3 else self.cell_rect(mark[0])

    def block_rect(self, index: int, rows: tuple[int, int], cols: tuple[int, int]) -> QRect:
        """Where rows [r0, r1) and columns [c0, c1) of map ``index`` are drawn."""
        corner = self.cell_rect(index).topLeft()
        s = self._scale
        return QRect(
            corner + QPoint(cols[0] * s, rows[0] * s),
            QSize((cols[1] - cols[0]) * s, (rows[1] - rows[0]) * s),
        )

    def index_at(self, pos: QPoint) -> int | None:
        size, columns = self.map_size(), self.columns()
        col, dx = divmod(pos.x() - 1, size.width() + self.GAP)
        row, dy = divmod(pos.y() - 1, size.height() + self.GAP)
        if not (0 <= col < columns and row >= 0) or dx >= size.width() or dy >= size.height():
            return None
        index = row * columns + col
        return index if index < self.count else None

    # -- text and painting -----------------------------------------------
    def tooltip_for(self, index: int) -> str:
        text = self._describe(index)
        if self._values is None:
            return text
        values = self._values[index]
        low, high = self.format_value(values.min()), self.format_value(values.max())
        return f"{text} · min {low} max {high}"

    def _rects(self) -> tuple[list[QRect], list[QRect]]:
        """(targets, frames) for the current width: computed once per width, as a paint
        runs on every update and a Python loop of QRect arithmetic is not free."""
        width = self.width()
        if self._rects_cache[0] != width:
            targets = [self.cell_rect(i) for i in range(self.count)]
            self._rects_cache = (width, targets, [r.adjusted(-1, -1, 0, 0) for r in targets])
        return self._rects_cache[1], self._rects_cache[2]

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = self.begin_paint()
        palette = self.palette()
        painter.setPen(frame_colour(palette))
        targets, frames = self._rects()
        if self._values is None:
            painter.setBrush(palette.color(QPalette.ColorRole.AlternateBase))
            painter.drawRects(targets)
        else:
            # Qt would convert an indexed image on every drawImage; convert it once.
            image = self._image.view(colour_map(self.centred, palette).table)
            for target, source in zip(targets, self._sources, strict=True):
                # No SmoothPixmapTransform: Qt scales by nearest neighbour, at device pixels.
                painter.drawImage(target, image, source)
            painter.drawRects(frames)
        self._paint_hover(painter)
        painter.end()
