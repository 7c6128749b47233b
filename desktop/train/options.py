"""What the next run will do: the data, a new model or the loaded one, the settings,
and where the best model goes. ``request()`` turns it all into a ``TrainingRequest``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QToolButton,
    QWidget,
)

from digitlab.core.errors import ModelFileError
from digitlab.core.train.resume_state import ResumeState, checked_resume_state
from digitlab.core.train.types import TrainConfig
from digitlab.desktop.common.mnist_source import DataSourceRow
from digitlab.desktop.common.task_dialogs import TaskDialogs
from digitlab.desktop.train.form import DEFAULTS, LABELS, TOOLTIPS, HyperParameterForm
from digitlab.desktop.train.worker import TrainingRequest
from digitlab.desktop.window.model_document import ModelDocument

MORE_EPOCHS = 5  # the default when continuing: a few more epochs, then judge again
CONTINUE_TIP = (
    "Train the loaded model further, from its saved optimizer state and schedule. "
    "Only models saved by digitlab's training keep that state."
)


class TrainingOptions(QWidget):
    """Data row, model choice, output file and hyper-parameters."""

    def __init__(
        self,
        document: ModelDocument,
        settings: QSettings,
        default_output: Callable[[], Path],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self._default_output = default_output
        self.data_row = DataSourceRow(settings)
        self.new_radio = QRadioButton("New model")
        self.new_radio.setToolTip("Train a LeNet-5 from freshly initialised weights")
        self.continue_radio = QRadioButton("Continue training the loaded model")
        self.continue_radio.setToolTip(CONTINUE_TIP)
        self.new_radio.setChecked(True)
        self.form = HyperParameterForm()
        self.output_edit = QLineEdit()
        self.output_edit.setToolTip("The best model is saved here whenever validation improves")
        self.output_button = QToolButton(text="…", toolTip="Choose where to save the model")
        self._output_chosen = False  # True once the person picked or typed a path
        self._build_layout()
        self.continue_radio.toggled.connect(self._on_mode_changed)
        self.output_button.clicked.connect(self.choose_output)
        self.output_edit.textEdited.connect(self._on_output_edited)
        document.model_changed.connect(self.update_resume_option)
        document.path_changed.connect(self.update_resume_option)
        self.refresh_output()
        self.update_resume_option()

    def _build_layout(self) -> None:
        """One grid, so the section names line up with the settings' labels: Data,
        Model and Save to on a row each, then the hyper-parameters two abreast."""
        radios = QHBoxLayout()
        radios.addWidget(self.new_radio)
        radios.addWidget(self.continue_radio)
        radios.addStretch(1)
        output = QHBoxLayout()
        output.addWidget(self.output_edit, 1)
        output.addWidget(self.output_button)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(6)
        for row, (text, part, tip) in enumerate(
            (
                ("Data", self.data_row, "Where the MNIST files are"),
                ("Model", radios, "Train a new LeNet-5 or go on training the loaded model"),
                ("Save to", output, self.output_edit.toolTip()),
            )
        ):
            label = QLabel(text, toolTip=tip)
            grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
            if isinstance(part, QWidget):
                grid.addWidget(part, row, 1)
            else:
                grid.addLayout(part, row, 1)
        line = QFrame(frameShape=QFrame.Shape.HLine, frameShadow=QFrame.Shadow.Sunken)
        grid.addWidget(line, 3, 0, 1, 2)
        grid.addWidget(self.form, 4, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        # The sections' names and the form's first column of labels share one width.
        width = max(QFontMetrics(self.font()).horizontalAdvance(text) for text in LABELS.values())
        grid.setColumnMinimumWidth(0, width + 4)
        self.form.label_column_width(width + 4)

    def summary(self) -> str:
        """The run in one line, shown while the settings are folded away."""
        c = self.form.config()
        if self.continuing():
            what, epochs = "Continue the loaded model", f"{c.epochs} more epochs"
            rate = f"rate {c.lr:g} ({c.schedule})"
        else:
            what, epochs = "New model", f"up to {c.epochs} epochs"
            rate = f"{c.optimizer}, rate {c.lr:g} ({c.schedule})"
        augment = " · augmented" if c.augment else ""
        return f"{what} · {rate} · batch {c.batch_size} · {epochs}{augment}"

    # -- the run to start -----------------------------------------------------------------
    def continuing(self) -> bool:
        return self.continue_radio.isChecked() and self.continue_radio.isEnabled()

    def request(self) -> TrainingRequest:
        """The run the panel shows; the output path gets a fresh default name if the
        person has not chosen one."""
        self.refresh_output()
        overrides: dict[str, Any] = self.form.values()
        resume = None
        if self.continuing():
            resume = self.document.path
            state = self._resume_state()  # None if the file went: prepare says so
            done = state.epoch if state is not None else 0
            overrides["epochs"] = done + overrides["epochs"]
            del overrides["optimizer"]  # the file's optimizer continues, state and all
        return TrainingRequest(
            overrides=overrides,
            out=Path(self.output_edit.text()).expanduser(),
            data_dir=self.data_row.folder(),
            resume=resume,
        )

    def previous_history(self) -> dict[str, list[float]] | None:
        """The per-epoch history a continued run starts from (None for a new model)."""
        return dict(self.document.model_file.history) if self.continuing() else None

    # -- new or continue ------------------------------------------------------------------
    def resumable(self) -> bool:
        """The loaded model was saved by training (state and optimizer, both sound)
        and is on disk."""
        return self._resume_state() is not None

    def _resume_state(self) -> ResumeState | None:
        model, path = self.document.model_file, self.document.path
        if model is None or path is None or not path.is_file():
            return None
        try:
            return checked_resume_state(model, path.name)
        except ModelFileError:
            return None

    def update_resume_option(self) -> None:
        ok = self.resumable()
        self.continue_radio.setEnabled(ok)
        self.continue_radio.setToolTip(
            CONTINUE_TIP if ok else CONTINUE_TIP + " The loaded model has none."
        )
        if not ok and self.continue_radio.isChecked():
            self.new_radio.setChecked(True)
        elif ok and self.continue_radio.isChecked():
            self._on_mode_changed(True)  # another resumable model: show its settings

    def _on_mode_changed(self, continuing: bool) -> None:
        optimizer = self.form.widgets["optimizer"]
        optimizer.setEnabled(not continuing)
        if continuing:
            saved = (self.document.model_file.training_state or {}).get("config", {})
            try:
                config = TrainConfig.from_dict(dict(saved))
            except (TypeError, ValueError):
                config = DEFAULTS
            self.form.set_config(replace(config, epochs=MORE_EPOCHS))
            self.form.set_epochs_label(
                "More epochs", "How many epochs to train beyond those the model has had."
            )
        else:
            self.form.widgets["epochs"].setValue(DEFAULTS.epochs)
            self.form.set_epochs_label("Epochs", TOOLTIPS["epochs"])

    # -- output file -----------------------------------------------------------------------
    def refresh_output(self) -> None:
        """A new default file name, unless the person chose one."""
        if not self._output_chosen:
            self.output_edit.setText(str(self._default_output()))

    def choose_output(self) -> None:
        path = TaskDialogs.ask_output_path(self, Path(self.output_edit.text()))
        if path is not None:
            self.output_edit.setText(str(path))
            self._output_chosen = True

    def _on_output_edited(self, text: str) -> None:
        self._output_chosen = bool(text.strip())
