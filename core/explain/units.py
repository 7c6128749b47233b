"""The arithmetic of one unit in the forward pass, on the image being explained.

A convolution unit is a weighted sum: the input values under its kernel, times the
kernel, summed, plus the bias. A dense unit is the same over its whole input. A
max-pooling unit is the largest value of its window (the *winner*); an average-pooling
unit their mean. An activation unit is a function of one value. Each explanation here
lists those numbers so that a person can redo the sum; ``total`` is that sum, and it
equals ``value``, what the network computed, up to float rounding (the network adds
in another order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from digitlab.core.explain.backprop import Backprop
from digitlab.core.explain.regions import Region, receptive_fields, window_of
from digitlab.core.nn.layers import AvgPool2D, Conv2D, Dense, MaxPool2D, ReLU, Sigmoid, Tanh
from digitlab.core.nn.network import Network

Unit = tuple[int, ...]  # (channel, row, column) in an image output, (index,) in a vector
ACTIVATIONS = (ReLU, Sigmoid, Tanh)


@dataclass(frozen=True, eq=False)
class UnitExplanation:
    """How unit ``unit`` of layer ``layer`` got its ``value``.

    For a weighted sum (convolution, dense, average pooling): ``inputs`` are the values
    read, ``weights`` the matching weights (same shape), ``products`` their element-wise
    product and ``bias`` the bias; ``total = products.sum() + bias``. For max pooling
    ``inputs`` is the window and ``winner`` the index in it of the value kept (the first
    largest). For an element-wise layer ``inputs`` holds the one value read.
    ``fields[0]`` is the receptive field in the image, ``fields[k]`` the region read in
    layer k - 1's output (None where that is a vector).
    """

    layer: str
    kind: str
    unit: Unit
    value: float
    inputs: np.ndarray
    weights: np.ndarray | None = None
    bias: float = 0.0
    winner: Unit | None = None
    fields: tuple[Region | None, ...] = ()
    #: (name, value) of the activation that follows, when one does: the unit after it.
    activated: tuple[str, float] | None = None

    @property
    def products(self) -> np.ndarray | None:
        return None if self.weights is None else self.inputs * self.weights

    @property
    def total(self) -> float:
        """The sum a person can redo: products plus bias, the winner, or the value."""
        if self.weights is not None:
            return float(self.products.astype(np.float64).sum() + self.bias)
        if self.winner is not None:
            return float(self.inputs[self.winner])
        return self.value

    def top_inputs(self, count: int = 8) -> list[tuple[Unit, float, float, float]]:
        """The inputs that moved the sum most: (index in ``inputs``, input, weight,
        product), largest |product| first. Empty without weights."""
        products = self.products
        if products is None:
            return []
        order = np.argsort(-np.abs(products), axis=None, kind="stable")[:count]
        return [
            (
                tuple(int(i) for i in np.unravel_index(k, products.shape)),
                float(self.inputs.flat[k]),
                float(self.weights.flat[k]),
                float(products.flat[k]),
            )
            for k in order
        ]


def explain_unit(
    network: Network, result: Backprop, layer: str | int, unit: Unit
) -> UnitExplanation:
    """The forward arithmetic of ``unit`` of ``layer`` (a name or an index) for the
    image of ``result`` (``backprop(network, ...)``). Raises IndexError for a unit
    outside the layer's output."""
    index = layer_index(network, layer)
    unit = _checked_unit(result.layers[index].output.shape, unit)
    entry, net_layer = result.layers[index], network.layers[index]
    x = result.input_of(index)
    common = dict(
        layer=entry.name,
        kind=entry.kind,
        unit=unit,
        value=float(entry.output[unit]),
        fields=tuple(receptive_fields(network.layers, index, unit)),
        activated=_activated(network, result, index, unit),
    )
    if isinstance(net_layer, Conv2D):
        f, y, xx = unit
        kernel, bias = net_layer.params["kernel"], net_layer.params["bias"]
        patch = _window(x, slice(None), y, xx, window_of(net_layer))
        return UnitExplanation(**common, inputs=patch, weights=kernel[f], bias=float(bias[f]))
    if isinstance(net_layer, Dense):
        kernel, bias = net_layer.params["kernel"], net_layer.params["bias"]
        (j,) = unit
        return UnitExplanation(**common, inputs=x, weights=kernel[:, j], bias=float(bias[j]))
    if isinstance(net_layer, MaxPool2D | AvgPool2D):
        c, y, xx = unit
        window = _window(x, c, y, xx, window_of(net_layer))
        if isinstance(net_layer, AvgPool2D):
            share = np.full(window.shape, 1 / window.size, dtype=window.dtype)
            return UnitExplanation(**common, inputs=window, weights=share)
        winner = np.unravel_index(int(np.argmax(window)), window.shape)  # first largest
        return UnitExplanation(**common, inputs=window, winner=tuple(int(i) for i in winner))
    # Element-wise layers (activations, Dropout when reading) and Flatten read one value.
    source = np.unravel_index(np.ravel_multi_index(unit, entry.output.shape), x.shape)
    return UnitExplanation(**common, inputs=np.asarray([x[source]]))


def _activated(network: Network, result: Backprop, index: int, unit: Unit):
    if index + 1 < len(network.layers) and isinstance(network.layers[index + 1], ACTIVATIONS):
        following = result.layers[index + 1]
        return following.name, float(following.output[unit])
    return None


def source_unit(network: Network, layer: str | int, unit: Unit) -> Unit:
    """For a layer that reads one value per unit (activations, Flatten, Dropout): the
    index of that value in its input."""
    index = layer_index(network, layer)
    net_layer = network.layers[index]
    flat = np.ravel_multi_index(unit, net_layer.output_shape)
    return tuple(int(i) for i in np.unravel_index(flat, net_layer.input_shape))


def _window(x: np.ndarray, channels, y: int, xx: int, window: tuple[int, int, int, int]):
    """The (C, kh, kw) or (kh, kw) block of ``x`` under the window of output (y, xx),
    with zeros where it overlaps the padding."""
    kh, kw, stride, pad = window
    padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad))) if pad else x
    top, left = y * stride, xx * stride
    return padded[channels, top : top + kh, left : left + kw].copy()


def layer_index(network: Network, layer: str | int) -> int:
    """The position of ``layer`` (a name, or already a position) in ``network.layers``."""
    if isinstance(layer, str):
        names = [lay.name for lay in network.layers]
        if layer not in names:
            raise KeyError(f"no layer named {layer!r}; the layers are {names}")
        return names.index(layer)
    return int(layer)


def _checked_unit(shape: tuple[int, ...], unit: Unit) -> Unit:
    unit = tuple(int(i) for i in unit)
    if len(unit) != len(shape) or not all(0 <= i < n for i, n in zip(unit, shape, strict=True)):
        raise IndexError(f"unit {unit} is outside the layer's output of shape {shape}")
    return unit
