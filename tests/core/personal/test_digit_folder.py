"""Folders of labelled digit pictures: read as predict reads them; PNGs any reader opens."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from digitlab.core.errors import DatasetError
from digitlab.core.personal.digit_folder import read_digit_folder, write_png
from digitlab.core.reading.image_io import ImageFileError
from digitlab.core.reading.preprocess import to_mnist


def bar(size: int) -> np.ndarray:
    """A vertical bar of ink, (size, size) uint8, ink high."""
    image = np.zeros((size, size), np.uint8)
    image[size // 5 : -size // 5, size // 2 - 2 : size // 2 + 2] = 255
    return image


def test_write_png_is_read_back_exactly_by_pillow(tmp_path, rng):
    image = rng.integers(0, 256, (7, 13), dtype=np.uint8)
    write_png(tmp_path / "a" / "b.png", image)
    with Image.open(tmp_path / "a" / "b.png") as png:
        assert png.mode == "L"
        np.testing.assert_array_equal(np.asarray(png), image)


def test_pictures_of_any_size_and_polarity_are_prepared_as_predict_does(tmp_path):
    write_png(tmp_path / "1" / "light.png", bar(40))
    write_png(tmp_path / "1" / "dark.png", 255 - bar(90))
    (tmp_path / "1" / "notes.txt").write_text("not a picture", encoding="utf-8")
    write_png(tmp_path / "7" / "x.png", bar(30).T)
    found = read_digit_folder(tmp_path)
    assert found.labels.tolist() == [1, 1, 7]
    assert [f.name for f in found.files] == ["dark.png", "light.png", "x.png"]
    assert found.x.shape == (3, 1, 28, 28)
    np.testing.assert_allclose(found.x[1, 0], to_mnist(bar(40) / 255.0), atol=1e-6)
    np.testing.assert_allclose(found.x[0, 0], to_mnist(bar(90) / 255.0), atol=1e-6)


@pytest.mark.parametrize(
    ("setup", "error", "message"),
    [
        (lambda d: None, DatasetError, "holds no pictures in subfolders named 0 to 9"),
        (lambda d: write_png(d / "3" / "blank.png", np.zeros((9, 9), np.uint8)), DatasetError,
         "has no ink"),
        (lambda d: (d / "3").mkdir() or (d / "3" / "x.png").write_bytes(b"??"), ImageFileError,
         "x.png"),
    ],
)  # fmt: skip
def test_bad_folders_are_refused_naming_the_problem(tmp_path, setup, error, message):
    setup(tmp_path)
    with pytest.raises(error, match=message):
        read_digit_folder(tmp_path)


def test_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        read_digit_folder(tmp_path / "nope")
