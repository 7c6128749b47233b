"""Every modal dialog the window opens, each behind one small classmethod.

The window calls ``Dialogs.ask_open_model_path(self, ...)`` and so on, never
QFileDialog or QMessageBox directly, so tests replace these methods and no test ever
waits on a real modal dialog.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

MODEL_FILTER = "digitlab models (*.h5);;All files (*)"
#: The formats ``digitlab.core.reading.image_io`` reads (through Pillow).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
IMAGE_FILTER = "Images (" + " ".join(f"*{s}" for s in IMAGE_SUFFIXES) + ");;All files (*)"


class Discard(Enum):
    """The answer to "save the changes first?"."""

    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


class Dialogs:
    """Modal questions and messages; every method blocks until the user answers."""

    @classmethod
    def ask_open_model_path(cls, parent: QWidget, folder: Path | None) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(
            parent, "Open model", str(folder or Path.home()), MODEL_FILTER
        )
        return Path(name) if name else None

    @classmethod
    def ask_save_model_path(cls, parent: QWidget, suggested: Path) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(parent, "Save model as", str(suggested), MODEL_FILTER)
        if not name:
            return None
        path = Path(name)
        return path if path.suffix else path.with_suffix(".h5")

    @classmethod
    def ask_open_image_path(cls, parent: QWidget, folder: Path | None) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(
            parent, "Open image", str(folder or Path.home()), IMAGE_FILTER
        )
        return Path(name) if name else None

    @classmethod
    def confirm_discard_changes(cls, parent: QWidget, model_name: str) -> Discard:
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            parent,
            "Unsaved changes",
            f"The model “{model_name}” has changes that are not saved.\n\n"
            "Save them before going on?",
            buttons.Save | buttons.Discard | buttons.Cancel,
            buttons.Save,
        )
        if answer == buttons.Save:
            return Discard.SAVE
        return Discard.DISCARD if answer == buttons.Discard else Discard.CANCEL

    @classmethod
    def ask_folder(cls, parent: QWidget, title: str, folder: Path | None) -> Path | None:
        """An existing folder (to export into or import from); None when cancelled."""
        name = QFileDialog.getExistingDirectory(parent, title, str(folder or Path.home()))
        return Path(name) if name else None

    @classmethod
    def confirm(cls, parent: QWidget, title: str, text: str, action: str) -> bool:
        """Ask before something that cannot be undone; ``action`` names the button
        that does it ("Delete"). True only when that button was pressed."""
        box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
        go = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(box.addButton(QMessageBox.StandardButton.Cancel))
        box.exec()
        return box.clickedButton() is go

    @classmethod
    def show_error(cls, parent: QWidget, title: str, message: str) -> None:
        QMessageBox.critical(parent, title, message)

    @classmethod
    def show_about(cls, parent: QWidget, title: str, text: str) -> None:
        QMessageBox.about(parent, title, text)
