"""Fifty fixed test digits and what the network in training reads them as.

The run reads the same digits every few hundred batches (``DigitWatch``); each tile
shows the image and, under it, the answer: in the text colour when right, in red with
a red frame when misread (the tooltip says what it really is).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from digitlab.core.train.watch import DigitReadings
from digitlab.desktop.common.style import NOT_A_DIGIT_MARK

COLUMNS = 10
WRONG = "#d1453b"  # red, in both themes
HINT = "The test digits appear once training starts; they are read every 300 batches."


class DigitTiles(QWidget):
    """The tiles: ``COLUMNS`` per row, 28x28 images scaled by a whole factor."""

    TILE = 42  # pixels: 1.5x would blur, so the image is drawn at 1x or 2x inside it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.images: list[QImage] = []
        self.labels = np.zeros(0, int)
        self.predicted: np.ndarray | None = None
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_digits(self, x: np.ndarray, labels: np.ndarray) -> None:
        """x: (N, 1, 28, 28) in [0, 1], ink high; labels (N,)."""
        pixels = np.ascontiguousarray((255 * (1 - x[:, 0])).astype(np.uint8))  # dark ink
        self._pixels = pixels  # the QImages below wrap these bytes
        self.images = [QImage(p.data, 28, 28, 28, QImage.Format.Format_Grayscale8) for p in pixels]
        self.labels, self.predicted = np.asarray(labels, int), None
        self.updateGeometry()
        self.update()

    def set_predicted(self, predicted: tuple[int, ...]) -> None:
        self.predicted = np.asarray(predicted, int)
        self.update()

    def misread(self) -> int:
        return 0 if self.predicted is None else int(np.sum(self.predicted != self.labels))

    def _row_height(self) -> int:
        return self.TILE + self.fontMetrics().height() + 4

    def sizeHint(self) -> QSize:
        rows = -(-len(self.images) // COLUMNS)
        return QSize(COLUMNS * (self.TILE + 4), rows * self._row_height())

    def tile_rect(self, i: int) -> QRect:
        row, col = divmod(i, COLUMNS)
        return QRect(col * (self.TILE + 4), row * self._row_height(), self.TILE, self.TILE)

    def index_at(self, pos: QPoint) -> int | None:
        for i in range(len(self.images)):
            if self.tile_rect(i).adjusted(0, 0, 0, self.fontMetrics().height()).contains(pos):
                return i
        return None

    def event(self, event) -> bool:
        if event.type() == event.Type.ToolTip:
            i = self.index_at(event.pos())
            self.setToolTip("" if i is None else self._describe(i))
        return super().event(event)

    def _describe(self, i: int) -> str:
        truth = f"test digit {int(self.labels[i])}"
        if self.predicted is None:
            return truth
        said = int(self.predicted[i])
        return f"{truth}, read as {'not a digit' if said == 10 else said}"

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        text_h = self.fontMetrics().height()
        for i, image in enumerate(self.images):
            rect = self.tile_rect(i)
            painter.drawImage(rect, image)  # nearest neighbour: no smooth transform set
            if self.predicted is None:
                continue
            said = int(self.predicted[i])
            wrong = said != int(self.labels[i])
            colour = QColor(WRONG) if wrong else palette.color(QPalette.ColorRole.WindowText)
            if wrong:
                painter.setPen(QColor(WRONG))
                painter.drawRect(rect.adjusted(0, 0, -1, -1))
            painter.setPen(colour)
            text = NOT_A_DIGIT_MARK if said == 10 else str(said)
            label = QRect(rect.left(), rect.bottom() + 2, rect.width(), text_h)
            painter.drawText(label, Qt.AlignmentFlag.AlignCenter, text)
        painter.end()


class WatchedDigits(QWidget):
    """A caption with the count misread, over the tiles."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel(HINT)
        self.caption.setWordWrap(True)
        self.tiles = DigitTiles()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.caption)
        layout.addWidget(self.tiles, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)

    def set_digits(self, x: np.ndarray, labels: np.ndarray) -> None:
        self.tiles.set_digits(x, labels)
        self.caption.setText(f"{len(labels)} fixed test digits, read every 300 batches.")

    def show_readings(self, readings: DigitReadings) -> None:
        self.tiles.set_predicted(readings.predicted)
        n, wrong = len(readings.predicted), self.tiles.misread()
        self.caption.setText(
            f"After {readings.epoch_position:.2f} epochs: {n - wrong} of {n} read right"
            + (f", {wrong} misread (in red)." if wrong else ".")
        )
