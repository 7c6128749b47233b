"""Read a picture of a digit from a file, for ``digitlab predict`` and File > Open image.

Any PNG, JPEG, BMP or GIF will do: grey or colour, 8 or 16 bits, with or without
transparency, dark ink on light paper or light ink on dark. The result is what
:mod:`digitlab.core.reading.preprocess` expects: a float32 (H, W) image in [0, 1]
with the ink high and the background at 0. This is the only module in digitlab that uses Pillow.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from digitlab.core.errors import DigitlabError

#: Pillow's modes for one 16-bit grey channel (``I`` is how some versions open them).
_SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")
_ALPHA_MODES = ("RGBA", "RGBa", "LA", "La", "PA")


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


def save_png(path: str | Path, image: np.ndarray) -> None:
    """``image`` (H, W) uint8 as an 8-bit greyscale PNG."""
    try:
        Image.fromarray(np.asarray(image, np.uint8), mode="L").save(path, format="PNG")
    except OSError as error:
        raise ImageFileError(f"could not write {path}: {error.strerror or error}") from None


def _read_grey(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """(grey, alpha) float32 (H, W) in [0, 1]; alpha is None for an opaque image."""
    try:
        with Image.open(path) as image:
            image.seek(0)  # the first frame of an animated GIF
            # Phones store photos sideways and say so in EXIF; turn them upright.
            return _grey_and_alpha(ImageOps.exif_transpose(image))
    except FileNotFoundError:
        raise ImageFileError(f"image file {path} does not exist") from None
    except IsADirectoryError:
        raise ImageFileError(f"{path} is a folder, not an image file") from None
    except PermissionError:
        raise ImageFileError(f"image file {path} cannot be read: permission denied") from None
    except UnidentifiedImageError:
        raise ImageFileError(
            f"{path} is not an image digitlab can read (PNG, JPEG, BMP or GIF)"
        ) from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        # Pillow reports truncated or corrupt data as OSError, and some damage in
        # PNG chunks as SyntaxError or ValueError.
        raise ImageFileError(f"image file {path} is damaged and cannot be read ({error})") from None


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
