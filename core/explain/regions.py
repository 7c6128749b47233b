"""Where a unit looks: the block of an earlier (C, H, W) array that can change it.

A convolution or pooling unit at (y, x) reads rows ``y*stride - padding`` to
``y*stride - padding + kh - 1`` of its input (and likewise columns); stacking layers
widens that window, which is why a unit deep in the network "sees" a large part of
the digit. Walking the windows back layer by layer gives the receptive field in every
earlier output and in the image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from digitlab.core.nn.layers import AvgPool2D, Conv2D, Layer, MaxPool2D

Span = tuple[int, int]  # half-open [start, stop)


@dataclass(frozen=True)
class Region:
    """Channels, rows and columns of a (C, H, W) array, each a half-open span."""

    channels: Span
    rows: Span
    cols: Span

    @classmethod
    def unit(cls, channel: int, row: int, col: int) -> Region:
        channel, row, col = int(channel), int(row), int(col)
        return cls((channel, channel + 1), (row, row + 1), (col, col + 1))

    @classmethod
    def whole(cls, shape: tuple[int, ...]) -> Region:
        c, h, w = shape
        return cls((0, c), (0, h), (0, w))


def window_of(layer: Layer) -> tuple[int, int, int, int] | None:
    """(kh, kw, stride, padding) of a layer that reads windows, None for any other."""
    if isinstance(layer, Conv2D):
        return (*layer.kernel_size, layer.stride, layer.padding)
    if isinstance(layer, MaxPool2D | AvgPool2D):
        return (*layer.pool_size, layer.stride, 0)
    return None


def input_region(layer: Layer, region: Region) -> Region | None:
    """The part of ``layer``'s input that ``region`` of its output reads, clipped to the
    input (padding is not part of it); None when the input is not an image."""
    shape = layer.input_shape
    if shape is None or len(shape) != 3:
        return None
    if layer.output_shape is None or len(layer.output_shape) != 3:
        return Region.whole(shape)  # a vector output reads its whole input
    window = window_of(layer)
    if window is None:  # element-wise layers: the same values
        return region
    kh, kw, stride, pad = window
    channels = (0, shape[0]) if isinstance(layer, Conv2D) else region.channels
    rows = _clip(region.rows[0] * stride - pad, (region.rows[1] - 1) * stride - pad + kh, shape[1])
    cols = _clip(region.cols[0] * stride - pad, (region.cols[1] - 1) * stride - pad + kw, shape[2])
    return Region(channels, rows, cols)


def receptive_fields(layers: list[Layer], index: int, unit: tuple[int, ...]) -> list[Region | None]:
    """Where unit ``unit`` of layer ``index``'s output looks: item 0 is its region in
    the image, item k (1..index) its region in the output of layer k - 1. None marks a
    vector (a dense layer's input). A dense unit sees every pixel; a unit of Flatten
    sees what the pixel it copies sees.
    """
    fields: list[Region | None] = [None] * (index + 1)
    layer = layers[index]
    current: Region | None
    if len(unit) == 3:
        current = input_region(layer, Region.unit(*unit))
    elif layer.only_reshapes and layer.input_shape and len(layer.input_shape) == 3:
        current = Region.unit(*np.unravel_index(unit[0], layer.input_shape))
    else:
        current = _whole_if_image(layer.input_shape)
    fields[index] = current
    for k in range(index - 1, -1, -1):
        if current is None:
            current = _whole_if_image(layers[k].input_shape)
        else:
            current = input_region(layers[k], current)
        fields[k] = current
    return fields


def _whole_if_image(shape: tuple[int, ...] | None) -> Region | None:
    return Region.whole(shape) if shape is not None and len(shape) == 3 else None


def _clip(start: int, stop: int, size: int) -> Span:
    return max(0, start), min(size, stop)
