"""Conv2D: a loop reference, hand-worked cases, gradient checks and refusals."""

import re

import numpy as np
import pytest
from gradcheck import assert_layer_gradients, built
from hypothesis import example, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from digitlab.core.errors import ShapeError
from digitlab.core.nn.layers import Conv2D

SEEDS = st.integers(0, 2**32 - 1)


@st.composite
def conv_cases(draw: st.DrawFn) -> dict:
    """A batch shape and a Conv2D whose (possibly non-square) kernel fits the padded input."""
    n, c, f = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    padding = draw(st.integers(0, 2))
    kh = draw(st.integers(1, min(5, h + 2 * padding)))
    kw = draw(st.integers(1, min(5, w + 2 * padding)))
    stride = draw(st.integers(1, 3))
    layer = Conv2D(f, (kh, kw), stride=stride, padding=padding)
    return {"layer": layer, "x_shape": (n, c, h, w), "seed": draw(SEEDS)}


def explicit_case(layer: Conv2D, x_shape: tuple[int, ...]) -> dict:
    return {"layer": layer, "x_shape": x_shape, "seed": 0}


# Always run, whatever hypothesis draws: padding borders, non-square kernels, strides
# that skip the last columns, and a kernel that only fits thanks to the padding.
EXAMPLES = [
    (Conv2D(2, (3, 2), stride=2, padding=1), (2, 3, 7, 6)),
    (Conv2D(3, (1, 5), stride=3, padding=2), (1, 2, 4, 9)),
    (Conv2D(1, 5, padding=2), (2, 1, 1, 2)),
]


def with_examples(test):
    for layer, shape in EXAMPLES:
        test = example(case=explicit_case(layer, shape))(test)
    return test


def conv_reference(
    x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, stride: int, padding: int
) -> np.ndarray:
    """Cross-correlation written as loops over samples, filters and output pixels."""
    n, _, h, w = x.shape
    f, _, kh, kw = kernel.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    h_out = (h + 2 * padding - kh) // stride + 1
    w_out = (w + 2 * padding - kw) // stride + 1
    out = np.zeros((n, f, h_out, w_out))
    for i in range(n):
        for o in range(f):
            for y in range(h_out):
                for z in range(w_out):
                    window = xp[i, :, y * stride : y * stride + kh, z * stride : z * stride + kw]
                    out[i, o, y, z] = np.sum(window * kernel[o]) + bias[o]
    return out


@settings(max_examples=50, deadline=None)
@given(case=conv_cases())
@with_examples
def test_forward_matches_loop_reference(case):
    layer, (n, c, h, w) = case["layer"], case["x_shape"]
    rng = np.random.default_rng(case["seed"])
    built(layer, (c, h, w), case["seed"])
    x = rng.standard_normal((n, c, h, w))

    out = layer.forward(x, training=False)

    expected = conv_reference(
        x, layer.params["kernel"], layer.params["bias"], layer.stride, layer.padding
    )
    assert out.shape == (n, *layer.output_shape) == expected.shape
    assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(case=conv_cases())
@with_examples
def test_gradients_match_central_differences(case):
    layer, (n, c, h, w) = case["layer"], case["x_shape"]
    rng = np.random.default_rng(case["seed"])
    built(layer, (c, h, w), case["seed"])
    x = rng.standard_normal((n, c, h, w))
    grad_out = rng.standard_normal((n, *layer.output_shape))
    assert_layer_gradients(layer, x, grad_out)


def test_float32_forward_matches_reference_and_stays_float32(rng):
    layer = Conv2D(4, (3, 2), stride=2, padding=1)
    layer.build((3, 9, 8), rng)
    x = rng.standard_normal((2, 3, 9, 8)).astype(np.float32)
    out = layer.forward(x)
    dx = layer.backward(np.ones_like(out))
    assert out.dtype == dx.dtype == np.float32
    assert all(g.dtype == np.float32 for g in layer.grads.values())
    k, b = layer.params["kernel"].astype(np.float64), layer.params["bias"].astype(np.float64)
    assert_allclose(out, conv_reference(x.astype(np.float64), k, b, 2, 1), rtol=1e-5, atol=1e-5)


# -- hand-worked -------------------------------------------------------------------


def _explicit_conv(stride: int = 1, padding: int = 0) -> Conv2D:
    layer = built(Conv2D(1, 2, stride=stride, padding=padding), (1, 3, 3))
    layer.params["kernel"][...] = [[[[1, 2], [3, 4]]]]
    layer.params["bias"][...] = [1]
    return layer


IMAGE_3X3 = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)  # [[1,2,3],[4,5,6],[7,8,9]]


def test_hand_worked_conv_is_a_cross_correlation():
    # Given the kernel [[1, 2], [3, 4]], bias 1, and the image [[1,2,3],[4,5,6],[7,8,9]]
    layer = _explicit_conv()
    # When it slides over the image, unflipped (as every framework computes "conv")
    out = layer.forward(IMAGE_3X3)
    # Then e.g. the top-left output is 1*1 + 2*2 + 3*4 + 4*5 + 1 = 38
    assert_array_equal(out, [[[[38, 48], [68, 78]]]])


def test_hand_worked_conv_with_padding_and_stride():
    # Given the same kernel with padding 1 and stride 2: windows start at (0,0), (0,2), ...
    layer = _explicit_conv(stride=2, padding=1)
    # When it runs on the zero-bordered 5x5 image
    out = layer.forward(IMAGE_3X3)
    # Then the corner windows see mostly padding: [[0,0],[0,1]] gives 4*1 + 1 = 5
    assert_array_equal(out, [[[[5, 19], [37, 78]]]])


def test_hand_worked_conv_backward():
    # Given the 2x2 kernel over the 3x3 image and an upstream gradient of ones
    layer = _explicit_conv()
    layer.forward(IMAGE_3X3)
    # When the gradient flows back
    dx = layer.backward(np.ones((1, 1, 2, 2)))
    # Then each pixel gets the sum of the kernel entries that touched it,
    assert_array_equal(dx, [[[[1, 3, 2], [4, 10, 6], [3, 7, 4]]]])
    # each kernel entry the sum of the pixels it touched, and the bias one per output
    assert_array_equal(layer.grads["kernel"], [[[[12, 16], [24, 28]]]])
    assert_array_equal(layer.grads["bias"], [4])


def test_channels_are_summed_and_filters_kept_apart():
    # Given two input channels and two 1x1 filters: [1, 10] and [-1, 0]
    layer = built(Conv2D(2, 1), (2, 1, 2))
    layer.params["kernel"][...] = np.array([[1, 10], [-1, 0]]).reshape(2, 2, 1, 1)
    layer.params["bias"][...] = [0, 0.5]
    x = np.array([[[[1, 2]], [[3, 4]]]], dtype=np.float64)  # channel 0: [1, 2], 1: [3, 4]
    # Then filter 0 is ch0 + 10*ch1 and filter 1 is -ch0 + 0.5
    assert_array_equal(layer.forward(x), [[[[31, 42]], [[-0.5, -1.5]]]])


# -- construction and shapes -------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "bad"),
    [
        ({"filters": 0, "kernel_size": 3}, "0"),
        ({"filters": 2.5, "kernel_size": 3}, "2.5"),
        ({"filters": 4, "kernel_size": 0}, "0"),
        ({"filters": 4, "kernel_size": 2.5}, "2.5"),
        ({"filters": 4, "kernel_size": (3, -1)}, "(3, -1)"),
        ({"filters": 4, "kernel_size": (3, 3, 3)}, "(3, 3, 3)"),
        ({"filters": 4, "kernel_size": 3, "stride": 0}, "0"),
        ({"filters": 4, "kernel_size": 3, "padding": -1}, "-1"),
        ({"filters": 4, "kernel_size": 3, "kernel_init": "zeros"}, "'zeros'"),
        ({"filters": 4, "kernel_size": 3, "name": "a/b"}, "'a/b'"),
    ],
    ids=lambda v: ",".join(f"{k}={x!r}" for k, x in v.items()) if isinstance(v, dict) else None,
)
def test_bad_hyperparameters_are_refused_with_the_value(kwargs, bad):
    with pytest.raises(ValueError, match=re.escape(bad)):
        Conv2D(**kwargs)


@pytest.mark.parametrize(
    ("layer", "input_shape", "expected"),
    [
        (Conv2D(6, 5, padding=2), (1, 28, 28), (6, 28, 28)),
        (Conv2D(16, 5), (6, 14, 14), (16, 10, 10)),
        (Conv2D(3, (3, 1), stride=2), (2, 7, 4), (3, 3, 2)),
        (Conv2D(2, 5, padding=2), (1, 1, 1), (2, 1, 1)),  # kernel fits only with padding
    ],
)
def test_output_shape(rng, layer, input_shape, expected):
    assert layer.build(input_shape, rng) == expected == layer.output_shape
    assert layer.params["kernel"].shape == (expected[0], input_shape[0], *layer.kernel_size)


@pytest.mark.parametrize(
    ("kwargs", "input_shape"),
    [
        ({"kernel_size": 4}, (1, 3, 3)),
        ({"kernel_size": 4}, (1, 9, 3)),  # too narrow only
        ({"kernel_size": 4}, (1, 3, 9)),  # too short only
        ({"kernel_size": 6, "padding": 1}, (1, 3, 4)),  # 3 + 2 < 6 even with padding
        ({"kernel_size": (1, 5), "padding": 1}, (2, 9, 2)),  # non-square: 2 + 2 < 5
    ],
)
def test_kernel_larger_than_padded_input_is_a_shape_error(rng, kwargs, input_shape):
    layer = Conv2D(2, name="big", **kwargs)
    with pytest.raises(ShapeError) as error:
        layer.build(input_shape, rng)
    message = str(error.value)
    assert "'big' (Conv2D)" in message
    assert str(input_shape) in message


def test_non_image_input_is_a_shape_error(rng):
    with pytest.raises(ShapeError, match=re.escape("'c' (Conv2D)") + ".*" + re.escape("(120,)")):
        Conv2D(4, 3, name="c").build((120,), rng)
