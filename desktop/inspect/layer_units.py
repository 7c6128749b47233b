"""Vector outputs: dense activations as a wrapped strip of cells, softmax as bars."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from digitlab.core.reading.recognition import DIGITS, NOT_A_DIGIT
from digitlab.desktop.common.image_utils import (
    IndexedImage,
    colour_map,
    frame_colour,
    to_indices,
)
from digitlab.desktop.common.style import NOT_A_DIGIT_MARK, colors_for
from digitlab.desktop.inspect.layer_maps import HoverCells, balanced_columns


class UnitStrip(HoverCells):
    """``count`` values as a strip of coloured cells, wrapped to the widget's width.

    The cells come from one (1, count) indexed image; each row of the strip is one
    nearest-neighbour scaled slice of it.
    """

    CELL_HEIGHT = 18

    def __init__(
        self,
        count: int,
        describe: Callable[[int], str],
        *,
        centred: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.count = count
        # Wide cells for a handful of units (logits), narrow ones for hundreds.
        self._cell_w = max(6, min(28, 640 // count))
        self._describe = describe  # index -> "dense1 · unit 37"
        self.centred = centred
        self._image = IndexedImage(1, count)
        # Preferred, not Fixed: Fixed would cap the height at sizeHint's (another width).
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def set_values(self, values: np.ndarray, lo: float, hi: float) -> None:
        """values: (count,) float, coloured on the scale [lo, hi]."""
        to_indices(values.reshape(1, -1), lo, hi, self._image.pixels)
        self._values = values
        self.update()

    # -- geometry ---------------------------------------------------------
    def columns(self, width: int | None = None) -> int:
        width = self.width() if width is None else width
        return balanced_columns(self.count, (width - 2) // self._cell_w)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        rows = -(-self.count // self.columns(width))
        return rows * (self.CELL_HEIGHT + 2) + 1

    def sizeHint(self) -> QSize:
        width = min(self.count * self._cell_w, 600) + 2
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(self._cell_w * min(self.count, 10) + 2, self.CELL_HEIGHT + 3)

    def _row_rect(self, row: int, units: int) -> QRect:
        return QRect(1, 1 + row * (self.CELL_HEIGHT + 2), units * self._cell_w, self.CELL_HEIGHT)

    def cell_rect(self, index: int) -> QRect:
        row, col = divmod(index, self.columns())
        rect = self._row_rect(row, 1)
        return rect.translated(col * self._cell_w, 0)

    def index_at(self, pos: QPoint) -> int | None:
        columns = self.columns()
        col, row = (pos.x() - 1) // self._cell_w, (pos.y() - 1) // (self.CELL_HEIGHT + 2)
        if not (0 <= col < columns and row >= 0) or (pos.y() - 1) % (self.CELL_HEIGHT + 2) >= (
            self.CELL_HEIGHT
        ):
            return None
        index = row * columns + col
        return index if index < self.count else None

    # -- text and painting -----------------------------------------------
    def tooltip_for(self, index: int) -> str:
        text = self._describe(index)
        if self._values is None:
            return text
        return f"{text} · {self.format_value(self._values[index])}"

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = self.begin_paint()
        palette = self.palette()
        painter.setPen(frame_colour(palette))
        columns = self.columns()
        image = None
        if self._values is not None:
            image = self._image.view(colour_map(self.centred, palette).table)
        for row, start in enumerate(range(0, self.count, columns)):
            units = min(columns, self.count - start)
            target = self._row_rect(row, units)
            if image is None:
                painter.fillRect(target, palette.color(QPalette.ColorRole.AlternateBase))
            else:
                painter.drawImage(target, image, QRect(start, 0, units, 1))
            painter.drawRect(target.adjusted(-1, -1, 0, 0))
        self._paint_hover(painter)
        painter.end()


class ProbabilityBars(HoverCells):
    """The softmax output: one labelled vertical bar per class, the winner highlighted."""

    BAR_AREA = 64  # pixels for a probability of 1
    COLUMN = 34

    def __init__(self, classes: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.classes = classes
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def set_probabilities(self, probabilities: np.ndarray | None) -> None:
        """probabilities: (classes,) summing to 1, or None to clear."""
        self._values = probabilities
        self.update()

    def label(self, index: int) -> str:
        """What unit ``index`` stands for: a digit, "not a digit" for the eleventh
        output of a model that can decline, or a class number for any other model."""
        if self.classes not in (DIGITS, DIGITS + 1):
            return f"class {index}"
        return "not a digit" if index == NOT_A_DIGIT else f"digit {index}"

    def short_label(self, index: int) -> str:
        """The text under bar ``index``: its number, or a dash for "not a digit"."""
        return NOT_A_DIGIT_MARK if self.label(index) == "not a digit" else str(index)

    def _text_height(self) -> int:
        return self.fontMetrics().height()

    def sizeHint(self) -> QSize:
        return QSize(self.classes * self.COLUMN, self.BAR_AREA + 2 * self._text_height() + 6)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def cell_rect(self, index: int) -> QRect:
        return QRect(index * self.COLUMN, 0, self.COLUMN, self.sizeHint().height())

    def index_at(self, pos: QPoint) -> int | None:
        index = pos.x() // self.COLUMN
        return index if 0 <= index < self.classes and 0 <= pos.y() < self.height() else None

    def tooltip_for(self, index: int) -> str:
        if self._values is None:
            return self.label(index)
        return f"{self.label(index)} · {100 * float(self._values[index]):.1f} %"

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = self.begin_paint()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette, text_h = self.palette(), self._text_height()
        winner = None if self._values is None else int(np.argmax(self._values))
        base_line = text_h + 2 + self.BAR_AREA
        for i in range(self.classes):
            x = i * self.COLUMN + 5
            track = QRectF(x, text_h + 2, self.COLUMN - 10, self.BAR_AREA)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.color(QPalette.ColorRole.AlternateBase))
            painter.drawRoundedRect(track, 3, 3)
            if self._values is not None:
                self._paint_bar(painter, track, i, winner == i)
            painter.setPen(palette.color(QPalette.ColorRole.WindowText))
            font = QFont(self.font())
            font.setBold(winner == i)
            painter.setFont(font)
            label_rect = QRectF(x - 5, base_line + 2, self.COLUMN, text_h)
            painter.drawText(label_rect, Qt.AlignmentFlag.AlignCenter, self.short_label(i))
        painter.end()

    def _paint_bar(self, painter: QPainter, track: QRectF, index: int, is_winner: bool) -> None:
        palette = self.palette()
        p = float(np.clip(self._values[index], 0.0, 1.0))
        height = max(p * track.height(), 1.0 if p > 0 else 0.0)
        bar = QRectF(track.left(), track.bottom() - height, track.width(), height)
        colors = colors_for(palette)  # the prediction panel's bar colours: "not a
        # digit" in its calm grey, winning or not, as the answer shows it
        declines = self.short_label(index) == NOT_A_DIGIT_MARK
        color = colors.muted if declines else colors.accent if is_winner else colors.bar
        painter.setBrush(QColor(color))
        painter.drawRoundedRect(bar, 3, 3)
        if is_winner:
            painter.setPen(palette.color(QPalette.ColorRole.WindowText))
            above = QRectF(track.left() - 8, 0, track.width() + 16, track.top())
            painter.drawText(above, Qt.AlignmentFlag.AlignCenter, f"{100 * p:.0f}%")
