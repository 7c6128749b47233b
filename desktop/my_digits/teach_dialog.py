"""The Teach window: a fine-tuning run's progress and Cancel, then its before/after
figures and the choice to keep the taught model or discard it.

Non-modal, so the person can keep drawing while it runs. It starts one
``TeachWorker`` on its own thread; the model the window uses stays as it is until
Keep saves the taught one and opens it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QThread, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from digitlab.core.errors import DigitlabError
from digitlab.core.files.model_file import ModelFile
from digitlab.core.personal.teach import FinetuneResult
from digitlab.core.train.types import BatchProgress, EpochResult
from digitlab.desktop.common.background import start_in_thread
from digitlab.desktop.common.dialogs import Dialogs
from digitlab.desktop.common.image_utils import is_dark
from digitlab.desktop.my_digits.grid import WRONG_DARK, WRONG_LIGHT
from digitlab.desktop.my_digits.teach_worker import TeachRequest, TeachWorker
from digitlab.resources import bundled_model_path

PROGRESS_STEPS = 1000


class TeachDialog(QDialog):
    """One Teach run. ``use_model(model_file, path)`` makes the saved model the window's (False
    when the person cancelled that); ``status`` shows a line in the window."""

    def __init__(
        self,
        request: TeachRequest,
        suggested: Path,
        use_model: Callable[[ModelFile, Path], bool],
        status: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.request, self._suggested = request, suggested
        self._use_model, self._status = use_model, status
        self.result: FinetuneResult | None = None
        self._worker: TeachWorker | None = None
        self._thread: QThread | None = None
        self._ended = False  # finished or failed: nothing left to cancel
        self._stopping = False  # cancelled or closing: what the worker still says is moot
        self.setWindowTitle("Teach the model your handwriting")
        self.setModal(False)
        self.description = _wrapping_label("Getting ready…")
        self.stage = _wrapping_label("")
        self.progress = QProgressBar()
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setMinimumWidth(480)  # sets the dialog's width: see _build
        self.figures = QWidget()
        self.outcome = _wrapping_label("")
        self.buttons = QDialogButtonBox()
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.keep_button = QPushButton("Keep…")
        self.discard_button = QPushButton("Discard")
        self._build()

    def _build(self) -> None:
        self.keep_button.setToolTip("Save the taught model and use it from now on")
        self.discard_button.setToolTip("Forget the taught model; nothing changes")
        self.buttons.addButton(self.keep_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.discard_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        self.cancel_button.clicked.connect(self.cancel)
        self.keep_button.clicked.connect(self.keep)
        self.discard_button.clicked.connect(self.discard)
        for widget in (self.keep_button, self.discard_button, self.figures):
            widget.setVisible(False)
        self.stage.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        for widget in (self.description, self.progress, self.stage, self.figures, self.outcome):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        # The dialog grows and shrinks with its wrapped text as the run goes on.
        layout.setSizeConstraint(QVBoxLayout.SizeConstraint.SetFixedSize)

    # -- the run -------------------------------------------------------------------
    def start(self) -> None:
        """Start teaching on a worker thread (once)."""
        worker = TeachWorker(self.request)
        worker.stage.connect(self.stage.setText)
        worker.started.connect(self.description.setText)
        worker.progress.connect(self._on_progress)
        worker.epoch_finished.connect(self._on_epoch)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        self._worker = worker
        self._thread = start_in_thread(worker, "digitlab-teach", self._on_thread_finished)

    def is_running(self) -> bool:
        """True from ``start`` until the worker's thread has ended."""
        return self._thread is not None

    def is_stopping(self) -> bool:
        """Cancelled, and its thread has not ended yet."""
        return self._stopping and self.is_running()

    def cancel(self) -> None:
        """Stop the run and drop what it made; the dialog closes once it has ended."""
        if self._worker is None or self._ended:
            self.reject()
            return
        self._stop()
        self.cancel_button.setEnabled(False)
        self.stage.setText("Cancelling…")

    def shutdown(self) -> None:
        """Cancel and wait for the thread (the window is closing)."""
        if self._thread is not None:
            self._stop()
            self._thread.wait()
            self._on_thread_finished()

    def _stop(self) -> None:
        self._stopping = True
        self._worker.stop()

    @Slot(object)
    def _on_progress(self, progress: BatchProgress) -> None:
        done = (progress.epoch - 1 + progress.batch / progress.batches) / progress.epochs
        self.progress.setValue(round(done * PROGRESS_STEPS))
        if not self._stopping:
            self.stage.setText(
                f"Epoch {progress.epoch} of {progress.epochs} · batch {progress.batch} of "
                f"{progress.batches} · {progress.images_per_second:,.0f} images a second"
            )

    @Slot(object)
    def _on_epoch(self, result: EpochResult) -> None:
        best = " (the best so far)" if result.improved else ""
        self.outcome.setText(
            f"Epoch {result.epoch}: {result.val_accuracy:.2%} validation accuracy{best}"
        )

    @Slot(object)
    def _on_finished(self, result: FinetuneResult) -> None:
        if self._stopping:
            return
        self.result, self._ended = result, True
        self.progress.setValue(PROGRESS_STEPS)
        self.stage.setText(result.training.message)
        self.outcome.setText(_outcome_note(result))
        worse = WRONG_DARK if is_dark(self.palette()) else WRONG_LIGHT
        _fill_figures(self.figures, result, worse)
        self.figures.setVisible(True)
        self.cancel_button.setVisible(False)
        self.keep_button.setVisible(True)
        self.discard_button.setVisible(True)
        self.keep_button.setDefault(True)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if self._stopping:
            return
        self._ended = True
        self.stage.setText("")
        self.outcome.setText(f"Teaching failed: {message}")
        self.cancel_button.setText("Close")
        self._status(f"Teaching failed: {message}")

    @Slot()
    def _on_thread_finished(self) -> None:
        if self._thread is None:
            return
        self._worker = self._thread = None
        self.cancel_button.setEnabled(True)
        if self._stopping and not self._ended:
            self._status("Teaching cancelled; the model is as it was")
            self.reject()

    # -- keep or discard -------------------------------------------------------------
    def keep(self) -> bool:
        """Ask where to save the taught model, save it and make it the window's."""
        path = Dialogs.ask_save_model_path(self, self._suggested)
        if path is None or self.result is None:
            return False
        if path.resolve() == bundled_model_path().resolve():
            Dialogs.show_error(
                self, "Could not save the model", "The bundled model cannot be overwritten."
            )
            return False
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            saved = self.result.save(path)
        except (DigitlabError, OSError) as error:
            Dialogs.show_error(self, "Could not save the taught model", str(error))
            return False
        self.accept()
        if self._use_model(saved, path):
            self._status(f"The taught model is saved as {path} and reads your drawings now")
        return True

    def discard(self) -> None:
        self.reject()

    def reject(self) -> None:
        """Discard, Esc and the close button: cancel a run, or forget its result; the
        dialog goes at once."""
        if self._worker is not None and not self._ended:
            self._stop()
        elif self.result is not None:
            self.result = None
            self._status("Discarded the taught model; the model is as it was")
        super().reject()

    def closeEvent(self, event) -> None:
        self.reject()
        event.accept()


def _wrapping_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _fill_figures(box: QWidget, result: FinetuneResult, worse: str) -> None:
    """Before, after and the change, for the person's digits and MNIST's test set."""
    grid = QGridLayout(box)
    grid.setContentsMargins(0, 4, 0, 4)
    grid.setHorizontalSpacing(18)
    for column, heading in enumerate(("", "before", "after", "change")):
        grid.addWidget(QLabel(f"<b>{heading}</b>"), 0, column, Qt.AlignmentFlag.AlignRight)
    mine = (
        f"Your digits ({result.held_out} held out)"
        if result.held_out
        else "Your digits (trained on)"
    )
    rows = [(mine, result.before.mine, result.after.mine)]
    if result.before.mnist is not None:
        rows.append(("MNIST test set", result.before.mnist, result.after.mnist))
    for row, (name, before, after) in enumerate(rows, start=1):
        change = (after - before) * 100
        tint = f' style="color:{worse}"' if change < -0.05 else ""
        cells = (name, f"{before:.2%}", f"{after:.2%}", f"<span{tint}>{change:+.2f} points</span>")
        for column, text in enumerate(cells):
            align = Qt.AlignmentFlag.AlignLeft if column == 0 else Qt.AlignmentFlag.AlignRight
            grid.addWidget(QLabel(text), row, column, align)
    grid.setColumnStretch(0, 1)


def _outcome_note(result: FinetuneResult) -> str:
    if result.mine_is_training_accuracy:
        enough = result.metadata.get("finetune_config", {}).get("holdout_min", 8)
        return (
            "Too few of each digit to hold some back for a fair test, so “your digits” "
            "is scored on the digits it learnt from and flatters the taught model. Keep "
            f"at least {enough} of a digit for some of them to be held back."
        )
    return (
        f"“Your digits” is scored on {result.held_out} of them that it did not learn "
        f"from; it learnt from the other {result.personal_samples - result.held_out}, "
        f"mixed with {result.replay:,} MNIST images so it does not forget the rest."
    )
