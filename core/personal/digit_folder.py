"""Folders of labelled digit pictures, ``<folder>/<digit>/<name>.png``: reading and writing.

``digitlab finetune --images DIR`` and the "My digits" import read them; the export
writes them. Pictures are prepared exactly as ``digitlab predict`` prepares them
(``digitlab.core.reading.image_io.load_image`` then
``digitlab.core.reading.preprocess``), so any size, format and polarity will do.
A folder may hold at most ``MAX_FOLDER_PICTURES`` pictures of at most
``MAX_FOLDER_PIXELS`` pixels in all (counted from their headers, before decoding), so
reading it has a bound in time and memory; docs/limits.md lists the limits.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitlab.core.errors import DatasetError
from digitlab.core.reading.image_io import image_pixels, load_image, save_png
from digitlab.core.reading.preprocess import area_resample, preprocess_steps

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
#: The most pictures read from one folder: "my digits" holds hundreds.
MAX_FOLDER_PICTURES = 2000
#: The most pixels, all pictures together, as their headers declare them (2,000 of 387 x 387).
MAX_FOLDER_PIXELS = 300_000_000
#: Entries of any kind looked at in the ten subfolders before giving up.
MAX_FOLDER_ENTRIES = 50_000
#: The pictures kept (``DigitFolder.pictures``) are shrunk to this side, as the store keeps them.
MAX_KEPT_SIDE = 512
#: An id used as a file name as it is: a UUID, or any short plain name.
_PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


@dataclass(frozen=True, eq=False)
class DigitFolder:
    """The pictures of one folder, in file order (digit, then name)."""

    x: np.ndarray  # (N, 1, 28, 28) float32, what the network sees
    labels: np.ndarray  # (N,) int64, from the subfolder names
    pictures: list[np.ndarray]  # each (H, W) uint8, ink high, as loaded, shrunk to MAX_KEPT_SIDE
    files: list[Path]


def digit_files(folder: Path) -> list[tuple[Path, int]]:
    """(file, digit) for every picture in ``folder/0`` .. ``folder/9``, sorted.

    DatasetError when a subfolder cannot be listed or there are more pictures (or
    entries) than the limits allow."""
    found: list[tuple[Path, int]] = []
    entries = 0
    for digit in range(10):
        subfolder = folder / str(digit)
        if not _is_folder(subfolder):
            continue
        for entry in _listing(subfolder):
            entries += 1
            if entries > MAX_FOLDER_ENTRIES:
                raise DatasetError(f"{folder} holds more than {MAX_FOLDER_ENTRIES:,} files")
            if Path(entry.name).suffix.lower() in IMAGE_SUFFIXES and entry.is_file():
                found.append((Path(entry.path), digit))
        if len(found) > MAX_FOLDER_PICTURES:
            raise DatasetError(
                f"{folder} holds more than {MAX_FOLDER_PICTURES:,} pictures, the most "
                "digitlab reads from one folder"
            )
    return sorted(found, key=lambda item: (item[1], item[0].name))


def _is_folder(path: Path) -> bool:
    """``path.is_dir()``, with a folder that cannot be searched reported in words."""
    try:
        return path.is_dir()
    except OSError as error:
        reason = error.strerror or str(error)
        raise DatasetError(f"the folder {path} cannot be read: {reason}") from None


def _listing(subfolder: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(subfolder) as entries:
            return list(itertools.islice(entries, MAX_FOLDER_ENTRIES + 1))
    except OSError as error:
        reason = error.strerror or str(error)
        raise DatasetError(f"the folder {subfolder} cannot be read: {reason}") from None


def read_digit_folder(folder: str | Path) -> DigitFolder:
    """Load and prepare every picture in ``folder/<digit>/``.

    Raises DatasetError for a missing or unreadable folder, a folder without pictures,
    with too many, or a picture without ink, and
    digitlab.core.reading.image_io.ImageFileError for a file that cannot be read.
    """
    folder = Path(folder)
    if not _is_folder(folder):
        raise DatasetError(f"the image folder {folder} does not exist")
    found = digit_files(folder)
    if not found:
        raise DatasetError(
            f"{folder} holds no pictures in subfolders named 0 to 9 (expected "
            f"{folder / '<digit>'}/*.png, .jpg or .bmp)"
        )
    _check_pixels(folder, [file for file, _ in found])
    pictures, x = [], np.zeros((len(found), 1, 28, 28), np.float32)
    for row, (file, _) in zip(x, found, strict=True):
        picture = load_image(file)
        steps = preprocess_steps(picture)
        if steps.empty:
            raise DatasetError(f"{file} has no ink in it: there is no digit to learn from")
        row[0] = steps.centred
        pictures.append(kept_picture(picture))
    labels = np.array([digit for _, digit in found], np.int64)
    return DigitFolder(x, labels, pictures, [file for file, _ in found])


def _check_pixels(folder: Path, files: list[Path]) -> None:
    """Refuse, from the headers alone, pictures that together are too large to decode."""
    total = 0
    for file in files:
        total += image_pixels(file)
        if total > MAX_FOLDER_PIXELS:
            raise DatasetError(
                f"the pictures in {folder} have more than {MAX_FOLDER_PIXELS:,} pixels in all, "
                "the most digitlab reads from one folder"
            )


def kept_picture(picture: np.ndarray) -> np.ndarray:
    """``picture`` (H, W) float in [0, 1] as uint8, shrunk to fit ``MAX_KEPT_SIDE``:
    what the store keeps of it, and a quarter of the memory of floats."""
    if max(picture.shape) > MAX_KEPT_SIDE:
        scale = MAX_KEPT_SIDE / max(picture.shape)
        size = [max(1, round(side * scale)) for side in picture.shape]
        picture = area_resample(picture.astype(np.float32), *size)
    return np.round(np.clip(picture, 0.0, 1.0) * 255).astype(np.uint8)


def write_png(path: Path, image: np.ndarray) -> None:
    """``image`` (H, W) uint8 as an 8-bit greyscale PNG, creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    save_png(path, image)


def export_stem(sample_id: str) -> str:
    """The file name (without .png) a digit is exported under: its id when that is a
    plain name (UUIDs are), else ``digit-`` and a hash of it, so an id such as
    ``../../..`` or ``/etc/x`` never becomes a path; the same id, the same name."""
    if _PLAIN_ID.fullmatch(sample_id):
        return sample_id
    digest = hashlib.sha256(sample_id.encode("utf-8", "surrogatepass")).hexdigest()
    return f"digit-{digest[:16]}"


def export_path(root: Path, label: int, sample_id: str) -> Path:
    """``root/<label>/<stem>.png`` for a digit's picture. Label and id come from a file
    that may have been edited: DatasetError unless the label is a digit 0-9 and the
    label's folder, where it exists already, stays inside ``root`` (no link elsewhere)."""
    if isinstance(label, bool) or not isinstance(label, int | np.integer) or not 0 <= label <= 9:
        raise DatasetError(f"a digit with id {sample_id!r} has the label {label!r}, not 0 to 9")
    root = root.resolve()
    subfolder = root / str(int(label))
    if not subfolder.resolve().is_relative_to(root):
        raise DatasetError(f"{subfolder} leads outside {root}; nothing is written there")
    path = subfolder / f"{export_stem(sample_id)}.png"
    if path.is_symlink():  # writing would follow it out of the folder
        raise DatasetError(f"{path} is a link; digitlab does not write through it")
    return path
