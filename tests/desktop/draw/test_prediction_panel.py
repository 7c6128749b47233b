"""The prediction panel shows a Recognition: digit, probabilities, input, steps."""

import numpy as np
import pytest
from conftest import forced_network

from digitlab.core.nn.architectures import lenet5
from digitlab.core.reading.recognition import recognise
from digitlab.desktop.common.style import NOT_A_DIGIT_MARK
from digitlab.desktop.draw.prediction_panel import DECLINED, NO_DIGIT, PredictionPanel


@pytest.fixture
def panel(qtbot):
    widget = PredictionPanel()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def stroke() -> np.ndarray:
    image = np.zeros((100, 100), np.float32)
    image[10:90, 45:55] = 1.0
    return image


@pytest.fixture(scope="module")
def result():
    """A clear reading: 7, the runner-up 1 well behind."""
    return recognise(forced_network(10, {7: 5.0, 1: 1.5}), stroke())


def test_it_starts_by_asking_for_a_digit(panel):
    assert panel.digit_text() == NO_DIGIT
    assert "Draw a digit" in panel.confidence_label.text()
    np.testing.assert_array_equal(panel.chart.heights, np.zeros(10))


def test_it_shows_the_digit_its_probability_and_all_ten(panel, result):
    panel.show_recognition(result)
    assert panel.digit_text() == str(result.digit)
    assert f"{result.confidence:.1%}" in panel.confidence_label.text()
    np.testing.assert_allclose(panel.chart.heights, result.probabilities)
    assert panel.input_tile.image() is not None
    assert panel.input_tile.image().size().toTuple() == (28, 28)


def test_the_steps_show_each_stage(panel, result):
    panel.set_steps_visible(True)
    panel.show_recognition(result)
    sizes = [tile.image().size().toTuple() for tile in panel.step_tiles]
    steps = result.steps
    expected = [steps.drawn, steps.cropped, steps.scaled, steps.centred]
    assert sizes == [(a.shape[1], a.shape[0]) for a in expected]


def test_hidden_steps_catch_up_when_shown(panel, result):
    panel.set_steps_visible(False)
    assert not panel.steps_visible()
    panel.show_recognition(result)
    assert panel.step_tiles[1].image() is None  # not painted while hidden
    panel.set_steps_visible(True)
    assert panel.steps_visible()
    assert panel.step_tiles[1].image() is not None


def test_an_empty_drawing_goes_back_to_the_empty_state(panel, result):
    panel.show_recognition(result)
    panel.show_recognition(recognise(lenet5(0), np.zeros((50, 50), np.float32)))
    assert panel.digit_text() == NO_DIGIT
    np.testing.assert_array_equal(panel.chart.heights, np.zeros(10))
    assert panel.input_tile.image() is None


def test_a_clear_digit_names_its_runner_up(panel, result):
    panel.show_recognition(result)
    assert "runner-up: 1" in panel.confidence_label.text()
    assert panel.chart.heights.shape == (10,) and not panel.chart.can_decline()
    assert panel.decline_note.isHidden()  # a ten-class model cannot decline


def test_a_near_tie_names_both_digits_with_both_probabilities(panel):
    tie = recognise(forced_network(10, {3: 3.0, 5: 2.8}), stroke())
    panel.show_recognition(tie)
    assert panel.digit_text() == "3 or 5?"
    p = tie.probabilities
    assert f"3: {p[3]:.1%} · 5: {p[5]:.1%}" in panel.confidence_label.text()
    assert panel.chart._highlight == (3, 5)
    assert panel.label_bar.answer() == 3


def test_not_a_digit_is_a_calm_state_without_a_digit_or_a_confidence(panel, result):
    declined = recognise(forced_network(11, {10: 3.0, 1: 1.0}), stroke())
    panel.show_recognition(declined)
    assert panel.digit_text() == NOT_A_DIGIT_MARK
    text = panel.confidence_label.text()
    assert DECLINED in text and "sure" not in text
    assert f"not a digit: {declined.not_a_digit_probability:.1%}" in text
    assert panel.chart.can_decline() and panel.chart.heights.shape == (11,)
    assert panel.chart._highlight == ()  # no digit in the accent colour
    assert not panel.decline_note.isHidden()
    assert f"{declined.not_a_digit_probability:.1%}" in panel.decline_note.text()
    assert all(b.isEnabled() for b in panel.label_bar.buttons)  # it may still be kept
    assert panel.input_tile.image() is not None
    panel.show_recognition(result)  # and back to a ten-class digit
    assert panel.digit_text() == "7" and not panel.chart.can_decline()


def test_an_empty_canvas_with_an_eleven_class_model_asks_for_a_digit(panel):
    network = forced_network(11, {10: 3.0})
    panel.show_recognition(recognise(network, np.zeros((50, 50), np.float32)))
    assert panel.digit_text() == NO_DIGIT
    assert "Draw a digit" in panel.confidence_label.text()
    np.testing.assert_array_equal(panel.chart.heights, np.zeros(11))
    assert not any(b.isEnabled() for b in panel.label_bar.buttons)


@pytest.mark.parametrize("size", [(1024, 640), (1400, 880)])
def test_the_answer_states_fit_the_panel(qtbot, size):
    """Each state's answer stays inside its column at the window's sizes."""
    from digitlab.desktop.window.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(*size)
    win.show()
    panel = win.prediction_panel
    for logits in ({10: 3.0}, {3: 3.0, 5: 2.8}, {7: 5.0}):
        panel.show_recognition(recognise(forced_network(11, logits), stroke()))
        qtbot.wait(10)
        label = panel.digit_label
        needed = label.sizeHint().width()
        assert needed <= panel.input_tile.x() - label.x(), panel.digit_text()
