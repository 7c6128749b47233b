"""core.reading.image_io: every kind of file a user might open reads as the same digit, and
files that cannot be read are refused with their name."""

import re

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from PIL import Image

from digitlab.core.reading.image_io import ImageFileError, load_image
from digitlab.core.reading.preprocess import to_mnist

# After preprocessing, a file must give the reference's 28x28 image within this (on
# pixels in [0, 1]). Every file here lands within 0.01, JPEG and a 16-colour palette
# included; a wrong polarity or a lost alpha channel gives 1.
SAME = 0.03


@pytest.fixture(scope="module")
def ink() -> np.ndarray:
    """A 6-like digit, ink high, float (90, 70): a ring with a stem up its left side."""
    rows, cols = np.mgrid[:90, :70].astype(np.float64)
    ring = np.abs(np.hypot(rows - 58, cols - 35) - 16)
    stem = np.where(rows < 58, np.abs(cols - 19), np.inf)
    stem[rows < 12] = np.inf
    distance = np.minimum(ring, stem)
    return np.clip(4.5 - distance, 0, 1)  # strokes ~9 px wide, anti-aliased


@pytest.fixture(scope="module")
def reference(ink) -> np.ndarray:
    return to_mnist(ink)


def grey8(values: np.ndarray) -> np.ndarray:
    return np.round(values * 255).astype(np.uint8)


def write(path, array: np.ndarray, mode: str | None = None, **options) -> str:
    image = Image.fromarray(array) if mode is None else Image.fromarray(array).convert(mode)
    image.save(path, **options)
    return str(path)


def black_on_white_png(tmp_path, ink):
    return write(tmp_path / "digit.png", grey8(1 - ink))


def white_on_black_jpeg(tmp_path, ink):
    return write(tmp_path / "digit.jpg", grey8(ink), quality=92)


def blue_on_cream_rgb_png(tmp_path, ink):
    paper, pen = np.array([250, 240, 200]), np.array([20, 40, 160])
    rgb = paper * (1 - ink[..., None]) + pen * ink[..., None]
    return write(tmp_path / "digit_rgb.png", np.round(rgb).astype(np.uint8))


def black_on_transparent_png(tmp_path, ink):
    rgba = np.zeros((*ink.shape, 4), np.uint8)  # black everywhere: only alpha draws
    rgba[..., 3] = grey8(ink)
    return write(tmp_path / "digit_rgba.png", rgba)


def white_on_transparent_png(tmp_path, ink):
    rgba = np.zeros((*ink.shape, 4), np.uint8)
    rgba[..., :3] = 255
    rgba[..., 3] = grey8(ink)
    return write(tmp_path / "digit_white_rgba.png", rgba)


def palette_gif(tmp_path, ink):
    rgb = Image.open(blue_on_cream_rgb_png(tmp_path, ink))
    path = tmp_path / "digit.gif"
    rgb.quantize(colors=16).save(path)
    return str(path)


def sixteen_bit_png(tmp_path, ink):
    path = tmp_path / "digit16.png"
    write(path, np.round((1 - ink) * 65535).astype(np.uint16))
    assert Image.open(path).mode.startswith("I")  # really 16 bits on disk
    return str(path)


def colour_bmp(tmp_path, ink):
    return write(tmp_path / "digit.bmp", grey8(1 - ink), mode="RGB")


WRITERS = [
    black_on_white_png,
    white_on_black_jpeg,
    blue_on_cream_rgb_png,
    black_on_transparent_png,
    white_on_transparent_png,
    palette_gif,
    sixteen_bit_png,
    colour_bmp,
]


@pytest.mark.parametrize("writer", WRITERS, ids=lambda w: w.__name__)
def test_every_kind_of_file_reads_as_the_same_digit(tmp_path, ink, reference, writer):
    image = load_image(writer(tmp_path, ink))
    assert image.shape == ink.shape and image.dtype == np.float32
    assert image.min() >= 0 and image.max() <= 1
    assert np.abs(to_mnist(image) - reference).max() < SAME


def test_a_lossless_file_keeps_every_pixel(tmp_path, ink):
    image = load_image(black_on_white_png(tmp_path, ink))
    assert_allclose(image, ink, atol=0.5 / 255 + 1e-6)


def test_sixteen_bits_keep_their_precision(tmp_path, ink):
    image = load_image(sixteen_bit_png(tmp_path, ink))
    assert_allclose(image, ink, atol=1 / 65535)


def test_grey_paper_becomes_zero(tmp_path, ink):
    paper = 0.8 - 0.8 * ink  # dark ink on light grey paper
    image = load_image(write(tmp_path / "grey.png", grey8(paper)))
    assert image[0].max() == 0 and image.max() == 1
    assert np.abs(to_mnist(image) - to_mnist(ink)).max() < SAME


def test_an_animated_gif_gives_its_first_frame(tmp_path, ink):
    first = Image.fromarray(grey8(1 - ink)).convert("P")
    second = Image.fromarray(grey8(1 - ink[::-1])).convert("P")  # upside down
    path = tmp_path / "anim.gif"
    first.save(path, save_all=True, append_images=[second], duration=100)
    assert_allclose(load_image(path), ink, atol=0.02)


def test_a_photo_stored_sideways_is_turned_upright(tmp_path, ink, reference):
    # Stored a quarter turn counter-clockwise, as a phone held sideways does, with
    # EXIF Orientation 6: "turn 90 degrees clockwise to view".
    image = Image.fromarray(grey8(1 - np.rot90(ink, 1)))
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "photo.jpg"
    image.save(path, quality=95, exif=exif)
    upright = load_image(path)
    assert upright.shape == ink.shape
    assert np.abs(to_mnist(upright) - reference).max() < SAME


def test_a_fully_transparent_image_is_empty(tmp_path):
    path = write(tmp_path / "blank.png", np.zeros((20, 30, 4), np.uint8))
    assert_array_equal(load_image(path), np.zeros((20, 30)))


def test_a_one_pixel_image_loads(tmp_path):
    assert load_image(write(tmp_path / "dot.png", np.zeros((1, 1), np.uint8))).shape == (1, 1)


def truncated_png(tmp_path, ink):
    whole = tmp_path / "whole.png"
    write(whole, grey8(ink))
    path = tmp_path / "truncated.png"
    path.write_bytes(whole.read_bytes()[:200])
    return path, "damaged"


def garbled_jpeg(tmp_path, ink):
    path = tmp_path / "garbled.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4)
    return path, "is not an image digitlab can read"


def text_file(tmp_path, ink):
    path = tmp_path / "notes.png"
    path.write_text("this is not a picture\n", encoding="utf-8")
    return path, "is not an image digitlab can read"


def missing_file(tmp_path, ink):
    return tmp_path / "nowhere.png", "does not exist"


def a_folder(tmp_path, ink):
    return tmp_path, "is a folder"


@pytest.mark.parametrize(
    "bad",
    [truncated_png, garbled_jpeg, text_file, missing_file, a_folder],
    ids=lambda f: f.__name__,
)
def test_unreadable_files_are_refused_by_name(tmp_path, ink, bad):
    path, words = bad(tmp_path, ink)
    with pytest.raises(ImageFileError, match=re.escape(str(path))) as caught:
        load_image(path)
    assert words in str(caught.value)
