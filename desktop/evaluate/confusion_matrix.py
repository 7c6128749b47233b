"""The confusion matrix as a heat map: rows the true digit, columns the predicted one.

For a model that can answer "not a digit" there is an eleventh column, marked with a
dash, counting the test digits it declined; the rows stay the ten digits.

Colours follow a log scale, ``log(1 + count) / log(1 + largest)``, so a handful of
mistakes beside a thousand right answers still shows; right answers (the diagonal)
are tinted with the accent colour and mistakes with a warm red, so errors stand out.
Clicking a cell selects it and emits ``cell_clicked(true, predicted)``.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QToolTip, QWidget

from digitlab.core.reading.recognition import DIGITS, NOT_A_DIGIT
from digitlab.desktop.common.image_utils import is_dark, mix
from digitlab.desktop.common.style import NOT_A_DIGIT_MARK, colors_for

MARGIN = 44  # px left of and above the grid, for the digits and axis titles
ERROR_LIGHT, ERROR_DARK = "#d64541", "#ff6b5e"


def cell_strength(count: int, largest: int) -> float:
    """Where ``count`` sits on the log colour scale, 0 (none) to 1 (the largest cell)."""
    return math.log1p(count) / math.log1p(largest) if count > 0 and largest > 0 else 0.0


class ConfusionMatrix(QWidget):
    """A painted 10x10 grid (true digits x predicted classes; 10x11 with a "not a
    digit" column) with the count in every cell."""

    cell_clicked = Signal(int, int)  # true class, predicted class

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.matrix = np.zeros((10, 10), np.int64)
        self.selected: tuple[int, int] | None = None
        self.setMinimumSize(260, 260)
        self.setMouseTracking(True)
        self.setToolTip("Rows: the true digit; columns: what the model said. Click a cell.")

    def sizeHint(self) -> QSize:
        return QSize(420, 420)

    def set_matrix(self, matrix: np.ndarray | None) -> None:
        """``matrix`` (10, classes) int counts, rows the true digits; None clears it."""
        self.matrix = np.zeros((10, 10), np.int64) if matrix is None else np.asarray(matrix)
        self.selected = None
        self.update()

    def select(self, cell: tuple[int, int] | None) -> None:
        self.selected = cell
        self.update()

    # -- geometry -----------------------------------------------------------------------
    def _cell_size(self) -> float:
        rows, columns = self.matrix.shape
        across = (self.width() - MARGIN - 4) / columns
        return max(1.0, min(across, (self.height() - MARGIN - 4) / rows))

    def _left(self) -> float:
        """Where the first column starts: the grid is centred across the widget."""
        spare = self.width() - MARGIN - 4 - self._cell_size() * self.matrix.shape[1]
        return MARGIN + max(0.0, spare / 2)

    def cell_rect(self, true: int, predicted: int) -> QRectF:
        size = self._cell_size()
        return QRectF(self._left() + predicted * size, MARGIN + true * size, size, size)

    def cell_at(self, point: QPointF) -> tuple[int, int] | None:
        size, (rows, columns) = self._cell_size(), self.matrix.shape
        column, row = (point.x() - self._left()) / size, (point.y() - MARGIN) / size
        if 0 <= row < rows and 0 <= column < columns:
            return int(row), int(column)
        return None

    # -- events ---------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        cell = self.cell_at(event.position())
        if cell is not None and event.button() == Qt.MouseButton.LeftButton:
            self.select(cell)
            self.cell_clicked.emit(*cell)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            cell = self.cell_at(QPointF(event.pos()))
            if cell is not None:
                QToolTip.showText(event.globalPos(), self._cell_text(*cell), self)
                return True
        return super().event(event)

    def _cell_text(self, true: int, predicted: int) -> str:
        count = int(self.matrix[true, predicted])
        total = int(self.matrix[true].sum())
        share = f" ({count / total:.1%} of the {total:,} {true}s)" if total else ""
        return f"{count:,} {true}s {self.said(true, predicted)}{share}"

    def declines(self, predicted: int) -> bool:
        """Column ``predicted`` is the "not a digit" answer."""
        return predicted == NOT_A_DIGIT and self.matrix.shape[1] == DIGITS + 1

    def column_name(self, predicted: int) -> str:
        return NOT_A_DIGIT_MARK if self.declines(predicted) else str(predicted)

    def said(self, true: int, predicted: int) -> str:
        """What a cell's digits were read as, in words."""
        if self.declines(predicted):
            return "declined as not a digit"
        return "read correctly" if true == predicted else f"read as {predicted}"

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self.update()
        super().changeEvent(event)

    # -- painting ---------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_labels(painter)
        self._paint_cells(painter)
        if self.selected is not None:
            painter.setPen(QPen(QColor(colors_for(self.palette()).text), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(self.cell_rect(*self.selected).adjusted(1, 1, -1, -1))
        painter.end()

    def _paint_cells(self, painter: QPainter) -> None:
        colors = colors_for(self.palette())
        base, text = QColor(colors.surface), QColor(colors.text)
        right = QColor(colors.accent)
        wrong = QColor(ERROR_DARK if is_dark(self.palette()) else ERROR_LIGHT)
        largest = int(self.matrix.max()) if self.matrix.size else 0
        font = QFont(self.font())
        font.setPointSizeF(max(6.0, min(11.0, self._cell_size() / 4)))
        painter.setFont(font)
        for (true, predicted), count in np.ndenumerate(self.matrix):
            t = cell_strength(int(count), largest)
            fill = mix(base, right if true == predicted else wrong, 0.12 + 0.88 * t)
            rect = self.cell_rect(true, predicted)
            painter.setPen(QPen(QColor(colors.border), 1))
            painter.setBrush(fill if count else base)
            painter.drawRect(rect)
            if count:
                painter.setPen(QColor("#ffffff") if t > 0.55 else text)
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(int(count)))

    def _paint_labels(self, painter: QPainter) -> None:
        colors = colors_for(self.palette())
        size, (rows, columns), left = self._cell_size(), self.matrix.shape, self._left()
        painter.setPen(QColor(colors.muted))
        centre = Qt.AlignmentFlag.AlignCenter
        for i in range(columns):
            name = self.column_name(i)
            painter.drawText(QRectF(left + i * size, MARGIN - 20, size, 18), centre, name)
        for i in range(rows):
            painter.drawText(QRectF(left - 20, MARGIN + i * size, 18, size), centre, str(i))
        painter.drawText(QRectF(left, 0, size * columns, 20), centre, "predicted")
        painter.save()
        painter.translate(left - MARGIN, MARGIN + size * rows / 2)
        painter.rotate(-90)
        painter.drawText(QRectF(-size * rows / 2, 0, size * rows, 20), centre, "true")
        painter.restore()
