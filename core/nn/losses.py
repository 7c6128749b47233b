"""Losses: a value for the batch and its gradient with respect to the network's output.

Both divide by the batch size N, so the loss is a per-sample mean: the learning
rate then means the same thing whatever the batch size.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from digitlab.core.errors import ShapeError


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log softmax over the last axis, stable for any finite logits.

    Subtracting the row max first (log-sum-exp) keeps every exponent <= 0, so
    logits of +-1e4 neither overflow nor underflow to log(0).
    """
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Probabilities over the last axis; rows sum to 1."""
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


class Loss:
    """``forward(output, targets) -> float`` caches what ``backward() -> dL/doutput`` needs."""

    def forward(self, output: np.ndarray, targets: np.ndarray) -> float:
        raise NotImplementedError

    def backward(self) -> np.ndarray:
        raise NotImplementedError

    def _cached(self, value: Any) -> Any:
        if value is None:
            raise RuntimeError(f"{type(self).__name__}: backward() called before forward()")
        return value

    def get_config(self) -> dict[str, Any]:
        return {}


class SoftmaxCrossEntropy(Loss):
    """Softmax and cross-entropy fused: mean over the batch of ``-log softmax(z)[y]``.

    logits: (N, K). targets: class indices (N,) or target distributions (N, K).
    Fusing them gives the simple, stable gradient ``(softmax(z) - onehot(y)) / N``
    instead of dividing by tiny probabilities.
    """

    def __init__(self) -> None:
        self._probs: np.ndarray | None = None
        self._target: np.ndarray | None = None

    def forward(self, output: np.ndarray, targets: np.ndarray) -> float:
        if output.ndim != 2:
            raise ShapeError(f"cross-entropy needs logits (N, classes), got shape {output.shape}")
        target = self._as_distribution(targets, output)
        logp = log_softmax(output)
        self._probs, self._target = np.exp(logp), target
        return float(-(target * logp).sum() / output.shape[0])

    def backward(self) -> np.ndarray:
        probs, target = self._cached(self._probs), self._target
        return (probs - target) / probs.shape[0]

    @staticmethod
    def _as_distribution(targets: np.ndarray, output: np.ndarray) -> np.ndarray:
        n, k = output.shape
        targets = np.asarray(targets)
        if targets.shape == (n, k):
            return targets.astype(output.dtype, copy=False)
        if targets.shape != (n,):
            raise ShapeError(
                f"targets must be labels ({n},) or distributions ({n}, {k}), "
                f"got shape {targets.shape}"
            )
        if targets.dtype.kind not in "iu":
            fractional = targets[np.mod(targets, 1) != 0]  # NaN lands here too
            if fractional.size:
                raise ShapeError(f"labels must be whole class numbers, got {fractional[0]!r}")
        if targets.size and (targets.min() < 0 or targets.max() >= k):
            raise ShapeError(f"labels must lie in 0..{k - 1}, got {targets.min()}..{targets.max()}")
        onehot = np.zeros((n, k), dtype=output.dtype)
        onehot[np.arange(n), targets.astype(np.intp)] = 1
        return onehot


class MeanSquaredError(Loss):
    """Mean of the squared errors over every sample and output, as Keras defines it:
    ``mean((output - targets)**2)``, gradient ``2 (output - targets) / output.size``."""

    def __init__(self) -> None:
        self._diff: np.ndarray | None = None

    def forward(self, output: np.ndarray, targets: np.ndarray) -> float:
        targets = np.asarray(targets, dtype=output.dtype)
        if targets.shape != output.shape:
            raise ShapeError(
                f"targets must have the output's shape {output.shape}, got {targets.shape}"
            )
        self._diff = output - targets
        return float((self._diff**2).mean())

    def backward(self) -> np.ndarray:
        diff = self._cached(self._diff)
        return 2 * diff / diff.size


LOSSES: dict[str, type[Loss]] = {
    "SoftmaxCrossEntropy": SoftmaxCrossEntropy,
    "MeanSquaredError": MeanSquaredError,
}
