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
from digitlab.core.files.atomic import os_reason, output_target, remove_stale_temporaries
from digitlab.core.files.checksums import (
    ChecksumError,
    array_digest,
    is_checked,
    mark_checked,
    values_digest,
    verify,
)
from digitlab.core.files.h5_guard import foreign_storage, not_a_file
from digitlab.core.files.limits import (
    MAX_SAMPLES,
    MAX_STORE_TEXT,
)
from digitlab.core.files.shown import printable, shorten
from digitlab.core.personal.my_digits_values import (
    DamagedError,
    check_canvas_sizes,
    check_values,
)
from digitlab.core.version import __version__

FORMAT_NAME = "digitlab-my-digits"
FORMAT_VERSION = 1
_TEXT = h5py.string_dtype("utf-8")
_BYTES = h5py.vlen_dtype(np.uint8)
_SUFFIX = ".tmp"  # temporary files are .<name>.XXXXXXXX.tmp beside the file

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

    def __reduce__(self) -> tuple:  # keeps ``damaged`` when it comes back from a reading process
        return _rebuild_error, (str(self), self.damaged)


def _rebuild_error(message: str, damaged: bool) -> MyDigitsError:
    return MyDigitsError(message, damaged=damaged)


# -- writing ---------------------------------------------------------------------------
def write_columns(path: Path, columns: dict[str, list]) -> None:
    """Write one list per name in COLUMNS (canvas: bytes) atomically: a temporary file
    beside ``path``, flushed to disk, renamed over it, then the folder flushed too."""

    def failed(exc: BaseException) -> MyDigitsError:
        return MyDigitsError(f"could not save your digits to {path}: {os_reason(exc)}")

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        target = output_target(path)  # a regular file, or a link to one (followed)
    except OSError as exc:
        raise failed(exc) from exc
    except ValueError as exc:
        raise MyDigitsError(f"could not save your digits to {path}: {exc}") from None
    remove_stale_temporaries(target, _SUFFIX)
    try:
        handle, name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=_SUFFIX
        )
        os.close(handle)
    except OSError as exc:
        raise failed(exc) from exc
    temporary = Path(name)
    try:
        with h5py.File(temporary, "w", locking=False) as f:
            _write_datasets(f, columns)
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(temporary, target)
        _fsync_folder(target.parent)
    except BaseException as exc:
        temporary.unlink(missing_ok=True)
        if isinstance(exc, OSError | ValueError | RuntimeError):
            raise failed(exc) from exc
        raise


def _write_datasets(f: h5py.File, columns: dict[str, list]) -> None:
    f.attrs["format"] = FORMAT_NAME
    f.attrs["format_version"] = np.int64(FORMAT_VERSION)
    f.attrs["digitlab_version"] = __version__
    mark_checked(f)
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
        dataset = f.create_dataset(name, data=data, dtype=dtype)
        dataset.attrs["sha256"] = _digest(
            name, values if dtype is _TEXT or name == "canvas" else data
        )


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
    return read_store(path)[0]


def read_store(path: Path) -> tuple[dict[str, list], bool]:
    """Every column of ``path``, checked, and whether its checksums were there to
    compare (False: a file written before digitlab kept checksums, so unverified)."""
    problem = not_a_file(path)  # before h5py opens it: opening a FIFO would block
    if problem:
        raise MyDigitsError(f"your digits file {path} cannot be read: {problem}")
    try:
        if not h5py.is_hdf5(path):
            raise DamagedError("it is not an HDF5 file")
        with h5py.File(path, "r", locking=False) as f:
            _check_format(f, path)
            return _read_checked(f), is_checked(f)
    except (DamagedError, ChecksumError) as exc:
        raise MyDigitsError(
            f"your digits file {path} is damaged: {printable(shorten(str(exc), 300))}", damaged=True
        ) from None
    except PermissionError as exc:
        raise MyDigitsError(f"cannot read your digits file {path}: {os_reason(exc)}") from exc
    except (OSError, KeyError, ValueError, TypeError, RuntimeError, MemoryError, zlib.error) as exc:
        message = f"your digits file {path} is damaged ({printable(shorten(str(exc), 200))})"
        raise MyDigitsError(message, damaged=True) from exc


def _check_format(f: h5py.File, path: Path) -> None:
    name = f.attrs.get("format")
    if name != FORMAT_NAME:
        shown = shorten(repr(name), 60)
        raise DamagedError(f"it is not a digitlab my-digits file (its format is {shown})")
    version = f.attrs.get("format_version")
    if not isinstance(version, np.integer) or version < 1:
        shown = shorten(repr(version), 60)
        raise DamagedError(f"its format_version {shown} is not one digitlab has written")
    if version > FORMAT_VERSION:
        raise MyDigitsError(
            f"your digits file {path} was written by a newer digitlab (format {version}); "
            f"this version reads format {FORMAT_VERSION} — update digitlab"
        )


def _read_checked(f: h5py.File) -> dict[str, list]:
    """Every declared shape and size is checked before any column is read."""
    items = {name: _dataset(f, name) for name in COLUMNS}
    n = items["id"].shape[0] if len(items["id"].shape) == 1 else -1
    if n > MAX_SAMPLES:
        raise DamagedError(f"it holds {n:,} digits; digitlab reads at most {MAX_SAMPLES:,}")
    for name, (_, shape) in COLUMNS.items():
        if items[name].shape != (n, *shape):
            shown = shorten(str(items[name].shape), 60)
            raise DamagedError(f"its {name!r} has shape {shown}, expected {(n, *shape)}")
    columns = {"canvas_shape": _read(items["canvas_shape"], "canvas_shape")}
    check_canvas_sizes(columns["canvas_shape"])  # before a single canvas is read
    for name in COLUMNS:
        columns.setdefault(name, _read(items[name], name))
    check_values(columns)
    return columns


def _dataset(f: h5py.File, name: str) -> h5py.Dataset:
    """Column ``name``, refused when it is a link (which could open another file) or
    keeps its values outside this file."""
    link = f.get(name, getlink=True)
    if link is not None and not isinstance(link, h5py.HardLink):
        raise DamagedError(f"its {name!r} is a link, which the file never holds")
    item = f.get(name)
    if not isinstance(item, h5py.Dataset):
        raise DamagedError(f"it has no {name!r} dataset")
    problem = foreign_storage(item)
    if problem:
        raise DamagedError(problem)
    return item


def _read(item: h5py.Dataset, name: str) -> list:
    """Column ``name`` as a list (text as str, canvases as bytes), checksum compared."""
    dtype = COLUMNS[name][0]
    if dtype is _TEXT:
        values = list(item.asstr()[()])
        if any(len(value) > MAX_STORE_TEXT for value in values):
            raise DamagedError(f"its {name!r} holds text longer than {MAX_STORE_TEXT:,} characters")
        verify(item, _digest(name, values), f"its {name!r}")
        return values
    array = item[()]
    if name == "canvas":
        values = [np.asarray(value, np.uint8).tobytes() for value in array]
        verify(item, _digest(name, values), f"its {name!r}")
        return values
    verify(item, _digest(name, array), f"its {name!r}")
    return list(array)


def _digest(name: str, values: list | np.ndarray) -> str:
    """A column's checksum: of the array as written, or of each text or canvas value."""
    if name == "canvas":
        return values_digest(bytes(value) for value in values)
    if COLUMNS[name][0] is _TEXT:
        return values_digest(str(value).encode("utf-8") for value in values)
    return array_digest(np.asarray(values))
