"""One row of the layer view: a layer's header, its output and (for conv) its kernels.

What to show comes from what the layer says about itself (``kind``, ``image_weights``,
``only_reshapes``); how to show it is decided here.
"""

from __future__ import annotations

import functools

import numpy as np
from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QImage, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from digitlab.core.nn.layers import Layer
from digitlab.core.reading.recognition import NOT_A_DIGIT
from digitlab.desktop.common.image_utils import (
    ColorMap,
    colour_map,
    format_value,
    frame_colour,
    value_range,
)
from digitlab.desktop.inspect.layer_maps import MapGrid
from digitlab.desktop.inspect.layer_units import ProbabilityBars, UnitStrip


def shape_text(shape: tuple[int, ...] | None) -> str:
    """(6, 28, 28) -> "6x28x28" with a multiplication sign."""
    return "\u00d7".join(str(d) for d in shape) if shape else "?"


@functools.cache
def _gradient(cmap: ColorMap, width: int) -> QImage:
    return cmap.gradient(width)


class ColorBar(QWidget):
    """A small legend: the colour scale as a gradient, its low and high values beside it."""

    BAR = QSize(56, 8)

    def __init__(
        self, centred: bool, parent: QWidget | None = None, formatter=format_value
    ) -> None:
        super().__init__(parent)
        self.centred = centred
        self.range: tuple[float, float] | None = None
        self.format_value = formatter  # value -> text (format_small for gradients)
        self._fit_font()
        self.setToolTip("Colour scale of this layer, shared by all its maps")
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # see HoverCells

    def _fit_font(self) -> None:
        # A fixed size: new values repaint the legend but never re-lay out the view.
        widest = "\u22120.00e\u221200" if self.format_value is not format_value else "\u2212000.00"
        self._text_w = self.fontMetrics().horizontalAdvance(widest)
        self.setFixedSize(2 * self._text_w + self.BAR.width() + 12, self.fontMetrics().height() + 2)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            self._fit_font()
        super().changeEvent(event)

    def set_range(self, lo: float, hi: float) -> None:
        self.range = (lo, hi)
        self.update()

    def clear(self) -> None:
        self.range = None
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        if self.range is None:
            return
        bar_x = self._text_w + 6
        bar = QRectF(bar_x, (self.height() - self.BAR.height()) / 2, *self.BAR.toTuple())
        painter.drawImage(bar, _gradient(colour_map(self.centred, palette), self.BAR.width()))
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        lo, hi = self.range
        left = QRectF(0, 0, self._text_w, self.height())
        right = QRectF(bar.right() + 6, 0, self._text_w, self.height())
        align = Qt.AlignmentFlag.AlignVCenter
        painter.drawText(left, align | Qt.AlignmentFlag.AlignRight, self.format_value(lo))
        painter.drawText(right, align | Qt.AlignmentFlag.AlignLeft, self.format_value(hi))
        painter.end()


class Card(QFrame):
    """A rounded panel on the view's background, in the palette's base colour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(12, 8, 12, 10)
        self.body.setSpacing(6)

    def header(self, name: str, detail: str, legend: QWidget | None = None) -> QHBoxLayout:
        """A row "name  detail ... legend": name in bold, detail in the muted text colour."""
        row = QHBoxLayout()
        title = QLabel(name)
        font = QFont(title.font())
        font.setBold(True)
        title.setFont(font)
        muted = QLabel(detail)
        muted.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        row.addWidget(title)
        row.addWidget(muted)
        row.addStretch(1)
        if legend is not None:
            row.addWidget(legend)
        self.body.addLayout(row)
        return row

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(frame_colour(self.palette(), 0.12))
        painter.setBrush(self.palette().color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
        painter.end()


class LayerEntry(Card):
    """A layer: "conv1 · Convolution · 6x28x28", its output for one image, and when its
    weights are images (a conv layer's kernels) those (hidden until asked for).

    ``nonnegative`` says the layer's outputs are never negative (after a ReLU), which
    picks a sequential colour map; signed outputs get a diverging one centred at zero.
    """

    def __init__(self, layer: Layer, nonnegative: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = layer.name
        self.output_shape = tuple(layer.output_shape)
        self.legend = ColorBar(centred=not nonnegative)
        detail = f"· {layer.kind} · {shape_text(self.output_shape)}"
        self.header(layer.name, detail, self.legend)
        self.setToolTip(f"{layer!r}\n{layer.num_params:,} parameters")
        self.content = self._make_content(layer, centred=not nonnegative)
        self.body.addWidget(self.content)
        self.kernels: MapGrid | None = None
        self.kernel_legend: ColorBar | None = None
        if layer.image_weights is not None:
            self._add_kernels(layer.params[layer.image_weights])

    def _make_content(self, layer: Layer, centred: bool) -> MapGrid | UnitStrip:
        if len(self.output_shape) == 3:
            c, h, w = self.output_shape
            return MapGrid(c, (h, w), lambda i: f"{self.name} · channel {i}", centred=centred)
        count = int(np.prod(self.output_shape))
        # Units of a reshaped image are pixels of it: name their channel, row and column.
        source = layer.input_shape if layer.only_reshapes else None
        return UnitStrip(count, lambda i: self._describe_unit(i, source), centred=centred)

    def _describe_unit(self, index: int, source: tuple[int, ...] | None) -> str:
        text = f"{self.name} · unit {index}"
        if source is not None and len(source) == 3:  # unit i is pixel i of (C, H, W)
            c, y, x = np.unravel_index(index, source)
            text += f" (channel {c}, row {y}, column {x})"
        return text

    def _add_kernels(self, kernel: np.ndarray) -> None:
        """kernel: (F, C, kh, kw), shown as F x C small images."""
        f, c, kh, kw = kernel.shape
        self.kernel_legend = ColorBar(centred=True)
        self.kernel_legend.set_range(*value_range(kernel, centred=True))
        self._kernel_row = self.header(
            "kernels", f"· {shape_text(kernel.shape)}", self.kernel_legend
        )

        def describe(i: int) -> str:
            source, target = divmod(i, f)  # row = input channel, column = kernel
            return f"{self.name} · kernel {target} · input channel {source}"

        self.kernels = MapGrid(f * c, (kh, kw), describe, centred=True, cell=20, columns=f)
        # (F, C, kh, kw) -> (C, F, kh, kw): one row per input channel, one column per kernel.
        self.kernels.set_values(
            kernel.transpose(1, 0, 2, 3).reshape(c * f, kh, kw), *self.kernel_legend.range
        )
        self.body.addWidget(self.kernels)
        self.set_kernels_visible(False)

    def set_kernels_visible(self, visible: bool) -> None:
        if self.kernels is None:
            return
        self.kernels.setVisible(visible)
        for i in range(self._kernel_row.count()):
            widget = self._kernel_row.itemAt(i).widget()
            if widget is not None:
                widget.setVisible(visible)

    def show_values(self, values: np.ndarray) -> None:
        """values: this layer's output for one image, shape ``output_shape``."""
        lo, hi = value_range(values, self.content.centred)
        values = values.reshape(-1) if values.ndim != 3 else values
        self.content.set_values(values, lo, hi)
        self.legend.set_range(lo, hi)

    def clear_values(self) -> None:
        self.content.clear_values()
        self.legend.clear()


class SoftmaxEntry(Card):
    """The network's last step: class probabilities, the winner highlighted."""

    name = "softmax"

    def __init__(self, classes: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        declines = classes == NOT_A_DIGIT + 1
        what = "10 digits and “not a digit”" if declines else f"{classes} classes"
        self.header("softmax", f"· probabilities · {what}")
        self.setToolTip("softmax of the last layer's outputs: the network's confidence per class")
        self.bars = ProbabilityBars(classes)
        self.body.addWidget(self.bars)

    def show_values(self, probabilities: np.ndarray | None) -> None:
        self.bars.set_probabilities(probabilities)
