"""The training run on a background thread, reporting by signals that carry plain data.

``TrainingWorker`` is parentless and moved to a fresh ``QThread`` per run (see
``digitlab.desktop.common.background.start_in_thread``). It prepares the ``TrainingRun`` in its
thread (reading MNIST takes a moment) and executes it; the core trainer calls back on
this thread, and the worker forwards what it reports as signals, which Qt queues to
the GUI thread. Nothing the GUI receives shares memory with the network being trained.

Pause, resume and stop are plain methods, called from the GUI thread: the worker's
own event loop is busy training, so queued slots would never run. They set flags and
call the trainer's thread-safe controls, which take effect before the next batch.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from digitlab.core.train.run import TrainingOutcome, TrainingRun
from digitlab.core.train.types import BatchProgress, Callback, EpochResult, TrainResult
from digitlab.desktop.common.background import describe_error

#: Seconds between two batch_progress signals: ten a second look live, and the GUI
#: then does almost nothing per batch however fast batches come.
BATCH_SIGNAL_INTERVAL = 0.1


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
    snapshot: Path | None  # the best model, when this run saved one
    test_accuracy: float | None = None
    test_loss: float | None = None


class TrainingWorker(QObject):
    """Trains as ``request`` says when ``run`` is invoked on its thread."""

    started = Signal(str)  # TrainingRun.describe()
    batch_progress = Signal(object, object)  # BatchProgress, list[float]: losses since last
    epoch_finished = Signal(object)  # EpochResult, every one
    snapshot_saved = Signal(str)  # path, whenever the best model was written
    finished = Signal(object)  # TrainingReport
    failed = Signal(str)  # why, in words
    done = Signal()  # after finished or failed: quits the thread

    def __init__(self, request: TrainingRequest) -> None:
        super().__init__()
        self.request = request
        self._run: TrainingRun | None = None
        self._lock = threading.Lock()
        self._want_pause = False
        self._want_stop = False
        self._saved = False

    # -- control, from the GUI thread ------------------------------------------
    def pause(self) -> None:
        """Hold before the next batch."""
        with self._lock:
            self._want_pause = True
            self._apply_controls()

    def resume(self) -> None:
        with self._lock:
            self._want_pause = False
            self._apply_controls()

    def stop(self) -> None:
        """End the run before the next batch (or before it starts); the best model stays."""
        with self._lock:
            self._want_stop = True
            self._apply_controls()

    @property
    def saved_snapshot(self) -> bool:
        """True once this run has written its best model to ``request.out``."""
        return self._saved

    def _apply_controls(self) -> None:
        # Called with the lock held, from either thread: the trainer exists only once
        # TrainingRun.execute has made it, so the training thread calls this again
        # after every batch to apply a request that came before.
        trainer = self._run.trainer if self._run is not None else None
        if trainer is None:
            return
        if self._want_stop:
            trainer.stop()
        elif self._want_pause != trainer.paused:
            trainer.pause() if self._want_pause else trainer.resume()

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
        run = TrainingRun.prepare(
            request.overrides, data_dir=request.data_dir, resume=request.resume, out=request.out
        )
        with self._lock:
            self._run = run
        if self._want_stop:
            return TrainingReport(None, "Stopped before training began.", request.out, None)
        self.started.emit(run.describe())
        outcome = run.execute([_SignalRelay(self)])
        return self._report(outcome)

    def _report(self, outcome: TrainingOutcome) -> TrainingReport:
        return TrainingReport(
            result=outcome.result,
            message=outcome.message,
            out=outcome.out,
            snapshot=outcome.out if self._saved and outcome.out.exists() else None,
            test_accuracy=outcome.test.accuracy if outcome.test else None,
            test_loss=outcome.test.loss if outcome.test else None,
        )

    def _after_batch(self) -> None:
        with self._lock:
            self._apply_controls()

    def _control_pending(self) -> bool:
        return self._want_stop or self._want_pause

    def _snapshot_written(self, path: str) -> None:
        self._saved = True
        self.snapshot_saved.emit(path)


class _SignalRelay(Callback):
    """Turns the trainer's callbacks (on the worker thread) into the worker's signals."""

    def __init__(self, worker: TrainingWorker) -> None:
        self.worker = worker
        self._losses: list[float] = []
        # None until the first report, which always goes: the monotonic clock counts from
        # an arbitrary point (boot, on Linux), so no start value can stand for "long ago".
        self._last_signal: float | None = None

    def on_batch_end(self, progress: BatchProgress) -> None:
        self._losses.append(progress.loss)
        now = time.monotonic()
        # The last batch of an epoch always goes, and so does the one before a pause
        # or stop, so the progress shown is never stale while the run waits.
        if (
            self._last_signal is None
            or now - self._last_signal >= BATCH_SIGNAL_INTERVAL
            or progress.batch == progress.batches
            or self.worker._control_pending()
        ):
            self._last_signal = now
            losses, self._losses = self._losses, []
            self.worker.batch_progress.emit(progress, losses)
        self.worker._after_batch()

    def on_epoch_end(self, result: EpochResult) -> None:
        self.worker.epoch_finished.emit(result)
        if result.snapshot_path:
            self.worker._snapshot_written(result.snapshot_path)
