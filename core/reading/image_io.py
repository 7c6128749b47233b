"""Read a picture of a digit from a file, for ``digitlab predict`` and File > Open image.

Any PNG, JPEG, BMP or GIF will do: grey or colour, 8 or 16 bits, with or without
transparency, dark ink on light paper or light ink on dark. Other formats are not
opened, and neither is anything but a regular file (a FIFO would block the read).
A file larger than ``MAX_IMAGE_FILE_BYTES`` or declaring more than ``MAX_IMAGE_PIXELS``
is refused from its header, before any pixel is decoded (docs/limits.md). The result is what
:mod:`digitlab.core.reading.preprocess` expects: a float32 (H, W) image in [0, 1]
with the ink high and the background at 0. This is the only module in digitlab that uses Pillow.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from digitlab.core.errors import DigitlabError

#: Pillow's modes for one 16-bit grey channel (``I`` is how some versions open them).
_SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")
_ALPHA_MODES = ("RGBA", "RGBa", "LA", "La", "PA")
#: The formats opened; Pillow knows dozens more, each more code a hostile file can reach.
FORMATS = ("PNG", "JPEG", "BMP", "GIF")
#: The most pixels a picture may declare (a 4096 x 4096 square): far more than a digit
#: needs, and well below Pillow's own limit, where decoding takes gigabytes and seconds.
MAX_IMAGE_PIXELS = 4096 * 4096
#: The largest image file opened (an uncompressed 4096 x 4096 colour BMP is 64 MB).
MAX_IMAGE_FILE_BYTES = 100 * 2**20


class ImageFileError(DigitlabError):
    """An image file that is missing, unreadable or not an image."""


def load_image(path: str | Path) -> np.ndarray:
    """The first frame of the image at ``path`` as float32 (H, W) in [0, 1], ink high.

    Colour becomes grey by luma (ITU-R 601). Transparent pixels count as background.
    The background is the median of the outermost ring of pixels: when it is light
    the image is inverted, and its level is mapped to 0 so grey paper does not read
    as ink. Raises ImageFileError, naming the file, when it cannot be read.
    """
    path = Path(path)
    grey, alpha = _read_grey(path)
    if alpha is not None:
        grey = _composite(grey, alpha)
    return _ink_high(grey)


def image_pixels(path: str | Path) -> int:
    """How many pixels the image at ``path`` declares, read from its header alone;
    ImageFileError as ``load_image`` raises it when it cannot be opened."""
    path = Path(path)
    with _opened(path) as image:
        return image.width * image.height


def save_png(path: str | Path, image: np.ndarray) -> None:
    """``image`` (H, W) uint8 as an 8-bit greyscale PNG."""
    try:
        Image.fromarray(np.asarray(image, np.uint8), mode="L").save(path, format="PNG")
    except OSError as error:
        raise ImageFileError(f"could not write {path}: {error.strerror or error}") from None


def _read_grey(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """(grey, alpha) float32 (H, W) in [0, 1]; alpha is None for an opaque image."""
    with _opened(path) as image:
        try:
            image.seek(0)  # the first frame of an animated GIF
            # Phones store photos sideways and say so in EXIF; turn them upright.
            return _grey_and_alpha(ImageOps.exif_transpose(image))
        except MemoryError:
            raise ImageFileError(f"there is not enough memory to read {path}") from None
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
            # Pillow reports truncated or corrupt data as OSError, and some damage in
            # PNG chunks as SyntaxError or ValueError.
            raise ImageFileError(
                f"image file {path} is damaged and cannot be read ({error})"
            ) from None


@contextmanager
def _opened(path: Path) -> Iterator[Image.Image]:
    """The image at ``path`` opened lazily (Pillow reads only the header here), after
    checking the file's kind and size and the pixel count its header declares."""
    _check_file(path)
    try:
        image = Image.open(path, formats=FORMATS)
    except FileNotFoundError:
        raise ImageFileError(f"image file {path} does not exist") from None
    except PermissionError:
        raise ImageFileError(f"image file {path} cannot be read: permission denied") from None
    except UnidentifiedImageError:
        raise ImageFileError(
            f"{path} is not an image digitlab can read (PNG, JPEG, BMP or GIF)"
        ) from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ImageFileError(f"image file {path} is damaged and cannot be read ({error})") from None
    with image:
        pixels = image.width * image.height
        if pixels > MAX_IMAGE_PIXELS:
            raise ImageFileError(
                f"image file {path} is {image.width:,} x {image.height:,} pixels, more than "
                f"the {MAX_IMAGE_PIXELS:,} pixels digitlab reads from one picture"
            )
        yield image


def _check_file(path: Path) -> None:
    """Refuse what is not a regular file, or is too large, before opening it."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ImageFileError(f"image file {path} does not exist") from None
    except OSError as error:
        raise ImageFileError(f"image file {path} cannot be read: {error.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ImageFileError(f"{path} is a folder, not an image file")
    if not stat.S_ISREG(info.st_mode):
        raise ImageFileError(f"{path} is not a regular file (a pipe or a device?), not an image")
    if info.st_size > MAX_IMAGE_FILE_BYTES:
        raise ImageFileError(
            f"image file {path} is {info.st_size:,} bytes, larger than the "
            f"{MAX_IMAGE_FILE_BYTES:,} bytes digitlab reads from one picture"
        )


def _grey_and_alpha(image: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    if image.mode in _SIXTEEN_BIT_MODES:
        # Pillow's convert("L") would clip 16-bit values at 255, so scale them here.
        grey = np.asarray(image, dtype=np.float32) / 65535.0
        return np.clip(grey, 0.0, 1.0), None
    if image.mode in _ALPHA_MODES or "transparency" in image.info:
        # Through RGBA: it applies a palette's or a grey image's transparent colour.
        grey_alpha = np.asarray(image.convert("RGBA").convert("LA"), dtype=np.float32) / 255.0
        grey, alpha = grey_alpha[..., 0], grey_alpha[..., 1]
        return grey, (None if alpha.min() == 1.0 else alpha)
    return np.asarray(image.convert("L"), dtype=np.float32) / 255.0, None


def _composite(grey: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Lay a partly transparent image on a backdrop that contrasts with what is drawn.

    A transparent pixel's colour means nothing, so the backdrop cannot come from the
    border: black ink goes on white and white ink on black, judged by the mean of
    the visible pixels weighted by their opacity.
    """
    coverage = float(alpha.sum(dtype=np.float64))
    drawn = float((grey * alpha).sum(dtype=np.float64)) / coverage if coverage else 0.0
    backdrop = 1.0 if drawn < 0.5 else 0.0
    return grey * alpha + backdrop * (1.0 - alpha)


def _ink_high(grey: np.ndarray) -> np.ndarray:
    """Invert a light-background image, then map the background level to 0."""
    ring = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    background = float(np.median(ring))
    if background > 0.5:
        grey, background = 1.0 - grey, 1.0 - background
    ink = (grey - background) / (1.0 - background)  # background < 0.5 here
    return np.clip(ink, 0.0, 1.0).astype(np.float32)
