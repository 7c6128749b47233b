"""The plain data a training run takes and reports: configuration, progress, results.

Everything here is a small frozen dataclass of numbers and strings, so a GUI can
pass it between threads as is.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from digitlab.core.data.augment import AugmentConfig
from digitlab.core.train.optimizers import Optimizer, make_optimizer
from digitlab.core.train.schedules import Schedule, schedule_for_run

if TYPE_CHECKING:
    from digitlab.core.train.trainer import Trainer

_AUGMENT = AugmentConfig()
#: Seeds are 32-bit, as most tools take them; numpy refuses negative ones.
MAX_SEED = 2**32 - 1
MAX_THREADS = 256
_OPTIMIZER_PARAMETERS = ("momentum", "beta1", "beta2", "rho", "eps")
_SCHEDULE_PARAMETERS = ("step_size", "gamma", "min_lr")


@dataclass(frozen=True)
class TrainConfig:
    """Every setting of one training run.

    A run records ``to_dict()`` in its model file, so it can be repeated and resumed
    exactly. A file written before a field existed loads with that field's default,
    which is what its run did. Optimizer and schedule parameters left at None take the
    optimizer's own default, or the schedule's default for a run of ``epochs`` epochs.
    """

    epochs: int = 20
    batch_size: int = 64
    optimizer: str = "adam"  # a name in digitlab.core.train.optimizers.OPTIMIZERS
    lr: float = 1e-3
    weight_decay: float = 0.0  # L2, on kernels only
    # The optimizer's parameters; one the chosen optimizer does not take must stay None.
    momentum: float | None = None  # sgd: 0; momentum and nesterov: 0.9
    beta1: float | None = None  # adam: 0.9
    beta2: float | None = None  # adam: 0.999
    rho: float | None = None  # rmsprop and adadelta: 0.9
    eps: float | None = None  # adam and rmsprop: 1e-8; adagrad: 1e-10; adadelta: 1e-6
    # "constant", "step", "exponential" or "cosine"; its parameters, as the optimizer's:
    schedule: str = "cosine"
    step_size: int | None = None  # step: a third of the run
    gamma: float | None = None  # step: 0.1 (per step_size epochs); exponential: 0.9 per epoch
    min_lr: float | None = None  # cosine: 0, reached at the last epoch
    # Early stopping: stop after `patience` epochs without the validation loss
    # falling by more than `min_delta` below its best.
    patience: int = 5
    min_delta: float = 1e-4
    validation_size: int = 5000  # held out of the end of the training set, never the test set
    augment: bool = True  # random shifts, rotations and scalings of the training images
    max_shift: float = _AUGMENT.max_shift  # pixels, each axis
    max_rotation: float = _AUGMENT.max_rotation  # degrees, either way
    min_scale: float = _AUGMENT.scale_range[0]
    max_scale: float = _AUGMENT.scale_range[1]
    # Kernels of LeNet-5's two convolutions: the paper's 6 and 16, or more for a
    # network that also learns drawn digits and what is not a digit.
    conv1_filters: int = 6
    conv2_filters: int = 16
    # Drawn digits (digitlab.core.data.drawn): each training writer's pen digit drawn
    # this many times, with its own pen and slant, mixed in (0: MNIST alone). Needs the
    # pen-digits folder; the writers in drawn.TEST_WRITERS are never used.
    pen_digits: int = 0
    # Generated drawings that are not digits (dots, lines, scribbles, symbols, letters)
    # mixed in as an 11th class, "not a digit" (0: a 10-class network that always
    # answers with a digit).
    non_digits: int = 0
    # After training, divide the output by the temperature that makes the validation
    # probabilities honest (digitlab.core.train.calibration); no answer changes.
    calibrate: bool = False
    seed: int = 0
    threads: int | None = None  # None: every available core

    def __post_init__(self) -> None:
        for name in ("pen_digits", "non_digits"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")
        for name in ("conv1_filters", "conv2_filters"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 256:
                raise ValueError(f"{name} must be a whole number from 1 to 256, got {value!r}")
        for name in ("epochs", "batch_size", "patience"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
        if not isinstance(self.validation_size, int) or self.validation_size < 0:
            raise ValueError(f"validation_size must be >= 0, got {self.validation_size!r}")
        for field in fields(self):  # a resumed file may hold anything: types of the rest
            _check_type(field.name, getattr(self, field.name), str(field.type))
        if not 0 <= self.seed <= MAX_SEED:
            raise ValueError(f"seed must be a whole number from 0 to {MAX_SEED}, got {self.seed!r}")
        if self.threads is not None and not 1 <= self.threads <= MAX_THREADS:
            raise ValueError(
                f"threads must be a whole number from 1 to {MAX_THREADS}, got {self.threads!r}"
            )
        if not self.lr > 0:  # `not` also refuses NaN
            raise ValueError(f"the learning rate must be > 0, got {self.lr!r}")
        if not self.weight_decay >= 0 or not self.min_delta >= 0:
            raise ValueError(
                f"weight_decay and min_delta must be >= 0, got {self.weight_decay!r} "
                f"and {self.min_delta!r}"
            )
        for field in fields(self):  # after the checks above, which name NaN in their words
            value = getattr(self, field.name)
            if isinstance(value, float | np.floating) and not math.isfinite(value):
                raise ValueError(f"{field.name} must be a finite number, got {value!r}")
        # Each builder checks its own parameters, naming the bad value.
        self.make_optimizer()
        self.make_schedule()
        self.augmentation()

    def make_optimizer(self) -> Optimizer:
        """A fresh optimizer as this config describes it."""
        given = {k: getattr(self, k) for k in _OPTIMIZER_PARAMETERS if getattr(self, k) is not None}
        return make_optimizer(self.optimizer, lr=self.lr, weight_decay=self.weight_decay, **given)

    def make_schedule(self) -> Schedule:
        """The learning-rate schedule, fitted to ``epochs``."""
        given = {k: getattr(self, k) for k in _SCHEDULE_PARAMETERS if getattr(self, k) is not None}
        return schedule_for_run(self.schedule, self.epochs, **given)

    def augmentation(self) -> AugmentConfig:
        """The ranges of the random transforms (used when ``augment`` is on)."""
        return AugmentConfig(self.max_shift, self.max_rotation, (self.min_scale, self.max_scale))

    @property
    def classes(self) -> int:
        """The network's outputs: the ten digits, and "not a digit" when it learns one."""
        return 11 if self.non_digits else 10

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """Rebuild from ``to_dict()``, ignoring keys this version does not know; keys
        it knows but ``values`` lacks (an older file) take their defaults."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


def _check_type(name: str, value: Any, annotation: str) -> None:
    """ValueError unless ``value`` fits ``annotation`` ("int", "float | None", ...):
    whole numbers for int (not True or False), any number for float."""
    kind, _, rest = annotation.partition(" | ")
    if value is None:
        if rest == "None":
            return
        raise ValueError(f"{name} must be given, got None")
    if kind == "bool":
        fits = isinstance(value, bool | np.bool_)
    elif kind == "str":
        fits = isinstance(value, str)
    elif isinstance(value, bool | np.bool_):
        fits = False  # True is an int to Python, never a count or a rate to us
    elif kind == "int":
        fits = isinstance(value, int | np.integer)
    else:  # float
        fits = isinstance(value, int | float | np.integer | np.floating)
    if not fits:
        wanted = {"bool": "true or false", "str": "a name", "int": "a whole number"}
        raise ValueError(f"{name} must be {wanted.get(kind, 'a number')}, got {value!r}")


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
    improved: bool  # validation loss reached a new best (SaveBestModel then writes it)
    best_epoch: int


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
    """Receives a run's reports; override what you need. Called on the training thread,
    in the order given to the trainer."""

    trainer: Trainer | None = None

    def set_trainer(self, trainer: Trainer) -> None:
        """Called as the run begins, so a callback that needs more than the reports
        (the network, the optimizer: see ``SaveBestModel``) can reach them."""
        self.trainer = trainer

    def on_batch_end(self, progress: BatchProgress) -> None:
        """After every batch."""

    def on_epoch_end(self, result: EpochResult) -> None:
        """After every epoch."""

    def on_train_end(self, result: TrainResult) -> None:
        """Once, however the run ended."""
