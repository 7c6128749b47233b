"""The answer: the digit, how sure the network is, all ten probabilities, and the
preprocessing that turned the drawing into the 28x28 image the network read.

The answer has four states: nothing drawn ("?", "Draw a digit"); a digit, large, with
how sure; a near tie, both digits named ("3 or 5?") with both probabilities; and, for
a model with a "not a digit" output, a calm decline: a muted dash and a sentence, no
digit and no confidence.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QVBoxLayout,
    QWidget,
)

from digitlab.core.reading.preprocess import FRAME
from digitlab.core.reading.recognition import DIGITS, Recognition
from digitlab.desktop.common.style import NOT_A_DIGIT_MARK, colors_for
from digitlab.desktop.draw.label_bar import LabelBar
from digitlab.desktop.draw.probability_chart import ProbabilityChart

NO_DIGIT = "?"  # while there is nothing to read
DECLINED = "That doesn\u2019t look like a digit"
STEP_CAPTIONS = (
    ("Drawn", "The ink exactly as drawn on the canvas."),
    (
        "Cropped",
        "Cut to the bounding box of the ink: where and how large you drew stops mattering.",
    ),
    (
        "Scaled",
        "Scaled, keeping its shape, so the longer side is 20 pixels, as MNIST's are.",
    ),
    (
        "Centred",
        "Placed in a 28\u00d728 frame with its centre of mass (+) in the middle.",
    ),
)


class Card(QFrame):
    """A titled, rounded panel on the window background, drawn in theme colours."""

    def __init__(self, title: str, content: QLayout, aside: QWidget | None = None) -> None:
        super().__init__()
        heading = QLabel(title)
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        top = QHBoxLayout()
        top.addWidget(heading)
        if aside is not None:  # a note at the heading's right, costing no height
            top.addStretch(1)
            top.addWidget(aside)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 12)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addLayout(content)

    def paintEvent(self, event) -> None:
        colors = colors_for(self.palette())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(colors.border), 1))
        painter.setBrush(QColor(colors.surface))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)
        painter.end()


class ImageTile(QWidget):
    """A greyscale image as the network sees it (ink white on black), with a caption.

    Small images are drawn with square pixels, large ones smoothly; an optional
    outline marks a box (in image pixels) and a cross marks the frame's centre.
    """

    def __init__(self, caption: str, tooltip: str = "", size: int = 72) -> None:
        super().__init__()
        self._caption = caption
        self._image: QImage | None = None
        self._box: tuple[int, int, int, int] | None = None  # top, left, height, width
        self._mark_centre = False
        self._size = size
        self.setToolTip(tooltip)
        self.setMinimumSize(size, size + self._caption_height())

    def sizeHint(self) -> QSize:
        return QSize(self._size, self._size + self._caption_height())

    def set_image(self, image: np.ndarray | None) -> None:
        """``image`` (H, W) float in [0, 1], ink high; None or empty shows a blank tile."""
        self._image = _grey_image(image) if image is not None and image.size else None
        self.update()

    def image(self) -> QImage | None:
        """The image shown, 8-bit grey at its own size; None when blank."""
        return self._image

    def set_overlay(self, box: tuple[int, int, int, int] | None, mark_centre: bool) -> None:
        self._box, self._mark_centre = box, mark_centre
        self.update()

    def _caption_height(self) -> int:
        return self.fontMetrics().height() + 4

    def paintEvent(self, event) -> None:
        colors = colors_for(self.palette())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(self.width(), self.height() - self._caption_height())
        square = QRectF((self.width() - side) / 2, 0, side, side)
        painter.setPen(QPen(QColor(colors.border), 1))
        # Black paper like MNIST's behind an image; a quiet empty frame without one.
        painter.setBrush(QColor("#000000" if self._image is not None else colors.window))
        painter.drawRoundedRect(square.adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
        if self._image is not None:
            self._paint_image(painter, square.adjusted(3, 3, -3, -3))
        painter.setPen(QColor(colors.muted))
        caption = QRectF(0, side + 2, self.width(), self._caption_height())
        painter.drawText(
            caption, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, self._caption
        )
        painter.end()

    def _paint_image(self, painter: QPainter, area: QRectF) -> None:
        image = self._image
        scale = min(area.width() / image.width(), area.height() / image.height())
        target = QRectF(0, 0, image.width() * scale, image.height() * scale)
        target.moveCenter(area.center())
        smooth = max(image.width(), image.height()) > FRAME * 2
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        painter.drawImage(target, image)
        accent = QColor(colors_for(self.palette()).accent)
        if self._box is not None:
            top, left, height, width = self._box
            pen = QPen(accent, 1, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(
                QRectF(
                    target.x() + left * scale,
                    target.y() + top * scale,
                    width * scale,
                    height * scale,
                )
            )
        if self._mark_centre:
            centre = target.topLeft() + (target.bottomRight() - target.topLeft()) / 2
            painter.setPen(QPen(accent, 1.5))
            arm = max(3.0, scale * 1.5)
            painter.drawLine(centre.x() - arm, centre.y(), centre.x() + arm, centre.y())
            painter.drawLine(centre.x(), centre.y() - arm, centre.x(), centre.y() + arm)

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self.update()
        super().changeEvent(event)


class PredictionPanel(QWidget):
    """Shows one ``Recognition``: the digit large, its probability, all ten, the steps."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.digit_label = QLabel(NO_DIGIT)
        self.confidence_label = QLabel()
        self.chart = ProbabilityChart()
        self.decline_note = QLabel()  # beside "Probabilities", for models that can decline
        self.input_tile = ImageTile(
            "Network input", "The 28\u00d728 image the network actually reads", size=128
        )
        self.step_tiles = [ImageTile(c, tip, size=76) for c, tip in STEP_CAPTIONS]
        self.label_bar = LabelBar()  # keeps the drawing as one of "my digits"
        self._result: Recognition | None = None
        self._digit_text = NO_DIGIT
        self._build_layout()
        self._style_labels()
        self.show_recognition(None)

    def _build_layout(self) -> None:
        answer = QGridLayout()
        answer.addWidget(self.digit_label, 0, 0)
        answer.addWidget(self.confidence_label, 1, 0, Qt.AlignmentFlag.AlignTop)
        answer.addWidget(self.input_tile, 0, 1, 2, 1)
        answer.addWidget(self.label_bar, 2, 0, 1, 2)
        answer.setColumnStretch(0, 1)
        steps = QHBoxLayout()
        steps.setSpacing(8)
        for tile in self.step_tiles:
            steps.addWidget(tile)
        chart = QVBoxLayout()
        chart.addWidget(self.chart)
        self.chart.setFixedHeight(230)
        self._steps_box = Card("How the drawing became the input", steps)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 4, 12)
        layout.setSpacing(10)
        layout.addWidget(Card("Answer", answer))
        layout.addWidget(Card("Probabilities", chart, aside=self.decline_note))
        layout.addWidget(self._steps_box)
        layout.addStretch(1)

    def _style_labels(self) -> None:
        font = QFont(self.font())
        font.setPixelSize(84)
        font.setBold(True)
        self.digit_label.setFont(font)
        self.digit_label.setMinimumWidth(90)
        self.confidence_label.setWordWrap(True)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.confidence_label.setFont(font)
        self.decline_note.setToolTip(
            "This model has an eleventh output for drawings that are not digits: dots, "
            "stray lines, scribbles, letters and symbols"
        )
        self._apply_colors()

    def _apply_colors(self) -> None:
        colors = colors_for(self.palette())
        reads_a_digit = self._result is not None and self._result.digit is not None
        _set_text_color(self.digit_label, colors.accent if reads_a_digit else colors.border)
        _set_text_color(self.confidence_label, colors.muted)
        _set_text_color(self.decline_note, colors.muted)

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_colors()
        super().changeEvent(event)

    # -- showing ----------------------------------------------------------
    def set_steps_visible(self, visible: bool) -> None:
        self._steps_box.setVisible(visible)
        if visible:  # the tiles were not updated while hidden
            self.show_recognition(self._result)

    def steps_visible(self) -> bool:
        return not self._steps_box.isHidden()

    def digit_text(self) -> str:
        """The answer in plain text: "7", "3 or 5?", the dash of "not a digit", or "?"."""
        return self._digit_text

    def show_recognition(self, result: Recognition | None) -> None:
        """Show ``result``; None or an image without ink shows the "Draw a digit" state."""
        self._result = result
        has_ink = result is not None and not result.empty
        self.label_bar.set_answer(None if result is None else result.digit, has_ink=has_ink)
        self._apply_colors()  # the answer is greyed out while no digit is read
        self._show_decline_note(result)
        if not has_ink:
            self._show_empty()
            return
        if result.not_a_digit:
            self._set_digit_text(NOT_A_DIGIT_MARK)
            self.confidence_label.setText(
                f"{DECLINED}<br><small>not a digit: {result.not_a_digit_probability:.1%}</small>"
            )
        elif result.is_near_tie:
            first, second = result.candidates
            # Two digits share the width of one: smaller, so "?" clears the input tile.
            rich = f"{_sized(first, 60)}{_sized(' or ', 32, bold=False)}{_sized(second, 60)}"
            rich += _sized("?", 32, bold=False)
            self._set_digit_text(f"{first} or {second}?", rich)
            p = result.probabilities
            self.confidence_label.setText(
                f"{first}: {p[first]:.1%} · {second}: {p[second]:.1%}<br>too close to call"
            )
        else:
            runner_up = result.runner_up
            self._set_digit_text(str(result.digit))
            self.confidence_label.setText(
                f"{result.confidence:.1%} sure\nrunner-up: {runner_up} "
                f"({result.probabilities[runner_up]:.1%})"
            )
        self.chart.set_probabilities(result.probabilities, result.candidates)
        self._show_steps(result)

    def _set_digit_text(self, plain: str, rich: str | None = None) -> None:
        self._digit_text = plain
        # Rich text only for "3 or 5?" (a small "or"): it sits a few pixels lower.
        rich_text = Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText
        self.digit_label.setTextFormat(rich_text)
        self.digit_label.setText(rich or plain)
        declined = plain == NOT_A_DIGIT_MARK
        self.digit_label.setToolTip(
            "The model does not read a digit here" if declined else "The digit the network reads"
        )

    def _show_decline_note(self, result: Recognition | None) -> None:
        can = result is not None and result.can_decline
        self.decline_note.setVisible(can)
        if can:
            share = "" if result.empty else f" · {result.not_a_digit_probability:.1%}"
            self.decline_note.setText(f"{NOT_A_DIGIT_MARK} not a digit{share}")

    def _show_empty(self) -> None:
        self._set_digit_text(NO_DIGIT)
        self.confidence_label.setText("Draw a digit")
        classes = DIGITS if self._result is None else len(self._result.probabilities)
        self.chart.set_probabilities(np.zeros(classes), ())
        self.input_tile.set_image(None)
        self.input_tile.set_overlay(None, False)
        for tile in self.step_tiles:
            tile.set_image(None)
            tile.set_overlay(None, False)

    def _show_steps(self, result: Recognition) -> None:
        steps = result.steps
        self.input_tile.set_image(steps.centred)
        self.input_tile.set_overlay(_box_in_frame(steps.scaled.shape, steps.shift), True)
        if not self.steps_visible():
            return  # painting hidden tiles is wasted work
        for tile, image in zip(
            self.step_tiles, (steps.drawn, steps.cropped, steps.scaled, steps.centred), strict=True
        ):
            tile.set_image(image)
        top, left, bottom, right = steps.bbox
        self.step_tiles[0].set_overlay((top, left, bottom - top, right - left), False)
        self.step_tiles[3].set_overlay(_box_in_frame(steps.scaled.shape, steps.shift), True)


def _sized(text: object, pixels: int, bold: bool = True) -> str:
    """``text`` at ``pixels`` high, bold or not, inside rich text."""
    weight = "bold" if bold else "normal"
    return f'<span style="font-size:{pixels}px; font-weight:{weight}">{text}</span>'


def _set_text_color(label: QLabel, color: str) -> None:
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, QColor(color))
    label.setPalette(palette)


def _box_in_frame(shape: tuple[int, ...], shift: tuple[int, int]) -> tuple[int, int, int, int]:
    """Where the scaled digit's box landed in the 28x28 frame: (top, left, height, width)."""
    height, width = shape
    return (FRAME - height) // 2 + shift[0], (FRAME - width) // 2 + shift[1], height, width


def _grey_image(image: np.ndarray) -> QImage:
    """(H, W) float in [0, 1] -> an 8-bit grey QImage that owns its pixels."""
    pixels = np.clip(np.asarray(image, np.float32) * 255 + 0.5, 0, 255).astype(np.uint8)
    height, width = pixels.shape
    padded = np.zeros((height, (width + 3) // 4 * 4), np.uint8)  # rows aligned to 4 bytes
    padded[:, :width] = pixels
    grey = QImage(padded.data, width, height, padded.strides[0], QImage.Format.Format_Grayscale8)
    return grey.copy()
