"""Running one reading function in a separate process that can be abandoned.

libhdf5 can loop forever on some damaged files (a zeroed block in a global heap makes
``H5HG__cache_heap_deserialize`` spin), and a stuck C call cannot be interrupted in
the process that made it. ``call_isolated`` runs the function in a fresh Python
process instead and kills it when it has not finished in time. Only digitlab's own
functions run there, by module and name, and only their results come back (pickled
by that process, which runs digitlab's code alone).
"""

from __future__ import annotations

import importlib
import os
import pickle
import subprocess
import sys
from typing import Any


class ReadTimedOutError(Exception):
    """The function did not finish within the time allowed; its process was killed."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"reading it did not finish within {seconds:g} s")
        self.seconds = seconds


def call_isolated(function: str, args: tuple[Any, ...], timeout: float) -> Any:
    """``module:name(*args)`` run in a fresh Python process; its result, or the
    exception it raised, raised again here. ReadTimedOutError after ``timeout`` seconds."""
    request = pickle.dumps((function, args))
    environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": _path()}
    try:
        done = subprocess.run(
            [sys.executable, "-m", __name__],
            input=request,
            capture_output=True,
            timeout=timeout,
            env=environment,
            check=False,
        )
    except subprocess.TimeoutExpired:  # run() has killed the process
        raise ReadTimedOutError(timeout) from None
    try:
        status, value = pickle.loads(done.stdout)
    except Exception:  # the process died (a crash in libhdf5): no result came back
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(
            f"reading it stopped the reading process (exit {done.returncode}: {reason[0]})"
        ) from None
    if status == "raised":
        raise value
    return value


def _path() -> str:
    """The parent's import path, so the child finds digitlab wherever it was found."""
    return os.pathsep.join(entry for entry in sys.path if entry)


def _serve() -> None:
    function, args = pickle.loads(sys.stdin.buffer.read())
    module_name, _, name = function.partition(":")
    try:
        result = ("returned", getattr(importlib.import_module(module_name), name)(*args))
    except Exception as exc:
        result = ("raised", exc)
    try:
        answer = pickle.dumps(result)
    except Exception:  # an exception that does not pickle: its words still do
        answer = pickle.dumps(("raised", RuntimeError(str(result[1]))))
    sys.stdout.buffer.write(answer)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    _serve()
