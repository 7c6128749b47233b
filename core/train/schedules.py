"""Learning-rate schedules: small frozen dataclasses mapping (base_lr, epoch) to a rate.

The trainer sets ``optimizer.lr = schedule(base_lr, epoch)`` before each epoch;
epochs count from 0. ``schedule_for_run`` fits a schedule to a run of N epochs:
each class's ``run_defaults(epochs)`` holds the parameters a run uses unless its
``TrainConfig`` says otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from numbers import Integral, Real
from typing import Any


def _count(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")


def _number(name: str, value: Any, rule: str) -> None:
    ok = not isinstance(value, bool) and isinstance(value, Real)
    if not (ok and (value > 0 if rule == "> 0" else value >= 0)):  # `not` also catches NaN
        raise ValueError(f"{name} must be {rule}, got {value!r}")


@dataclass(frozen=True)
class Schedule:
    """Base class: ``schedule(base_lr, epoch)`` is the rate to use during ``epoch``."""

    def __call__(self, base_lr: float, epoch: int) -> float:
        if isinstance(epoch, bool) or not isinstance(epoch, Integral) or epoch < 0:
            raise ValueError(f"epoch must be an integer >= 0, got {epoch!r}")
        return float(self._rate(float(base_lr), int(epoch)))

    def _rate(self, base_lr: float, epoch: int) -> float:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, so ``type(s)(**s.get_config())`` rebuilds it."""
        return asdict(self)

    @classmethod
    def run_defaults(cls, epochs: int) -> dict[str, Any]:
        """The constructor arguments a run of ``epochs`` epochs uses by default."""
        return {}


@dataclass(frozen=True)
class ConstantLR(Schedule):
    """``base_lr`` in every epoch."""

    def _rate(self, base_lr: float, epoch: int) -> float:
        return base_lr


@dataclass(frozen=True)
class StepLR(Schedule):
    """``base_lr * gamma ** (epoch // step_size)``: drop by ``gamma`` every ``step_size``."""

    step_size: int
    gamma: float = 0.1

    def __post_init__(self) -> None:
        _count("step_size", self.step_size)
        _number("gamma", self.gamma, "> 0")

    @classmethod
    def run_defaults(cls, epochs: int) -> dict[str, Any]:
        # A tenth of the rate for the middle third of the run, a hundredth for the last.
        return {"step_size": max(1, epochs // 3), "gamma": 0.1}

    def _rate(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


@dataclass(frozen=True)
class ExponentialLR(Schedule):
    """``base_lr * gamma ** epoch``."""

    gamma: float

    def __post_init__(self) -> None:
        _number("gamma", self.gamma, "> 0")

    @classmethod
    def run_defaults(cls, epochs: int) -> dict[str, Any]:
        return {"gamma": 0.9}  # after 20 epochs, an eighth of the rate

    def _rate(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma**epoch


@dataclass(frozen=True)
class CosineLR(Schedule):
    """Half a cosine from ``base_lr`` at epoch 0 to ``min_lr`` at ``total_epochs``, then flat:

    ``min_lr + (base_lr - min_lr) * (1 + cos(pi * min(epoch, total) / total)) / 2``.
    """

    total_epochs: int
    min_lr: float = 0.0

    def __post_init__(self) -> None:
        _count("total_epochs", self.total_epochs)
        _number("min_lr", self.min_lr, ">= 0")

    @classmethod
    def run_defaults(cls, epochs: int) -> dict[str, Any]:
        return {"total_epochs": epochs, "min_lr": 0.0}  # down to zero at the last epoch

    def _rate(self, base_lr: float, epoch: int) -> float:
        progress = min(epoch, self.total_epochs) / self.total_epochs
        return self.min_lr + (base_lr - self.min_lr) * (1 + math.cos(math.pi * progress)) / 2


SCHEDULES: dict[str, type[Schedule]] = {
    "constant": ConstantLR,
    "step": StepLR,
    "exponential": ExponentialLR,
    "cosine": CosineLR,
}


def _registered(name: str) -> type[Schedule]:
    cls = SCHEDULES.get(name.lower()) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(f"unknown schedule {name!r}; known: {', '.join(SCHEDULES)}")
    return cls


def _build(cls: type[Schedule], config: Any) -> Schedule:
    if not isinstance(config, Mapping):
        raise ValueError(f"schedule config must be a dict, got {type(config).__name__}")
    known = cls.__dataclass_fields__
    unknown = sorted(str(k) for k in config if k not in known)
    if unknown:
        raise ValueError(
            f"unknown arguments {unknown} for {cls.__name__}; expected some of {list(known)}"
        )
    try:
        return cls(**config)
    except TypeError as exc:  # a required argument is missing
        raise ValueError(f"{cls.__name__}: {exc}") from None


def make_schedule(name: str, **kwargs: Any) -> Schedule:
    """Build a schedule by registry name (case-insensitive), e.g. ``("step", step_size=5)``."""
    return _build(_registered(name), kwargs)


def schedule_for_run(name: str, epochs: int, **given: Any) -> Schedule:
    """The schedule ``name`` fitted to a run of ``epochs`` epochs: its ``run_defaults``,
    overridden by ``given`` (e.g. ``("step", 30, gamma=0.5)``)."""
    cls = _registered(name)
    _count("epochs", epochs)
    return _build(cls, {**cls.run_defaults(epochs), **given})
