"""MNIST: reading its four files, finding the folder that holds them, and splitting them.

The four files keep their original names and IDX format, read by
:mod:`digitlab.core.data.idx` within its limits: labels have D=1 dimension (magic
2049), images D=3 (magic 2051). Pixels are 0 for background and 255 for ink.
"""

from __future__ import annotations

import operator
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitlab.core.data.idx import read_idx  # also imported from here, as it always was
from digitlab.core.errors import DatasetError, ShapeError

FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
IMAGE_SIZE = 28
NUM_CLASSES = 10

HOW_TO_GET = (
    "run `digitlab download`, or put the four MNIST files ("
    + ", ".join(f"{name}.gz" for name in FILES.values())
    + ") in a folder and pass --data DIR"
)


# -- the dataset -----------------------------------------------------------------
@dataclass(frozen=True)
class Split:
    """One part of MNIST: images (N, 28, 28) uint8, ink high, and labels (N,) uint8 in 0..9."""

    images: np.ndarray
    labels: np.ndarray

    def __post_init__(self) -> None:
        if self.images.ndim != 3 or self.labels.ndim != 1:
            raise ShapeError(
                f"a Split needs images (N, H, W) and labels (N,), "
                f"got {self.images.shape} and {self.labels.shape}"
            )
        if len(self.images) != len(self.labels):
            raise ShapeError(
                f"a Split needs one label per image, got {len(self.images)} images "
                f"and {len(self.labels)} labels"
            )

    def __len__(self) -> int:
        return len(self.labels)

    def for_network(self) -> tuple[np.ndarray, np.ndarray]:
        """(images as the network takes them, labels): float32 (N, 1, 28, 28) in [0, 1]
        (see ``to_network_input``) and the labels as they are."""
        return to_network_input(self.images), self.labels


@dataclass(frozen=True)
class MNIST:
    train: Split
    test: Split


def load_mnist(data_dir: str | Path | None = None) -> MNIST:
    """Read the four files from ``find_data_dir(data_dir)`` and check they fit together."""
    folder = find_data_dir(data_dir)
    return MNIST(train=_load_split(folder, "train"), test=_load_split(folder, "test"))


def _load_split(folder: Path, part: str) -> Split:
    images_path = locate_file(folder, FILES[f"{part}_images"])
    labels_path = locate_file(folder, FILES[f"{part}_labels"])
    assert images_path is not None and labels_path is not None  # find_data_dir checked
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise DatasetError(
            f"{images_path.name} should hold 28x28 images, but its items have shape "
            f"{images.shape[1:]}"
        )
    if labels.ndim != 1:
        raise DatasetError(f"{labels_path.name} should hold labels, but it holds images")
    if len(images) != len(labels):
        raise DatasetError(
            f"{images_path.name} has {len(images):,} images but {labels_path.name} has "
            f"{len(labels):,} labels; they must match"
        )
    if labels.size and labels.max() >= NUM_CLASSES:
        bad = int(np.argmax(labels >= NUM_CLASSES))
        raise DatasetError(
            f"{labels_path.name} has label {labels[bad]} at position {bad:,}; labels must be 0 to 9"
        )
    return Split(images, labels)


# -- finding the files -------------------------------------------------------------
def locate_file(folder: Path, name: str) -> Path | None:
    """``folder/<name>.gz`` if present, else ``folder/<name>``, else None."""
    for candidate in (folder / f"{name}.gz", folder / name):
        if candidate.is_file():
            return candidate
    return None


def _missing_files(folder: Path) -> list[str]:
    return [f"{name}.gz" for name in FILES.values() if locate_file(folder, name) is None]


def find_data_dir(explicit: str | Path | None = None) -> Path:
    """The folder holding the four MNIST files.

    A folder the user names (``explicit``) must hold them. Otherwise look in
    ``$DIGITLAB_DATA``, then ``default_cache_dir()``; DatasetError says where it
    looked and how to get the files.
    """
    if explicit is not None:
        folder = Path(explicit).expanduser()
        problem = _folder_problem(folder)
        if problem:
            raise DatasetError(f"The data folder {folder} {problem}; {HOW_TO_GET}")
        return folder
    looked = []
    env = os.environ.get("DIGITLAB_DATA")
    candidates = [(Path(env).expanduser(), "DIGITLAB_DATA")] if env else []
    candidates.append((default_cache_dir(), "the default data folder"))
    for folder, origin in candidates:
        problem = _folder_problem(folder)
        if problem is None:
            return folder
        looked.append(f"{folder} ({origin}: {problem})")
    raise DatasetError(
        f"MNIST was not found; looked in {' and '.join(looked)}. To get it, {HOW_TO_GET}."
    )


def _folder_problem(folder: Path) -> str | None:
    """Why ``folder`` cannot serve MNIST, or None when it holds all four files."""
    try:
        return _folder_contents_problem(folder)
    except OSError as error:  # a folder on the way that cannot be searched
        return f"cannot be read ({error.strerror or error})"


def _folder_contents_problem(folder: Path) -> str | None:
    if not folder.exists():
        return "does not exist"
    if not folder.is_dir():
        return "is a file, not a folder"
    missing = _missing_files(folder)
    if missing:
        return f"is missing {', '.join(missing)}"
    return None


def default_cache_dir() -> Path:
    """Where ``digitlab download`` puts MNIST: the user's data directory + digitlab/mnist."""
    return _user_data_dir() / "digitlab" / "mnist"


def _user_data_dir() -> Path:
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        return Path(local) if local else Path.home() / "AppData" / "Local"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support"
    xdg = os.environ.get("XDG_DATA_HOME")
    # The XDG spec says to ignore a relative XDG_DATA_HOME.
    if xdg and Path(xdg).is_absolute():
        return Path(xdg)
    return Path.home() / ".local" / "share"


# -- using the data ----------------------------------------------------------------
def split_validation(train: Split, size: int = 5000) -> tuple[Split, Split]:
    """(train minus its last ``size`` items, those last ``size`` items as validation).

    The validation set comes from the training data, never from the test set, so
    the test accuracy stays an honest estimate. Both parts are views, not copies.
    """
    size = operator.index(size)
    if not 0 <= size < len(train):
        raise ValueError(
            f"validation size must be from 0 to {len(train) - 1} "
            f"(fewer than the {len(train)} training images), got {size}"
        )
    cut = len(train) - size
    rest = Split(train.images[:cut], train.labels[:cut])
    return rest, Split(train.images[cut:], train.labels[cut:])


def to_network_input(images: np.ndarray) -> np.ndarray:
    """uint8 images (N, 28, 28), or one (28, 28), -> float32 (N, 1, 28, 28) in [0, 1].

    Dividing by 255 keeps MNIST's polarity: ink near 1, background 0.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ShapeError(f"expected uint8 pixels 0..255, got dtype {images.dtype}")
    if images.ndim == 2:
        images = images[np.newaxis]
    if images.ndim != 3:
        raise ShapeError(f"expected images (N, H, W) or one (H, W), got shape {images.shape}")
    # (N, H, W) -> (N, 1, H, W): one grey channel.
    return (images[:, np.newaxis] / np.float32(255)).astype(np.float32, copy=False)
