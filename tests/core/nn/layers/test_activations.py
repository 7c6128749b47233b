"""ReLU, Sigmoid and Tanh: values, derivatives and behaviour at the extremes."""

import warnings

import numpy as np
import pytest
from gradcheck import assert_layer_gradients, built
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from digitlab.core.nn.layers import ReLU, Sigmoid, Tanh

SEEDS = st.integers(0, 2**32 - 1)
ACTIVATIONS = [ReLU, Sigmoid, Tanh]
FORMULAS = {
    ReLU: lambda x: np.where(x > 0, x, 0.0),
    Sigmoid: lambda x: 1 / (1 + np.exp(-x)),
    Tanh: np.tanh,
}


def checkable(x: np.ndarray) -> np.ndarray:
    """Keep inputs off ReLU's kink, where central differences are meaningless, and out of
    deep saturation, where the true derivative (~1e-13 at 15) drowns in rounding noise
    (~1e-10); the extremes have their own test below."""
    x = np.clip(x, -4.0, 4.0)
    return np.where(np.abs(x) < 1e-3, x + 0.01, x)


@pytest.mark.parametrize("cls", ACTIVATIONS)
@settings(max_examples=25, deadline=None)
@given(
    shape=st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple),
    n=st.integers(1, 3),
    scale=st.sampled_from([0.1, 1.0, 3.0]),
    seed=SEEDS,
)
def test_gradients_match_central_differences(cls, shape, n, scale, seed):
    rng = np.random.default_rng(seed)
    layer = built(cls(), shape)
    x = checkable(scale * rng.standard_normal((n, *shape)))
    assert_layer_gradients(layer, x, rng.standard_normal(x.shape))


@pytest.mark.parametrize("cls", ACTIVATIONS)
def test_values_match_the_formula_and_keep_the_shape(rng, cls):
    layer = built(cls(), (3, 4, 5))
    x = 3 * rng.standard_normal((2, 3, 4, 5))
    out = layer.forward(x)
    assert out.shape == x.shape
    assert_allclose(out, FORMULAS[cls](x), rtol=1e-14, atol=1e-15)


def test_relu_passes_no_gradient_at_zero():
    # Given inputs -1, 0, 2
    layer = ReLU()
    layer.forward(np.array([[-1.0, 0.0, 2.0]]))
    # Then only the positive input lets the gradient through (the subgradient 0 at 0)
    assert_array_equal(layer.backward(np.array([[5.0, 5.0, 5.0]])), [[0, 0, 5]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cls", [Sigmoid, Tanh])
def test_saturating_activations_are_finite_at_extremes(cls, dtype):
    # Given inputs far beyond where exp(-x) overflows
    x = np.array([[-1e4, -800.0, -50.0, 0.0, 50.0, 800.0, 1e4]], dtype=dtype)
    layer = cls()
    # When they run forward and back, no overflow warning is raised
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = layer.forward(x)
        dx = layer.backward(np.ones_like(x))
    # Then outputs are the limits, gradients vanish there, and dtypes are kept
    low = 0.0 if cls is Sigmoid else -1.0
    assert out.dtype == dx.dtype == dtype
    assert_allclose(out[0, [0, 1, -2, -1]], [low, low, 1.0, 1.0])
    assert out[0, 3] == (0.5 if cls is Sigmoid else 0.0)
    assert np.all(np.isfinite(dx))
    assert_array_equal(dx[0, [0, -1]], [0.0, 0.0])


@pytest.mark.parametrize("cls", ACTIVATIONS)
def test_float32_stays_float32(rng, cls):
    layer = built(cls(), (6,))
    x = rng.standard_normal((4, 6)).astype(np.float32)
    out = layer.forward(x)
    assert out.dtype == layer.backward(np.ones_like(out)).dtype == np.float32
