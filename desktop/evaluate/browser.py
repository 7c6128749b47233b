"""A browser of test digits: thumbnails with "true 7 → 1 (83%)", and for the one
clicked, its ten probabilities as bars (the prediction and the truth marked)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from digitlab.core.reading.recognition import NOT_A_DIGIT
from digitlab.desktop.common.image_utils import is_dark
from digitlab.desktop.common.style import NOT_A_DIGIT_MARK, colors_for
from digitlab.desktop.evaluate.confusion_matrix import ERROR_DARK, ERROR_LIGHT

MAX_SHOWN = 400  # thumbnails at once: enough to browse, quick to build
THUMB = 56  # px: 28x28 digits at twice their size, square pixels
BARS_WIDTH = 220  # px: the clicked digit's probabilities, beside the thumbnails


def thumbnail(image: np.ndarray) -> QIcon:
    """(28, 28) uint8, ink high -> an icon, white ink on black as the network sees it."""
    pixels = np.ascontiguousarray(image, dtype=np.uint8)
    height, width = pixels.shape
    grey = QImage(pixels.data, width, height, pixels.strides[0], QImage.Format.Format_Grayscale8)
    scaled = grey.scaled(THUMB, THUMB, mode=Qt.TransformationMode.FastTransformation)
    pixmap = QPixmap.fromImage(scaled)  # a copy: ``pixels`` may go
    icon = QIcon(pixmap)
    icon.addPixmap(pixmap, QIcon.Mode.Selected)  # no selection tint over the digit
    return icon


class TruthBars(QWidget):
    """Ten bars (eleven with "not a digit", marked with a dash): the predicted class
    in red when wrong (accent when right), the true digit's bar outlined."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.probabilities = np.zeros(10, np.float32)
        self.true: int | None = None
        self.setFixedSize(BARS_WIDTH, 130)

    def set_sample(self, probabilities: np.ndarray | None, true: int | None) -> None:
        self.probabilities = np.zeros(10, np.float32) if probabilities is None else probabilities
        self.true = true
        self.setVisible(probabilities is not None)  # no empty chart before a digit is chosen
        self.update()

    def paintEvent(self, event) -> None:
        colors = colors_for(self.palette())
        painter = QPainter(self)
        label_h = self.fontMetrics().height() + 4
        slot = self.width() / len(self.probabilities)
        top, bottom = label_h, self.height() - label_h
        winner = int(self.probabilities.argmax()) if self.probabilities.any() else None
        wrong = QColor(ERROR_DARK if is_dark(self.palette()) else ERROR_LIGHT)
        for digit, p in enumerate(self.probabilities):
            x = digit * slot
            height = float(p) * (bottom - top)
            bar = QRectF(x + slot * 0.15, bottom - height, slot * 0.7, height)
            is_winner = digit == winner
            color = (QColor(colors.accent) if digit == self.true else wrong) if is_winner else None
            painter.fillRect(bar, color or QColor(colors.bar))
            if digit == self.true:
                painter.setPen(QPen(QColor(colors.accent), 2))
                painter.drawRect(QRectF(x + slot * 0.1, top, slot * 0.8, bottom - top))
            painter.setPen(QColor(colors.muted))
            align = Qt.AlignmentFlag.AlignCenter
            name = NOT_A_DIGIT_MARK if digit == NOT_A_DIGIT else str(digit)
            painter.drawText(QRectF(x, bottom, slot, label_h), align, name)
            if p >= 0.01:  # twice a slot wide, kept inside: "100%" is wider than a bar
                left = min(max(0.0, x - slot / 2), self.width() - 2 * slot)
                label = QRectF(left, bar.top() - label_h, 2 * slot, label_h)
                painter.drawText(label, align, f"{p:.0%}")
        painter.end()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self.update()
        super().changeEvent(event)


class SampleBrowser(QWidget):
    """Thumbnails of chosen test digits; clicking one shows its probabilities."""

    sample_selected = Signal(int)  # index into the test set

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("Evaluate a model to see its mistakes here.")
        self.title.setWordWrap(True)
        self.grid = QListWidget()
        self.grid.setViewMode(QListWidget.ViewMode.IconMode)
        self.grid.setIconSize(QSize(THUMB, THUMB))
        self.grid.setGridSize(QSize(THUMB + 36, THUMB + 26))
        self.grid.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.grid.setMovement(QListWidget.Movement.Static)
        self.grid.setUniformItemSizes(True)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setFixedWidth(BARS_WIDTH)
        self.bars = TruthBars()
        self.bars.setToolTip("The model's probability for each digit; the true digit is framed")
        self.bars.set_sample(None, None)
        # The clicked digit's bars beside the thumbnails, so both stay in view.
        side = QVBoxLayout()
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        side.addWidget(self.detail)
        side.addWidget(self.bars)
        side.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.grid, 1)
        row.addLayout(side)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(row, 1)
        self.grid.currentItemChanged.connect(self._on_current_changed)
        self._data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
        self.indices = np.zeros(0, np.intp)

    def set_data(
        self, images: np.ndarray, labels: np.ndarray, predictions: np.ndarray, probs: np.ndarray
    ) -> None:
        """The test set: images (n, 28, 28) uint8, labels and predictions (n,) int,
        probabilities (n, classes) float (an eleventh class: "not a digit")."""
        self._data = (images, labels, predictions, probs)
        self.show_samples(np.zeros(0, np.intp), "")

    def show_samples(self, indices: np.ndarray, title: str) -> None:
        """Thumbnails of the test digits at ``indices`` (the first MAX_SHOWN of them)."""
        self.indices = np.asarray(indices, np.intp)
        shown = self.indices[:MAX_SHOWN]
        more = f" (the first {MAX_SHOWN:,} shown)" if len(self.indices) > MAX_SHOWN else ""
        self.title.setText(title + more)
        self.grid.clear()
        self.detail.setText("")
        self.bars.set_sample(None, None)
        if self._data is None:
            return
        images, labels, predictions, probs = self._data
        for index in shown:
            true, said = int(labels[index]), int(predictions[index])
            declined = said == NOT_A_DIGIT and probs.shape[1] > NOT_A_DIGIT
            answer = "not a digit" if declined else str(said)
            text = f"{true} → {NOT_A_DIGIT_MARK if declined else said} · {probs[index, said]:.0%}"
            item = QListWidgetItem(thumbnail(images[index]), text)
            item.setData(Qt.ItemDataRole.UserRole, int(index))
            item.setToolTip(
                f"Test image #{index:,}: a {true}, read as {answer} ({probs[index, said]:.1%} sure)"
            )
            self.grid.addItem(item)
        if self.grid.count():
            self.grid.setCurrentRow(0)  # its probabilities at once, not an empty chart

    def _on_current_changed(self, item: QListWidgetItem | None, _previous) -> None:
        if item is None or self._data is None:
            return
        index = int(item.data(Qt.ItemDataRole.UserRole))
        _, labels, _, probs = self._data
        self.detail.setText(item.toolTip())
        self.bars.set_sample(probs[index], int(labels[index]))
        self.sample_selected.emit(index)
