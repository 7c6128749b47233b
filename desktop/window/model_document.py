"""The model the window works on, where it lives on disk, and the recent-models list.

``ModelDocument`` is the single owner of the current ``ModelFile``, and widgets follow
its signals. Every model that becomes current goes through ``set_model``: one opened
(``open``: at start, from the File menu or the recent models), the untrained LeNet-5
used when no trained model is found at start, a Train tab run once it is saved, and a
model taught on "my digits" once it is saved (the My digits tab opens that file).
``save`` keeps the model and moves its home.
Loading and saving themselves are ``digitlab.core.files.model_file``'s; a failure raises
before anything here changes, so the loaded model stays loaded.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal

from digitlab.core.files.model_file import (
    ModelFile,
    load_model,
    open_model,
    read_metadata,
    save_model,
)
from digitlab.core.nn.network import Network
from digitlab.core.reading.suitability import check_usable
from digitlab.resources import bundled_model_path


def app_settings() -> QSettings:
    """Where digitlab keeps its state between runs (an INI file in the user's config
    folder; tests point ``QSettings.setPath`` elsewhere)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "digitlab", "digitlab")


class ModelDocument(QObject):
    """The current model file, its path (None until saved), and unsaved changes."""

    #: A different model was set (opened, created, trained).
    model_changed = Signal()
    #: The same model now lives at another path (after Save As).
    path_changed = Signal()
    modified_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model: ModelFile | None = None
        self._path: Path | None = None
        self._modified = False

    # -- state ------------------------------------------------------------
    @property
    def model_file(self) -> ModelFile | None:
        return self._model

    @property
    def network(self) -> Network | None:
        return self._model.network if self._model else None

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def modified(self) -> bool:
        return self._modified

    @property
    def is_bundled(self) -> bool:
        """True for the pretrained model shipped with digitlab, which Save never overwrites."""
        return self._path is not None and _same_file(self._path, bundled_model_path())

    @property
    def can_save_in_place(self) -> bool:
        """Save can write to ``path``; otherwise it has to ask for one (Save As)."""
        return self._model is not None and self._path is not None and not self.is_bundled

    @property
    def display_name(self) -> str:
        """The file name, or the model's own name before it has one."""
        if self._path is not None:
            return self._path.name
        name = self._model.metadata.get("name") if self._model else None
        return name if isinstance(name, str) and name else "Untitled model"

    # -- changes ----------------------------------------------------------
    def set_model(self, model_file: ModelFile, path: Path | None, modified: bool = False) -> None:
        """Make ``model_file`` (stored at ``path``, or None if never saved) current."""
        self._model = model_file
        self._path = Path(path) if path is not None else None
        self.model_changed.emit()
        self.set_modified(modified)

    def set_modified(self, modified: bool) -> None:
        if modified != self._modified:
            self._modified = modified
            self.modified_changed.emit(modified)

    def open(self, path: Path) -> ModelFile:
        """Load ``path`` and make it current; ModelFileError leaves everything as it was,
        also for a network that loads but cannot read digits (UnsuitableModelError).

        A file other than the bundled model is read in a process that is abandoned
        after a while (``open_model``): a damaged file can make libhdf5 loop forever."""
        trusted = _same_file(Path(path), bundled_model_path())  # shipped with digitlab
        model_file = load_model(path) if trusted else open_model(path)
        check_usable(model_file.network, Path(path).name)
        self.set_model(model_file, path)
        return model_file

    def save(self, path: Path) -> None:
        """Write the model to ``path`` (atomically) and make that its home.

        ModelFileError, and the file at ``path`` untouched, when it cannot be written.
        """
        model = self._model
        if model is None:
            raise RuntimeError("there is no model to save")
        save_model(
            path,
            model.network,
            metadata=model.metadata,
            history=model.history,
            optimizer_state=model.optimizer_state,
            training_state=model.training_state,
        )
        # Keep what the file now says (save_model stamps the time and version).
        self._model = dataclasses.replace(model, metadata=read_metadata(path))
        self._path = Path(path)
        self.path_changed.emit()
        self.set_modified(False)


class RecentModels:
    """The most recently opened or saved model files, newest first (at most ``MAX``)."""

    MAX = 8
    KEY = "models/recent"

    def __init__(self, settings: QSettings) -> None:
        self._settings = settings

    def paths(self) -> list[Path]:
        """The remembered files that still exist."""
        return [path for path in self._stored() if path.is_file()]

    def add(self, path: Path) -> None:
        path = Path(path).resolve()
        paths = [path] + [p for p in self._stored() if p != path]
        self._store(paths[: self.MAX])

    def remove(self, path: Path) -> None:
        path = Path(path).resolve()
        self._store([p for p in self._stored() if p != path])

    def _stored(self) -> list[Path]:
        # JSON, because QSettings turns a one-item list into a plain string in INI files.
        try:
            names = json.loads(str(self._settings.value(self.KEY, "[]")))
        except json.JSONDecodeError:
            return []
        return [Path(name) for name in names if isinstance(name, str)]

    def _store(self, paths: list[Path]) -> None:
        self._settings.setValue(self.KEY, json.dumps([str(p) for p in paths]))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False
