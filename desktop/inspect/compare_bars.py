"""Probabilities before and after learning steps, as a pair of bars per class."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from digitlab.desktop.common.style import NOT_A_DIGIT_MARK, colors_for
from digitlab.desktop.inspect.layer_maps import HoverCells


class ComparisonBars(HoverCells):
    """Per class, the probability before (left bar, muted) and after (right bar, in the
    accent colour); the target's label in bold."""

    BAR_AREA = 48  # pixels for a probability of 1
    COLUMN = 30

    def __init__(self, classes: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.classes = classes
        self.before: np.ndarray | None = None
        self.after: np.ndarray | None = None
        self.target: int | None = None
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_classes(self, classes: int) -> None:
        self.classes = classes
        self.updateGeometry()
        self.update()

    def set_probabilities(self, before: np.ndarray, after: np.ndarray, target: int) -> None:
        self.before, self.after, self.target = before, after, target
        self._values = after
        self.update()

    def label(self, index: int) -> str:
        return NOT_A_DIGIT_MARK if index == 10 else str(index)

    def sizeHint(self) -> QSize:
        return QSize(self.classes * self.COLUMN, self.BAR_AREA + self.fontMetrics().height() + 6)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def cell_rect(self, index: int) -> QRect:
        return QRect(index * self.COLUMN, 0, self.COLUMN, self.height())

    def index_at(self, pos: QPoint) -> int | None:
        index = pos.x() // self.COLUMN
        return index if 0 <= index < self.classes else None

    def tooltip_for(self, index: int) -> str:
        if self.before is None or self.after is None:
            return self.label(index)
        return (
            f"{self.label(index)}: {100 * float(self.before[index]):.1f}% before, "
            f"{100 * float(self.after[index]):.1f}% after"
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = self.begin_paint()
        palette, colors = self.palette(), colors_for(self.palette())
        text_h = self.fontMetrics().height()
        for i in range(self.classes):
            left = i * self.COLUMN + 4
            width = (self.COLUMN - 10) / 2
            for k, (values, colour) in enumerate(((self.before, colors.bar),
                                                  (self.after, colors.accent))):  # fmt: skip
                track = QRectF(left + k * (width + 2), 2, width, self.BAR_AREA)
                painter.fillRect(track, palette.color(QPalette.ColorRole.AlternateBase))
                if values is not None:
                    p = float(np.clip(values[i], 0.0, 1.0))
                    height = max(p * track.height(), 1.0 if p > 0 else 0.0)
                    painter.fillRect(QRectF(track.left(), track.bottom() - height, width, height),
                                     QColor(colour))  # fmt: skip
            font = QFont(self.font())
            font.setBold(i == self.target)
            painter.setFont(font)
            painter.setPen(palette.color(QPalette.ColorRole.WindowText))
            label = QRectF(i * self.COLUMN, self.BAR_AREA + 4, self.COLUMN, text_h)
            painter.drawText(label, Qt.AlignmentFlag.AlignCenter, self.label(i))
        self._paint_hover(painter)
        painter.end()
