"""``digitlab download``: fetch the four MNIST files, verified, into a folder.

Each file is streamed into a temporary file beside its final name, checked
against the SHA-256 of its decompressed content, and only then renamed into
place, so an interrupted or bad download never leaves a half-written file.
Only the standard library is used (urllib).
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import socket
import tempfile
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from digitlab.core.data.idx import GZIP_MAGIC, MAX_IDX_FILE_BYTES
from digitlab.core.data.mnist import FILES, default_cache_dir, locate_file
from digitlab.core.errors import DatasetError

MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

# SHA-256 of each file's DECOMPRESSED content: mirrors wrap the same bytes in
# different gzip headers (name, mtime), so the .gz bytes cannot be checked.
SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

CHUNK_SIZE = 64 * 1024  # bytes per read: progress and cancel checks this often


class DownloadCancelled(DatasetError):  # noqa: N818 (the name the app and CLI use)
    """``should_cancel()`` returned True; the file being fetched was discarded."""


class _MirrorError(Exception):
    """This mirror did not deliver a good file; the message says why, briefly."""


@dataclass(frozen=True)
class DownloadProgress:
    """How far one file has come. ``cached``: it was already in place and valid."""

    file: str  # e.g. "train-images-idx3-ubyte.gz"
    mirror: str  # base URL being tried; "" when cached
    done_bytes: int
    total_bytes: int | None  # None when the server does not send Content-Length
    cached: bool = False


def download_mnist(
    dest: str | Path | None = None,
    *,
    mirrors: Sequence[str] = MIRRORS,
    progress: Callable[[DownloadProgress], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    timeout: float = 30.0,
    expected_sha256: Mapping[str, str] = SHA256,
) -> Path:
    """Put the four verified ``<name>.gz`` files in ``dest`` (default: ``default_cache_dir()``).

    Files already there and valid are kept. Each missing one is tried on every
    mirror in turn. Raises DownloadCancelled when ``should_cancel()`` turns True,
    and DatasetError, with each mirror's reason, when no mirror delivers a file.
    Returns ``dest``.
    """
    dest = Path(dest).expanduser() if dest is not None else default_cache_dir()
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatasetError(f"Could not create the folder {dest}: {error.strerror}") from error
    report = progress or (lambda _: None)
    downloader = _Downloader(dest, mirrors, report, should_cancel or (lambda: False), timeout)
    for name in FILES.values():
        existing = locate_file(dest, name)
        if existing is not None and decompressed_sha256(existing) == expected_sha256[name]:
            size = existing.stat().st_size
            report(DownloadProgress(existing.name, "", size, size, cached=True))
        else:
            downloader.fetch(name, expected_sha256[name])
    return dest


def decompressed_sha256(path: Path) -> str | None:
    """SHA-256 (hex) of the file's content, gunzipped if it is gzip; None if unreadable,
    not a regular file, or larger than any MNIST file (a gzip bomb is not unpacked)."""
    digest, size = hashlib.sha256(), 0
    try:
        if not path.is_file():  # a FIFO would block the read
            return None
        with open(path, "rb") as raw:
            is_gzip = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            stream: BinaryIO = gzip.GzipFile(fileobj=raw) if is_gzip else raw  # type: ignore[assignment]
            while chunk := stream.read(1 << 20):
                size += len(chunk)
                if size > MAX_IDX_FILE_BYTES:
                    return None
                digest.update(chunk)
    except (OSError, EOFError, zlib.error):
        return None  # missing, unreadable or a corrupt gzip: not the file we want
    return digest.hexdigest()


@dataclass(frozen=True)
class _Downloader:
    """Fetches files into ``dest``, trying ``mirrors`` in turn, reporting and cancellable."""

    dest: Path
    mirrors: Sequence[str]
    report: Callable[[DownloadProgress], None]
    cancelled: Callable[[], bool]
    timeout: float

    def fetch(self, name: str, sha256: str) -> None:
        """Fetch ``<name>.gz`` from the first mirror that delivers a verified copy."""
        reasons = []
        for mirror in self.mirrors:
            try:
                self._fetch_from(mirror, f"{name}.gz", sha256)
                return
            except _MirrorError as failure:
                reasons.append(f"{_short(mirror)}: {failure}")
        raise DatasetError(
            f"Could not download {name}.gz from any mirror ({'; '.join(reasons)}). "
            f"Check your internet connection, or download the four MNIST files yourself "
            f"and put them in {self.dest} (or pass --data DIR)."
        )

    def _fetch_from(self, mirror: str, file_name: str, sha256: str) -> None:
        """Stream to a temporary file in ``dest``, verify it, rename it into place.

        The temporary file is removed whatever goes wrong, cancellation included.
        """
        try:
            fd, part_name = tempfile.mkstemp(prefix=f".{file_name}.part-", dir=self.dest)
        except OSError as error:
            raise DatasetError(f"Could not write in {self.dest}: {error.strerror}") from error
        part = Path(part_name)
        try:
            with os.fdopen(fd, "wb") as out:
                self._stream(mirror, file_name, out, part)
            if decompressed_sha256(part) != sha256:
                raise _MirrorError(_verify_failure(part))
            os.replace(part, self.dest / file_name)
        finally:
            part.unlink(missing_ok=True)  # a no-op after os.replace

    def _stream(self, mirror: str, file_name: str, out: BinaryIO, part: Path) -> None:
        """Copy the body of ``mirror + file_name`` into ``out`` chunk by chunk."""
        url = mirror.rstrip("/") + "/" + file_name
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:
                length = response.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
                done = 0
                self.report(DownloadProgress(file_name, mirror, done, total))
                while True:
                    if self.cancelled():
                        raise DownloadCancelled(f"The download of {file_name} was cancelled.")
                    chunk = response.read(CHUNK_SIZE)
                    if not chunk:
                        break
                    done += len(chunk)
                    if done > MAX_IDX_FILE_BYTES:  # a mirror sending without end
                        raise _MirrorError(f"more than the {MAX_IDX_FILE_BYTES:,} bytes expected")
                    _write(out, chunk, part)
                    self.report(DownloadProgress(file_name, mirror, done, total))
        except (OSError, http.client.HTTPException, ValueError) as error:
            raise _MirrorError(_network_failure(error)) from error
        if total is not None and done != total:
            raise _MirrorError(f"incomplete download ({done:,} of {total:,} bytes)")


def _write(out: BinaryIO, chunk: bytes, part: Path) -> None:
    # A full disk is our problem, not the mirror's: fail at once instead of
    # trying the next mirror. DatasetError is no OSError, so _stream lets it pass.
    try:
        out.write(chunk)
    except OSError as error:
        raise DatasetError(f"Could not write {part}: {error.strerror}") from error


def _network_failure(error: BaseException) -> str:
    """A few words for why a request failed: "HTTP 404", "connection refused", ..."""
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code}"
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, socket.gaierror):
        return "host name not found"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, TimeoutError):  # socket.timeout is TimeoutError since 3.10
        return "timed out"
    if isinstance(reason, http.client.IncompleteRead):
        return "connection closed mid-download"
    return str(reason) or type(reason).__name__


def _verify_failure(part: Path) -> str:
    with open(part, "rb") as raw:
        if raw.read(2) != GZIP_MAGIC:
            return "not a gzip file"
    if decompressed_sha256(part) is None:
        return "corrupt gzip file"
    return "wrong SHA-256 checksum"


def _short(mirror: str) -> str:
    """``https://host/path/`` -> ``host/path``: enough to tell mirrors apart."""
    parts = urlsplit(mirror)
    return (parts.netloc + parts.path).rstrip("/") or mirror
