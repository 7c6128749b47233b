"""The main window: draw on the left, the answer beside it, the network's insides
and the model's details in tabs on the right; menus, drag and drop, settings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSlider,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from digitlab.core.errors import DigitlabError
from digitlab.core.files.model_file import ModelFile
from digitlab.core.reading.image_io import load_image
from digitlab.core.reading.recognition import NOT_A_DIGIT, Recognition, recognise
from digitlab.desktop.common.dialogs import IMAGE_SUFFIXES, Dialogs
from digitlab.desktop.common.style import app_icon
from digitlab.desktop.draw.canvas import DrawingCanvas
from digitlab.desktop.draw.prediction_panel import PredictionPanel
from digitlab.desktop.evaluate.view import EvaluationView
from digitlab.desktop.inspect.gradient_view import GradientView
from digitlab.desktop.inspect.layer_view import LayerView
from digitlab.desktop.inspect.model_panel import ModelPanel
from digitlab.desktop.my_digits.commands import MyDigits
from digitlab.desktop.train.panel import TrainingPanel
from digitlab.desktop.window.menus import WindowMenus
from digitlab.desktop.window.model_commands import ModelCommands, accuracy_text
from digitlab.desktop.window.model_document import ModelDocument, app_settings

MODEL_SUFFIXES = (".h5", ".hdf5")
PEN_WIDTHS = (4, 48)  # px, the pen width slider's range


class MainWindow(WindowMenus):
    """digitlab's window. ``load_initial_model`` picks the model to start with."""

    def __init__(
        self, settings: QSettings | None = None, my_digits_path: Path | None = None
    ) -> None:
        super().__init__()
        self.settings = settings if settings is not None else app_settings()
        self.document = ModelDocument(self)
        self.models = ModelCommands(self, self.document, self.settings, self._show_status)
        self.canvas = DrawingCanvas()
        self.prediction_panel = PredictionPanel()
        self.layer_view = LayerView()
        self.gradient_view = GradientView()
        self.model_panel = ModelPanel()
        self.training_panel = TrainingPanel(self.document, self.settings)
        self.evaluation_view = EvaluationView(self.document, self.settings)
        self.last_recognition: Recognition | None = None
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self._build_actions()
        self._build_menus()
        self._build_central()
        self._build_my_digits(my_digits_path)
        self._model_label = QLabel()
        self.statusBar().addPermanentWidget(self._model_label)
        self._connect()
        self._restore_settings()
        self._update_title()

    # -- building ---------------------------------------------------------
    def _build_central(self) -> None:
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.layer_view, "Layers")
        self.tabs.addTab(self.gradient_view, "Backward")
        self.tabs.addTab(self.model_panel, "Model")
        self.tabs.addTab(self.training_panel, "Train")
        self.tabs.addTab(self.evaluation_view, "Evaluate")
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self._drawing_area())
        self.splitter.addWidget(self.prediction_panel)
        self.splitter.addWidget(self.tabs)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setStretchFactor(2, 4)
        self.setCentralWidget(self.splitter)
        self.resize(1400, 840)
        self.splitter.setSizes([440, 400, 560])

    def _drawing_area(self) -> QWidget:
        self.pen_slider = QSlider(Qt.Orientation.Horizontal)
        self.pen_slider.setRange(*PEN_WIDTHS)
        self.pen_slider.setToolTip("Pen width in pixels ([ thinner, ] thicker)")
        self.pen_slider.setMaximumWidth(160)
        self._pen_label = QLabel()
        tools = QHBoxLayout()
        tools.addWidget(QLabel("Pen"))
        tools.addWidget(self.pen_slider)
        tools.addWidget(self._pen_label)
        tools.addStretch(1)
        self._tool_buttons = []
        for action in (self.undo_action, self.clear_action):
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setAutoRaise(True)
            tools.addWidget(button)
            self._tool_buttons.append(button)
        area = QWidget()
        column = QVBoxLayout(area)
        column.setContentsMargins(12, 8, 8, 12)
        column.addLayout(tools)
        column.addWidget(self.canvas, 1)
        return area

    def _connect(self) -> None:
        self.canvas.drawing_changed.connect(self.recognise_drawing)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.pen_slider.valueChanged.connect(self._set_pen_width)
        self.document.model_changed.connect(self._on_model_changed)
        self.document.path_changed.connect(self._on_path_changed)
        self.document.modified_changed.connect(self._update_title)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._follow_system_scheme)
        self.training_panel.data_folder_changed.connect(self.evaluation_view.set_data_dir)
        self.evaluation_view.set_data_dir(self.training_panel.data_folder())
        self.training_panel.model_trained.connect(self._on_model_trained)
        for text, step in (("[", -2), ("]", 2)):
            action = QAction(self, shortcut=QKeySequence(text))
            action.triggered.connect(
                lambda _=False, s=step: self.pen_slider.setValue(self.pen_slider.value() + s)
            )
            self.addAction(action)

    # -- settings ---------------------------------------------------------
    def _restore_settings(self) -> None:
        s = self.settings
        geometry = s.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        splitter = s.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        self.pen_slider.setValue(int(s.value("canvas/pen_width", 16)))
        self._set_pen_width(self.pen_slider.value())
        steps = str(s.value("view/steps", "true")).lower() == "true"
        self.steps_action.setChecked(steps)
        self._set_steps_visible(steps)
        theme = str(s.value("view/theme", "system"))
        for action in self.theme_actions.actions():
            action.setChecked(action.data() == theme)
        self._refresh_icons()

    def _save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/splitter", self.splitter.saveState())
        s.setValue("canvas/pen_width", self.pen_slider.value())
        s.setValue("view/steps", "true" if self.steps_action.isChecked() else "false")
        s.sync()

    def _set_pen_width(self, width: int) -> None:
        self.canvas.set_pen_width(width)
        self._pen_label.setText(f"{width} px")

    def _set_steps_visible(self, visible: bool) -> None:
        self.prediction_panel.set_steps_visible(visible)

    # -- models -----------------------------------------------------------
    def load_initial_model(self) -> None:
        """The model used last time, else the bundled one (see ModelCommands)."""
        self.models.load_initial()

    def open_model_path(self, path: Path) -> bool:
        return self.models.open_path(path)

    def save(self) -> bool:
        return self.models.save()

    def save_as(self) -> bool:
        return self.models.save_as()

    def _on_model_changed(self) -> None:
        document = self.document
        self.layer_view.set_network(document.network)
        self.gradient_view.set_network(document.network)
        self.model_panel.show_model(document.model_file, document.path)
        self._model_label.setText(_model_summary(document.model_file))
        self._update_title()
        self.recognise_drawing()

    def _on_path_changed(self) -> None:
        self.model_panel.show_model(self.document.model_file, self.document.path)
        self._update_title()

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.document.display_name}[*] — digitlab")
        self.setWindowModified(self.document.modified)
        self.save_action.setEnabled(self.document.model_file is not None)
        self.save_as_action.setEnabled(self.document.model_file is not None)

    def _show_status(self, message: str) -> None:
        self.statusBar().showMessage(message)

    # -- recognition ------------------------------------------------------
    def recognise_drawing(self) -> None:
        """Read the canvas with the current network and show the answer everywhere."""
        network = self.document.network
        self.undo_action.setEnabled(self.canvas.can_undo())
        self.clear_action.setEnabled(not self.canvas.is_empty())
        if network is None:
            return
        # Each layer's output only while the Layers tab shows them (they cost a pass and
        # a repaint per stroke); opening the tab reads the drawing again.
        layers_shown = self.tabs.currentWidget() is self.layer_view
        try:
            result = recognise(network, self.canvas.ink_image(), with_activations=layers_shown)
        except DigitlabError as error:
            self._show_status(f"This model cannot read drawings: {error}")
            return
        self.last_recognition = result
        self.prediction_panel.show_recognition(result)
        if result.empty:
            self.layer_view.clear_activations()
            self.gradient_view.show_drawing(None, None)
            return
        if layers_shown:
            self.layer_view.show_activations(result.activations, result.probabilities)
        answer = result.digit if result.digit is not None else NOT_A_DIGIT
        self.gradient_view.show_drawing(result.steps.centred[None], answer)

    def _on_tab_changed(self) -> None:
        reading = self.last_recognition
        layers_shown = self.tabs.currentWidget() is self.layer_view
        if layers_shown and reading is not None and not reading.activations and not reading.empty:
            self.recognise_drawing()  # read while another tab was open: no layer outputs

    def open_image(self) -> None:
        folder = str(self.settings.value("images/folder", ""))
        path = Dialogs.ask_open_image_path(self, Path(folder) if folder else None)
        if path is not None:
            self.open_image_path(path)

    def open_image_path(self, path: Path) -> bool:
        """Show the image file on the canvas and recognise it like a drawing."""
        path = Path(path)
        try:
            image = load_image(path)
        except DigitlabError as error:
            Dialogs.show_error(self, "Could not open the image", str(error))
            self._show_status(f"Could not open {path.name}: {error}")
            return False
        self.settings.setValue("images/folder", str(path.parent))
        self.canvas.show_picture(image)
        result = self.last_recognition
        if result is None or result.empty:
            self._show_status(f"{path.name}: no ink found")
        elif result.not_a_digit:
            self._show_status(
                f"{path.name} does not look like a digit ({result.not_a_digit_probability:.1%})"
            )
        elif result.is_near_tie:
            first, second = result.candidates
            p = result.probabilities
            self._show_status(
                f"{path.name} reads as {first} or {second} ({p[first]:.1%} / {p[second]:.1%})"
            )
        else:
            self._show_status(f"{path.name} reads as {result.digit} ({result.confidence:.1%})")
        return True

    # -- my digits --------------------------------------------------------
    def _build_my_digits(self, path: Path | None) -> None:
        """The My digits tab, and the keys 0-9 and "That was a …" buttons that keep the
        drawing as one of them (``path``: the collection's file, None for the default)."""
        self.my_digits = MyDigits(
            self, self.document, self.settings, self._show_status, self.models.use_saved, path
        )
        self.my_digits_view = self.my_digits.view
        self.tabs.addTab(self.my_digits_view, "My digits")
        self.prediction_panel.label_bar.label_chosen.connect(self.keep_drawing)
        self.digit_actions = []
        for digit in range(10):
            action = QAction(f"Keep the drawing as a {digit}", self)
            action.setShortcut(QKeySequence(str(digit)))
            action.triggered.connect(lambda _=False, d=digit: self.keep_drawing(d))
            self.addAction(action)
            self.digit_actions.append(action)
        QTimer.singleShot(0, self.my_digits, self.my_digits.report_problem)  # once it is up
        self.addActions(self.gradient_view.shortcut_actions(self))  # Ctrl+digit, E

    def keep_drawing(self, label: int) -> bool:
        """Keep the drawing as one of "my digits", labelled ``label``; clear the canvas."""
        if self.canvas.is_empty():
            self._show_status("Draw a digit first")
            return False
        ink = self.canvas.ink_image()
        kept = self.my_digits.keep_drawing(label, self.last_recognition, ink) is not None
        if kept:
            self.canvas.clear()
        return kept

    # -- window events ----------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if _dropped_file(event.mimeData()) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        path = _dropped_file(event.mimeData())
        if path is None:
            return
        event.acceptProposedAction()
        if path.suffix.lower() in MODEL_SUFFIXES:
            self.open_model_path(path)
        else:
            self.open_image_path(path)

    def closeEvent(self, event) -> None:
        if not self.models.maybe_save_changes() or not self.training_panel.close_request():
            event.ignore()
            return
        self.evaluation_view.shutdown()
        self.my_digits.shutdown()
        self._save_settings()
        event.accept()

    def _on_model_trained(self, model_file: ModelFile, path: str) -> None:
        self._show_status(f"Trained {Path(path).name} — {accuracy_text(model_file)}")


def _dropped_file(mime) -> Path | None:
    """The first local model or image file in dropped data, if any."""
    for url in mime.urls() if mime.hasUrls() else []:
        path = Path(url.toLocalFile()) if url.isLocalFile() else None
        if path and path.suffix.lower() in MODEL_SUFFIXES + IMAGE_SUFFIXES:
            return path
    return None


def _model_summary(model_file: ModelFile | None) -> str:
    if model_file is None:
        return "No model"
    parts = [f"{model_file.network.num_params:,} parameters", accuracy_text(model_file)]
    return " · ".join(p for p in parts if p)
