"""The training panel: data, settings, Start/Pause/Resume/Stop, progress and live plots.

Each run gets a fresh ``TrainingWorker`` on its own ``QThread``; the panel only shows
what the worker's signals carry. When a run ends with a saved best model, the worker
hands that model over in memory (as the file holds it) and the panel makes it the
window's model, so the canvas reads with it at once. The network being trained is
never touched here: the canvas keeps using the loaded model (a separate network)
until the run's best model replaces it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from digitlab.core.data.mnist import default_cache_dir
from digitlab.core.files.model_file import ModelFile
from digitlab.core.train.types import BatchProgress, EpochResult
from digitlab.desktop.common.background import start_in_thread
from digitlab.desktop.common.elided_label import ElidedLabel
from digitlab.desktop.common.task_dialogs import KeepSnapshot, TaskDialogs
from digitlab.desktop.train.controls import RunState, TrainingControls
from digitlab.desktop.train.digit_grid import WatchedDigits
from digitlab.desktop.train.gradient_plots import GradientPlots
from digitlab.desktop.train.options import TrainingOptions
from digitlab.desktop.train.plots import TrainingPlots
from digitlab.desktop.train.worker import TrainingReport, TrainingWorker
from digitlab.desktop.window.model_document import ModelDocument, app_settings
from digitlab.resources import bundled_model_path


def default_output_path(now: datetime | None = None) -> Path:
    """A new file in the user's data folder: ``.../digitlab/models/model-YYYYmmdd-HHMM.h5``."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M")
    folder = default_cache_dir().parent / "models"
    path, n = folder / f"model-{stamp}.h5", 2
    while path.exists():
        path, n = folder / f"model-{stamp}-{n}.h5", n + 1
    return path


def output_problem(out: Path) -> str | None:
    """Why the best model cannot be saved to ``out``, or None."""
    if out.is_dir():
        return f"{out} is a folder: choose a file name for the model."
    if out.resolve() == bundled_model_path().resolve():
        return "The bundled model cannot be overwritten: choose another file."
    return None


class TrainingPanel(QWidget):
    """Trains LeNet-5 on MNIST in the background and hands the result to ``document``."""

    model_trained = Signal(object, str)  # ModelFile, path: the new current model
    running_changed = Signal(bool)
    data_folder_changed = Signal(object)  # Path | None, where MNIST is

    def __init__(
        self,
        document: ModelDocument,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.options = TrainingOptions(document, settings or app_settings(), default_output_path)
        self.controls = TrainingControls()
        self.status = QLabel(visible=False)  # shown when there is something to say
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.plots = TrainingPlots()
        self.gradient_plots = GradientPlots()
        self.watched_digits = WatchedDigits()
        self._worker: TrainingWorker | None = None
        self._thread: QThread | None = None
        self._snapshot: Path | None = None  # the best model this run has saved
        self._out_existed = False  # the output file was there before this run
        self._closing = False
        self._build_layout()
        self._connect()
        self._update_controls()

    def _build_layout(self) -> None:
        """Settings on top (folded into one line while a run is on, so the plots get
        the room), then the buttons and progress, then the plots."""
        self.settings_toggle = QToolButton(text="Settings", checkable=True, checked=True)
        self.settings_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.settings_toggle.setAutoRaise(True)
        self.settings_toggle.setToolTip("Show or hide the data, model and training settings")
        self.summary = ElidedLabel()
        header = QHBoxLayout()
        header.addWidget(self.settings_toggle)
        header.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 8)
        layout.addLayout(header)
        layout.addWidget(self.options)
        layout.addWidget(self.controls)
        layout.addWidget(self.status)
        self.views = QTabWidget()
        self.views.setDocumentMode(True)
        self.views.addTab(self.plots, "Loss and accuracy")
        self.views.addTab(self.gradient_plots, "Gradients")
        self.views.addTab(self.watched_digits, "Test digits")
        layout.addWidget(self.views, 1)
        self.settings_toggle.toggled.connect(self.show_settings)
        self.show_settings(True)

    def show_settings(self, shown: bool) -> None:
        """Unfold the settings, or fold them into the one-line summary beside the toggle."""
        self.settings_toggle.setChecked(shown)
        self.settings_toggle.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )
        self.options.setVisible(shown)
        self.summary.set_full_text("" if shown else self.options.summary())

    def _connect(self) -> None:
        c = self.controls
        c.start_button.clicked.connect(self.start)
        c.pause_button.clicked.connect(self.pause)
        c.resume_button.clicked.connect(self.resume)
        c.stop_button.clicked.connect(self.stop)
        self.options.data_row.folder_changed.connect(self._on_data_folder_changed)

    # -- state ------------------------------------------------------------------------
    def is_running(self) -> bool:
        """True from Start until the worker's thread has ended."""
        return self._thread is not None

    def data_folder(self) -> Path | None:
        return self.options.data_row.folder()

    def _update_controls(self) -> None:
        self.controls.set_state(self.controls.state, can_start=self.data_folder() is not None)
        self.options.setEnabled(not self.is_running())

    def _set_state(self, state: RunState) -> None:
        self.controls.set_state(state, can_start=self.data_folder() is not None)

    def _say(self, text: str) -> None:
        """The line under the progress: what the run is, how it ended, or nothing."""
        self.status.setText(text)
        self.status.setVisible(bool(text))

    @Slot(object)
    def _on_data_folder_changed(self, folder: Path | None) -> None:
        self._update_controls()
        self.data_folder_changed.emit(folder)

    # -- commands ---------------------------------------------------------------------
    def start(self) -> None:
        """Train with the settings shown, on a new worker thread."""
        if self.is_running():
            return
        request = self.options.request()
        problem = output_problem(request.out)
        if problem:
            TaskDialogs.show_error(self, "Cannot start training", problem)
            return
        self._snapshot, self._closing = None, False
        self._out_existed = request.out.exists()
        self.plots.reset(self.options.previous_history())
        self.gradient_plots.reset()
        worker = TrainingWorker(request)
        worker.gradient_stats.connect(self.gradient_plots.add)
        worker.watched_digits.connect(self.watched_digits.set_digits)
        worker.digit_readings.connect(self.watched_digits.show_readings)
        worker.started.connect(self._on_started)
        worker.batch_progress.connect(self._on_batch_progress)
        worker.epoch_finished.connect(self._on_epoch_finished)
        worker.snapshot_saved.connect(self._on_snapshot_saved)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        self._worker = worker
        self._thread = start_in_thread(worker, "digitlab-training", self._on_thread_finished)
        self._say("")
        self.show_settings(False)  # the run is on: the plots matter now
        self._set_state(RunState.PREPARING)
        self.options.setEnabled(False)
        self.running_changed.emit(True)

    def pause(self) -> None:
        if self._worker is not None and self.controls.state is RunState.RUNNING:
            self._worker.pause()
            self._set_state(RunState.PAUSED)

    def resume(self) -> None:
        if self._worker is not None and self.controls.state is RunState.PAUSED:
            self._worker.resume()
            self._set_state(RunState.RUNNING)

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._set_state(RunState.STOPPING)

    def shutdown(self, keep_snapshot: bool) -> None:
        """Stop the run and wait for its thread (the window is closing). Without
        ``keep_snapshot`` the best model this run wrote is deleted, unless the file
        was there before the run."""
        self.options.data_row.shutdown()
        if self._thread is None:
            return
        self._closing = True
        worker = self._worker
        worker.stop()
        self._thread.wait()
        # Asked of the worker, not self._snapshot: its last signals are still queued.
        if not keep_snapshot and worker.saved_snapshot and not self._out_existed:
            worker.request.out.unlink(missing_ok=True)
        self._on_thread_finished()

    def close_request(self) -> bool:
        """For the window's closeEvent: True when it may close (training, if any, was
        stopped after asking about its best model), False when the person cancelled."""
        if not self.is_running():
            self.options.data_row.shutdown()
            return True
        answer = TaskDialogs.ask_keep_snapshot(self, self._snapshot)
        if answer is KeepSnapshot.CANCEL:
            return False
        self.shutdown(keep_snapshot=answer is KeepSnapshot.KEEP)
        return True

    # -- the worker's reports -----------------------------------------------------------
    @Slot(str)
    def _on_started(self, description: str) -> None:
        self._say(description)
        if self.controls.state is RunState.PREPARING:
            self._set_state(RunState.RUNNING)

    @Slot(object, object)
    def _on_batch_progress(self, progress: BatchProgress, losses: list[float]) -> None:
        self.controls.show_progress(progress)
        self.plots.add_batches(progress, losses)

    @Slot(object)
    def _on_epoch_finished(self, result: EpochResult) -> None:
        self.plots.add_epoch(result)

    @Slot(str)
    def _on_snapshot_saved(self, path: str) -> None:
        self._snapshot = Path(path)

    @Slot(object)
    def _on_finished(self, report: TrainingReport) -> None:
        if self._closing:
            return
        self.plots.redraw()  # now, not when the coalescing timer fires: the run is over
        self.gradient_plots.redraw()
        self._say(report.message)
        result = report.result
        if result is not None and result.best_epoch:
            self.plots.mark_best_epoch(result.best_epoch)
        if result is not None and result.stopped == "diverged":
            kept = f"\n\nThe best model before that is in {report.snapshot}."
            message = report.message + (kept if report.snapshot else "")
            TaskDialogs.show_error(self, "Training diverged", message)
        elif report.model is not None and report.snapshot is not None:
            self._use_model(report.model, report.snapshot)

    def _use_model(self, model_file: ModelFile, path: Path) -> None:
        self.document.set_model(model_file, path)
        self.model_trained.emit(model_file, str(path))

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if self._closing:
            return
        kept = f"\n\nThe best model so far is kept in {self._snapshot}." if self._snapshot else ""
        self._say(f"Training failed: {message}")
        TaskDialogs.show_error(self, "Training failed", message + kept)

    @Slot()
    def _on_thread_finished(self) -> None:
        if self._thread is None:
            return
        self._worker = self._thread = None
        self._set_state(RunState.IDLE)
        self.options.setEnabled(True)
        self.options.refresh_output()
        self.running_changed.emit(False)
