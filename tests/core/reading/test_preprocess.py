"""core.reading.preprocess: MNIST-style crop, scale and centre; invariance to where and how large
a digit is drawn; the exact area resample against hand-worked cases."""

import itertools
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose, assert_array_equal

from digitlab.core.errors import ShapeError
from digitlab.core.reading.preprocess import (
    CENTRE,
    area_resample,
    area_weights,
    centre_of_mass,
    ink_bbox,
    preprocess_steps,
    to_mnist,
)

# Digits as line segments ((row, col), (row, col)) in a 28-unit design grid.
SEVEN = [((2, 2), (2, 16)), ((2, 16), (26, 7)), ((14, 7), (14, 15))]
ONE = [((2, 6), (26, 6))]
_TURNS = np.linspace(0, 2 * np.pi, 25)
ZERO = [  # an ellipse of 24 chords
    ((14 + 10 * np.sin(a), 10 + 7 * np.cos(a)), (14 + 10 * np.sin(b), 10 + 7 * np.cos(b)))
    for a, b in itertools.pairwise(_TURNS)
]

# Two drawings of one digit are "nearly the same" within these bounds. Scaled copies of
# the 7 stay within max 0.11 and correlation 0.999; a 7 against a 1 or a 0 differs by
# 1.0 with correlation below 0.3, and so would a 7 three times too large, unscaled.
SAME_MAX_DIFF = 0.15
SAME_CORRELATION = 0.99


def render(segments, scale: float, thickness: float, margin: int = 10) -> np.ndarray:
    """Anti-aliased strokes, ink high: design units times ``scale`` pixels, stroke
    ``thickness`` design units wide; ink falls off linearly over one pixel."""
    points = np.array(segments, dtype=np.float64) * scale  # (segments, 2 ends, 2)
    height = int(np.ceil(points[..., 0].max() + thickness * scale)) + margin
    width = int(np.ceil(points[..., 1].max() + thickness * scale)) + margin
    rows, cols = np.mgrid[:height, :width].astype(np.float64)
    distance = np.full((height, width), np.inf)
    for start, end in points:
        d = end - start
        along = ((rows - start[0]) * d[0] + (cols - start[1]) * d[1]) / (d @ d)
        along = np.clip(along, 0.0, 1.0)
        gap = np.hypot(rows - start[0] - along * d[0], cols - start[1] - along * d[1])
        distance = np.minimum(distance, gap)
    return np.clip(thickness * scale / 2 + 0.5 - distance, 0, 1).astype(np.float32)


def place(drawing: np.ndarray, canvas: tuple[int, int], top: int, left: int) -> np.ndarray:
    image = np.zeros(canvas, np.float32)
    image[top : top + drawing.shape[0], left : left + drawing.shape[1]] = drawing
    return image


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def assert_mass_centred(image: np.ndarray) -> None:
    """Centre of mass within half a pixel of (14, 14); a symmetric digit sits exactly
    half-way, give or take float rounding in the sums."""
    row, col = centre_of_mass(image)
    assert abs(row - CENTRE) <= 0.5 + 1e-6 and abs(col - CENTRE) <= 0.5 + 1e-6


def assert_same_digit(a: np.ndarray, b: np.ndarray) -> None:
    assert np.abs(a - b).max() < SAME_MAX_DIFF
    assert correlation(a, b) > SAME_CORRELATION


@pytest.fixture(scope="module")
def seven() -> np.ndarray:
    return to_mnist(render(SEVEN, scale=3, thickness=3))


# -- the area resample -------------------------------------------------------
def test_area_resample_averages_2x2_blocks_when_halving():
    image = np.arange(16, dtype=np.float32).reshape(4, 4)
    # Given 4x4 -> 2x2, each output is the mean of one 2x2 block: (0+1+4+5)/4 = 2.5, ...
    assert_array_equal(area_resample(image, 2, 2), [[2.5, 4.5], [10.5, 12.5]])


def test_area_resample_replicates_pixels_when_doubling():
    image = np.array([[1, 2], [3, 4]], np.float32)
    expected = [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]
    assert_array_equal(area_resample(image, 4, 4), expected)


def test_area_weights_split_the_middle_pixel_when_3_become_2():
    # Output pixel 0 covers input [0, 1.5): all of pixel 0 and half of pixel 1, i.e.
    # 1 and 0.5 of its 1.5 pixels' width.
    assert_allclose(area_weights(3, 2), [[2 / 3, 1 / 3, 0], [0, 1 / 3, 2 / 3]], rtol=1e-6)


def test_area_weights_blend_straddling_pixels_when_2_become_3():
    # Output pixel 1 covers input [2/3, 4/3): a third of a pixel in each of pixels 0 and 1,
    # so half its width in each.
    assert_allclose(area_weights(2, 3), [[1, 0], [0.5, 0.5], [0, 1]], rtol=1e-6)


@given(st.integers(1, 60), st.integers(1, 60), st.integers(0, 2**32 - 1))
@settings(max_examples=40, deadline=None)
def test_area_resample_keeps_the_mean_intensity(size_in, size_out, seed):
    image = np.random.default_rng(seed).random((size_in, 7), dtype=np.float32)
    assert_allclose(area_weights(size_in, size_out).sum(axis=1), 1.0, rtol=1e-5)
    out = area_resample(image, size_out, 3)
    assert_allclose(out.mean(), image.mean(), rtol=1e-4)


# -- invariance: where and how large the digit is drawn ------------------------
@pytest.mark.parametrize("top, left", [(0, 0), (37, 101), (180, 3), (200, 173)])
def test_position_on_the_canvas_does_not_matter(seven, top, left):
    drawing = render(SEVEN, scale=3, thickness=3)
    assert_array_equal(to_mnist(place(drawing, (300, 300), top, left)), seven)


@pytest.mark.parametrize("factor", [2, 3, 6])
def test_size_of_the_drawing_barely_matters(seven, factor):
    larger = render(SEVEN, scale=3 * factor, thickness=3)  # strokes thicken in proportion
    assert_same_digit(to_mnist(larger), seven)


@pytest.mark.parametrize("other", [ONE, ZERO])
def test_the_sameness_bounds_tell_digits_apart(seven, other):
    other_digit = to_mnist(render(other, scale=3, thickness=3))
    assert np.abs(other_digit - seven).max() > 2 * SAME_MAX_DIFF
    assert correlation(other_digit, seven) < 0.5


@pytest.mark.parametrize("thickness", [2.0, 4.0])
def test_stroke_thickness_within_reason_keeps_the_digit_closest_to_itself(seven, thickness):
    drawn = to_mnist(render(SEVEN, scale=3, thickness=thickness))
    assert correlation(drawn, seven) > 0.85  # other digits: below 0.3


def test_a_one_pixel_stroke_on_a_large_canvas_does_not_vanish(seven):
    hairline = render(SEVEN, scale=12, thickness=1 / 12)  # 1 px strokes, 320 px tall
    out = to_mnist(hairline)
    assert out.max() == 1.0
    assert out.sum() > 15  # the strokes run over 40 pixels of the 20-pixel box
    assert correlation(out, seven) > 0.6


def test_a_huge_canvas_gives_the_same_digit(seven):
    drawing = np.kron(render(SEVEN, scale=3, thickness=3), np.ones((8, 8), np.float32))
    canvas = place(drawing, (2000, 2000), 500, 700)
    assert_same_digit(to_mnist(canvas), seven)


# -- MNIST's layout -----------------------------------------------------------
@pytest.mark.parametrize("segments", [SEVEN, ONE, ZERO], ids=["seven", "one", "zero"])
def test_output_is_laid_out_like_mnist(segments):
    out = to_mnist(place(render(segments, scale=4, thickness=3), (280, 280), 20, 90))
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert out.min() >= 0 and out.max() == 1.0
    top, left, bottom, right = ink_bbox(out)
    assert max(bottom - top, right - left) in (19, 20)  # the 20-pixel box, filled
    assert_mass_centred(out)
    assert 28 < out.sum() < 193  # ink within MNIST's 1st..99th percentiles for 1s..all


@pytest.mark.mnist
def test_mnist_digits_pass_through_almost_unchanged(mnist):
    # If our steps are MNIST's, an MNIST digit is already their fixed point. Measured:
    # 81% of these come back bit for bit, the rest moved by a half-pixel rounding tie.
    images = mnist.test.images[:500].astype(np.float32) / 255
    outputs = np.stack([to_mnist(image) for image in images])
    unchanged = (outputs == images).all(axis=(1, 2))
    assert unchanged.mean() > 0.75
    assert min(correlation(a, b) for a, b in zip(outputs, images, strict=True)) > 0.99


def test_a_tall_thin_one_keeps_its_aspect_ratio():
    image = np.zeros((200, 200), np.float32)
    image[30:130, 90:100] = 1.0  # 100 tall, 10 wide
    steps = preprocess_steps(image)
    assert steps.scaled.shape == (20, 2)
    top, left, bottom, right = ink_bbox(steps.centred)
    assert (bottom - top, right - left) == (20, 2)


def test_steps_record_every_stage():
    image = place(render(SEVEN, scale=3, thickness=3), (120, 150), 11, 23)
    steps = preprocess_steps(image)
    top, left, bottom, right = steps.bbox
    assert not steps.empty
    assert_array_equal(steps.cropped, image[top:bottom, left:right])
    assert max(steps.scaled.shape) == 20
    assert_array_equal(steps.centred, to_mnist(image))
    # Centring the box and then shifting it by ``shift`` puts its mass at the centre.
    rows, cols = steps.scaled.shape
    row, col = centre_of_mass(steps.scaled)
    dy, dx = steps.shift
    assert abs((28 - rows) // 2 + row + dy - CENTRE) <= 0.5 + 1e-6
    assert abs((28 - cols) // 2 + col + dx - CENTRE) <= 0.5 + 1e-6


# -- corner cases ---------------------------------------------------------------
def test_an_empty_canvas_gives_zeros_and_says_so():
    faint = np.full((50, 40), 0.04, np.float32)  # below the ink threshold: paper, not ink
    for image in (np.zeros((280, 280)), faint, np.zeros((0, 5))):
        steps = preprocess_steps(image)
        assert steps.empty and steps.bbox is None and steps.shift == (0, 0)
        assert steps.cropped.shape == steps.scaled.shape == (0, 0)
        assert_array_equal(steps.centred, np.zeros((28, 28)))


def test_a_single_pixel_becomes_the_whole_box():
    image = np.zeros((100, 100), np.float32)
    image[40, 70] = 0.5
    steps = preprocess_steps(image)
    assert steps.bbox == (40, 70, 41, 71)
    assert steps.centred.sum() == 400  # a 20x20 square at full intensity
    assert_mass_centred(steps.centred)


def test_a_full_white_image_is_one_big_stroke():
    out = to_mnist(np.ones((280, 280)))
    assert out.sum() == 400
    assert ink_bbox(out)[2] - ink_bbox(out)[0] == 20


@pytest.mark.parametrize("shape", [(1, 1), (1, 57), (57, 1), (3, 2000)])
def test_lines_one_pixel_thick_work(shape):
    out = to_mnist(np.ones(shape))
    top, left, bottom, right = ink_bbox(out)
    assert max(bottom - top, right - left) == 20
    assert out.max() == 1.0


def test_parts_pushed_out_of_the_frame_are_clipped():
    # A heavy block in one corner and a speck in the opposite one: centring the mass
    # moves the box 8 pixels down and right, past the frame's edge.
    image = np.zeros((100, 100), np.float32)
    image[:25, :25] = 1.0
    image[99, 99] = 1.0
    steps = preprocess_steps(image)
    assert steps.shift == (8, 8)
    assert steps.centred.sum() < steps.scaled.sum()
    assert steps.centred[12:17, 12:17].min() == 1.0  # the block, where it belongs


@given(
    arrays(
        np.float32,
        st.tuples(st.integers(1, 40), st.integers(1, 40)),
        elements=st.floats(0, 1, width=32),
    )
)
@settings(max_examples=60, deadline=None)
def test_any_image_gives_a_valid_frame(image):
    out = to_mnist(image)
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1


# -- bad input --------------------------------------------------------------------
@pytest.mark.parametrize(
    "image, words",
    [
        (np.zeros((2, 28, 28)), "must be 2-D (height, width), but this one has shape (2, 28, 28)"),
        (np.zeros(10), "must be 2-D"),
        (np.array([[0.5, np.nan]]), "NaN"),
        (np.array([[0.5, np.inf]]), "NaN or infinite"),
        (np.full((3, 3), 255.0), "values in [0, 1], but this one spans [255, 255]"),
        (np.array([["a"]]), "must hold numbers"),
    ],
)
def test_bad_input_is_refused_in_words(image, words):
    with pytest.raises(ShapeError, match=re.escape(words)):
        to_mnist(image)


def test_slight_overshoot_is_clipped_not_refused():
    image = np.zeros((10, 10))
    image[3:7, 4:6] = 1.0005
    assert preprocess_steps(image).drawn.max() == 1.0
