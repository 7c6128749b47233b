"""digitlab.core.data.non_digits: the two families, the images the network gets, and
shape checks per category that fail when a kind drifts towards a digit (a tall thin
stroke is a 1, so nothing but a stroke with a dot of its own, "!" and "i", may be one;
lines lie flat; dots are solid discs)."""

from functools import cache

import numpy as np
import pytest

from digitlab.core.data.non_digits import (
    CATEGORIES,
    DRAWING_SIZE,
    KINDS,
    LINE_LENGTH,
    NON_DIGIT_KINDS_TEST,
    NON_DIGIT_KINDS_TRAIN,
    non_digit_category,
    non_digit_strokes,
    render_non_digits,
)
from digitlab.core.reading.preprocess import centre_of_mass, ink_bbox

ALL_KINDS = NON_DIGIT_KINDS_TRAIN + NON_DIGIT_KINDS_TEST
SAMPLES = 12  # per kind, from a fixed seed, so every check below is deterministic


@cache
def samples(kind: str) -> np.ndarray:
    """``SAMPLES`` images of ``kind`` from one seed, made once for all the tests."""
    images = render_non_digits(SAMPLES, np.random.default_rng(7), kinds=(kind,))
    images.flags.writeable = False
    return images


def box_sides(image: np.ndarray) -> tuple[int, int]:
    """(height, width) of the clearly inked part of a 28x28 image."""
    top, left, bottom, right = ink_bbox(image, threshold=0.5)
    return bottom - top, right - left


def test_the_families_are_disjoint_non_empty_and_known():
    assert NON_DIGIT_KINDS_TRAIN and NON_DIGIT_KINDS_TEST
    assert not set(NON_DIGIT_KINDS_TRAIN) & set(NON_DIGIT_KINDS_TEST)
    assert len(set(ALL_KINDS)) == len(ALL_KINDS)
    assert set(ALL_KINDS) <= set(KINDS)


@pytest.mark.parametrize("family", [NON_DIGIT_KINDS_TRAIN, NON_DIGIT_KINDS_TEST])
def test_each_family_covers_every_category(family):
    assert {non_digit_category(kind) for kind in family} == set(CATEGORIES)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_kind_renders_as_mnist_does_centred_and_inside_the_frame(kind):
    images = samples(kind)
    assert images.shape == (SAMPLES, 28, 28) and images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0
    for image in images:
        assert image.max() == pytest.approx(1.0)
        row, col = centre_of_mass(image)
        # Within a whole-pixel shift, unless a lopsided drawing was clipped a little
        assert abs(row - 14) <= 1.0 and abs(col - 14) <= 1.0
        top, left, bottom, right = ink_bbox(image)
        assert 19 <= max(bottom - top, right - left) <= 21  # MNIST's 20-pixel box
        ring = image.sum() - image[2:-2, 2:-2].sum()
        assert ring <= 0.15 * image.sum()  # hardly any ink at the frame's edge


DOTTED_STROKES = {"exclamation", "letter_i"}


@pytest.mark.parametrize("kind", sorted(set(ALL_KINDS) - DOTTED_STROKES))
def test_nothing_but_a_dotted_stroke_stands_as_thin_as_a_one(kind):
    for image in samples(kind):
        height, width = box_sides(image)
        assert width >= 0.3 * height, f"{kind} drew a {height}x{width} tall thin stroke"


@pytest.mark.parametrize("kind", sorted(DOTTED_STROKES))
def test_a_thin_stroke_always_has_its_dot_apart(kind):
    # Only the blank rows between stroke and dot tell "!" or "i" from a 1: a sample
    # without them would teach (or test) declining a real 1.
    for image in samples(kind):
        inked_rows = (image > 0.1).any(axis=1)
        top, bottom = np.flatnonzero(inked_rows)[[0, -1]]
        gap = ~inked_rows[top : bottom + 1]
        assert gap.sum() >= 1, f"{kind}: the dot touches the stroke"


@pytest.mark.parametrize("kind", [k for k in ALL_KINDS if non_digit_category(k) == "line"])
def test_lines_lie_flat_well_away_from_a_ones_slope(kind):
    for image in samples(kind):
        height, width = box_sides(image)
        assert height <= 0.8 * width
    for strokes in (non_digit_strokes(kind, np.random.default_rng(s)) for s in range(20)):
        (stroke,) = strokes
        dx, dy = np.abs(stroke[-1] - stroke[0])
        assert np.degrees(np.arctan2(dy, dx)) <= 40
        assert LINE_LENGTH[0] <= np.ptp(stroke, axis=0).max() <= LINE_LENGTH[1]


@pytest.mark.parametrize("kind", ["dot", "smudge", "tiny_loop", "blot", "tangle"])
def test_dots_and_blots_are_solid_compact_blobs(kind):
    for image in samples(kind):
        top, left, bottom, right = ink_bbox(image, threshold=0.5)
        assert 0.5 <= (bottom - top) / (right - left) <= 2.0
        box = image[top:bottom, left:right]
        assert (box > 0.5).mean() >= 0.55
        assert image[12:17, 12:17].mean() >= 0.6  # filled in the middle, unlike a 0


def test_a_dot_is_as_large_as_the_pen_that_made_it():
    for pen in (8.0, 24.0):
        points = np.vstack(non_digit_strokes("dot", np.random.default_rng(1), pen=pen))
        assert np.ptp(points, axis=0).max() <= 0.3 * pen


def test_a_dot_pair_lies_side_by_side_not_one_above_the_other():
    for image in samples("dot_pair"):
        height, width = box_sides(image)
        assert height <= width


@pytest.mark.parametrize(
    "kind", [k for k in ALL_KINDS if non_digit_category(k) in ("symbol", "letter", "scribble")]
)
def test_drawings_are_canvas_sized_unless_made_in_pen_widths(kind):
    for seed in range(10):
        points = np.vstack(non_digit_strokes(kind, np.random.default_rng(seed), pen=16.0))
        longer = np.ptp(points, axis=0).max()
        if KINDS[kind].in_pens:
            assert longer <= 8 * 16.0
        else:
            assert DRAWING_SIZE[0] <= longer <= DRAWING_SIZE[1]


@pytest.mark.parametrize("kind", ["random_walk", "zigzag", "hatching", "coil", "crosshatch"])
def test_scribbles_lie_on_their_side(kind):
    for image in samples(kind):
        height, width = box_sides(image)
        assert height <= 1.5 * width


def test_strokes_are_finite_point_arrays():
    for kind in ALL_KINDS:
        strokes = non_digit_strokes(kind, np.random.default_rng(3))
        assert strokes and all(s.ndim == 2 and s.shape[1] == 2 for s in strokes)
        assert all(np.isfinite(s).all() for s in strokes)


def test_the_same_seed_gives_the_same_images_and_another_seed_others():
    first = render_non_digits(6, np.random.default_rng(11), NON_DIGIT_KINDS_TEST)
    again = render_non_digits(6, np.random.default_rng(11), NON_DIGIT_KINDS_TEST)
    other = render_non_digits(6, np.random.default_rng(12), NON_DIGIT_KINDS_TEST)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_kinds_default_to_the_train_family_and_are_drawn_uniformly():
    default = render_non_digits(3, np.random.default_rng(5))
    train = render_non_digits(3, np.random.default_rng(5), NON_DIGIT_KINDS_TRAIN)
    np.testing.assert_array_equal(default, train)
    # Two kinds told apart by shape: a dot is a solid disc, a dash a flat bar.
    images = render_non_digits(200, np.random.default_rng(6), kinds=("dot", "dash"))
    flat = sum(box_sides(image)[0] <= 0.6 * box_sides(image)[1] for image in images)
    assert 70 <= flat <= 130


def test_an_unknown_kind_is_named_in_the_error():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="'letter_Z'"):
        render_non_digits(2, rng, kinds=("dot", "letter_Z"))
    with pytest.raises(ValueError, match="'seven'"):
        non_digit_strokes("seven", rng)
    with pytest.raises(ValueError, match="'nope'"):
        non_digit_category("nope")


def test_bad_counts_and_empty_kinds_are_refused():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="-1"):
        render_non_digits(-1, rng)
    with pytest.raises(ValueError, match="at least one"):
        render_non_digits(3, rng, kinds=())
    assert render_non_digits(0, rng).shape == (0, 28, 28)
