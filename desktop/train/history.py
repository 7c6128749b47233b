"""The numbers the training plots show, kept without Qt: every batch's loss and each epoch.

Batch losses arrive in bursts (the worker sends them ten times a second), so they are
appended to arrays that grow by doubling, and the plots get views of whole arrays.
The x axis is in epochs: batch b of B in epoch e sits at ``e - 1 + b / B``, and an
epoch's figures sit at ``e``, where that epoch ends.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from digitlab.core.train.types import BatchProgress, EpochResult

#: The smoothed loss averages over about this fraction of an epoch (an exponential
#: moving average), and over SMOOTHING_BATCHES batches at least and at most: enough to
#: see the trend through the noise of 64-image batches without lagging behind it.
SMOOTHING_EPOCHS = 0.05
SMOOTHING_BATCHES = (5, 50)
EPOCH_COLUMNS = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds")


class _Growing:
    """A float64 array that appends in amortised O(1) and hands out views of its data."""

    def __init__(self, capacity: int = 1024) -> None:
        self._data = np.empty(capacity)
        self.size = 0

    def extend(self, values: np.ndarray) -> None:
        end = self.size + len(values)
        if end > len(self._data):
            bigger = np.empty(max(end, 2 * len(self._data)))
            bigger[: self.size] = self._data[: self.size]
            self._data = bigger
        self._data[self.size : end] = values
        self.size = end

    @property
    def values(self) -> np.ndarray:
        return self._data[: self.size]


class TrainingHistory:
    """Batch losses (raw and smoothed) and the per-epoch table of one run."""

    def __init__(self) -> None:
        self.clear()

    def clear(self, previous: Mapping[str, Sequence[float]] | None = None) -> None:
        """Forget everything; ``previous`` is a model file's per-epoch history to start
        from when a run continues it (its batches are not stored, only its epochs)."""
        self._batch_x, self._batch_loss, self._smooth = _Growing(), _Growing(), _Growing()
        self._ema, self._ema_weight = 0.0, 0.0
        self.rows: list[dict[str, float]] = []
        self.lr_by_epoch: dict[int, float] = {}
        self.best_epoch: int | None = None
        previous = previous or {}
        for i, loss in enumerate(previous.get("loss", [])):
            row = {"epoch": float(i + 1), "loss": float(loss)}
            for key in EPOCH_COLUMNS[2:]:
                values = previous.get(key, [])
                row[key] = float(values[i]) if i < len(values) else float("nan")
            self.rows.append(row)
            self.lr_by_epoch[i + 1] = row["lr"]

    # -- adding ---------------------------------------------------------------
    def add_batches(self, progress: BatchProgress, losses: Sequence[float]) -> None:
        """``losses`` of the batches that end with ``progress.batch``, oldest first."""
        if not losses:
            return
        ends = np.arange(progress.batch - len(losses) + 1, progress.batch + 1)
        self._batch_x.extend(progress.epoch - 1 + ends / progress.batches)
        raw = np.asarray(losses, dtype=np.float64)
        self._batch_loss.extend(raw)
        self._smooth.extend(self._smoothed(raw, progress.batches))
        self.lr_by_epoch[progress.epoch] = progress.lr

    def _smoothed(self, raw: np.ndarray, batches_per_epoch: int) -> np.ndarray:
        # An exponential moving average, divided by the weight it has gathered so the
        # first batches are not pulled towards zero (as TensorBoard's smoothing does).
        span = min(max(SMOOTHING_EPOCHS * batches_per_epoch, SMOOTHING_BATCHES[0]),
                   SMOOTHING_BATCHES[1])  # fmt: skip
        alpha = 1.0 / span
        out = np.empty_like(raw)
        for i, value in enumerate(raw):  # a few values per call: the loop is cheap
            self._ema = (1 - alpha) * self._ema + alpha * value
            self._ema_weight = (1 - alpha) * self._ema_weight + alpha
            out[i] = self._ema / self._ema_weight
        return out

    def add_epoch(self, result: EpochResult) -> None:
        self.rows.append({key: float(getattr(result, key)) for key in EPOCH_COLUMNS})
        self.lr_by_epoch[result.epoch] = result.lr

    # -- reading --------------------------------------------------------------
    @property
    def batch_x(self) -> np.ndarray:
        """(n,) float64: the position of every batch, in epochs."""
        return self._batch_x.values

    @property
    def batch_loss(self) -> np.ndarray:
        return self._batch_loss.values

    @property
    def batch_smoothed(self) -> np.ndarray:
        return self._smooth.values

    def column(self, key: str) -> np.ndarray:
        """One of ``EPOCH_COLUMNS`` over the epochs so far, (epochs,) float64."""
        return np.array([row[key] for row in self.rows], dtype=np.float64)

    def lr_steps(self) -> tuple[np.ndarray, np.ndarray]:
        """(edges (k + 1,), rates (k,)): the rate of each epoch as a step curve."""
        epochs = sorted(self.lr_by_epoch)
        if not epochs:
            return np.zeros(0), np.zeros(0)
        edges = np.array([e - 1 for e in epochs] + [epochs[-1]], dtype=np.float64)
        return edges, np.array([self.lr_by_epoch[e] for e in epochs], dtype=np.float64)

    def write_csv(self, path: str | Path) -> None:
        """The per-epoch table as CSV, with a ``best`` column (1 on the best epoch)."""
        with open(path, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow([*EPOCH_COLUMNS, "best"])
            for row in self.rows:
                best = int(row["epoch"]) == self.best_epoch
                writer.writerow(
                    [int(row["epoch"]), *(f"{row[k]:.6g}" for k in EPOCH_COLUMNS[1:]), int(best)]
                )
