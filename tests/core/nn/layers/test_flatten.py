"""Flatten: row-major (C, H, W) order forward, a reshape back."""

import numpy as np
from gradcheck import assert_layer_gradients, built
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from digitlab.core.nn.layers import Flatten

SEEDS = st.integers(0, 2**32 - 1)


def test_flattens_each_sample_in_channel_row_column_order(rng):
    # Given two samples of 2 channels of 2x3
    x = np.arange(24.0).reshape(2, 2, 2, 3)
    layer = Flatten()
    assert layer.build((2, 2, 3), rng) == (12,)
    # When flattened, sample 1 is 12..23 in C, H, W order
    out = layer.forward(x)
    assert_array_equal(out, np.arange(24.0).reshape(2, 12))
    # And backward restores the image layout
    assert_array_equal(layer.backward(out * 2), x * 2)


@settings(max_examples=20, deadline=None)
@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
    n=st.integers(1, 3),
    seed=SEEDS,
)
def test_gradients_match_central_differences(shape, n, seed):
    rng = np.random.default_rng(seed)
    layer = built(Flatten(), shape)
    x = rng.standard_normal((n, *shape))
    assert_layer_gradients(layer, x, rng.standard_normal((n, int(np.prod(shape)))))
