"""core.train.calibration: the temperature that fits, ECE, and folding it into the network."""

from __future__ import annotations

import numpy as np
import pytest

from digitlab.core.nn.architectures import lenet5
from digitlab.core.nn.losses import softmax
from digitlab.core.train.calibration import (
    expected_calibration_error,
    fit_temperature,
    fold_temperature,
    logits,
)


def overconfident(n: int, temperature: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Logits whose labels are drawn from softmax(z / temperature): the right
    temperature is known."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 4, (n, 10))
    p = softmax(z / temperature)
    labels = np.array([rng.choice(10, p=row) for row in p])
    return z, labels


@pytest.mark.parametrize("true_t", [0.7, 1.0, 2.5])
def test_the_fitted_temperature_is_the_one_the_labels_came_from(true_t):
    z, labels = overconfident(20_000, true_t)
    assert fit_temperature(z, labels) == pytest.approx(true_t, rel=0.06)


def test_calibration_lowers_the_error_of_overconfident_probabilities():
    z, labels = overconfident(20_000, 2.5)
    t = fit_temperature(z, labels)
    before = expected_calibration_error(softmax(z), labels)
    after = expected_calibration_error(softmax(z / t), labels)
    assert before > 0.1 and after < 0.02


def test_ece_of_hand_made_cases():
    labels = np.array([0, 0, 1, 1])
    sure_and_right = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    assert expected_calibration_error(sure_and_right, labels) == 0.0
    sure_and_half_wrong = np.array([[1.0, 0.0]] * 4)
    assert expected_calibration_error(sure_and_half_wrong, labels) == pytest.approx(0.5)


def test_folding_divides_the_output_and_keeps_every_answer():
    network = lenet5(0)
    x = np.random.default_rng(1).random((16, 1, 28, 28), dtype=np.float32)
    before = logits(network, x)
    fold_temperature(network, 2.0)
    after = logits(network, x)
    assert np.allclose(after, before / 2.0, rtol=1e-4, atol=1e-5)
    assert np.array_equal(after.argmax(axis=1), before.argmax(axis=1))
