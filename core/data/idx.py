"""Reading unsigned-byte IDX files (MNIST's format), gzipped or not, within set limits.

An IDX file is a magic number ``0x0000 08 0D`` (unsigned bytes, D dimensions), D
sizes as 32-bit big-endian integers, then the items as raw bytes. The header says how
many bytes follow, so the reader checks that size against ``MAX_IDX_BYTES`` before it
allocates anything, then reads at most that many bytes, in chunks, into a buffer that
grows only as data arrives. A small gzip file that would unpack to gigabytes (a zip
bomb), or a header that lies about its sizes, is refused in words; it never fills
memory. docs/limits.md lists the limits.
"""

from __future__ import annotations

import gzip
import os
import stat
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

from digitlab.core.errors import DatasetError

GZIP_MAGIC = b"\x1f\x8b"
#: The most data bytes an IDX file may declare: MNIST's largest file holds 47,040,000.
MAX_IDX_BYTES = 128 * 2**20
#: The largest file read at all (gzipped or not): data, header and some slack.
MAX_IDX_FILE_BYTES = MAX_IDX_BYTES + 2**20
#: Bytes read at a time while unpacking, so memory grows only as the header promised.
CHUNK_BYTES = 2**20
#: Extra bytes after the data are counted up to this many, then only "more than" is said.
_TRAILING_COUNTED = 2**20
_UNSIGNED_BYTE = 0x08
ITEM_KIND = {1: "label", 3: "image"}  # IDX dimension count -> what each item is

_GZIP_ERRORS = (OSError, EOFError, zlib.error)


def read_idx(path: str | Path) -> np.ndarray:
    """Read an unsigned-byte IDX file, gzipped or not (told apart by content, not name).

    Returns uint8 images (N, H, W) for an images file or labels (N,) for a labels
    file, read-only. Raises DatasetError naming the file and the problem: missing,
    not a regular file, unreadable, too large, corrupt gzip, wrong magic number, wrong
    dimensions, truncated, trailing bytes, or not enough memory to hold it.
    """
    path = Path(path)
    size = _regular_file_size(path)
    if size > MAX_IDX_FILE_BYTES:
        raise DatasetError(
            f"{path.name} is {size:,} bytes, larger than the {MAX_IDX_FILE_BYTES:,} bytes "
            "an MNIST file may have"
        )
    try:
        raw = open(path, "rb")  # noqa: SIM115 (closed by the with below)
    except OSError as error:
        raise DatasetError(f"{path} cannot be read: {error.strerror or error}") from error
    with raw:
        is_gzip = raw.read(2) == GZIP_MAGIC
        raw.seek(0)
        try:
            if not is_gzip:
                return _read_stream(raw, path.name)
            with gzip.GzipFile(fileobj=raw) as unpacked:
                return _read_stream(unpacked, path.name)  # type: ignore[arg-type]
        except MemoryError:
            raise DatasetError(f"there is not enough memory to read {path.name}") from None
        except _GZIP_ERRORS as error:
            if is_gzip:
                raise DatasetError(f"{path.name} is a corrupt gzip file ({error})") from error
            raise DatasetError(f"{path} cannot be read: {error.strerror or error}") from error


def _regular_file_size(path: Path) -> int:
    """The size of ``path``, after checking it is a regular file: a FIFO or a device
    would block the reader or never end."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise DatasetError(f"{path} does not exist") from None
    except OSError as error:
        raise DatasetError(f"{path} cannot be read: {error.strerror or error}") from error
    if not stat.S_ISREG(info.st_mode):
        what = (
            "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file (a pipe or device?)"
        )
        raise DatasetError(f"{path} cannot be read: it is {what}")
    return info.st_size


def _read_stream(stream: BinaryIO, name: str) -> np.ndarray:
    """The header, then exactly the data bytes it declares, then a check for more."""
    dims = _read_header(stream, name)
    expected = int(np.prod(dims, dtype=object))
    kind = ITEM_KIND[len(dims)]
    if expected > MAX_IDX_BYTES:
        raise DatasetError(
            f"{name} declares {expected:,} {kind} bytes ({' x '.join(map(str, dims))}), "
            f"more than the {MAX_IDX_BYTES:,} digitlab reads from one MNIST file"
        )
    buffer = _read_up_to(stream, expected)
    found = len(buffer)
    if found < expected:
        raise DatasetError(
            f"{name} is truncated: expected {expected:,} {kind} bytes, found {found:,}"
        )
    extra = _count_rest(stream)
    if extra:
        counted = f"more than {_TRAILING_COUNTED:,}" if extra > _TRAILING_COUNTED else f"{extra:,}"
        raise DatasetError(
            f"{name} has {counted} unexpected bytes after its {expected:,} {kind} bytes"
        )
    array = np.frombuffer(buffer, dtype=np.uint8).reshape(dims)
    array.flags.writeable = False  # callers share it; nobody should change MNIST in place
    return array


def _read_header(stream: BinaryIO, name: str) -> tuple[int, ...]:
    """The dimension sizes from an IDX header, after checking the magic number."""
    magic = stream.read(4)
    if len(magic) < 4:
        raise DatasetError(f"{name} is too short to be an IDX file ({len(magic)} bytes)")
    if magic[:2] != b"\0\0":
        raise DatasetError(
            f"{name} is not an IDX file: its magic number is {int.from_bytes(magic, 'big'):#010x}"
            ", expected 0x00000801 (labels) or 0x00000803 (images)"
        )
    if magic[2] != _UNSIGNED_BYTE:
        raise DatasetError(
            f"{name} holds IDX data type {magic[2]:#04x}; only unsigned bytes (0x08) are supported"
        )
    ndim = magic[3]
    if ndim not in ITEM_KIND:
        raise DatasetError(
            f"{name} has {ndim} dimensions; MNIST files have 1 (labels) or 3 (images)"
        )
    sizes = stream.read(4 * ndim)
    if len(sizes) < 4 * ndim:
        raise DatasetError(f"{name} is truncated inside its header")
    dims = tuple(int(d) for d in np.frombuffer(sizes, ">u4"))
    if min(dims) <= 0:
        raise DatasetError(f"{name} has a dimension of size 0 ({' x '.join(map(str, dims))})")
    return dims


def _read_up_to(stream: BinaryIO, size: int) -> bytearray:
    """At most ``size`` bytes of ``stream``, read a chunk at a time: the buffer grows
    only as data arrives, so a header promising more than follows costs only what
    does follow (large buffers grow in place, without copies, on common allocators)."""
    buffer = bytearray()
    while len(buffer) < size:
        chunk = stream.read(min(CHUNK_BYTES, size - len(buffer)))
        if not chunk:
            break
        buffer += chunk
    return buffer


def _count_rest(stream: BinaryIO) -> int:
    """How many bytes are left, counted up to just past ``_TRAILING_COUNTED``."""
    count = 0
    while count <= _TRAILING_COUNTED:
        chunk = stream.read(min(CHUNK_BYTES, _TRAILING_COUNTED + 1 - count) or 1)
        if not chunk:
            break
        count += len(chunk)
    return count
