"""The main window: drawing drives the prediction and the layer view; title, keys,
themes, closing with unsaved changes, the starting model."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from digitlab.core.files.model_file import ModelFile
from digitlab.core.nn.architectures import lenet5
from digitlab.desktop.common.dialogs import Dialogs, Discard
from digitlab.desktop.draw.prediction_panel import NO_DIGIT
from digitlab.desktop.window.main_window import MainWindow
from digitlab.resources import bundled_model_path


@pytest.fixture
def shown_activations(window, monkeypatch):
    """Every call the layer view gets, recorded on the way through."""
    calls = []
    real = window.layer_view.show_activations

    def spy(activations, probabilities):
        calls.append((activations, probabilities))
        real(activations, probabilities)

    monkeypatch.setattr(window.layer_view, "show_activations", spy)
    return calls


def centre_line(window, make_line, dx=0.0, length=0.6):
    """A vertical line through the canvas centre, ``length`` of its height."""
    w, h = window.canvas.width(), window.canvas.height()
    x = w / 2 + dx
    return make_line((x, h * (1 - length) / 2), (x, h * (1 + length) / 2))


def test_the_window_starts_empty_with_its_panels(window):
    assert window.prediction_panel.digit_text() == NO_DIGIT
    assert window.layer_view.entry_count() == len(window.document.network.layers)
    assert window.canvas.is_empty()
    assert not window.undo_action.isEnabled()


def test_drawing_updates_the_prediction_and_the_layer_view(
    window, draw, make_line, shown_activations
):
    draw(window.canvas, centre_line(window, make_line))
    first = window.last_recognition
    assert first is not None and first.digit is not None
    assert window.prediction_panel.digit_text().startswith(str(first.digit))  # or "2 or 8?"
    assert first.probabilities.sum() == pytest.approx(1.0, rel=1e-5)
    activations, probabilities = shown_activations[-1]
    assert [name for name, _ in activations] == [
        layer.name for layer in window.document.network.layers
    ]
    np.testing.assert_array_equal(probabilities, first.probabilities)

    w = window.canvas.width()
    draw(window.canvas, make_line((w * 0.2, 60), (w * 0.8, 60)))
    assert not np.allclose(window.last_recognition.probabilities, first.probabilities)
    assert window.undo_action.isEnabled()


BUNDLED = bundled_model_path()


@pytest.mark.skipif(not BUNDLED.is_file(), reason=f"the bundled model {BUNDLED} is not built yet")
@pytest.mark.parametrize(
    ("dx", "length", "pen"),
    [(0, 0.6, 16), (-120, 0.2, 6), (100, 0.85, 40)],
    ids=["centre", "small-thin-left", "large-thick-right"],
)
def test_a_vertical_stroke_reads_as_one_with_the_bundled_model(
    window, draw, make_line, dx, length, pen
):
    assert window.open_model_path(BUNDLED)
    window.pen_slider.setValue(pen)
    draw(window.canvas, centre_line(window, make_line, dx=dx, length=length))
    assert window.last_recognition.digit == 1
    assert window.prediction_panel.digit_text() == "1"


def test_undo_and_clear_from_the_keyboard(window, qtbot, draw, make_line):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=10_000)
    draw(window.canvas, centre_line(window, make_line))
    draw(window.canvas, centre_line(window, make_line, dx=60))
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(window.canvas.strokes()) == 1
    QTest.keyClick(window, Qt.Key.Key_Escape)
    assert window.canvas.is_empty()
    assert window.prediction_panel.digit_text() == NO_DIGIT
    draw(window.canvas, centre_line(window, make_line))
    QTest.keyClick(window, Qt.Key.Key_Delete)
    assert window.canvas.is_empty()


def test_clearing_empties_the_layer_view_and_the_answer(window, draw, make_line, monkeypatch):
    cleared = []
    monkeypatch.setattr(window.layer_view, "clear_activations", lambda: cleared.append(1))
    draw(window.canvas, centre_line(window, make_line))
    window.clear_action.trigger()
    assert cleared
    assert window.last_recognition.digit is None
    assert not window.clear_action.isEnabled()


def test_the_title_names_the_model_and_marks_changes(window):
    assert window.windowTitle() == "untrained.h5[*] — digitlab"
    assert not window.isWindowModified()
    window.document.set_modified(True)
    assert window.isWindowModified()
    window.document.set_modified(False)
    assert not window.isWindowModified()


def test_a_new_model_from_elsewhere_takes_over(window, draw, make_line):
    draw(window.canvas, centre_line(window, make_line))
    before = window.last_recognition.probabilities.copy()
    fresh = ModelFile(lenet5(7), {"name": "fine-tuned"}, {}, None, None)
    window.document.set_model(fresh, None, modified=True)
    assert window.windowTitle() == "fine-tuned[*] — digitlab"
    assert window.isWindowModified()
    assert not np.allclose(window.last_recognition.probabilities, before)  # re-read at once


@pytest.mark.parametrize(("answer", "closes"), [(Discard.CANCEL, False), (Discard.DISCARD, True)])
def test_closing_with_unsaved_changes_asks_first(window, monkeypatch, answer, closes):
    asked = []
    monkeypatch.setattr(
        Dialogs, "confirm_discard_changes", lambda p, name: asked.append(name) or answer
    )
    window.document.set_modified(True)
    assert window.close() is closes
    assert asked == ["untrained.h5"]
    assert window.isVisible() is not closes


def test_closing_saves_when_asked_to(window, monkeypatch, model_path):
    monkeypatch.setattr(Dialogs, "confirm_discard_changes", lambda p, name: Discard.SAVE)
    window.document.set_modified(True)
    before = model_path.stat().st_mtime_ns
    assert window.close()
    assert model_path.stat().st_mtime_ns != before


def test_closing_without_changes_does_not_ask(window):
    assert window.close()


def test_switching_theme_keeps_the_drawing_and_remembers_it(window, draw, make_line):
    draw(window.canvas, centre_line(window, make_line))
    ink = window.canvas.ink_image()
    window.set_theme("dark")
    QApplication.processEvents()  # the new palette reaches the widgets by event
    assert window.palette().window().color().lightness() < 128
    np.testing.assert_array_equal(window.canvas.ink_image(), ink)
    assert window.settings.value("view/theme") == "dark"
    window.set_theme("light")
    QApplication.processEvents()
    assert window.palette().window().color().lightness() > 128


def test_settings_survive_a_restart(window, qtbot):
    window.pen_slider.setValue(30)
    assert window.steps_action.isChecked()
    window.steps_action.trigger()
    assert window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.canvas.pen_width() == 30
    assert not again.prediction_panel.steps_visible()


def test_the_last_model_opens_at_start(window, qtbot, model_path):
    window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    again.load_initial_model()
    assert again.document.path == model_path.resolve()


def test_without_any_model_file_an_untrained_network_is_used(qtbot, monkeypatch, tmp_path):
    monkeypatch.setattr(
        "digitlab.desktop.window.model_commands.bundled_model_path", lambda: tmp_path / "none.h5"
    )
    window = MainWindow()
    qtbot.addWidget(window)
    window.load_initial_model()
    assert window.document.network is not None
    assert window.document.path is None
    assert "untrained" in window.statusBar().currentMessage()


def test_the_steps_can_be_hidden(window):
    window.steps_action.trigger()
    assert window.prediction_panel.steps_visible() is window.steps_action.isChecked()
    window.steps_action.trigger()
    assert window.prediction_panel.steps_visible() is window.steps_action.isChecked()


def test_about_names_the_version(window, monkeypatch):
    shown = []
    monkeypatch.setattr(Dialogs, "show_about", lambda parent, title, text: shown.append(text))
    window.about_action.trigger()
    assert "digitlab" in shown[0]


def test_actions_have_shortcuts_and_tooltips(window):
    for action in (window.open_model_action, window.save_action, window.save_as_action,
                   window.undo_action, window.clear_action, window.open_image_action):  # fmt: skip
        assert not action.shortcut().isEmpty(), action.text()
        assert action.toolTip() and "(" in action.toolTip(), action.text()
