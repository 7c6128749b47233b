"""File ▸ Open model, Save, Save As and Recent models, with their questions and errors.

Every failure is shown where the action started (a dialog and the status bar) and
leaves the loaded model loaded: ``ModelDocument`` changes only after a file has been
read or written completely.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMenu, QWidget

from digitlab.core.errors import DigitlabError
from digitlab.core.files.model_file import ModelFile
from digitlab.core.nn.architectures import lenet5
from digitlab.desktop.common.dialogs import Dialogs, Discard
from digitlab.desktop.window.model_document import ModelDocument, RecentModels
from digitlab.resources import bundled_model_path

LAST_MODEL_KEY = "models/last"


class ModelCommands:
    """The model file commands of a window: ``parent`` owns the dialogs, ``status``
    shows one line of news in the status bar."""

    def __init__(
        self,
        parent: QWidget,
        document: ModelDocument,
        settings: QSettings,
        status: Callable[[str], None],
    ) -> None:
        self._parent, self._document, self._settings = parent, document, settings
        self._status = status
        self.recent = RecentModels(settings)

    def load_initial(self) -> None:
        """The model used last time if it still loads, else the bundled one, else an
        untrained LeNet-5 (only in a checkout without the bundled file)."""
        last = self._settings.value(LAST_MODEL_KEY)
        for path in (Path(str(last)) if last else None, bundled_model_path()):
            if path is None or not path.is_file():
                continue
            try:
                self._document.open(path)
            except DigitlabError as error:
                self._status(f"Could not open {path.name}: {error}")
                continue
            self._opened(path)
            return
        untrained = ModelFile(lenet5(0), {"name": "Untrained LeNet-5"}, {}, None, None)
        self._document.set_model(untrained, None)
        self._status("No trained model found: using an untrained LeNet-5")

    def open(self) -> None:
        """Ask for a model file and open it."""
        path = self._document.path
        chosen = Dialogs.ask_open_model_path(self._parent, path.parent if path else None)
        if chosen is not None:
            self.open_path(chosen)

    def open_path(self, path: Path) -> bool:
        """Open the model at ``path``; on failure say why and keep the current model."""
        path = Path(path)
        if not self.maybe_save_changes():
            return False
        try:
            self._document.open(path)
        except DigitlabError as error:
            Dialogs.show_error(self._parent, "Could not open the model", str(error))
            self._status(f"Could not open {path.name}: {error}")
            return False
        self._opened(path)
        return True

    def use_saved(self, model_file: ModelFile, path: Path) -> bool:
        """Make a model that was just written to ``path`` the current one, as it is in
        memory (reading the file back would only repeat it); False if the person kept
        the current model's unsaved changes."""
        if not self.maybe_save_changes():
            return False
        self._document.set_model(model_file, Path(path))
        self._remember(Path(path))
        return True

    def save(self) -> bool:
        """Save over the model's file, or ask for one (never over the bundled model)."""
        if self._document.can_save_in_place:
            return self._save_to(self._document.path)
        return self.save_as()

    def save_as(self) -> bool:
        """Ask for a file name and save there; False when cancelled or failed."""
        document = self._document
        if document.model_file is None:
            return False
        folder = document.path.parent if document.can_save_in_place else Path.home()
        # display_name may be the file's own "name": never let it lead out of ``folder``.
        stem = document.path.stem if document.path else _plain_stem(document.display_name)
        path = Dialogs.ask_save_model_path(self._parent, folder / f"{stem}.h5")
        if path is None:
            return False
        if _is_bundled(path):
            Dialogs.show_error(
                self._parent,
                "Could not save the model",
                "The bundled model cannot be overwritten; choose another file name.",
            )
            return False
        return self._save_to(path)

    def maybe_save_changes(self) -> bool:
        """True when the current model may be replaced: no unsaved changes, or the
        user saved or discarded them."""
        if not self._document.modified:
            return True
        answer = Dialogs.confirm_discard_changes(self._parent, self._document.display_name)
        if answer is Discard.SAVE:
            return self.save()
        return answer is Discard.DISCARD

    def fill_recent_menu(self, menu: QMenu) -> None:
        """Refill ``menu`` with the recent models that still exist."""
        menu.clear()
        paths = self.recent.paths()
        for index, path in enumerate(paths, start=1):
            action = menu.addAction(f"&{index} {path.name}")
            action.setToolTip(str(path))
            action.triggered.connect(lambda _=False, p=path: self.open_path(p))
        if not paths:
            menu.addAction("No recent models").setEnabled(False)

    def _save_to(self, path: Path) -> bool:
        try:
            self._document.save(path)
        except (DigitlabError, OSError) as error:
            Dialogs.show_error(self._parent, "Could not save the model", str(error))
            self._status(f"Could not save {path.name}: {error}")
            return False
        self._remember(path)
        self._status(f"Saved model {path.name}")
        return True

    def _opened(self, path: Path) -> None:
        self._remember(path)
        accuracy = accuracy_text(self._document.model_file)
        self._status(f"Opened model {path.name}" + (f" — {accuracy}" if accuracy else ""))

    def _remember(self, path: Path) -> None:
        if not _is_bundled(path):  # the bundled model is always there; no need to list it
            self.recent.add(path)
        self._settings.setValue(LAST_MODEL_KEY, str(Path(path).resolve()))


def accuracy_text(model_file: ModelFile | None) -> str:
    """ "test accuracy 99.3%" from the metadata, or "" when the file records none."""
    metadata = model_file.metadata if model_file else {}
    for key, label in (("test_accuracy", "test accuracy"), ("val_accuracy", "validation accuracy")):
        value = metadata.get(key)
        if isinstance(value, int | float):
            return f"{label} {value * 100 if value <= 1 else value:.1f}%"
    return ""


def _plain_stem(name: str) -> str:
    """``name`` as a file name without folders: runs of anything but letters, digits,
    spaces, ``.``, ``-`` and ``_`` become ``-``, and leading dots go ("../../x" -> "x")."""
    stem = re.sub(r"[^\w .-]+", "-", name).strip(".- ")
    return stem[:100] or "model"


def _is_bundled(path: Path) -> bool:
    return Path(path).resolve() == bundled_model_path().resolve()
