"""Folders of labelled digit pictures, ``<folder>/<digit>/<name>.png``: reading and writing.

``digitlab finetune --images DIR`` and the "My digits" import read them; the export
writes them. Pictures are prepared exactly as ``digitlab predict`` prepares them
(``digitlab.core.reading.image_io.load_image`` then
``digitlab.core.reading.preprocess``), so any size, format and polarity will do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitlab.core.errors import DatasetError
from digitlab.core.reading.image_io import load_image, save_png
from digitlab.core.reading.preprocess import preprocess_steps

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


@dataclass(frozen=True, eq=False)
class DigitFolder:
    """The pictures of one folder, in file order (digit, then name)."""

    x: np.ndarray  # (N, 1, 28, 28) float32, what the network sees
    labels: np.ndarray  # (N,) int64, from the subfolder names
    pictures: list[np.ndarray]  # each (H, W) float32 in [0, 1], ink high, as loaded
    files: list[Path]


def digit_files(folder: Path) -> list[tuple[Path, int]]:
    """(file, digit) for every picture in ``folder/0`` .. ``folder/9``, sorted."""
    return [
        (file, digit)
        for digit in range(10)
        if (folder / str(digit)).is_dir()
        for file in sorted((folder / str(digit)).iterdir())
        if file.suffix.lower() in IMAGE_SUFFIXES and file.is_file()
    ]


def read_digit_folder(folder: str | Path) -> DigitFolder:
    """Load and prepare every picture in ``folder/<digit>/``.

    Raises DatasetError for a missing folder, a folder without pictures or a picture
    without ink, and digitlab.core.reading.image_io.ImageFileError for a file that cannot be read.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(f"the image folder {folder} does not exist")
    found = digit_files(folder)
    if not found:
        raise DatasetError(
            f"{folder} holds no pictures in subfolders named 0 to 9 (expected "
            f"{folder / '<digit>'}/*.png, .jpg or .bmp)"
        )
    pictures, x = [], np.zeros((len(found), 1, 28, 28), np.float32)
    for row, (file, _) in zip(x, found, strict=True):
        pictures.append(load_image(file))
        steps = preprocess_steps(pictures[-1])
        if steps.empty:
            raise DatasetError(f"{file} has no ink in it: there is no digit to learn from")
        row[0] = steps.centred
    labels = np.array([digit for _, digit in found], np.int64)
    return DigitFolder(x, labels, pictures, [file for file, _ in found])


def write_png(path: Path, image: np.ndarray) -> None:
    """``image`` (H, W) uint8 as an 8-bit greyscale PNG, creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    save_png(path, image)
