"""Teaching the model the person's handwriting on a background thread.

``TeachWorker`` follows ``digitlab.desktop.train.worker``'s rules: parentless, run on a
fresh ``QThread`` by ``digitlab.desktop.common.background.start_in_thread``, reading
MNIST in that thread, reporting by signals that carry plain data (through the same
``ProgressRelay`` as training). It fine-tunes a copy of the model made in the GUI
thread (``TeachRequest.copy_of``), so the canvas's network is never touched. ``stop``
is a plain method called from the GUI thread: the worker's event loop is busy, and
it only sets the worker's ``RunControl``, which ``Finetuning`` reads before every batch.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from digitlab.core.data.mnist import load_mnist
from digitlab.core.files.model_file import ModelFile
from digitlab.core.personal.teach import FinetuneConfig, FinetuneResult, Finetuning
from digitlab.core.train.control import RunControl
from digitlab.core.train.types import BatchProgress, TrainResult
from digitlab.desktop.common.background import describe_error
from digitlab.desktop.common.progress_relay import ProgressRelay


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
        own = dataclasses.replace(model, network=model.network.copy())
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
        self.control = RunControl()

    def stop(self) -> None:
        """Cancel: end before the next batch (or before training starts); nothing is
        reported as finished. Safe from any thread."""
        self.control.stop()

    @property
    def cancelled(self) -> bool:
        return self.control.is_stopped()

    @Slot()
    def run(self) -> None:
        try:
            result = self._teach()
            if result is not None and not self.cancelled:
                self.finished.emit(result)
        except Exception as error:  # every failure must reach the person, in words
            self.failed.emit(describe_error(error))
        finally:
            self.done.emit()

    def _teach(self) -> FinetuneResult | None:
        request = self.request
        self.stage.emit("Reading MNIST…")
        mnist = load_mnist(request.data_dir)
        relay = ProgressRelay(self._on_batch, self.epoch_finished.emit, self.control, self._on_end)
        job = Finetuning(
            request.model, request.x, request.labels, mnist=mnist, config=request.config,
            callbacks=[relay], control=self.control,
        )  # fmt: skip
        if self.cancelled:
            return None
        self.started.emit(job.describe())
        self.stage.emit("Scoring the model as it is…")
        return job.run()

    def _on_batch(self, progress: BatchProgress, losses: list[float]) -> None:
        self.progress.emit(progress)

    def _on_end(self, result: TrainResult) -> None:
        if not self.cancelled:
            self.stage.emit("Scoring the taught model…")
