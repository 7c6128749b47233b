"""The plain data a training run takes and reports: configuration, progress, results.

Everything here is a small frozen dataclass of numbers and strings, so a GUI can
pass it between threads as is.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters of one training run."""

    epochs: int = 20
    batch_size: int = 64
    optimizer: str = "adam"
    lr: float = 1e-3
    weight_decay: float = 0.0
    # "constant", "step" (x0.1 every third of the run), "exponential" (x0.9 per epoch)
    # or "cosine" (to zero at the last epoch): see ``core.train.trainer.make_run_schedule``.
    schedule: str = "cosine"
    # Early stopping: stop after `patience` epochs without the validation loss
    # falling by more than `min_delta` below its best.
    patience: int = 5
    min_delta: float = 1e-4
    validation_size: int = 5000  # held out of the end of the training set, never the test set
    augment: bool = True  # random shifts, rotations and scalings of the training images
    seed: int = 0
    threads: int | None = None  # None: every available core

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "patience"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
        if not isinstance(self.validation_size, int) or self.validation_size < 0:
            raise ValueError(f"validation_size must be >= 0, got {self.validation_size!r}")
        if not self.lr > 0:  # `not` also refuses NaN
            raise ValueError(f"the learning rate must be > 0, got {self.lr!r}")
        if not self.weight_decay >= 0 or not self.min_delta >= 0:
            raise ValueError(
                f"weight_decay and min_delta must be >= 0, got {self.weight_decay!r} "
                f"and {self.min_delta!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """Rebuild from ``to_dict()``, ignoring keys this version does not know."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


@dataclass(frozen=True)
class BatchProgress:
    """Reported after every training batch."""

    epoch: int  # 1-based
    epochs: int
    batch: int  # 1-based within the epoch
    batches: int
    batch_size: int
    loss: float  # of this batch
    accuracy: float  # of this batch
    images_per_second: float  # over the epoch so far
    lr: float

    @property
    def eta_seconds(self) -> float:
        """Time left in this epoch at the current speed."""
        left = (self.batches - self.batch) * self.batch_size
        return left / self.images_per_second if self.images_per_second > 0 else 0.0


@dataclass(frozen=True)
class EpochResult:
    """Reported after every epoch, once the validation set has been evaluated."""

    epoch: int  # 1-based
    epochs: int
    loss: float  # mean training loss over the epoch
    accuracy: float
    val_loss: float
    val_accuracy: float
    lr: float
    seconds: float  # this epoch, validation included
    elapsed: float  # the whole run so far
    improved: bool  # validation loss reached a new best: the snapshot was updated
    best_epoch: int
    snapshot_path: str | None = None  # where the best model was written, if it was


@dataclass(frozen=True)
class TrainResult:
    """How a run ended. ``stopped`` is one of "completed", "early_stopping",
    "stopped" (asked to) or "diverged"; ``message`` says it in words."""

    stopped: str
    message: str
    epochs_run: int
    best_epoch: int  # 0 when no epoch finished
    best_val_loss: float
    best_val_accuracy: float
    history: dict[str, list[float]]


class Callback:
    """Receives a run's reports; override what you need. Called on the training thread."""

    def on_batch_end(self, progress: BatchProgress) -> None:
        """After every batch."""

    def on_epoch_end(self, result: EpochResult) -> None:
        """After every epoch."""

    def on_train_end(self, result: TrainResult) -> None:
        """Once, however the run ended."""
