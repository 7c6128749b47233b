"""SHA-256 checksums of what digitlab writes, so a damaged file is reported, not used.

Each dataset carries the attribute ``sha256``: the hex SHA-256 of its dtype, shape and
values (little-endian, row-major), or for a column of text or bytes, of each value's
length and bytes in order. A group's or the root's own attributes can carry one too,
over the listed attributes. The root attribute ``checksums = "sha256"`` says that
every item was given one, so a checksum that went missing is damage as well.
Files written before checksums existed have no ``checksums`` attribute: they open,
and are reported as unverified.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

import h5py
import numpy as np

from digitlab.core.files.h5_guard import attribute_bytes
from digitlab.core.files.limits import MAX_TEXT_ATTRIBUTE

DIGEST = "sha256"  # the attribute on each item, and the root's "checksums" value
MARKER = "checksums"


class ChecksumError(Exception):
    """An item's values do not match its checksum, or lost it; the text names the item."""


def array_digest(array: np.ndarray) -> str:
    """SHA-256 of an array's dtype, shape and values, independent of byte order."""
    array = np.ascontiguousarray(array)
    array = array.astype(array.dtype.newbyteorder("<"), copy=False)
    digest = hashlib.sha256(f"{array.dtype.str}{array.shape}".encode("ascii"))
    digest.update(array.tobytes())
    return digest.hexdigest()


def values_digest(values: Iterable[bytes]) -> str:
    """SHA-256 of byte strings, each preceded by its length, so boundaries count."""
    digest = hashlib.sha256()
    for value in values:
        digest.update(len(value).to_bytes(8, "little"))
        digest.update(value)
    return digest.hexdigest()


def attrs_digest(attrs: Any, keys: Sequence[str]) -> str:
    """SHA-256 over the attributes ``keys`` (text, bytes or whole numbers) that are present.
    Raises ValueError for an attribute too large to read (see MAX_TEXT_ATTRIBUTE)."""
    for key in keys:
        if key in attrs and attribute_bytes(attrs, key) > MAX_TEXT_ATTRIBUTE:
            raise ValueError(f"its {key} attribute holds more than {MAX_TEXT_ATTRIBUTE:,} bytes")
    return values_digest(
        part for key in keys if key in attrs for part in (key.encode(), _attr_bytes(attrs[key]))
    )


def mark_checked(f: h5py.File) -> None:
    f.attrs[MARKER] = DIGEST


def is_checked(f: h5py.File) -> bool:
    """True when the file says every item has a checksum (written since checksums exist)."""
    value = f.attrs.get(MARKER)
    return (value.decode("ascii", "replace") if isinstance(value, bytes) else value) == DIGEST


def has_checksum(item: h5py.Dataset | h5py.Group | h5py.File) -> bool:
    """Whether ``item`` has, or in a checked file should have, a checksum to compare."""
    return DIGEST in item.attrs or is_checked(item.file)


def verify(item: h5py.Dataset | h5py.Group | h5py.File, digest: str, where: str) -> bool:
    """Compare ``digest`` (computed from what was read) with ``item``'s checksum.

    True when they match; False when the item has none in a file from before
    checksums; raises ChecksumError when they differ or a checked file lost one.
    """
    stored = item.attrs.get(DIGEST)
    if isinstance(stored, bytes):
        stored = stored.decode("ascii", "replace")
    if stored is None:
        if is_checked(item.file):
            raise ChecksumError(f"{where} has lost its checksum: the file is damaged")
        return False
    if stored != digest:
        raise ChecksumError(f"{where} does not match its checksum: the file is damaged")
    return True


def _attr_bytes(value: Any) -> bytes:
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if isinstance(value, bytes | np.bytes_):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_):
        return str(int(value)).encode("ascii")
    return repr(value).encode("utf-8", "replace")  # an odd value: it still has to match
