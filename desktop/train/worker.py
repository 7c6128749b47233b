"""The training run on a background thread, reporting by signals that carry plain data.

``TrainingWorker`` is parentless and moved to a fresh ``QThread`` per run (see
``digitlab.desktop.common.background.start_in_thread``). It prepares the ``TrainingRun`` in its
thread (reading MNIST takes a moment) and executes it; the core trainer calls back on
this thread, and a ``ProgressRelay`` forwards what it reports as signals, which Qt
queues to the GUI thread. The best model arrives at the end in ``finished``, in
memory: the network the GUI receives is a copy no one trains any more.

Pause, resume and stop are plain methods, called from the GUI thread: the worker's
own event loop is busy training, so queued slots would never run. They go to the
worker's ``RunControl``, which exists before the trainer does and which the trainer
reads before every batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from digitlab.core.files.model_file import ModelFile
from digitlab.core.train.control import RunControl
from digitlab.core.train.run import TrainingOutcome, TrainingRun
from digitlab.core.train.types import EpochResult, TrainResult
from digitlab.core.train.watch import DigitWatch, GradientWatch, digits_to_watch
from digitlab.desktop.common.background import describe_error
from digitlab.desktop.common.progress_relay import Batched, ProgressRelay


@dataclass(frozen=True)
class TrainingRequest:
    """What to train: ``TrainConfig`` fields, where MNIST is, what to continue, where to save."""

    overrides: dict[str, Any]
    out: Path  # the best model is saved here whenever validation improves
    data_dir: Path | None = None  # None: found as the CLI finds it
    resume: Path | None = None  # a model file with training state to continue


@dataclass(frozen=True)
class TrainingReport:
    """How a run ended. ``result`` is None when it was stopped before its first batch."""

    result: TrainResult | None
    message: str
    out: Path
    snapshot: Path | None  # where the best model is, when this run saved one
    test_accuracy: float | None = None
    test_loss: float | None = None
    model: ModelFile | None = None  # what ``snapshot`` holds, test score included


class TrainingWorker(QObject):
    """Trains as ``request`` says when ``run`` is invoked on its thread."""

    started = Signal(str)  # TrainingRun.describe()
    batch_progress = Signal(object, object)  # BatchProgress, list[float]: losses since last
    epoch_finished = Signal(object)  # EpochResult, every one
    snapshot_saved = Signal(str)  # path, whenever the best model was written
    #: The fixed test digits the run reads now and then: (x (N, 1, 28, 28), labels (N,)).
    watched_digits = Signal(object, object)
    digit_readings = Signal(object)  # DigitReadings, every few hundred batches
    gradient_stats = Signal(object)  # list[GradientStats], a few times a second
    finished = Signal(object)  # TrainingReport
    failed = Signal(str)  # why, in words
    done = Signal()  # after finished or failed: quits the thread

    def __init__(self, request: TrainingRequest) -> None:
        super().__init__()
        self.request = request
        self.control = RunControl()
        self._run: TrainingRun | None = None
        self._flush_stats = lambda: None

    # -- control, from the GUI thread ------------------------------------------
    def pause(self) -> None:
        """Hold before the next batch."""
        self.control.pause()

    def resume(self) -> None:
        self.control.resume()

    def stop(self) -> None:
        """End the run before the next batch (or before it starts); the best model stays."""
        self.control.stop()

    @property
    def saved_snapshot(self) -> bool:
        """True once this run has written its best model to ``request.out``."""
        return self._run is not None and self._run.saver.saved is not None

    # -- the run, on the worker thread ------------------------------------------
    @Slot()
    def run(self) -> None:
        try:
            self.finished.emit(self._train())
        except Exception as error:  # every failure must reach the person, in words
            self.failed.emit(describe_error(error))
        finally:
            self.done.emit()

    def _train(self) -> TrainingReport:
        request = self.request
        request.out.parent.mkdir(parents=True, exist_ok=True)
        self._run = run = TrainingRun.prepare(
            request.overrides, data_dir=request.data_dir, resume=request.resume, out=request.out
        )
        if self.control.is_stopped():
            return TrainingReport(None, "Stopped before training began.", request.out, None)
        self.started.emit(run.describe())
        relay = ProgressRelay(self.batch_progress.emit, self._on_epoch, self.control)
        return self._report(run.execute([relay, *self._watches(run)], self.control))

    def _watches(self, run: TrainingRun) -> list:
        """The gradient statistics and the watched test digits, reported by signal."""
        x, labels = digits_to_watch(run.data.test)
        self.watched_digits.emit(x.copy(), labels.copy())
        stats = Batched(self.gradient_stats.emit)
        self._flush_stats = stats.flush
        return [GradientWatch(stats.add), DigitWatch(x, self.digit_readings.emit)]

    def _on_epoch(self, result: EpochResult) -> None:
        self._flush_stats()  # the epoch's last statistics before the epoch's figures
        self.epoch_finished.emit(result)
        saver = self._run.saver
        if saver.saved_epoch == result.epoch:  # the saver reports before the relay
            self.snapshot_saved.emit(str(saver.path))

    @staticmethod
    def _report(outcome: TrainingOutcome) -> TrainingReport:
        return TrainingReport(
            result=outcome.result,
            message=outcome.message,
            out=outcome.out,
            snapshot=outcome.out if outcome.model is not None else None,
            test_accuracy=outcome.test.accuracy if outcome.test else None,
            test_loss=outcome.test.loss if outcome.test else None,
            model=outcome.model,
        )
