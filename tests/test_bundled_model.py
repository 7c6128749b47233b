"""The bundled model is the one the README describes: it records the recipe that made it."""

from __future__ import annotations

import pytest

from digitlab.core.files.model_file import load_model
from digitlab.resources import bundled_model_path

BUNDLED = bundled_model_path()
pytestmark = pytest.mark.skipif(not BUNDLED.is_file(), reason=f"no bundled model at {BUNDLED}")


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
