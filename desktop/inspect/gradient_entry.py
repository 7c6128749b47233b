"""One card of the backward view: a layer's output gradient, its rules, and for a layer
with weights the gradient of every kernel and bias.

Gradients are signed, so every map here uses the diverging colour scale centred on
zero (blue below, red above), shared by all maps of one array and stated by its legend.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from digitlab.core.explain.backprop import LayerGradient
from digitlab.core.explain.rules import rules_for
from digitlab.core.nn.layers import Layer
from digitlab.desktop.common.image_utils import format_small, value_range
from digitlab.desktop.inspect.layer_entry import Card, ColorBar, shape_text
from digitlab.desktop.inspect.layer_maps import HoverCells, MapGrid
from digitlab.desktop.inspect.layer_units import UnitStrip

#: A dense layer's kernel gradient is drawn as (units, inputs) images at most this wide
#: (in inputs; a narrower one is scaled up toward it).
DENSE_IMAGE_WIDTH = 400
#: A conv layer's kernel gradients, one column per kernel, fit in about this width.
KERNEL_GRID_WIDTH = 460


def gradient_cells(
    shape: tuple[int, ...], describe, cell: int = 56, columns: int | None = None
) -> HoverCells:
    """Maps for a (C, H, W) array, a strip of cells for a vector: diverging colours,
    values written to three significant digits (gradients are often tiny)."""
    if len(shape) == 3:
        cells: HoverCells = MapGrid(shape[0], shape[1:], describe, centred=True, cell=cell,
                                    columns=columns)  # fmt: skip
    else:
        cells = UnitStrip(int(np.prod(shape)), describe, centred=True)
    cells.format_value = format_small
    return cells


def show_signed(cells: HoverCells, legend: ColorBar, values: np.ndarray) -> None:
    lo, hi = value_range(values, centred=True)
    cells.set_values(values if values.ndim == 3 else values.reshape(-1), lo, hi)
    legend.set_range(lo, hi)


class RuleLines(QLabel):
    """The layer's forward and backward rules, in the muted text colour."""

    def __init__(self, forward: str, backward: str, parent: QWidget | None = None) -> None:
        super().__init__(f"forward:  {forward}\nbackward: {backward}", parent)
        self.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.setWordWrap(True)
        self.setToolTip("δ is dL/d(output), the gradient arriving from the layer above")


class GradientEntry(Card):
    """A layer: "conv1 · Convolution · 6x28x28", its rules, dL/d(output) for one image
    and, for a layer with weights, dL/d(kernel) and dL/d(bias)."""

    def __init__(self, layer: Layer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = layer.name
        self.output_shape = tuple(layer.output_shape)
        self.legend = ColorBar(centred=True, formatter=format_small)
        self.legend.setToolTip("Colour scale of dL/d(output) in this layer, centred on zero")
        self.header(layer.name, f"· {layer.kind} · dL/d(output) {shape_text(self.output_shape)}",
                    self.legend)  # fmt: skip
        self.body.addWidget(RuleLines(*rules_for(layer)))
        self.content = gradient_cells(self.output_shape, self._describe)
        self.body.addWidget(self.content)
        self.kernel: HoverCells | None = None
        self.bias: HoverCells | None = None
        if layer.params:
            self._add_weight_gradients(layer)

    def _describe(self, index: int) -> str:
        if len(self.output_shape) == 3:
            return f"{self.name} · dL/d(output) of channel {index}"
        return f"{self.name} · dL/d(unit {index})"

    def _add_weight_gradients(self, layer: Layer) -> None:
        kernel = layer.params["kernel"]
        self.kernel_legend = ColorBar(centred=True, formatter=format_small)
        self.header("dL/dkernel", f"· {shape_text(kernel.shape)}", self.kernel_legend)
        if kernel.ndim == 4:  # (F, C, kh, kw): one row per input channel, as in Layers
            f, c, kh, kw = kernel.shape
            # 20 px maps as in Layers, smaller when that many columns would not fit
            scale = max(1, min(20 // kw, (KERNEL_GRID_WIDTH // f - MapGrid.GAP) // kw))
            self.kernel = gradient_cells(
                (f * c, kh, kw), self._kernel_name(f), cell=scale * kw, columns=f
            )
        else:  # (D, units) as (units, D) images, row j = unit j's weights, D cut in blocks
            d, units = kernel.shape
            self._block = min(d, DENSE_IMAGE_WIDTH)
            blocks = -(-d // self._block)
            scale = max(1, DENSE_IMAGE_WIDTH // self._block)

            def describe(i: int) -> str:
                last = min(d, (i + 1) * self._block) - 1
                return f"{self.name} · dL/dkernel · inputs {i * self._block} to {last} (columns)"

            shape = (blocks, units, self._block)
            self.kernel = gradient_cells(shape, describe, cell=max(units, self._block) * scale)
        self.body.addWidget(self.kernel)
        self.bias_legend = ColorBar(centred=True, formatter=format_small)
        self.header("dL/dbias", f"· {shape_text(layer.params['bias'].shape)}", self.bias_legend)
        self.bias = gradient_cells(
            layer.params["bias"].shape, lambda i: f"{self.name} · dL/dbias[{i}]"
        )
        self.body.addWidget(self.bias)

    def _kernel_name(self, filters: int):
        def describe(i: int) -> str:
            source, target = divmod(i, filters)
            return f"{self.name} · dL/dkernel · kernel {target} · input channel {source}"

        return describe

    def show_gradient(self, entry: LayerGradient) -> None:
        """entry: this layer's part of ``backprop`` for one image."""
        show_signed(self.content, self.legend, entry.output_grad)
        if self.kernel is None:
            return
        kernel = entry.param_grads["kernel"]
        if kernel.ndim == 4:  # (F, C, kh, kw) -> (C*F, kh, kw), row = input channel
            f, c, kh, kw = kernel.shape
            kernel = kernel.transpose(1, 0, 2, 3).reshape(c * f, kh, kw)
        else:  # (D, units) -> (blocks, units, block): the columns cut into blocks
            d, units = kernel.shape
            blocks = -(-d // self._block)
            padded = np.zeros((blocks * self._block, units), kernel.dtype)
            padded[:d] = kernel
            kernel = padded.reshape(blocks, self._block, units).transpose(0, 2, 1)
        show_signed(self.kernel, self.kernel_legend, kernel)
        show_signed(self.bias, self.bias_legend, entry.param_grads["bias"])

    def clear(self) -> None:
        for cells in (self.content, self.kernel, self.bias):
            if cells is not None:
                cells.clear_values()
        for legend in (self.legend, getattr(self, "kernel_legend", None),
                       getattr(self, "bias_legend", None)):  # fmt: skip
            if legend is not None:
                legend.clear()


class InputEntry(Card):
    """The image the network read, and dL/d(image): which pixels, made darker or
    lighter, would change the loss most."""

    name = "input"

    def __init__(self, shape: tuple[int, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.legend = ColorBar(centred=True, formatter=format_small)
        self.header("input", f"· the image {shape_text(shape)} and dL/d(image)", self.legend)
        c, h, w = shape
        self.image = MapGrid(c, (h, w), lambda i: f"image · channel {i}", centred=False, cell=112)
        self.grad = gradient_cells(shape, lambda i: f"dL/d(image) · channel {i}", cell=112)
        row = QHBoxLayout()
        row.addWidget(self.image)
        row.addWidget(self.grad)
        row.addStretch(1)
        self.body.addLayout(row)

    def show_image(self, x: np.ndarray, grad: np.ndarray) -> None:
        """x: the image (C, H, W) in [0, 1]; grad: dL/dx, the same shape."""
        self.image.set_values(x, 0.0, 1.0)
        show_signed(self.grad, self.legend, grad)

    def clear(self) -> None:
        self.image.clear_values()
        self.grad.clear_values()
        self.legend.clear()
