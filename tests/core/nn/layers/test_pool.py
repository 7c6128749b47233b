"""MaxPool2D and AvgPool2D: loop references, hand-worked cases with ties, gradient checks."""

import re

import numpy as np
import pytest
from gradcheck import assert_layer_gradients, built
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from digitlab.core.errors import ShapeError
from digitlab.core.nn.layers import AvgPool2D, MaxPool2D

SEEDS = st.integers(0, 2**32 - 1)


@st.composite
def pool_cases(draw: st.DrawFn) -> dict:
    """A batch shape, a window (kh, kw) that fits it, and a stride; windows may overlap."""
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    kh, kw = draw(st.integers(1, min(3, h))), draw(st.integers(1, min(3, w)))
    stride = draw(st.integers(1, 3))
    return {"x_shape": (n, c, h, w), "pool_size": (kh, kw), "stride": stride, "seed": draw(SEEDS)}


def windows_of(x: np.ndarray, pool_size: tuple[int, int], stride: int):
    """Yield (n, c, y, z, window) for every output pixel, by plain slicing."""
    n, c, h, w = x.shape
    kh, kw = pool_size
    for i in range(n):
        for ch in range(c):
            for y in range((h - kh) // stride + 1):
                for z in range((w - kw) // stride + 1):
                    ys, zs = y * stride, z * stride
                    yield i, ch, y, z, (slice(ys, ys + kh), slice(zs, zs + kw))


def pool_reference(x: np.ndarray, pool_size, stride, reduce) -> np.ndarray:
    kh, kw = pool_size
    n, c, h, w = x.shape
    out = np.zeros((n, c, (h - kh) // stride + 1, (w - kw) // stride + 1))
    for i, ch, y, z, (rows, cols) in windows_of(x, pool_size, stride):
        out[i, ch, y, z] = reduce(x[i, ch, rows, cols])
    return out


def max_pool_backward_reference(x, grad_out, pool_size, stride) -> np.ndarray:
    """Each output's gradient goes to the first maximum of its window in row-major order."""
    dx = np.zeros_like(x, dtype=np.float64)
    for i, ch, y, z, (rows, cols) in windows_of(x, pool_size, stride):
        window = x[i, ch, rows, cols]
        dy, dz = np.unravel_index(np.argmax(window), window.shape)  # argmax: first maximum
        dx[i, ch, rows.start + dy, cols.start + dz] += grad_out[i, ch, y, z]
    return dx


def distinct_values(rng: np.random.Generator, shape) -> np.ndarray:
    """Values at least 0.1 apart, so no max flips under a 1e-6 perturbation."""
    size = int(np.prod(shape))
    return (rng.permutation(size) - size / 2).reshape(shape) * 0.1


POOLS = [MaxPool2D, AvgPool2D]
REDUCE = {MaxPool2D: np.max, AvgPool2D: np.mean}


@pytest.mark.parametrize("cls", POOLS)
@settings(max_examples=40, deadline=None)
@given(case=pool_cases())
def test_forward_matches_loop_reference(cls, case):
    rng = np.random.default_rng(case["seed"])
    layer = built(cls(case["pool_size"], case["stride"]), case["x_shape"][1:])
    x = rng.standard_normal(case["x_shape"])

    out = layer.forward(x, training=False)

    expected = pool_reference(x, case["pool_size"], case["stride"], REDUCE[cls])
    assert out.shape == (len(x), *layer.output_shape) == expected.shape
    assert_allclose(out, expected, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("cls", POOLS)
@settings(max_examples=40, deadline=None)
@given(case=pool_cases())
def test_gradients_match_central_differences(cls, case):
    rng = np.random.default_rng(case["seed"])
    layer = built(cls(case["pool_size"], case["stride"]), case["x_shape"][1:])
    x = distinct_values(rng, case["x_shape"])
    grad_out = rng.standard_normal((len(x), *layer.output_shape))
    assert_layer_gradients(layer, x, grad_out)


@settings(max_examples=50, deadline=None)
@given(case=pool_cases())
def test_max_pool_routes_each_gradient_once_even_among_ties(case):
    # Given images of 0s, 1s and 2s, so most windows hold several equal maxima
    rng = np.random.default_rng(case["seed"])
    x = rng.integers(0, 3, case["x_shape"]).astype(np.float64)
    layer = built(MaxPool2D(case["pool_size"], case["stride"]), case["x_shape"][1:])
    grad_out = rng.standard_normal((len(x), *layer.output_shape))
    # When the gradient flows back
    layer.forward(x)
    dx = layer.backward(grad_out)
    # Then each output's gradient lands on the first maximum of its window, once
    assert_allclose(
        dx, max_pool_backward_reference(x, grad_out, case["pool_size"], case["stride"]), atol=1e-12
    )
    assert dx.sum() == pytest.approx(grad_out.sum())


# -- hand-worked -------------------------------------------------------------------


def test_hand_worked_4x4_max_pool():
    # Given a 4x4 image and a 2x2 max-pool with stride 2
    x = np.array(
        [
            [1, 3, 2, 1],
            [4, 2, 0, 1],
            [5, 6, 7, 8],
            [1, 2, 9, 3],
        ],
        dtype=np.float64,
    ).reshape(1, 1, 4, 4)
    layer = built(MaxPool2D(2), (1, 4, 4))
    # When it runs forward
    out = layer.forward(x)
    # Then each quarter gives its largest value
    assert_array_equal(out, [[[[4, 2], [6, 9]]]])
    # And backward sends each output's gradient to where that value was
    dx = layer.backward(np.array([[[[10, 20], [30, 40]]]], dtype=np.float64))
    expected = np.array(
        [
            [0, 0, 20, 0],
            [10, 0, 0, 0],
            [0, 30, 0, 0],
            [0, 0, 40, 0],
        ]
    ).reshape(1, 1, 4, 4)
    assert_array_equal(dx, expected)


def test_hand_worked_4x4_avg_pool():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    layer = built(AvgPool2D(2), (1, 4, 4))
    out = layer.forward(x)
    assert_array_equal(out, [[[[2.5, 4.5], [10.5, 12.5]]]])  # e.g. (0 + 1 + 4 + 5) / 4
    dx = layer.backward(np.array([[[[4.0, 8.0], [12.0, 16.0]]]]))
    assert_array_equal(dx, np.kron([[1, 2], [3, 4]], np.ones((2, 2))).reshape(1, 1, 4, 4))


@pytest.mark.parametrize(
    ("window", "winner"),
    [
        ([[7, 7], [7, 7]], (0, 0)),  # all equal
        ([[0, 0], [0, 0]], (0, 0)),  # a blank patch of a digit, or a ReLU's zeros
        ([[-1, 5], [5, 5]], (0, 1)),  # first of three maxima in row-major order
        ([[-3, -2], [-1, -1]], (1, 0)),  # negative ties
    ],
    ids=["all-equal", "zeros", "three-way", "negative"],
)
def test_max_pool_tie_goes_to_the_first_maximum_only(window, winner):
    # Given a window whose maximum appears more than once
    layer = built(MaxPool2D(2), (1, 2, 2))
    x = np.array(window, dtype=np.float64).reshape(1, 1, 2, 2)
    # When a gradient of 3 flows back
    assert layer.forward(x).item() == np.max(window)
    dx = layer.backward(np.full((1, 1, 1, 1), 3.0))
    # Then exactly one element receives all of it
    expected = np.zeros((1, 1, 2, 2))
    expected[(0, 0, *winner)] = 3.0
    assert_array_equal(dx, expected)


def test_max_pool_ties_in_overlapping_windows_conserve_the_gradient():
    # Given a constant 3x3 image pooled by 2x2 windows with stride 1 (four windows overlap)
    layer = built(MaxPool2D(2, stride=1), (1, 3, 3))
    layer.forward(np.zeros((1, 1, 3, 3)))
    # When gradients 1, 2, 3, 4 flow back
    dx = layer.backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
    # Then each goes to its own window's top-left pixel, and the total is kept
    assert_array_equal(dx, [[[[1, 2, 0], [3, 4, 0], [0, 0, 0]]]])
    assert dx.sum() == 10


def test_float32_stays_float32(rng):
    for cls in POOLS:
        layer = cls(2)
        layer.build((2, 6, 6), rng)
        x = rng.standard_normal((2, 2, 6, 6)).astype(np.float32)
        out = layer.forward(x)
        assert out.dtype == layer.backward(np.ones_like(out)).dtype == np.float32


# -- construction and shapes -------------------------------------------------------


@pytest.mark.parametrize("cls", POOLS)
@pytest.mark.parametrize(
    ("kwargs", "bad"),
    [
        ({"pool_size": 0}, "0"),
        ({"pool_size": (2, 0)}, "(2, 0)"),
        ({"pool_size": 1.5}, "1.5"),
        ({"pool_size": 2, "stride": 0}, "0"),
        ({"pool_size": 2, "stride": 1.5}, "1.5"),
        ({"pool_size": 2, "name": ""}, "''"),
    ],
    ids=lambda v: ",".join(f"{k}={x!r}" for k, x in v.items()) if isinstance(v, dict) else None,
)
def test_bad_hyperparameters_are_refused_with_the_value(cls, kwargs, bad):
    with pytest.raises(ValueError, match=re.escape(bad)):
        cls(**kwargs)


@pytest.mark.parametrize("cls", POOLS)
def test_stride_defaults_to_the_window(rng, cls):
    layer = cls(3)
    assert layer.stride == 3
    assert layer.build((2, 9, 7), rng) == (2, 3, 2)


@pytest.mark.parametrize("cls", POOLS)
@pytest.mark.parametrize("input_shape", [(1, 1, 4), (1, 4, 1), (3, 2, 2)])
def test_window_larger_than_input_is_a_shape_error(rng, cls, input_shape):
    layer = cls(3, stride=1, name="p")
    with pytest.raises(ShapeError) as error:
        layer.build(input_shape, rng)
    assert f"'p' ({cls.__name__})" in str(error.value)
    assert str(input_shape) in str(error.value)


@pytest.mark.parametrize("cls", POOLS)
def test_flat_input_is_a_shape_error(rng, cls):
    with pytest.raises(ShapeError, match=re.escape("(84,)")):
        cls(2, name="p").build((84,), rng)
