"""Judging a network on labelled data: loss, accuracy, per-class accuracy, confusion.

A network with the eleventh output, "not a digit" (``NOT_A_DIGIT``), can decline a
real digit: that counts as a mistake, sits in the confusion matrix's last column and
is counted in ``declined``. Labels may include ``NOT_A_DIGIT`` too (a validation set
with generated negatives), which then has a row of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from digitlab.core.errors import ShapeError
from digitlab.core.nn.losses import log_softmax
from digitlab.core.nn.network import Network
from digitlab.core.reading.recognition import DIGITS, NOT_A_DIGIT


@dataclass(frozen=True)
class Evaluation:
    """A network's results on ``n`` labelled samples."""

    loss: float  # mean cross-entropy
    accuracy: float
    n: int
    confusion: np.ndarray  # (classes, classes) int: rows = true class, columns = predicted
    labels: np.ndarray  # (n,) int, the true classes
    predictions: np.ndarray  # (n,) int
    probabilities: np.ndarray  # (n, classes) float32

    @property
    def per_class_accuracy(self) -> np.ndarray:
        """(classes,) recall of each true class; NaN for a class with no samples."""
        totals = self.confusion.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.diag(self.confusion) / totals

    @property
    def can_decline(self) -> bool:
        """The network had a "not a digit" output (11 classes)."""
        return self.confusion.shape[1] == DIGITS + 1

    @property
    def declined(self) -> int:
        """How many real digits (labels 0-9) the network answered "not a digit"."""
        if not self.can_decline:
            return 0
        return int(np.count_nonzero((self.predictions == NOT_A_DIGIT) & (self.labels < DIGITS)))

    @property
    def digit_confusion(self) -> np.ndarray:
        """(10, classes) int: the confusion matrix's rows for the true digits 0-9; with
        11 classes, the last column counts the digits declined as "not a digit"."""
        return self.confusion[:DIGITS]

    def misclassified(self) -> np.ndarray:
        """Indices of the samples predicted wrongly, in data order."""
        return np.flatnonzero(self.predictions != self.labels)

    def to_dict(self) -> dict[str, Any]:
        """The figures as plain JSON-able values (for ``digitlab eval --json``)."""
        return {
            "accuracy": self.accuracy,
            "loss": self.loss,
            "n": self.n,
            "per_class_accuracy": [
                None if np.isnan(a) else float(a) for a in self.per_class_accuracy
            ],
            "confusion": self.confusion.tolist(),
            "declined": self.declined,
        }


def evaluate(
    network: Network, x: np.ndarray, labels: np.ndarray, batch_size: int = 1000
) -> Evaluation:
    """Run ``network`` in inference mode over ``x`` (N, *input_shape) with ``labels`` (N,) int."""
    labels = np.asarray(labels).astype(np.intp, copy=False)
    if len(x) != len(labels):
        raise ShapeError(f"{len(x)} samples but {len(labels)} labels")
    classes = network.output_shape[-1]
    if len(labels) and not 0 <= labels.min() <= labels.max() < classes:
        raise ShapeError(
            f"labels run from {labels.min()} to {labels.max()}, "
            f"but the network has {classes} classes (0 to {classes - 1})"
        )
    probabilities = np.empty((len(x), classes), np.float32)
    total_loss = 0.0
    for start in range(0, len(x), batch_size):
        logits = network.forward(x[start : start + batch_size], training=False)
        log_p = log_softmax(logits.astype(np.float64))
        rows = np.arange(len(log_p))
        total_loss -= float(log_p[rows, labels[start : start + batch_size]].sum())
        probabilities[start : start + len(log_p)] = np.exp(log_p)
    predictions = probabilities.argmax(axis=1)
    confusion = np.zeros((classes, classes), np.int64)
    np.add.at(confusion, (labels, predictions), 1)
    n = len(labels)
    return Evaluation(
        loss=total_loss / n if n else float("nan"),
        accuracy=float(np.mean(predictions == labels)) if n else float("nan"),
        n=n,
        confusion=confusion,
        labels=labels,
        predictions=predictions,
        probabilities=probabilities,
    )
