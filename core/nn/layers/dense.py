"""Fully connected layer."""

from __future__ import annotations

from typing import Any

import numpy as np

from digitlab.core.nn.layers.base import KERNEL_INITS, Layer, Shape, init_kernel


class Dense(Layer):
    """x (N, D) -> x @ kernel + bias, (N, units).

    Parameters: ``kernel`` (D, units), laid out as Keras stores it, and ``bias`` (units,).
    """

    name_prefix = "dense"
    kind = "Fully connected"

    def __init__(self, units: int, kernel_init: str = "he_normal", name: str | None = None) -> None:
        super().__init__(name)
        if not isinstance(units, int | np.integer) or units < 1:
            raise ValueError(f"units must be a positive int, got {units!r}")
        if kernel_init not in KERNEL_INITS:
            raise ValueError(f"kernel_init must be one of {KERNEL_INITS}, got {kernel_init!r}")
        self.units = int(units)
        self.kernel_init = kernel_init
        self._x: np.ndarray | None = None

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        if len(input_shape) != 1:
            raise self.shape_error(
                input_shape, "a flat input (features,); put a Flatten layer before it"
            )
        return (self.units,)

    def init_params(self, rng: np.random.Generator) -> None:
        (d,) = self.input_shape
        self.params = {
            "kernel": init_kernel(self.kernel_init, rng, (d, self.units), d, self.units),
            "bias": np.zeros(self.units, dtype=np.float32),
        }

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        self._x = x if training else None
        out = x @ self.params["kernel"]
        out += self.params["bias"]
        return out

    def backward(self, grad_out: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        x = self._cached(self._x)
        self.grads = {"kernel": x.T @ grad_out, "bias": grad_out.sum(axis=0)}
        return grad_out @ self.params["kernel"].T if input_grad else None

    def get_config(self) -> dict[str, Any]:
        return {"units": self.units, "kernel_init": self.kernel_init, **super().get_config()}
