"""Dropout: inverted dropout in training, the identity at inference."""

import re

import numpy as np
import pytest
from gradcheck import assert_layer_gradients
from numpy.testing import assert_allclose, assert_array_equal

from digitlab.core.nn.layers import Dropout


def seeded(rate: float, seed: int = 0) -> Dropout:
    layer = Dropout(rate)
    layer.build((100,), np.random.default_rng(seed))
    layer.seed(np.random.default_rng(seed))
    return layer


def test_identity_at_inference(rng):
    layer = seeded(0.5)
    x = rng.standard_normal((8, 100))
    assert_array_equal(layer.forward(x, training=False), x)


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_training_keeps_about_1_minus_rate_and_scales_the_kept(rng, rate):
    # Given 40,000 positive values
    layer = seeded(rate)
    x = rng.uniform(1.0, 2.0, (400, 100))
    # When dropout runs in training
    out = layer.forward(x, training=True)
    kept = out != 0
    # Then about 1 - rate of them survive (binomial std here is at most 0.0025)
    assert kept.mean() == pytest.approx(1 - rate, abs=0.01)
    # And each survivor is scaled by 1/(1-rate), so the expected output equals the input
    assert_allclose(out[kept], x[kept] / (1 - rate), rtol=1e-12)
    assert out.mean() == pytest.approx(x.mean(), rel=0.05)  # 3 std at rate 0.8


def test_backward_uses_the_forward_mask(rng):
    layer = seeded(0.5)
    x = rng.uniform(1.0, 2.0, (4, 100))
    out = layer.forward(x)
    grad = layer.backward(np.ones_like(x))
    # Dropped inputs get no gradient; kept ones get the same 1/(1-rate) factor
    assert_array_equal(grad == 0, out == 0)
    assert_allclose(grad[out != 0], 2.0)
    # And a second backward repeats the same mask: nothing is redrawn
    assert_array_equal(layer.backward(np.ones_like(x)), grad)


def test_gradients_match_central_differences_for_a_fixed_mask(rng):
    layer = Dropout(0.3)
    layer.build((3, 4), rng)
    x = rng.standard_normal((2, 3, 4))

    def reseed() -> None:  # the same mask for every forward, as the check needs
        layer.seed(np.random.default_rng(7))

    assert_layer_gradients(layer, x, rng.standard_normal(x.shape), before_forward=reseed)


def test_same_seed_same_masks_and_a_new_mask_each_step():
    x = np.ones((3, 100))
    a, b = seeded(0.5, seed=3), seeded(0.5, seed=3)
    first = a.forward(x)
    assert_array_equal(first, b.forward(x))
    second = a.forward(x)
    assert_array_equal(second, b.forward(x))
    assert not np.array_equal(first, second)
    assert not np.array_equal(first, seeded(0.5, seed=4).forward(x))


def test_seeded_by_the_network_rng_when_built():
    x = np.ones((3, 100))
    outs = []
    for seed in (11, 11, 12):
        layer = Dropout(0.5)
        layer.build((100,), np.random.default_rng(seed))
        outs.append(layer.forward(x))
    assert_array_equal(outs[0], outs[1])
    assert not np.array_equal(outs[0], outs[2])


def test_rate_zero_is_the_identity_even_in_training(rng):
    layer = seeded(0.0)
    x = rng.standard_normal((2, 100))
    assert_array_equal(layer.forward(x, training=True), x)
    assert_array_equal(layer.backward(x), x)


def test_float32_stays_float32(rng):
    layer = seeded(0.25)
    x = rng.standard_normal((2, 100)).astype(np.float32)
    out = layer.forward(x)
    assert out.dtype == layer.backward(np.ones_like(out)).dtype == np.float32
    assert_allclose(out[out != 0], x[out != 0] / np.float32(0.75), rtol=1e-6)


@pytest.mark.parametrize("rate", [1.0, -0.1, 1.5, float("nan")])
def test_bad_rate_is_refused_with_the_value(rate):
    with pytest.raises(ValueError, match=re.escape(repr(rate))):
        Dropout(rate)
