"""Teaching the model the person's handwriting on a background thread.

``TeachWorker`` follows ``digitlab.desktop.train.worker``'s rules: parentless, moved to a
fresh ``QThread`` (``start_teaching``), reading MNIST in that thread, reporting by
signals that carry plain data. It fine-tunes a copy of the model made in the GUI
thread (``TeachRequest.copy_of``), so the canvas's network is never touched. ``stop``
is a plain method called from the GUI thread: the worker's event loop is busy, and
``Finetuning.stop`` is thread-safe.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from digitlab.core.data.mnist import load_mnist
from digitlab.core.files.model_file import ModelFile
from digitlab.core.personal.teach import FinetuneConfig, FinetuneResult, Finetuning, copy_network
from digitlab.core.train.types import BatchProgress, Callback, EpochResult, TrainResult
from digitlab.desktop.common.background import describe_error
from digitlab.desktop.train.worker import BATCH_SIGNAL_INTERVAL


@dataclass(frozen=True)
class TeachRequest:
    """What to teach: a model the worker owns, the person's digits, where MNIST is."""

    model: ModelFile
    x: np.ndarray  # (N, 1, 28, 28) float32, the images the network saw
    labels: np.ndarray  # (N,) int64
    data_dir: Path | None  # None: found as the command line finds it
    config: FinetuneConfig | None = None  # None: FinetuneConfig()

    @classmethod
    def copy_of(
        cls,
        model: ModelFile,
        x: np.ndarray,
        labels: np.ndarray,
        data_dir: Path | None,
        config: FinetuneConfig | None = None,
    ) -> TeachRequest:
        """A request holding copies, made in the GUI thread, of everything it is given."""
        own = dataclasses.replace(model, network=copy_network(model.network))
        return cls(own, np.array(x, np.float32), np.array(labels, np.int64), data_dir, config)


class TeachWorker(QObject):
    """Fine-tunes as ``request`` says when ``run`` is invoked on its thread."""

    stage = Signal(str)  # what it does between batches: reading MNIST, scoring
    started = Signal(str)  # Finetuning.describe(), once training is about to begin
    progress = Signal(object)  # BatchProgress, at most ~10 a second
    epoch_finished = Signal(object)  # EpochResult, every one
    finished = Signal(object)  # FinetuneResult; not sent when the run was cancelled
    failed = Signal(str)  # why, in words
    done = Signal()  # last of all: quits the thread

    def __init__(self, request: TeachRequest) -> None:
        super().__init__()
        self.request = request
        self._lock = threading.Lock()
        self._job: Finetuning | None = None
        self._cancelled = False

    def stop(self) -> None:
        """Cancel: end before the next batch (or before training starts); nothing is
        reported as finished. Safe from any thread."""
        with self._lock:
            self._cancelled = True
            if self._job is not None:
                self._job.stop()

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    @Slot()
    def run(self) -> None:
        try:
            result = self._teach()
            if result is not None and not self._cancelled:
                self.finished.emit(result)
        except Exception as error:  # every failure must reach the person, in words
            self.failed.emit(describe_error(error))
        finally:
            self.done.emit()

    def _teach(self) -> FinetuneResult | None:
        request = self.request
        self.stage.emit("Reading MNIST…")
        mnist = load_mnist(request.data_dir)
        job = Finetuning(
            request.model, request.x, request.labels, mnist=mnist, config=request.config,
            callbacks=[_SignalRelay(self)],
        )  # fmt: skip
        with self._lock:
            if self._cancelled:
                return None
            self._job = job
        self.started.emit(job.describe())
        self.stage.emit("Scoring the model as it is…")
        return job.run()


def start_teaching(worker: TeachWorker, on_finished: Callable[[], None]) -> QThread:
    """Run ``worker`` on a new thread; ``on_finished`` (a GUI-thread slot) is called
    when the thread has ended. The caller keeps the worker and the thread until then
    and deletes them by dropping its references, in the GUI thread.

    Unlike ``digitlab.desktop.common.background.start_in_thread`` nothing is deleted with
    ``deleteLater``: a Python-made QObject destroyed in the worker thread takes one of
    Qt's connection locks and then waits for the GIL, while the GUI thread, holding
    the GIL as it builds a widget, can be waiting for that same lock. That deadlock
    hung about one test run in ten; destroyed in Python, in the GUI thread, the GIL
    is taken first and the lock after, as everywhere else.
    """
    thread = QThread()
    thread.setObjectName("digitlab-teach")
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    # Direct: the GUI thread may be blocked in thread.wait() (the window closing), so
    # a queued quit would never be delivered. QThread.quit is thread-safe.
    worker.done.connect(thread.quit, Qt.ConnectionType.DirectConnection)
    thread.finished.connect(on_finished)
    thread.start()
    return thread


class _SignalRelay(Callback):
    """The trainer's callbacks (on the worker thread) as the worker's signals."""

    def __init__(self, worker: TeachWorker) -> None:
        self.worker = worker
        # None until the first report, which always goes: the monotonic clock counts from
        # an arbitrary point (boot, on Linux), so no start value can stand for "long ago".
        self._last_signal: float | None = None

    def on_batch_end(self, progress: BatchProgress) -> None:
        now = time.monotonic()
        if (
            self._last_signal is None
            or now - self._last_signal >= BATCH_SIGNAL_INTERVAL
            or progress.batch == progress.batches
        ):
            self._last_signal = now
            self.worker.progress.emit(progress)

    def on_epoch_end(self, result: EpochResult) -> None:
        self.worker.epoch_finished.emit(result)

    def on_train_end(self, result: TrainResult) -> None:
        if not self.worker.cancelled:
            self.worker.stage.emit("Scoring the taught model…")
