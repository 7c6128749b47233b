"""The bundled model is the one the README describes: it records the recipe that made it,
reads digits, and declines what is not one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from digitlab.core.data.drawn import TEST_WRITERS, pen_split, render_pen_digits
from digitlab.core.data.mnist import to_network_input
from digitlab.core.data.pendigits import load_pendigits
from digitlab.core.files.model_file import load_model
from digitlab.core.reading.recognition import Recognition, recognise
from digitlab.core.reading.render import render_digit
from digitlab.resources import bundled_model_path

BUNDLED = bundled_model_path()
PEN = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "pendigits"
pytestmark = pytest.mark.skipif(not BUNDLED.is_file(), reason=f"no bundled model at {BUNDLED}")


def read(strokes: list[np.ndarray]) -> Recognition:
    drawing, _ = render_digit(strokes, pen=16.0, height=300.0)
    return recognise(load_model(BUNDLED).network, drawing, with_activations=False)


def test_it_can_say_not_a_digit_and_was_trained_on_drawn_digits():
    model = load_model(BUNDLED)
    config = model.metadata["train_config"]
    assert model.network.output_shape == (11,) and model.metadata["classes"] == 11
    assert config["pen_digits"] > 0 and config["non_digits"] > 0 and config["calibrate"]
    assert model.metadata["dataset"].startswith("MNIST + pen digits of 20 writers + ")


def test_its_probabilities_were_calibrated_and_its_score_recorded():
    metadata = load_model(BUNDLED).metadata
    assert metadata["temperature"] > 0
    assert metadata["validation_ece"] <= metadata["validation_ece_before"]
    assert metadata["test_accuracy"] >= 0.99


def test_an_empty_canvas_a_dot_and_a_stray_line_are_not_digits():
    blank = recognise(load_model(BUNDLED).network, np.zeros((300, 300), np.float32))
    assert blank.digit is None and blank.reason == "empty"
    dot = read([np.array([[10.0, 10.0]])])
    dash = read([np.array([[0.0, 50.0], [300.0, 45.0]])])
    for reading in (dot, dash):
        assert reading.digit is None and reading.reason == "not_a_digit"


def test_a_plain_seven_is_still_a_seven():
    seven = read([np.array([[0.0, 0.0], [200.0, 0.0], [80.0, 300.0]])])
    assert seven.digit == 7 and seven.confidence > 0.9


@pytest.mark.skipif(not (PEN / "pendigits-orig.tra").is_file(), reason=f"no pen digits at {PEN}")
def test_it_reads_writers_it_never_saw():
    _, unseen = pen_split(load_pendigits(PEN), TEST_WRITERS)
    sample = unseen[::5]  # 500 digits of the ten writers kept out of training
    split = render_pen_digits(sample, seed=11)
    p = load_model(BUNDLED).network.predict_proba(to_network_input(split.images))
    assert np.mean(p.argmax(axis=1) == split.labels) >= 0.97
