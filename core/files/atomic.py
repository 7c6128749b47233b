"""Writing a file atomically: a temporary file beside the target, renamed over it.

A crash or error part-way leaves the previous file as it was, and never a half file.

What may be replaced: only a regular file. A symbolic link to a regular file is
followed: the file it points to is replaced, in its own folder, and the link stays.
Anything else at the path (a folder, a device, a FIFO, a socket, a link to one of
those or to nothing) is refused before anything is written, and ``check_output``
says so before a long run starts. Temporary files of our own naming
(``.<name>.<8 characters>.h5.tmp``) left by a save that was killed are removed
beside the target once they are STALE_SECONDS old.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import h5py

from digitlab.core.errors import ModelFileError
from digitlab.core.files.h5_guard import special_file_kind

#: A temporary file of ours this old is left from a save that was killed: a save takes
#: seconds, and one in progress keeps changing its file.
STALE_SECONDS = 600.0
MODEL_SUFFIX = ".h5.tmp"


def check_output(path: str | Path) -> Path:
    """The file that saving to ``path`` will replace or create (``path``, or the file
    a link at ``path`` points to); ModelFileError "cannot save the model to X: ..."
    when it is not a regular file or its folder is missing. Cheap: call it before a
    long run, so the run does not end with a refusal."""
    path = Path(path)
    try:
        return output_target(path)
    except ValueError as exc:
        raise ModelFileError(f"cannot save the model to {path}: {exc}") from None


def output_target(path: Path) -> Path:
    """See ``check_output``; raises ValueError with the reason in words."""
    target = path
    if path.is_symlink():
        target = Path(os.path.realpath(path))
        if not target.exists():
            raise ValueError(f"it is a link to {target}, which does not exist")
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise ValueError(os_reason(exc)) from None
    kind = None if mode is None else special_file_kind(mode)
    if kind is not None:
        where = "it" if target == path else f"it is a link to {target}, which"
        raise ValueError(f"{where} is {kind}; digitlab replaces only regular files")
    if not target.parent.is_dir():
        raise ValueError(f"the folder {target.parent} does not exist")
    return target


def remove_stale_temporaries(target: Path, suffix: str, now: float | None = None) -> None:
    """Delete ``.<target name>.XXXXXXXX<suffix>`` files beside ``target`` (our own
    temporary files) that are regular files older than STALE_SECONDS; never others."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.[a-z0-9_]{{8}}{re.escape(suffix)}")
    now = time.time() if now is None else now
    try:
        candidates = [entry for entry in os.scandir(target.parent) if pattern.fullmatch(entry.name)]
    except OSError:
        return  # cleaning up is a courtesy; the save itself reports real problems
    for entry in candidates:
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and now - info.st_mtime > STALE_SECONDS:
                os.unlink(entry.path)
        except OSError:
            continue


def write_atomically(path: Path, write: Callable[[h5py.File], None]) -> None:
    """Run ``write`` on a temporary file beside ``path``'s target (see the module
    docstring), then rename it over the target."""

    def failed(reason: str) -> ModelFileError:
        return ModelFileError(f"could not save model to {path}: {reason}")

    try:
        target = output_target(path)
    except ValueError as exc:
        raise failed(str(exc)) from None
    remove_stale_temporaries(target, MODEL_SUFFIX)
    try:
        handle, name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=MODEL_SUFFIX
        )
        os.close(handle)
    except OSError as exc:
        raise failed(os_reason(exc)) from exc
    temporary = Path(name)
    try:
        with h5py.File(temporary, "w", locking=False) as f:
            write(f)
        with open(temporary, "rb+") as written:  # on disk before it replaces the old file
            os.fsync(written.fileno())
        os.chmod(temporary, _mode_for(target))
        os.replace(temporary, target)
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
