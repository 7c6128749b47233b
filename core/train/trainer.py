"""Mini-batch training with early stopping, reported through callbacks, controlled
through a ``RunControl``.

The trainer only trains: it knows nothing about screens or files. It reports through
``Callback`` objects (``SaveBestModel`` writes snapshots) and asks its ``RunControl``
before every batch whether to wait or stop, so a pause or stop from another thread
takes effect within one batch. Every epoch draws its shuffle and augmentation from
``default_rng([seed, epoch])``, so a run resumed from a snapshot repeats exactly what
the uninterrupted run would have done.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from digitlab.core.data.augment import augment_batch
from digitlab.core.nn.network import Network
from digitlab.core.train.control import RunControl
from digitlab.core.train.evaluation import evaluate
from digitlab.core.train.optimizers import Optimizer
from digitlab.core.train.types import BatchProgress, Callback, EpochResult, TrainConfig, TrainResult

HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds")


class _StopRequestedError(Exception):
    """Raised inside the epoch loop when a stop was requested."""


class _DivergedError(Exception):
    """Raised inside the epoch loop when the loss is no longer finite."""


class Trainer:
    """Trains ``network`` on (x, labels), validating on (val_x, val_labels) after each epoch.

    x: (N, *network.input_shape) float32, labels: (N,) int. ``control`` is the caller's
    (one is made when none is given). ``resume`` is the ``training_state`` of a snapshot
    to continue from, with ``optimizer`` and ``history`` from the same file.
    """

    def __init__(
        self,
        network: Network,
        data: tuple[np.ndarray, np.ndarray],
        validation: tuple[np.ndarray, np.ndarray],
        config: TrainConfig | None = None,
        *,
        callbacks: Sequence[Callback] = (),
        control: RunControl | None = None,
        optimizer: Optimizer | None = None,
        history: Mapping[str, Sequence[float]] | None = None,
        resume: Mapping[str, Any] | None = None,
    ) -> None:
        config = config or TrainConfig()
        self.network, self.config = network, config
        self.x, self.labels = data
        self.val_x, self.val_labels = validation
        if len(self.x) == 0 or len(self.val_x) == 0:
            raise ValueError("training needs at least one training and one validation sample")
        self.callbacks = list(callbacks)
        self.control = control if control is not None else RunControl()
        self.optimizer = optimizer or config.make_optimizer()
        self.schedule = config.make_schedule()
        self.augmentation = config.augmentation()
        self.history = {k: list((history or {}).get(k, [])) for k in HISTORY_KEYS}
        state = dict(resume or {})
        self.epoch = int(state.get("epoch", 0))  # epochs completed
        self.best_val_loss = float(state.get("best_val_loss", np.inf))
        self.best_val_accuracy = float(state.get("best_val_accuracy", 0.0))
        self.best_epoch = int(state.get("best_epoch", 0))
        self.wait = int(state.get("wait", 0))
        self.best_weights = network.get_weights() if self.best_epoch else None

    def _wait_if_paused(self) -> None:
        self.control.wait_if_paused()
        if self.control.is_stopped():
            raise _StopRequestedError

    # -- the run ----------------------------------------------------------
    def run(self) -> TrainResult:
        """Train until the last epoch, early stopping, a stop request or divergence."""
        for callback in self.callbacks:
            callback.set_trainer(self)
        start = time.perf_counter() - sum(self.history["seconds"])
        stopped, message = "completed", f"Finished all {self.config.epochs} epochs."
        try:
            while self.epoch < self.config.epochs:
                result = self._run_epoch(start)
                self._report("on_epoch_end", result)
                if self.wait >= self.config.patience:
                    stopped = "early_stopping"
                    message = (
                        f"Stopped early: validation loss has not improved for "
                        f"{self.config.patience} epochs since epoch {self.best_epoch}."
                    )
                    break
        except _StopRequestedError:
            stopped, message = "stopped", f"Stopped during epoch {self.epoch + 1}."
        except _DivergedError as diverged:
            stopped, message = "diverged", str(diverged)
        return self._finish(stopped, message)

    def _finish(self, stopped: str, message: str) -> TrainResult:
        if self.best_weights is not None:
            self.network.set_weights(self.best_weights)
            message += f" Kept the best model, from epoch {self.best_epoch}."
        result = TrainResult(
            stopped=stopped,
            message=message,
            epochs_run=self.epoch,
            best_epoch=self.best_epoch,
            best_val_loss=self.best_val_loss,
            best_val_accuracy=self.best_val_accuracy,
            history={k: list(v) for k, v in self.history.items()},
        )
        self._report("on_train_end", result)
        return result

    def _run_epoch(self, run_start: float) -> EpochResult:
        epoch_start = time.perf_counter()
        lr = self.schedule(self.config.lr, self.epoch)
        self.optimizer.lr = lr
        loss, accuracy = self._train_batches(lr, epoch_start)
        evaluation = evaluate(self.network, self.val_x, self.val_labels)
        self.epoch += 1
        improved = evaluation.loss < self.best_val_loss - self.config.min_delta
        if improved:
            self.best_val_loss, self.best_val_accuracy = evaluation.loss, evaluation.accuracy
            self.best_epoch, self.wait = self.epoch, 0
            self.best_weights = self.network.get_weights()
        else:
            self.wait += 1
        seconds = time.perf_counter() - epoch_start
        for key, value in zip(
            HISTORY_KEYS,
            (loss, accuracy, evaluation.loss, evaluation.accuracy, lr, seconds),
            strict=True,
        ):
            self.history[key].append(float(value))
        return EpochResult(
            epoch=self.epoch,
            epochs=self.config.epochs,
            loss=loss,
            accuracy=accuracy,
            val_loss=evaluation.loss,
            val_accuracy=evaluation.accuracy,
            lr=lr,
            seconds=seconds,
            elapsed=time.perf_counter() - run_start,
            improved=improved,
            best_epoch=self.best_epoch,
        )

    def _train_batches(self, lr: float, epoch_start: float) -> tuple[float, float]:
        """One pass over the shuffled training set; returns its mean loss and accuracy."""
        cfg = self.config
        rng = np.random.default_rng([cfg.seed, self.epoch])
        order = rng.permutation(len(self.x))
        batches = -(-len(order) // cfg.batch_size)
        loss_sum = correct = seen = 0.0
        params = self.network.params()
        for b in range(batches):
            self._wait_if_paused()
            index = order[b * cfg.batch_size : (b + 1) * cfg.batch_size]
            x, labels = self.x[index], self.labels[index]
            if cfg.augment:
                x = augment_batch(x, rng, self.augmentation)
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
                loss, output = self.network.train_step(x, labels, threads=cfg.threads)
            if not np.isfinite(loss):
                raise _DivergedError(
                    f"Training diverged in epoch {self.epoch + 1}, batch {b + 1}: the loss "
                    f"became {loss}. Try a lower learning rate than {lr:g}."
                )
            self.optimizer.step(params, self.network.grads())
            hits = int(np.sum(output.argmax(axis=1) == labels))
            loss_sum += loss * len(index)
            correct, seen = correct + hits, seen + len(index)
            self._report("on_batch_end", BatchProgress(
                epoch=self.epoch + 1, epochs=cfg.epochs, batch=b + 1, batches=batches,
                batch_size=cfg.batch_size, loss=float(loss), accuracy=hits / len(index),
                images_per_second=seen / max(time.perf_counter() - epoch_start, 1e-9), lr=lr,
            ))  # fmt: skip
        return loss_sum / seen, correct / seen

    # -- state ----------------------------------------------------------------
    def training_state(self) -> dict[str, Any]:
        """What ``resume`` needs, as JSON-able values."""
        return {
            "epoch": self.epoch,
            "best_epoch": self.best_epoch,
            "best_val_loss": self.best_val_loss,
            "best_val_accuracy": self.best_val_accuracy,
            "wait": self.wait,
            "config": self.config.to_dict(),
        }

    def _report(self, event: str, payload: Any) -> None:
        for callback in self.callbacks:
            getattr(callback, event)(payload)
