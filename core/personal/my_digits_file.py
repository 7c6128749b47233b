"""The HDF5 file that holds "my digits": its columns, written atomically, read checked.

docs/my-digits-format.md describes the layout. ``digitlab.core.personal.my_digits``
turns the columns into samples; this module knows only the file.
"""

from __future__ import annotations

import os
import tempfile
import zlib
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from digitlab.core.errors import DigitlabError
from digitlab.core.files.atomic import os_reason
from digitlab.core.version import __version__

FORMAT_NAME = "digitlab-my-digits"
FORMAT_VERSION = 1
_TEXT = h5py.string_dtype("utf-8")
_BYTES = h5py.vlen_dtype(np.uint8)

#: Each column, the dtype it is written with, and one sample's shape in it.
COLUMNS: dict[str, tuple[Any, tuple[int, ...]]] = {
    "id": (_TEXT, ()),
    "label": (np.int8, ()),
    "image": (np.float32, (28, 28)),
    "canvas": (_BYTES, ()),  # zlib-compressed uint8 pixels, row-major
    "canvas_shape": (np.int32, (2,)),
    "created": (_TEXT, ()),
    "model_answer": (np.int8, ()),
    "model_name": (_TEXT, ()),
}


class MyDigitsError(DigitlabError):
    """The collection file cannot be read or written. ``damaged`` is True when the
    file itself is bad (not HDF5, not a collection, inconsistent): set it aside."""

    def __init__(self, message: str, *, damaged: bool = False) -> None:
        super().__init__(message)
        self.damaged = damaged


class _DamagedError(Exception):
    """A problem inside the file, in words."""


# -- writing ---------------------------------------------------------------------------
def write_columns(path: Path, columns: dict[str, list]) -> None:
    """Write one list per name in COLUMNS (canvas: bytes) atomically: a temporary file
    beside ``path``, flushed to disk, renamed over it, then the folder flushed too."""

    def failed(exc: BaseException) -> MyDigitsError:
        return MyDigitsError(f"could not save your digits to {path}: {os_reason(exc)}")

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(handle)
    except OSError as exc:
        raise failed(exc) from exc
    temporary = Path(name)
    try:
        with h5py.File(temporary, "w", locking=False) as f:
            _write_datasets(f, columns)
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
        _fsync_folder(path.parent)
    except BaseException as exc:
        temporary.unlink(missing_ok=True)
        if isinstance(exc, OSError | ValueError | RuntimeError):
            raise failed(exc) from exc
        raise


def _write_datasets(f: h5py.File, columns: dict[str, list]) -> None:
    f.attrs["format"] = FORMAT_NAME
    f.attrs["format_version"] = np.int64(FORMAT_VERSION)
    f.attrs["digitlab_version"] = __version__
    n = len(columns["id"])
    for name, (dtype, shape) in COLUMNS.items():
        values = columns[name]
        if name == "canvas":
            data = np.empty(n, dtype=object)  # one variable-length byte string each
            data[:] = [np.frombuffer(v, np.uint8) for v in values]
        elif dtype is _TEXT:
            data = np.array(values, dtype=object).reshape(n)
        else:
            data = np.array(values, dtype=dtype).reshape(n, *shape)
        f.create_dataset(name, data=data, dtype=dtype)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable on POSIX; Windows cannot open a folder, and
    NTFS journals renames itself."""
    if os.name != "posix":
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


# -- reading ---------------------------------------------------------------------------
def read_columns(path: Path) -> dict[str, list]:
    """Every column of ``path``, checked; raises MyDigitsError naming the file."""
    if path.is_dir():
        raise MyDigitsError(f"your digits file {path} is a folder")
    try:
        if not h5py.is_hdf5(path):
            raise _DamagedError("it is not an HDF5 file")
        with h5py.File(path, "r", locking=False) as f:
            _check_format(f, path)
            return _read_checked(f)
    except _DamagedError as exc:
        raise MyDigitsError(f"your digits file {path} is damaged: {exc}", damaged=True) from None
    except PermissionError as exc:
        raise MyDigitsError(f"cannot read your digits file {path}: {os_reason(exc)}") from exc
    except (OSError, KeyError, ValueError, TypeError, zlib.error) as exc:
        message = f"your digits file {path} is damaged ({exc})"
        raise MyDigitsError(message, damaged=True) from exc


def _check_format(f: h5py.File, path: Path) -> None:
    name = f.attrs.get("format")
    if name != FORMAT_NAME:
        raise _DamagedError(f"it is not a digitlab my-digits file (its format is {name!r})")
    version = f.attrs.get("format_version")
    if not isinstance(version, np.integer) or version < 1:
        raise _DamagedError(f"its format_version {version!r} is not one digitlab has written")
    if version > FORMAT_VERSION:
        raise MyDigitsError(
            f"your digits file {path} was written by a newer digitlab (format {version}); "
            f"this version reads format {FORMAT_VERSION} — update digitlab"
        )


def _read_checked(f: h5py.File) -> dict[str, list]:
    n = _dataset(f, "id").shape[0] if len(_dataset(f, "id").shape) == 1 else -1
    columns = {}
    for name, (dtype, shape) in COLUMNS.items():
        item = _dataset(f, name)
        if item.shape != (n, *shape):
            raise _DamagedError(f"its {name!r} has shape {item.shape}, expected {(n, *shape)}")
        columns[name] = list(item.asstr()[()] if dtype is _TEXT else item[()])
    columns["canvas"] = [v.tobytes() for v in columns["canvas"]]
    _check_values(columns)
    return columns


def _dataset(f: h5py.File, name: str) -> h5py.Dataset:
    item = f.get(name)
    if not isinstance(item, h5py.Dataset):
        raise _DamagedError(f"it has no {name!r} dataset")
    return item


def _check_values(c: dict[str, list]) -> None:
    if not all(0 <= v <= 9 for v in c["label"]) or not all(-1 <= v <= 9 for v in c["model_answer"]):
        raise _DamagedError("it holds labels or model answers that are not digits")
    if len(set(c["id"])) != len(c["id"]):
        raise _DamagedError("two of its digits have the same id")
    if not all(np.isfinite(image).all() for image in c["image"]):
        raise _DamagedError("it holds images with values that are not numbers")
    for sample_id, canvas, (height, width) in zip(
        c["id"], c["canvas"], c["canvas_shape"], strict=True
    ):
        if min(height, width) < 0 or len(zlib.decompress(canvas)) != height * width:
            raise _DamagedError(f"the canvas of digit {sample_id} does not match its size")
