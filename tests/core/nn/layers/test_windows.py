"""im2col (``columns``) and its adjoint (``col2im``) against loops, on random geometries."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from digitlab.core.nn.layers.windows import WindowGeometry

SEEDS = st.integers(0, 2**32 - 1)


@st.composite
def geometries(draw: st.DrawFn) -> tuple[WindowGeometry, int, int]:
    """(geometry, batch, seed) with a kernel that fits the padded image."""
    c, h, w = draw(st.integers(1, 3)), draw(st.integers(1, 9)), draw(st.integers(1, 9))
    pad = draw(st.integers(0, 2))
    kh = draw(st.integers(1, min(5, h + 2 * pad)))
    kw = draw(st.integers(1, min(5, w + 2 * pad)))
    stride = draw(st.integers(1, 3))
    return WindowGeometry(c, h, w, kh, kw, stride, pad), draw(st.integers(1, 3)), draw(SEEDS)


def im2col_reference(x: np.ndarray, g: WindowGeometry) -> np.ndarray:
    """Loops: out[n, (c, i, j), y, x] = padded[n, c, y*s + i, x*s + j]."""
    p, s = g.pad, g.stride
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    out = np.zeros((x.shape[0], g.channels * g.kh * g.kw, g.h_out, g.w_out), x.dtype)
    for n in range(x.shape[0]):
        row = 0
        for c in range(g.channels):
            for i in range(g.kh):
                for j in range(g.kw):
                    for y in range(g.h_out):
                        for z in range(g.w_out):
                            out[n, row, y, z] = xp[n, c, y * s + i, z * s + j]
                    row += 1
    return out


def image(g: WindowGeometry, n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, g.channels, g.height, g.width))


@settings(max_examples=60, deadline=None)
@given(geometries())
def test_columns_hold_every_window_in_kernel_order(case):
    # Given a random geometry and image
    g, n, seed = case
    x = image(g, n, seed)
    # When the windows are copied into columns
    cols = g.columns(x)
    # Then the valid positions hold exactly the loop's windows
    assert cols.shape == (n, g.channels * g.kh * g.kw, g.length)
    assert_array_equal(g.to_output(cols), im2col_reference(x, g))


@settings(max_examples=60, deadline=None)
@given(geometries())
def test_col2im_is_the_adjoint_of_columns(case):
    # <columns(x), D> == <x, col2im(D)> for every D that is zero off the valid positions
    g, n, seed = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, g.channels, g.height, g.width))
    valid = rng.standard_normal((n, g.channels * g.kh * g.kw, g.h_out, g.w_out))
    d = g.from_output(valid)  # (N, CKK, L), zero in the wide layout's garbage columns
    lhs = np.sum(g.columns(x) * d)
    rhs = np.sum(x * g.col2im(d.reshape(n, g.channels, g.kh, g.kw, -1)))
    assert_allclose(lhs, rhs, rtol=1e-12, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(geometries())
def test_col2im_with_a_scale_per_window_equals_scaling_first(case):
    # Pooling passes (slot shares, window gradients) and lets col2im multiply them in place
    g, n, seed = case
    rng = np.random.default_rng(seed)
    k = g.kh * g.kw
    shares = g.from_output(rng.random((n, g.channels * k, g.h_out, g.w_out)))
    scale = g.from_output(rng.standard_normal((n, g.channels, g.h_out, g.w_out)))
    shares = shares.reshape(n, g.channels, g.kh, g.kw, -1)
    expected = g.col2im(shares * scale[:, :, None, None, :])
    assert_allclose(g.col2im(shares, scale), expected, rtol=1e-12, atol=1e-15)


@settings(max_examples=60, deadline=None)
@given(geometries(), st.integers(1, 3))
def test_transposed_conv_is_col2im_of_the_kernel_product(case, filters):
    # dx of a convolution: the kernel's transpose applied to dout, then col2im
    g, n, seed = case
    rng = np.random.default_rng(seed)
    kernel = rng.standard_normal((filters, g.channels, g.kh, g.kw))
    grad = g.from_output(rng.standard_normal((n, filters, g.h_out, g.w_out)))
    dcols = np.matmul(kernel.reshape(filters, -1).T, grad)  # (N, C*kh*kw, L)
    expected = g.col2im(dcols.reshape(n, g.channels, g.kh, g.kw, -1))
    assert_allclose(g.transposed_conv(kernel, grad), expected, rtol=1e-10, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(geometries())
def test_col2im_sums_the_slots_that_read_each_pixel(case):
    # Given all-ones window gradients, each pixel receives the number of windows covering it
    g, n, _ = case
    ones = g.from_output(np.ones((n, g.channels * g.kh * g.kw, g.h_out, g.w_out)))
    counts = g.col2im(ones.reshape(n, g.channels, g.kh, g.kw, -1))
    expected = np.zeros((n, g.channels, g.hp, g.wp))
    for y in range(g.h_out):
        for z in range(g.w_out):
            ys, zs = y * g.stride, z * g.stride
            expected[:, :, ys : ys + g.kh, zs : zs + g.kw] += 1
    p = g.pad
    assert_array_equal(counts, expected[:, :, p : p + g.height, p : p + g.width])


@settings(max_examples=40, deadline=None)
@given(geometries())
def test_from_output_inverts_to_output(case):
    g, n, seed = case
    grad = np.random.default_rng(seed).standard_normal((n, 2, g.h_out, g.w_out))
    flat = g.from_output(grad)
    assert flat.shape == (n, 2, g.length)
    assert flat.flags.c_contiguous
    assert_array_equal(g.to_output(flat), grad)
    # Whatever is not a valid position (the wide layout's garbage columns) is zero.
    assert np.sum(np.abs(flat)) == pytest.approx(np.sum(np.abs(grad)))


def _layouts(x: np.ndarray) -> dict[str, np.ndarray]:
    """The same values in memory layouts that a network hands from layer to layer."""
    wide = np.zeros((*x.shape[:3], x.shape[3] + 3), x.dtype)
    wide[..., : x.shape[3]] = x  # rows with a gap after them, like a conv output view
    return {
        "contiguous": x,
        "fortran": np.asfortranarray(x),
        "row gaps": wide[..., : x.shape[3]],
        "every other column": np.repeat(x, 2, axis=3)[..., ::2],
        "reversed": np.ascontiguousarray(x[..., ::-1])[..., ::-1],
    }


@pytest.mark.parametrize("layout", ["fortran", "row gaps", "every other column", "reversed"])
@pytest.mark.parametrize(
    "geometry",
    [
        WindowGeometry(2, 7, 6, 3, 3, 1, 0),  # wide layout
        WindowGeometry(2, 7, 6, 3, 2, 1, 1),
        WindowGeometry(2, 7, 6, 2, 2, 2, 0),  # exact windows
        WindowGeometry(2, 7, 6, 3, 3, 2, 1),
    ],
    ids=repr,
)
def test_columns_do_not_depend_on_the_memory_layout(rng, geometry, layout):
    x = rng.standard_normal((3, 2, 7, 6))
    view = _layouts(x)[layout]
    assert_array_equal(view, x)
    assert_array_equal(geometry.to_output(geometry.columns(view)), im2col_reference(x, geometry))


@pytest.mark.parametrize(
    ("geometry", "h_out", "w_out"),
    [
        (WindowGeometry(1, 28, 28, 5, 5, 1, 2), 28, 28),  # LeNet's conv1
        (WindowGeometry(6, 14, 14, 5, 5), 10, 10),  # conv2
        (WindowGeometry(6, 28, 28, 2, 2, 2), 14, 14),  # pool1
        (WindowGeometry(1, 7, 5, 3, 2, 2, 1), 4, 3),  # (7+2-3)//2+1, (5+2-2)//2+1
        (WindowGeometry(1, 4, 4, 4, 4, 3), 1, 1),
    ],
)
def test_output_size_follows_the_usual_formula(geometry, h_out, w_out):
    assert (geometry.h_out, geometry.w_out) == (h_out, w_out)
