"""The window's "my digits": the collection, keeping a labelled drawing, the tab, Teach.

Keeping a drawing writes it to disk at once (``MyDigitsStore.add``, ~13 ms), in the
GUI thread: it is small, and the person should never wonder whether it was kept.
A damaged collection file is set aside by
``digitlab.core.personal.my_digits.open_store`` and reported here; one that cannot be
opened at all (a newer digitlab's, or unreadable) is left alone and the commands say
why they cannot work.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QSettings
from PySide6.QtWidgets import QWidget

from digitlab.core.data.mnist import default_cache_dir
from digitlab.core.files.model_file import ModelFile
from digitlab.core.personal.my_digits import (
    MyDigitsError,
    MyDigitsStore,
    Sample,
    default_store_path,
    open_store,
)
from digitlab.core.personal.teach import FinetuneConfig, taught_name
from digitlab.core.reading.recognition import Recognition
from digitlab.desktop.common.dialogs import Dialogs
from digitlab.desktop.common.mnist_source import locate_mnist
from digitlab.desktop.my_digits.teach_dialog import TeachDialog
from digitlab.desktop.my_digits.teach_worker import TeachRequest
from digitlab.desktop.my_digits.view import MIN_TO_TEACH, MyDigitsView
from digitlab.desktop.window.model_document import ModelDocument


class MyDigits(QObject):
    """``parent`` (the window) owns the dialogs; ``status`` shows a line of news;
    ``use_model(model_file, path)`` makes a model just saved at ``path`` the window's
    (False if the person kept the current one). ``config`` replaces the teaching
    defaults (tests use tiny ones)."""

    def __init__(
        self,
        parent: QWidget,
        document: ModelDocument,
        settings: QSettings,
        status: Callable[[str], None],
        use_model: Callable[[ModelFile, Path], bool],
        path: Path | None = None,
        config: FinetuneConfig | None = None,
    ) -> None:
        super().__init__(parent)
        self._parent, self._document, self._settings = parent, document, settings
        self._status, self._use_model = status, use_model
        self.config = config
        self.store, self.problem, damaged = _open(path or default_store_path())
        self.view = MyDigitsView(self.store, "" if damaged else self.problem or "")
        self.view.teach_requested.connect(self.teach)
        self.view.status_message.connect(status)
        document.model_changed.connect(lambda: self.view.set_network(document.network))
        self.teach_dialog: TeachDialog | None = None

    def report_problem(self) -> None:
        """Say what went wrong opening the collection, if anything did."""
        if self.problem:
            Dialogs.show_error(self._parent, "Your digits", self.problem)
            self._status(self.problem)

    # -- keeping a drawing ------------------------------------------------------------
    def keep_drawing(
        self, label: int, recognition: Recognition | None, ink: np.ndarray
    ) -> Sample | None:
        """Store the drawing ``ink`` (H, W) float in [0, 1] as a ``label``, with the
        28x28 image and answer of ``recognition``; None (and the reason shown) if not.
        A drawing the model declined ("not a digit") is kept too: the person says what
        it is, and the model's answer is stored as unknown (-1)."""
        if recognition is None or recognition.empty:
            self._status("Draw a digit first")
            return None
        if self.store is None:
            self._status(f"Your digits cannot be kept: {self.problem}")
            return None
        model = self._document.model_file
        name = str(model.metadata.get("name") or self._document.display_name) if model else ""
        try:
            sample = Sample.create(
                label, recognition.steps.centred, ink, model_name=name,
                model_answer=-1 if recognition.digit is None else recognition.digit,
            )  # fmt: skip
            self.store.add(sample)
        except MyDigitsError as error:
            Dialogs.show_error(self._parent, "Could not keep your digit", str(error))
            self._status(f"Could not keep your digit: {error}")
            return None
        self.view.refresh()
        self._status(_kept_news(sample, len(self.store), recognition.not_a_digit))
        return sample

    # -- teaching ---------------------------------------------------------------------
    def teach(self) -> TeachDialog | None:
        """Open the Teach window and start fine-tuning (or raise the running one)."""
        if self.teach_dialog is not None and self.teach_dialog.is_stopping():
            self._status("The last teaching run is still stopping; try again in a moment")
            return None
        if self.teach_dialog is not None and self.teach_dialog.is_running():
            self.teach_dialog.show()
            self.teach_dialog.raise_()
            return self.teach_dialog
        model = self._document.model_file
        if model is None or self.store is None or len(self.store) < MIN_TO_TEACH:
            return None
        data_dir, problem = locate_mnist(self._settings)
        if data_dir is None:
            Dialogs.show_error(self._parent, "Teaching needs MNIST", problem)
            self._status(problem)
            return None
        x, labels = self.store.arrays()
        request = TeachRequest.copy_of(model, x, labels, data_dir, self.config)
        if self.teach_dialog is not None:
            self.teach_dialog.deleteLater()
        dialog = TeachDialog(
            request, self._suggested_path(), self._use_model, self._status, self._parent
        )
        self.teach_dialog = dialog
        dialog.show()
        dialog.start()
        return dialog

    def _suggested_path(self) -> Path:
        """``<name>-taught.h5`` beside the model's file, or in digitlab's models folder."""
        document = self._document
        folder = default_cache_dir().parent / "models"  # where the training panel saves
        if document.can_save_in_place:
            folder = document.path.parent
        stem = document.path.stem if document.path else "model"
        return folder / f"{taught_name(stem)}.h5"

    def shutdown(self) -> None:
        """Cancel a Teach run and wait for its thread (the window is closing)."""
        if self.teach_dialog is not None:
            self.teach_dialog.shutdown()


def _open(path: Path) -> tuple[MyDigitsStore | None, str | None, bool]:
    """(the store or None, a sentence for the person or None, whether a damaged file
    was set aside and a fresh collection started)."""
    try:
        store, problem = open_store(path)
    except MyDigitsError as error:  # from a newer digitlab, or unreadable: left alone
        return None, f"Your digits cannot be opened: {error}", False
    return store, problem, problem is not None


def _kept_news(sample: Sample, count: int, declined: bool = False) -> str:
    answer = sample.model_answer
    if declined:
        read = "the model did not read it as a digit"
    elif answer == sample.label:
        read = "the model read it right"
    else:
        read = f"the model read it as {answer}"
    return (
        f"Saved as {sample.label} ({read}) · {count} of your digits · "
        "the canvas is clear for the next one"
    )
