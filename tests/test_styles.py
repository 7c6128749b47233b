"""The made-up handwriting styles: rendered strokes and samples as the app would make them."""

from __future__ import annotations

import numpy as np
import pytest
from styles import GLYPHS, draw_glyph, render_strokes, style_samples


def test_a_stroke_is_inked_within_half_the_pen_of_its_line():
    # A line at y = 20.25; pixel row r has its centre at r + 0.5. Pen 6: full ink up to
    # 2.5 from the line, none beyond 3.5, a linear ramp between.
    image = render_strokes([np.array([[10.0, 20.25], [50.0, 20.25]])], (40, 60), pen=6.0)
    assert image.dtype == np.float32 and image.shape == (40, 60)
    column = image[:, 30]
    np.testing.assert_allclose(column[16:25], [0, 0.75, 1, 1, 1, 1, 1, 0.25, 0])
    assert image[20, 5] == 0.0 and image[20, 55] == 0.0  # beyond the ends


@pytest.mark.parametrize("name", GLYPHS)
def test_every_glyph_fits_its_canvas(name, rng):
    canvas = draw_glyph(name, rng)
    assert canvas.ndim == 2 and canvas.max() == 1.0
    border = np.concatenate([canvas[0], canvas[-1], canvas[:, 0], canvas[:, -1]])
    assert border.max() == 0.0


def test_samples_are_network_inputs_with_their_labels():
    x, labels, canvases = style_samples(["crossed_seven", "slashed_zero"], 3, seed=4)
    assert x.shape == (6, 1, 28, 28) and x.dtype == np.float32
    assert labels.tolist() == [7, 0] * 3 and len(canvases) == 6
    again = style_samples(["crossed_seven", "slashed_zero"], 3, seed=4)[0]
    np.testing.assert_array_equal(x, again)
