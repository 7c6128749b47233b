"""The prediction panel shows a Recognition: digit, probabilities, input, steps."""

import numpy as np
import pytest

from digitlab.core.nn.architectures import lenet5
from digitlab.core.reading.recognition import recognise
from digitlab.desktop.draw.prediction_panel import NO_DIGIT, PredictionPanel


@pytest.fixture
def panel(qtbot):
    widget = PredictionPanel()
    qtbot.addWidget(widget)
    widget.show()
    return widget


@pytest.fixture(scope="module")
def result():
    image = np.zeros((100, 100), np.float32)
    image[10:90, 45:55] = 1.0
    return recognise(lenet5(0), image)


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
