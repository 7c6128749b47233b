"""The modal dialogs of the background tasks (training, evaluation, the MNIST download
and their data and output files), each behind one small classmethod.

Tests replace these methods (monkeypatch) so no test ever waits on a real dialog.
Errors go through ``digitlab.desktop.common.dialogs.Dialogs.show_error``, like every other error
the window shows.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from digitlab.desktop.common.dialogs import MODEL_FILTER, Dialogs


class KeepSnapshot(Enum):
    """The answer to "training is running: keep its best model?" when closing."""

    KEEP = "keep"
    DELETE = "delete"
    CANCEL = "cancel"  # do not close; training goes on


class TaskDialogs:
    """Modal questions and messages of the tasks that run in the background."""

    @classmethod
    def show_error(cls, parent: QWidget, title: str, message: str) -> None:
        Dialogs.show_error(parent, title, message)

    @classmethod
    def ask_keep_snapshot(cls, parent: QWidget, snapshot: Path | None) -> KeepSnapshot:
        buttons = QMessageBox.StandardButton
        where = f"\n\nThe best model so far is in {snapshot}." if snapshot else ""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Training is running",
            f"Closing stops the training.{where}",
            buttons.Save | buttons.Discard | buttons.Cancel,
            parent,
        )
        box.button(buttons.Save).setText("Stop and keep the best model")
        box.button(buttons.Discard).setText("Stop and delete it")
        box.setDefaultButton(buttons.Save)
        answer = box.exec()
        if answer == buttons.Save:
            return KeepSnapshot.KEEP
        return KeepSnapshot.DELETE if answer == buttons.Discard else KeepSnapshot.CANCEL

    @classmethod
    def ask_data_folder(cls, parent: QWidget, start: Path) -> Path | None:
        name = QFileDialog.getExistingDirectory(parent, "Folder holding MNIST", str(start))
        return Path(name) if name else None

    @classmethod
    def ask_output_path(cls, parent: QWidget, suggested: Path) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(
            parent, "Save the trained model as", str(suggested), MODEL_FILTER
        )
        if not name:
            return None
        path = Path(name)
        return path if path.suffix else path.with_suffix(".h5")

    @classmethod
    def ask_export_path(cls, parent: QWidget, suggested: Path, file_filter: str) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(parent, "Export", str(suggested), file_filter)
        return Path(name) if name else None
