"""The training state a model file carries, checked as a whole before a run continues it.

``digitlab train`` saves the trainer's ``training_state()`` (epochs done, the best
epoch and its scores, the early-stopping count, the run's settings) and the
optimizer's state beside the weights. A file may have been edited or damaged, so
every field is checked here, in one place, before anything uses it: a bad file gives
one ModelFileError naming the field, never a traceback from deep inside training.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from digitlab.core.errors import ModelFileError
from digitlab.core.files.model_file import ModelFile
from digitlab.core.train.optimizers import optimizer_from_state
from digitlab.core.train.types import TrainConfig

#: More epochs than anyone trains; a larger count is damage, not history.
MAX_EPOCHS_DONE = 1_000_000


@dataclass(frozen=True)
class ResumeState:
    """A checked ``training_state``: what ``Trainer(resume=...)`` takes."""

    epoch: int  # epochs completed
    best_epoch: int  # 0: none improved yet
    best_val_loss: float  # inf before any epoch
    best_val_accuracy: float
    wait: int  # epochs since the best one
    config: dict[str, Any]  # TrainConfig.to_dict() of the run, checked to rebuild

    def as_dict(self) -> dict[str, Any]:
        return {
            "epoch": self.epoch,
            "best_epoch": self.best_epoch,
            "best_val_loss": self.best_val_loss,
            "best_val_accuracy": self.best_val_accuracy,
            "wait": self.wait,
            "config": dict(self.config),
        }


def checked_resume_state(model: ModelFile, source: object) -> ResumeState:
    """The training state of ``model`` (read from ``source``, named in messages),
    after checking every field and that its optimizer state rebuilds."""
    state = model.training_state
    if not state or model.optimizer_state is None:
        raise ModelFileError(
            f"{source} holds no training state to continue from; it was not saved "
            "by `digitlab train`"
        )
    try:
        checked = _checked(state)
        optimizer_from_state(model.optimizer_state)
    except (ValueError, TypeError) as error:
        raise ModelFileError(
            f"cannot continue from {source}: its training state is damaged ({error})"
        ) from None
    return checked


def _checked(state: Any) -> ResumeState:
    if not isinstance(state, Mapping):
        raise ValueError(f"it is a {type(state).__name__}, not a set of named values")
    if "epoch" not in state:
        raise ValueError("it does not say how many epochs were done ('epoch')")
    epoch = _count(state, "epoch", 0)
    best_epoch = _count(state, "best_epoch", 0)
    if best_epoch > epoch:
        raise ValueError(f"its best epoch, {best_epoch}, comes after its last, {epoch}")
    best_val_loss = _number(state, "best_val_loss", math.inf)
    if not best_val_loss >= 0:
        raise ValueError(f"best_val_loss must be a loss >= 0, got {best_val_loss!r}")
    best_val_accuracy = _number(state, "best_val_accuracy", 0.0)
    if not 0 <= best_val_accuracy <= 1:
        raise ValueError(f"best_val_accuracy must be from 0 to 1, got {best_val_accuracy!r}")
    config = state.get("config", {})
    if not isinstance(config, Mapping) or not all(isinstance(k, str) for k in config):
        raise ValueError(f"config must be a set of named settings, got {type(config).__name__}")
    TrainConfig.from_dict(dict(config))  # each setting checked, naming the bad one
    return ResumeState(
        epoch, best_epoch, best_val_loss, best_val_accuracy, _count(state, "wait", 0), dict(config)
    )


def _count(state: Mapping[str, Any], key: str, default: int) -> int:
    value = state.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_EPOCHS_DONE:
        raise ValueError(
            f"{key} must be a whole number from 0 to {MAX_EPOCHS_DONE:,}, got {value!r}"
        )
    return value


def _number(state: Mapping[str, Any], key: str, default: float) -> float:
    value = state.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ValueError(f"{key} must be a number, got {value!r}")
    return float(value)
