"""core.data.drawn: pen digits rendered for training, never from the test writers."""

from __future__ import annotations

import numpy as np
import pytest

from digitlab.core.data.drawn import TEST_WRITERS, concat, drawn_data, pen_split, render_pen_digits
from digitlab.core.data.mnist import Split
from digitlab.core.data.pendigits import PenDigit
from digitlab.core.reading.preprocess import centre_of_mass


def pen_digits(writers=range(1, 31), per_writer: int = 2) -> list[PenDigit]:
    """Two made-up digits per writer: a "1" (one vertical stroke) and a "7", y up."""
    one = (np.array([[50.0, 300.0], [52.0, 0.0]]),)
    seven = (np.array([[0.0, 300.0], [150.0, 300.0], [60.0, 0.0]]),)
    return [
        PenDigit(label, w, strokes)
        for w in writers
        for label, strokes in [(1, one), (7, seven)][:per_writer]
    ]


def test_the_test_writers_are_a_third_spread_over_the_thirty():
    assert len(TEST_WRITERS) == 10 and set(TEST_WRITERS) <= set(range(1, 31))
    learnable, held = pen_split(pen_digits())
    assert {d.writer for d in held} == set(TEST_WRITERS)
    assert not {d.writer for d in learnable} & set(TEST_WRITERS)


def test_renderings_are_mnist_like_uint8_images_in_order():
    digits = pen_digits(writers=[1, 2])
    split = render_pen_digits(digits, seed=0, renderings=3)
    assert split.images.shape == (12, 28, 28) and split.images.dtype == np.uint8
    assert split.labels.tolist() == [1, 1, 1, 7, 7, 7] * 2
    for image in split.images:
        assert image.max() > 200 and np.allclose(centre_of_mass(image / 255), 14, atol=0.6)
    # each rendering has its own pen and slant
    assert not np.array_equal(split.images[3], split.images[4])


def test_the_same_seed_gives_the_same_images_whatever_the_workers():
    digits = pen_digits(writers=[4, 5])
    alone = render_pen_digits(digits, seed=3, renderings=2, workers=1)
    pooled = render_pen_digits(digits, seed=3, renderings=2, workers=2)
    assert np.array_equal(alone.images, pooled.images)
    other = render_pen_digits(digits, seed=4, renderings=2)
    assert not np.array_equal(alone.images, other.images)


def test_drawn_data_holds_out_whole_digits_for_validation():
    digits = pen_digits()
    train, validation = drawn_data(digits, pen_renderings=2, non_digits=0, seed=0)
    learnable = len(pen_split(digits)[0])  # 20 writers x 2 digits
    held = round(learnable * 0.1)
    assert len(validation) == held and len(train) == 2 * (learnable - held)
    assert set(np.unique(train.labels)) == {1, 7}


def test_no_pen_digits_and_no_non_digits_is_nothing():
    train, validation = drawn_data(None, pen_renderings=3, non_digits=0, seed=0)
    assert len(train) == len(validation) == 0


def test_concat_keeps_order():
    a = Split(np.zeros((2, 28, 28), np.uint8), np.array([1, 2], np.uint8))
    b = Split(np.ones((1, 28, 28), np.uint8), np.array([3], np.uint8))
    both = concat(a, b)
    assert both.labels.tolist() == [1, 2, 3] and both.images[2].max() == 1


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_the_config_refuses_bad_counts(bad):
    from digitlab.core.train.types import TrainConfig

    with pytest.raises(ValueError, match="pen_digits must be a whole number >= 0"):
        TrainConfig(pen_digits=bad)


@pytest.mark.parametrize("bad", [0, 257, 2.0])
def test_the_config_refuses_bad_widths(bad):
    from digitlab.core.train.types import TrainConfig

    with pytest.raises(ValueError, match="conv1_filters must be a whole number from 1 to 256"):
        TrainConfig(conv1_filters=bad)


def test_the_config_counts_the_not_a_digit_class():
    from digitlab.core.train.types import TrainConfig

    assert TrainConfig().classes == 10 and TrainConfig(non_digits=5).classes == 11
