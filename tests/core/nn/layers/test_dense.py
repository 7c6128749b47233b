"""Dense: x @ kernel + bias, its gradients, and the refusal of image input."""

import re

import numpy as np
import pytest
from gradcheck import assert_layer_gradients, built
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from digitlab.core.errors import ShapeError
from digitlab.core.nn.layers import Dense

SEEDS = st.integers(0, 2**32 - 1)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 3), d=st.integers(1, 9), units=st.integers(1, 5), seed=SEEDS)
def test_gradients_match_central_differences(n, d, units, seed):
    rng = np.random.default_rng(seed)
    layer = built(Dense(units), (d,), seed)
    x = rng.standard_normal((n, d))
    assert_layer_gradients(layer, x, rng.standard_normal((n, units)))


def test_hand_worked_dense():
    # Given kernel (2 features -> 3 units) laid out (D, units) as Keras stores it
    layer = built(Dense(3), (2,))
    layer.params["kernel"][...] = [[1, 2, 3], [4, 5, 6]]
    layer.params["bias"][...] = [0.5, 0, -0.5]
    x = np.array([[1.0, 0.0], [1.0, 1.0]])
    # Then each sample is x @ kernel + bias
    assert_array_equal(layer.forward(x), [[1.5, 2, 2.5], [5.5, 7, 8.5]])
    # And backward of ones gives row sums of the kernel, and x summed over the batch
    assert_array_equal(layer.backward(np.ones((2, 3))), [[6, 15], [6, 15]])
    assert_array_equal(layer.grads["kernel"], [[2, 2, 2], [1, 1, 1]])
    assert_array_equal(layer.grads["bias"], [2, 2, 2])


def test_float32_stays_float32(rng):
    layer = Dense(7)
    layer.build((5,), rng)
    x = rng.standard_normal((3, 5)).astype(np.float32)
    out = layer.forward(x)
    assert out.dtype == layer.backward(np.ones_like(out)).dtype == np.float32
    assert_allclose(out, x @ layer.params["kernel"], rtol=1e-6)  # bias starts at zero
    assert not layer.params["bias"].any()


@pytest.mark.parametrize(
    ("kwargs", "bad"),
    [
        ({"units": 0}, "0"),
        ({"units": -3}, "-3"),
        ({"units": 10.0}, "10.0"),
        ({"units": 10, "kernel_init": "uniform"}, "'uniform'"),
        ({"units": 10, "name": "dense.1"}, "'dense.1'"),
    ],
    ids=["zero", "negative", "float", "init", "name"],
)
def test_bad_hyperparameters_are_refused_with_the_value(kwargs, bad):
    with pytest.raises(ValueError, match=re.escape(bad)):
        Dense(**kwargs)


@pytest.mark.parametrize("input_shape", [(16, 5, 5), (1, 400)])
def test_image_input_is_a_shape_error_that_suggests_flatten(rng, input_shape):
    # Given a Dense layer placed right after a conv or pool (no Flatten in between)
    with pytest.raises(ShapeError) as error:
        Dense(120, name="dense1").build(input_shape, rng)
    # Then the message names the layer, the shape it got, and the fix
    message = str(error.value)
    assert "'dense1' (Dense)" in message
    assert str(input_shape) in message
    assert "Flatten" in message
