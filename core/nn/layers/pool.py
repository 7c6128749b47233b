"""Max and average pooling over ``pool_size`` windows."""

from __future__ import annotations

from typing import Any

import numpy as np

from digitlab.core.nn.layers.base import Layer, OutputSign, Shape, as_pair
from digitlab.core.nn.layers.windows import WindowGeometry


class _Pool2D(Layer, abstract=True):
    """Shared shape logic: x (N, C, H, W) -> (N, C, H_out, W_out), no parameters.

    ``stride`` (one value for both axes) defaults to the window size for a square window
    (non-overlapping windows, as in LeNet-5) and to 1 for a non-square one, where no single
    stride could tile both axes.
    """

    name_prefix = "pool"
    output_sign = OutputSign.FOLLOWS_INPUT  # a window's largest value, or its mean

    def __init__(
        self,
        pool_size: int | tuple[int, int] = 2,
        stride: int | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        self.pool_size = as_pair(pool_size, "pool_size")
        if min(self.pool_size) < 1:
            raise ValueError(f"pool_size must be positive, got {pool_size!r}")
        if stride is None:
            stride = self.pool_size[0] if self.pool_size[0] == self.pool_size[1] else 1
        if not isinstance(stride, int | np.integer) or stride < 1:
            raise ValueError(f"stride must be a positive int, got {stride!r}")
        self.stride = int(stride)
        self.geometry: WindowGeometry | None = None

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        if len(input_shape) != 3:
            raise self.shape_error(input_shape, "an image input (channels, height, width)")
        c, h, w = input_shape
        kh, kw = self.pool_size
        if h < kh or w < kw:
            raise self.shape_error(input_shape, f"an image at least {kh}x{kw} to pool")
        self.geometry = WindowGeometry(c, h, w, kh, kw, self.stride)
        return (c, self.geometry.h_out, self.geometry.w_out)

    def _windows(self, x: np.ndarray) -> np.ndarray:
        """x (N, C, H, W) -> contiguous (N, C, kh*kw, L): window slots on axis 2."""
        g = self.geometry
        view = g.window_view(g.padded(x))  # (N, C, kh, kw, L)
        return view.reshape(x.shape[0], g.channels, g.kh * g.kw, -1)

    def _to_image(self, slots: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Input gradient (N, C, H, W) whose window slots get ``slots * grad``.

        slots: (N, C, kh*kw, L) share of each slot; grad: (N, C, L) per window.
        """
        g = self.geometry
        slots = slots.reshape(slots.shape[0], g.channels, g.kh, g.kw, -1)
        return g.col2im(slots, grad)

    def get_config(self) -> dict[str, Any]:
        return {"pool_size": list(self.pool_size), "stride": self.stride, **super().get_config()}


class MaxPool2D(_Pool2D):
    """The largest value of each window. Its gradient goes to that one value; when
    several values tie for largest, to the first of them in row-major order, so the
    gradient is routed exactly once (as PyTorch and Keras do)."""

    kind = "Max pooling"
    keeps_window_max = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._winner: np.ndarray | None = None

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        windows = self._windows(x)  # (N, C, K, L)
        best = windows.max(axis=2)  # reducing a middle axis: elementwise max of K slabs
        if training:
            self._winner = _first_max_mask(windows, best)
        else:
            self._winner = None
        return self.geometry.to_output(best)

    def backward(self, grad_out: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        winner = self._cached(self._winner)  # (N, C, K, L) bool
        grad = self.geometry.from_output(grad_out)  # (N, C, L)
        return self._to_image(winner, grad)


def _first_max_mask(windows: np.ndarray, best: np.ndarray) -> np.ndarray:
    """Bool mask (N, C, K, L) that is True at the first slot of each window holding its max.

    Scores slot k with K - k where it equals the max (0 elsewhere); the highest score
    is the first maximal slot. Only whole-array compares and reductions: numpy's
    argmax over a middle axis would copy and loop over windows.
    """
    k = windows.shape[2]
    dtype = np.uint8 if k < 255 else np.int32
    rank = np.arange(k, 0, -1, dtype=dtype)[:, None]  # (K, 1): K, K-1, ..., 1
    score = (windows == best[:, :, None, :]) * rank  # (N, C, K, L)
    return score == score.max(axis=2, keepdims=True)


class AvgPool2D(_Pool2D):
    """The mean of each window; each input gets 1/(kh*kw) of its window's gradient."""

    kind = "Average pooling"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._batch: int | None = None

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        mean = self._windows(x).mean(axis=2)  # (N, C, L)
        self._batch = x.shape[0] if training else None
        return self.geometry.to_output(mean)

    def backward(self, grad_out: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        self._cached(self._batch)
        g = self.geometry
        grad = g.from_output(grad_out)  # (N, C, L)
        k = g.kh * g.kw
        share = np.broadcast_to(grad.dtype.type(1 / k), (*grad.shape[:2], k, grad.shape[2]))
        return self._to_image(share, grad)  # each slot gets 1/k of its window's gradient
