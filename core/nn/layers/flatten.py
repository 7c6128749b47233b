"""Flatten each sample to a vector: the bridge from conv layers to dense ones."""

from __future__ import annotations

import numpy as np

from digitlab.core.nn.layers.base import Layer, OutputSign, Shape


class Flatten(Layer):
    """x (N, *dims) -> (N, prod(dims)), in row-major (C, H, W) order."""

    name_prefix = "flatten"
    kind = "Flatten"
    output_sign = OutputSign.FOLLOWS_INPUT
    only_reshapes = True

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name)
        self._shape: tuple[int, ...] | None = None

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (int(np.prod(input_shape)),)

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        self._shape = x.shape if training else None
        return x.reshape(x.shape[0], -1)

    def backward(self, grad_out: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        return grad_out.reshape(self._cached(self._shape))
