"""Dropout: a regulariser that is active only while training."""

from __future__ import annotations

from typing import Any

import numpy as np

from digitlab.core.nn.layers.base import Layer, OutputSign


class Dropout(Layer):
    """Zeroes each value with probability ``rate`` in training and scales the rest by
    1/(1-rate) ("inverted" dropout), so inference needs no change: it is the identity.
    """

    name_prefix = "dropout"
    kind = "Dropout"
    output_sign = OutputSign.FOLLOWS_INPUT  # zeroes values or scales them by 1/(1-rate) > 0
    only_in_training = True

    def __init__(self, rate: float = 0.5, name: str | None = None) -> None:
        super().__init__(name)
        if not 0.0 <= float(rate) < 1.0:
            raise ValueError(f"rate must be in [0, 1), got {rate!r}")
        self.rate = float(rate)
        self._rng: np.random.Generator | None = None
        self._mask: np.ndarray | None = None

    def init_params(self, rng: np.random.Generator) -> None:
        # An own stream, split from the network's, so masks are reproducible per seed.
        self._rng = np.random.default_rng(rng.integers(2**63))

    def seed(self, rng: np.random.Generator) -> None:
        """Use ``rng`` for the masks (tests and layers used outside a network)."""
        self._rng = rng

    def replica(self) -> Dropout:
        """A shard's copy draws its masks from a stream split off this layer's, in the
        calling thread, so the masks of a seeded run do not depend on thread timing."""
        twin = super().replica()
        twin._rng = np.random.default_rng(self._stream().integers(2**63))
        return twin

    def _stream(self) -> np.random.Generator:
        if self._rng is None:
            self._rng = np.random.default_rng()
        return self._rng

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        if not training or self.rate == 0.0:
            self._mask = np.ones((), dtype=x.dtype) if training else None
            return x
        keep = self._stream().random(x.shape, dtype=np.float32) >= self.rate
        self._mask = keep.astype(x.dtype) / x.dtype.type(1.0 - self.rate)
        return x * self._mask

    def backward(self, grad_out: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        return grad_out * self._cached(self._mask)

    def get_config(self) -> dict[str, Any]:
        return {"rate": self.rate, **super().get_config()}
