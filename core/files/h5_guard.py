"""Checks that come before HDF5 reads anything: the file is a plain file, and a
dataset's data lives in this file, in chunks of a sane size.

HDF5 can keep a dataset's values elsewhere: in any other file ("external storage",
which can name the system's password file or a FIFO that blocks forever) or in
other HDF5 files ("virtual datasets"). digitlab's files never do, so a reader
refuses such a dataset before reading a value. Each function returns the problem
in words (phrased to follow "cannot load X: ...") or None.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import h5py

from digitlab.core.files.limits import MAX_CHUNK_BYTES, elements

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (a named pipe)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def special_file_kind(mode: int) -> str | None:
    """What a non-regular file is, in words ("a FIFO (a named pipe)"); None for a file."""
    if stat.S_ISREG(mode):
        return None
    return next((words for test, words in _KINDS if test(mode)), "not a regular file")


def not_a_file(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file, or None when it is a regular file (a
    symbolic link is followed). Only stat is used: opening a FIFO would block."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "there is no such file"
    except OSError as exc:
        return os.strerror(exc.errno).lower() if exc.errno else str(exc)
    kind = special_file_kind(mode)
    return None if kind is None else f"it is {kind}, not a file"


def foreign_storage(dataset: h5py.Dataset) -> str | None:
    """Why ``dataset``'s values must not be read, or None when they are safe to read:
    external storage, a virtual dataset, or chunks far larger than the dataset."""
    where = dataset.name.lstrip("/")
    plist = dataset.id.get_create_plist()
    if plist.get_external_count() > 0:
        return f"{where} keeps its values in another file, which digitlab never reads"
    if plist.get_layout() == h5py.h5d.VIRTUAL:
        return f"{where} is a virtual dataset made of other files, which digitlab never reads"
    if dataset.chunks is not None:
        chunk_bytes = elements(dataset.chunks) * dataset.dtype.itemsize
        data_bytes = elements(dataset.shape) * dataset.dtype.itemsize
        if chunk_bytes > max(data_bytes, MAX_CHUNK_BYTES):
            return f"{where} is stored in chunks of {chunk_bytes:,} bytes, more than it holds"
    return None


def attribute_bytes(attrs: h5py.AttributeManager, key: str) -> int:
    """How many bytes attribute ``key`` holds in the file, found without reading it."""
    try:
        return attrs.get_id(key).get_storage_size()
    except RuntimeError:  # libhdf5 reports an empty attribute's size 0 as an error
        return 0
