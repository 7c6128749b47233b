"""Watching a run learn: gradient sizes per layer, and a fixed set of test digits.

Two callbacks for any ``Trainer``, each reporting small frozen dataclasses of plain
numbers, on the training thread, to a function it is given:

- ``GradientWatch``, every ``every`` batches: for each layer with weights, the norm of
  its kernel's gradient and the update-to-weight ratio ``|ΔW| / |W|`` of that batch's
  step. Gradients that shrink layer after layer toward the input are the vanishing
  gradient; ratios far above 1e-3 say the learning rate is too high, far below too low
  (the rule of thumb of Karpathy's CS231n notes).
- ``DigitWatch``, every ``every`` batches and after each epoch: what the network
  answers for a fixed set of test digits, so a person sees them being learnt.

Both cost little beside the batches they watch: a copy of the kernels one batch before
a sample (the step itself is seen as the difference), a few norms, and 50 predictions
every few hundred batches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from digitlab.core.data.mnist import Split, to_network_input
from digitlab.core.train.types import BatchProgress, Callback, EpochResult


@dataclass(frozen=True)
class GradientStats:
    """One sampled batch: ``step`` counts the batches of the run so far (1-based),
    ``epoch_position`` is where that is in epochs (1.5: half-way through the second).
    ``layers`` name the layers with weights, input side first; ``grad_norms[i]`` is
    |dL/dkernel| of ``layers[i]`` for this batch and ``update_ratios[i]`` its step's
    |ΔW| / |W|."""

    step: int
    epoch_position: float
    layers: tuple[str, ...]
    grad_norms: tuple[float, ...]
    update_ratios: tuple[float, ...]


class GradientWatch(Callback):
    """Reports ``GradientStats`` to ``report`` every ``every`` batches."""

    def __init__(self, report: Callable[[GradientStats], None], every: int = 10) -> None:
        if every < 2:
            raise ValueError(f"every must be at least 2 (a copy, then a step), got {every!r}")
        self._report, self.every = report, int(every)
        self._step = 0
        self._kernels: dict[str, np.ndarray] = {}
        self._before: dict[str, np.ndarray] = {}  # the kernels one batch before a sample

    def set_trainer(self, trainer) -> None:
        super().set_trainer(trainer)
        self._kernels = {
            name: value for name, value in trainer.network.params().items()
            if name.endswith(".kernel")
        }  # fmt: skip
        self._before = {name: np.empty_like(value) for name, value in self._kernels.items()}
        self._step = 0

    def on_batch_end(self, progress: BatchProgress) -> None:
        self._step += 1
        phase = self._step % self.every
        if phase == self.every - 1:  # the next batch is sampled: keep its starting point
            for name, value in self._kernels.items():
                np.copyto(self._before[name], value)
        elif phase == 0 and self._step > 1:
            self._report(self._sample(progress))

    def _sample(self, progress: BatchProgress) -> GradientStats:
        grads = self.trainer.network.grads()
        norms, ratios = [], []
        for name, value in self._kernels.items():
            norms.append(float(np.linalg.norm(grads[name])))
            before = self._before[name]
            change = float(np.linalg.norm(value - before))
            ratios.append(change / max(float(np.linalg.norm(before)), 1e-12))
        return GradientStats(
            step=self._step,
            epoch_position=progress.epoch - 1 + progress.batch / progress.batches,
            layers=tuple(name.removesuffix(".kernel") for name in self._kernels),
            grad_norms=tuple(norms),
            update_ratios=tuple(ratios),
        )


@dataclass(frozen=True)
class DigitReadings:
    """What the network answered for the watched digits at ``epoch_position``, in the
    order they were given (``predicted[i]`` for digit i)."""

    step: int
    epoch_position: float
    predicted: tuple[int, ...]


class DigitWatch(Callback):
    """Reports ``DigitReadings`` for ``x`` (N, *input_shape) to ``report`` every
    ``every`` batches and at the end of every epoch."""

    def __init__(
        self, x: np.ndarray, report: Callable[[DigitReadings], None], every: int = 300
    ) -> None:
        if every < 1:
            raise ValueError(f"every must be at least 1, got {every!r}")
        self.x, self._report, self.every = x, report, int(every)
        self._step = 0
        self._position = 0.0

    def on_batch_end(self, progress: BatchProgress) -> None:
        self._step += 1
        self._position = progress.epoch - 1 + progress.batch / progress.batches
        if self._step % self.every == 0:
            self._read()

    def on_epoch_end(self, result: EpochResult) -> None:
        self._position = float(result.epoch)
        self._read()

    def _read(self) -> None:
        # Inference on the network being trained, between two of its batches, on the
        # training thread: nothing else uses it meanwhile.
        predicted = self.trainer.network.predict(self.x)
        self._report(DigitReadings(self._step, self._position, tuple(int(p) for p in predicted)))


def digits_to_watch(test: Split, per_digit: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """The first ``per_digit`` test images of each digit 0-9, in digit order: a fixed
    set, the same for every run. Returns (x (N, 1, 28, 28) float32, labels (N,))."""
    chosen = np.concatenate([np.flatnonzero(test.labels == d)[:per_digit] for d in range(10)])
    return to_network_input(test.images[chosen]), test.labels[chosen]
