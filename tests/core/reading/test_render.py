"""core.reading.render: known strokes give known pixels; tablet data is drawn upright."""

from __future__ import annotations

import numpy as np
import pytest

from digitlab.core.reading.preprocess import centre_of_mass
from digitlab.core.reading.render import draw_strokes, fit_to_canvas, render_digit, smooth


def test_a_horizontal_segment_inks_a_band_as_wide_as_the_pen():
    # On a pixel boundary (y = 20): six whole rows of ink, nothing beyond.
    image = draw_strokes([np.array([[10.0, 20.0], [50.0, 20.0]])], (40, 60), pen=6.0)
    assert image[:, 30].tolist() == [0.0] * 17 + [1.0] * 6 + [0.0] * 17
    assert image[20, 6] == 0.0 and image[20, 7] > 0.0  # the round end reaches 3 px past x=10
    # Through pixel centres (y = 20.5): the rows 3 px away are half inked, the anti-aliasing.
    image = draw_strokes([np.array([[10.0, 20.5], [50.0, 20.5]])], (40, 60), pen=6.0)
    column = image[:, 30]
    assert np.all(column[18:23] == 1.0) and column[17] == column[23] == 0.5
    assert column[16] == column[24] == 0.0


def test_a_single_point_is_a_round_dot_of_the_pens_width():
    image = draw_strokes([np.array([[20.0, 20.0]])], (40, 40), pen=10.0)
    ink = image > 0.5
    rows, cols = np.nonzero(ink)
    assert rows.max() - rows.min() == cols.max() - cols.min() == 9
    assert image[20, 20] == 1.0 and image[20, 27] == 0.0


def test_each_stroke_may_have_its_own_pen():
    strokes = [np.array([[5.0, 10.0], [35.0, 10.0]]), np.array([[5.0, 30.0], [35.0, 30.0]])]
    image = draw_strokes(strokes, (40, 40), pen=[2.0, 8.0])
    assert (image[:, 20] > 0.5).sum() == 2 + 8


def test_smoothing_keeps_the_ends_and_bends_through_the_corner():
    stroke = np.array([[0.0, 0.0], [100.0, 0.0], [100.0, 100.0]])
    curve = smooth(stroke)
    assert np.allclose(curve[0], [0, 0]) and np.allclose(curve[-1], [100, 100])
    # the corner is rounded: the curve passes inside it, never through (100, 0)
    assert np.min(np.hypot(curve[:, 0] - 100, curve[:, 1])) > 10
    assert np.max(np.hypot(*np.diff(curve, axis=0).T)) < 51  # densely sampled


def test_tablet_data_with_y_up_is_drawn_upright():
    # a "7" written with y growing upwards: the bar is at the top (large y)
    seven = [np.array([[0.0, 100.0], [60.0, 100.0], [20.0, 0.0]])]
    _, upright = render_digit(seven, y_up=True)
    _, flipped = render_digit(seven, y_up=False)
    top, bottom = upright[4:10].sum(), upright[18:24].sum()
    assert top > bottom  # the bar sits in the upper rows
    assert flipped[4:10].sum() < flipped[18:24].sum()


def test_fitting_scales_the_longer_side_and_centres_it():
    placed = fit_to_canvas([np.array([[0.0, 0.0], [10.0, 40.0]])], height=200, centre=(50, 150))
    (points,) = placed
    assert np.allclose(points.max(axis=0) - points.min(axis=0), [50, 200])
    assert np.allclose((points.max(axis=0) + points.min(axis=0)) / 2, [50, 150])


@pytest.mark.parametrize(("pen", "height"), [(16.0, 300.0), (4.0, 75.0)])
def test_a_rendered_digit_is_prepared_like_mnist(pen, height):
    drawing, x = render_digit(
        [np.array([[0.0, 0.0], [30.0, 0.0], [10.0, 60.0]])], pen=pen, height=height
    )
    assert drawing.max() == 1.0 and x.shape == (28, 28) and x.dtype == np.float32
    assert np.allclose(centre_of_mass(x), (14.0, 14.0), atol=0.5)


def test_a_small_scale_rendering_matches_the_full_size_one():
    # what makes rendering training data fast: the same pen/height ratio, a quarter size
    strokes = [np.array([[0.0, 0.0], [40.0, -5.0], [45.0, 30.0], [10.0, 80.0]])]
    _, full = render_digit(strokes, pen=16.0, height=300.0)
    _, small = render_digit(strokes, pen=4.0, height=75.0)
    assert np.abs(full - small).mean() < 0.02
