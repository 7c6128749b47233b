"""Running one reading function in a separate process that can be abandoned.

libhdf5 can loop forever on some damaged files (a zeroed block in a global heap makes
``H5HG__cache_heap_deserialize`` spin; damaged model files hang reading an
attribute), and a stuck C call cannot be interrupted in the process that made it.
``call_isolated`` runs the function in another process instead and kills it when it
has not finished in time. Only digitlab's own functions run there, named by module
and name, and only their results come back (pickled by that process, which runs
digitlab's code alone).
"""

from __future__ import annotations

import importlib
import os
import pickle
import select
import signal
import subprocess
import sys
import time
from typing import Any

#: Address space the reading process may add to what it holds at the start. libhdf5
#: sizes some allocations from numbers in the file (fuzzing saw 260 MB for a damaged
#: store); past this they fail, and the read with them, instead of exhausting memory.
READ_MEMORY_MB = 2048


class ReadTimedOutError(Exception):
    """The function did not finish within the time allowed; its process was killed."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"reading it did not finish within {seconds:g} s")
        self.seconds = seconds


class ReadCrashedError(Exception):
    """The reading process was killed by a signal (libhdf5 crashed on the file)."""

    def __init__(self, signal_number: int) -> None:
        name = signal.Signals(signal_number).name if signal_number in _SIGNALS else signal_number
        super().__init__(f"reading it crashed the reading process ({name})")


_SIGNALS = {s.value for s in signal.Signals}


def call_isolated(
    function: str, args: tuple[Any, ...], timeout: float, *, fork: bool = False
) -> Any:
    """``"module:name"(*args)`` run in a fresh Python process; its result, or the
    exception it raised, raised again here. ReadTimedOutError after ``timeout`` s;
    ReadCrashedError when a signal killed the process (a crash in libhdf5: the file is
    to blame); RuntimeError when it ended without an answer otherwise (it could not
    start, say: nothing is known about the file).

    ``fork=True`` forks this process instead of starting Python (milliseconds, not
    half a second), which is safe only in a process with a single thread, such as
    the fuzz harness's case processes; never in the app, whose Qt and NumPy threads
    may hold locks that a forked child would wait on forever."""
    if fork:
        return _call_forked(function, args, timeout)
    environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": _path()}
    try:
        done = subprocess.run(
            [sys.executable, "-m", __name__],
            input=pickle.dumps((function, args)),
            capture_output=True,
            timeout=timeout,
            env=environment,
            check=False,
        )
    except subprocess.TimeoutExpired:  # run() has killed the process
        raise ReadTimedOutError(timeout) from None
    lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
    ending = f"exit {done.returncode}: {lines[-1] if lines else 'no output'}"
    return _unpack(done.stdout, done.returncode, ending)


def _call_forked(function: str, args: tuple[Any, ...], timeout: float) -> Any:
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer through the pipe, then leave without cleaning up
        try:
            os.close(reading)
            _limit_memory()
            _write_all(writing, _answer(function, args))
        finally:
            os._exit(0)
    os.close(writing)
    deadline, chunks = time.monotonic() + timeout, []
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([reading], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                raise ReadTimedOutError(timeout)
            chunk = os.read(reading, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(reading)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)  # -N: killed by signal N
    return _unpack(b"".join(chunks), code, f"exit status {code}")


def _answer(function: str, args: tuple[Any, ...]) -> bytes:
    """The pickled ("returned", value) or ("raised", exception) of the call."""
    module_name, _, name = function.partition(":")
    try:
        result = ("returned", getattr(importlib.import_module(module_name), name)(*args))
    except Exception as exc:
        result = ("raised", exc)
    try:
        return pickle.dumps(result)
    except Exception:  # an exception that does not pickle: its words still do
        return pickle.dumps(("raised", RuntimeError(str(result[1]))))


def _unpack(answer: bytes, exit_code: int, how_it_ended: str) -> Any:
    try:
        status, value = pickle.loads(answer)
    except Exception:  # no answer came back
        if exit_code < 0:
            raise ReadCrashedError(-exit_code) from None
        raise RuntimeError(f"the reading process gave no answer ({how_it_ended})") from None
    if status == "raised":
        raise value
    return value


def _write_all(handle: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view) :]


def _path() -> str:
    """The parent's import path, so the child finds digitlab wherever it was found."""
    return os.pathsep.join(entry for entry in sys.path if entry)


def _limit_memory() -> None:
    """Cap this process's address space at its size now plus READ_MEMORY_MB (Linux)."""
    try:
        import resource

        status = open("/proc/self/status").read()  # noqa: SIM115 (read at once)
        size_kb = int(status.split("VmSize:")[1].split()[0])
        cap = (size_kb // 1024 + READ_MEMORY_MB) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, resource.getrlimit(resource.RLIMIT_AS)[1]))
    except (ImportError, OSError, IndexError, ValueError):
        pass  # elsewhere the read runs without a cap, as it would in the app


def _serve() -> None:
    _limit_memory()
    function, args = pickle.loads(sys.stdin.buffer.read())
    sys.stdout.buffer.write(_answer(function, args))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    _serve()
