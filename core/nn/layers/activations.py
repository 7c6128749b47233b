"""Element-wise activations. Any input shape; the output has the same shape."""

from __future__ import annotations

import numpy as np

from digitlab.core.nn.layers.base import Layer, OutputSign


class _Activation(Layer, abstract=True):
    """Caches its output in training: every derivative here is cheap to get from it."""

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name)
        self._out: np.ndarray | None = None

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        out = self._apply(x)
        self._out = out if training else None
        return out

    def backward(self, grad_out: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        return self._derivative(grad_out, self._cached(self._out))

    def _apply(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _derivative(self, grad_out: np.ndarray, out: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class ReLU(_Activation):
    """max(x, 0). Its gradient passes where the output is positive (0 at x = 0)."""

    name_prefix = "relu"
    kind = "ReLU"
    output_sign = OutputSign.NON_NEGATIVE
    # max(x, 0) is non-decreasing and exact, so max-pooling its output equals
    # max-pooling first: the network runs it after the pool, on fewer values.
    commutes_with_max_pool = True

    def _apply(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(x, 0)

    def _derivative(self, grad_out: np.ndarray, out: np.ndarray) -> np.ndarray:
        return grad_out * (out > 0)


class Sigmoid(_Activation):
    """1 / (1 + exp(-x)), computed without overflow for large |x|; s' = s (1 - s)."""

    name_prefix = "sigmoid"
    kind = "Sigmoid"
    output_sign = OutputSign.NON_NEGATIVE  # in (0, 1)

    def _apply(self, x: np.ndarray) -> np.ndarray:
        # exp of a non-positive number never overflows: use e^x/(1+e^x) for x < 0.
        z = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)

    def _derivative(self, grad_out: np.ndarray, out: np.ndarray) -> np.ndarray:
        return grad_out * out * (1 - out)


class Tanh(_Activation):
    """tanh(x); tanh' = 1 - tanh^2."""

    name_prefix = "tanh"
    kind = "Tanh"
    output_sign = OutputSign.FOLLOWS_INPUT  # tanh keeps the sign of x

    def _apply(self, x: np.ndarray) -> np.ndarray:
        return np.tanh(x)

    def _derivative(self, grad_out: np.ndarray, out: np.ndarray) -> np.ndarray:
        return grad_out * (1 - out * out)
