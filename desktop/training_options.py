"""What the next run will do: the data, a new model or the loaded one, the settings,
and where the best model goes. ``request()`` turns it all into a ``TrainingRequest``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QRadioButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.training_types import TrainConfig
from desktop.model_document import ModelDocument
from desktop.training_data import DataSourceRow
from desktop.training_dialogs import TrainingDialogs
from desktop.training_form import DEFAULTS, TOOLTIPS, HyperParameterForm
from desktop.training_worker import TrainingRequest

MORE_EPOCHS = 5  # the default when continuing: a few more epochs, then judge again
CONTINUE_TIP = (
    "Train the loaded model further, from its saved optimizer state and schedule. "
    "Only models saved by digitlab's training keep that state."
)


class TrainingOptions(QWidget):
    """Data row, model choice, hyper-parameters and output file, in a scroll area."""

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
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 4, 0)
        for title, widgets in (
            ("Data", [self.data_row]),
            ("Model", [self.new_radio, self.continue_radio]),
            ("Settings", [self.form]),
        ):
            group = QVBoxLayout(box := QGroupBox(title))
            for widget in widgets:
                group.addWidget(widget)
            column.addWidget(box)
        output = QHBoxLayout(box := QGroupBox("Save the best model to"))
        output.addWidget(self.output_edit, 1)
        output.addWidget(self.output_button)
        column.addWidget(box)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

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
            done = int(self.document.model_file.training_state.get("epoch", 0))
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
        """The loaded model was saved by training (state and optimizer) and is on disk."""
        model, path = self.document.model_file, self.document.path
        return bool(
            model is not None
            and model.training_state
            and model.optimizer_state is not None
            and path is not None
            and path.is_file()
        )

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
        path = TrainingDialogs.ask_output_path(self, Path(self.output_edit.text()))
        if path is not None:
            self.output_edit.setText(str(path))
            self._output_chosen = True

    def _on_output_edited(self, text: str) -> None:
        self._output_chosen = bool(text.strip())
