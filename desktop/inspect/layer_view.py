"""Inside the network: every layer's output for the current drawing, in order.

A scrollable column of cards, one per layer of the network, then the softmax.
``set_network`` builds the cards once; ``show_activations``, called on every pen
stroke, only writes new values into image buffers that the cards already own and
asks for a repaint, so it creates no widget and changes no layout.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from digitlab.core.errors import ShapeError
from digitlab.core.nn.layers import Layer
from digitlab.core.nn.network import Network
from digitlab.desktop.inspect.layer_entry import LayerEntry, SoftmaxEntry


def nonnegative_outputs(layers: Sequence[Layer]) -> list[bool]:
    """For each layer, whether its output can never be negative, from what each layer
    says of its sign (``Layer.output_sign``); the input images, in [0, 1], count as
    non-negative. Decided from the architecture, so a layer keeps its colour map from
    one drawing to the next."""
    result, nonnegative = [], True
    for layer in layers:
        nonnegative = layer.output_sign.nonnegative_after(nonnegative)
        result.append(nonnegative)
    return result


class LayerView(QWidget):
    """One entry per layer of the network (``entry_count() == len(network.layers)``),
    plus a final softmax entry that ``entry_count`` does not count."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._network: Network | None = None
        self._entries: list[LayerEntry] = []
        self._softmax: SoftmaxEntry | None = None
        self._kernels_visible = False
        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._scroll)
        placeholder = QLabel("Load a model to see inside it.")
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        placeholder.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._scroll.setWidget(placeholder)

    # -- building ---------------------------------------------------------
    def set_network(self, network: Network) -> None:
        """Build one entry per layer of ``network`` (and the softmax entry), replacing
        the previous ones. Call it again after the weights change, to redraw the kernels."""
        container = QWidget()
        column = QVBoxLayout(container)
        column.setContentsMargins(8, 8, 8, 8)
        column.setSpacing(8)
        signs = nonnegative_outputs(network.layers)
        self._entries = [
            LayerEntry(layer, sign) for layer, sign in zip(network.layers, signs, strict=True)
        ]
        for entry in self._entries:
            entry.set_kernels_visible(self._kernels_visible)
            column.addWidget(entry)
        self._softmax = None
        if len(network.output_shape) == 1:
            self._softmax = SoftmaxEntry(network.output_shape[0])
            column.addWidget(self._softmax)
        column.addStretch(1)
        self._network = network
        self._scroll.setWidget(container)  # deletes the previous container and its entries

    def entries(self) -> list[LayerEntry]:
        """The layer entries in order (the softmax entry is ``softmax_entry``)."""
        return list(self._entries)

    @property
    def softmax_entry(self) -> SoftmaxEntry | None:
        return self._softmax

    def entry_count(self) -> int:
        """The number of layer entries: ``len(network.layers)``, softmax not counted."""
        return len(self._entries)

    # -- showing ----------------------------------------------------------
    def show_activations(
        self, activations: Sequence[tuple[str, np.ndarray]], probabilities: np.ndarray | None
    ) -> None:
        """Show each layer's output for ONE image, as ``Network.activations`` returns them
        with the batch dimension removed: (C, H, W) or (D,) per layer, in order.
        ``probabilities`` (classes,) fill the softmax entry; None clears it.

        Raises ShapeError, before showing anything, when the names or shapes do not
        match the network given to ``set_network``.
        """
        arrays = self._checked(activations)
        probabilities = self._checked_probabilities(probabilities)
        # Each changed widget schedules its own repaint. They fill their own background
        # (WA_OpaquePaintEvent), so Qt repaints just them, in one pass, and not the
        # cards and labels around them: measured faster than one update of the column.
        for entry, values in zip(self._entries, arrays, strict=True):
            entry.show_values(values)
        if self._softmax is not None:
            self._softmax.show_values(probabilities)

    def clear_activations(self) -> None:
        """Show every entry empty (as before the first drawing)."""
        for entry in self._entries:
            entry.clear_values()
        if self._softmax is not None:
            self._softmax.show_values(None)

    def show_kernels(self, visible: bool) -> None:
        """Show or hide, under their outputs, the weights of the layers whose weights
        are images (``Layer.image_weights``: a conv layer's kernels)."""
        self._kernels_visible = visible
        for entry in self._entries:
            entry.set_kernels_visible(visible)

    def _checked(self, activations: Sequence[tuple[str, np.ndarray]]) -> list[np.ndarray]:
        if self._network is None:
            raise ShapeError("the layer view has no network yet: call set_network first")
        expected = [entry.name for entry in self._entries]
        names = [name for name, _ in activations]
        if names != expected:
            raise ShapeError(
                f"the layer view shows the layers {', '.join(expected)}, "
                f"but the activations are for {', '.join(names) or 'no layer'}"
            )
        arrays = [np.asarray(values) for _, values in activations]
        for entry, values in zip(self._entries, arrays, strict=True):
            if values.shape != entry.output_shape:
                raise ShapeError(
                    f"layer {entry.name} outputs {entry.output_shape} for one image, but its "
                    f"activation has shape {values.shape} (pass one image, no batch dimension)"
                )
        return arrays

    def _checked_probabilities(self, probabilities: np.ndarray | None) -> np.ndarray | None:
        if probabilities is None or self._softmax is None:
            return None
        probabilities = np.asarray(probabilities)
        classes = self._softmax.bars.classes
        if probabilities.shape != (classes,):
            raise ShapeError(
                f"the network has {classes} classes, but the probabilities have shape "
                f"{probabilities.shape} (pass one image, no batch dimension)"
            )
        return probabilities
