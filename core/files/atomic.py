"""Writing a file atomically: a temporary file beside the target, renamed over it.

A crash or error part-way leaves the previous file as it was, and never a half file.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

import h5py

from digitlab.core.errors import ModelFileError


def write_atomically(path: Path, write: Callable[[h5py.File], None]) -> None:
    """Run ``write`` on a temporary file in ``path``'s folder, then rename it to ``path``."""

    def failed(reason: str) -> ModelFileError:
        return ModelFileError(f"could not save model to {path}: {reason}")

    if path.is_dir():
        raise failed("that is a folder")
    if not path.parent.is_dir():
        raise failed(f"the folder {path.parent} does not exist")
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".h5.tmp")
        os.close(handle)
    except OSError as exc:
        raise failed(os_reason(exc)) from exc
    temporary = Path(name)
    try:
        with h5py.File(temporary, "w", locking=False) as f:
            write(f)
        with open(temporary, "rb+") as written:  # on disk before it replaces the old file
            os.fsync(written.fileno())
        os.chmod(temporary, _mode_for(path))
        os.replace(temporary, path)
    except BaseException as exc:
        temporary.unlink(missing_ok=True)
        if isinstance(exc, Exception):
            raise failed(os_reason(exc)) from exc
        raise


def _mode_for(path: Path) -> int:
    """mkstemp makes a private file (0600); give it the old file's permissions, or
    those a newly created file gets."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    # Reading the umask via os.umask() sets it for a moment for every thread; Linux
    # reports it in /proc instead. Elsewhere assume the common 022.
    try:
        # Bytes, not text: the Name: line holds the process name's bytes as they are,
        # which need not decode in the locale's encoding.
        status = Path("/proc/self/status").read_bytes().decode("ascii", errors="replace")
        return int(re.search(r"^Umask:\s*([0-7]+)", status, re.MULTILINE).group(1), 8)
    except (OSError, AttributeError, ValueError):
        return 0o022


def os_reason(exc: BaseException) -> str:
    """An OS error in words ("no space left on device"); h5py puts errno in its text."""
    if isinstance(exc, OSError):
        code = exc.errno
        if code is None:
            found = re.search(r"errno = (\d+)", str(exc))
            code = int(found.group(1)) if found else None
        if code:
            words = os.strerror(code)
            return words[:1].lower() + words[1:]
    return str(exc) or type(exc).__name__
