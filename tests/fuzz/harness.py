"""Running fuzz cases where a crash, a hang or a memory blow-up is caught and named.

A target module ``tests/fuzz/targets_<area>.py`` defines ``TARGETS``, a dict of
``name -> target(rng, folder)``, and ``EXPECTED_ERRORS``, a tuple of exception
classes. A target builds one case in the empty ``folder`` from ``rng`` and runs the
reader(s) on it: returning means the input was *accepted*, raising one of
EXPECTED_ERRORS means it was *refused* well; anything else is a defect:

- ``crash``: another exception, or the process died (a signal from libhdf5);
- ``hang``: the case took longer than the time limit (its processes are killed);
- ``over-memory``: its process's peak resident memory (``ru_maxrss`` from
  ``wait4``) exceeded the bound, or a MemoryError escaped it.

``Runner`` starts one server process per target module, which imports the module
once and forks a fresh child per case, so each case is measured alone and costs a
fork rather than an interpreter start. The child runs in its own process group
(anything it starts is killed with it) with its address space capped, so a runaway
allocation fails instead of swapping the machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path

OUTCOMES = ("accepted", "refused", "crash", "hang", "over-memory")
DEFECTS = frozenset({"crash", "hang", "over-memory"})
#: Seconds one case may take (the store's own start-up read gives up after 5 s).
TIME_LIMIT = 30.0
#: Peak resident memory of one case's process, the interpreter with NumPy and h5py
#: (about 100 MB) included.
MEMORY_LIMIT_MB = 1024
#: Address space a case may add to the server's before allocations fail.
ADDRESS_SPACE_MARGIN_MB = 3072
TESTS = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Result:
    module: str
    target: str
    seed: int
    outcome: str  # one of OUTCOMES
    seconds: float
    peak_mb: float
    detail: str  # the refusal's message, or what went wrong

    @property
    def is_defect(self) -> bool:
        return self.outcome in DEFECTS


class Runner:
    """Runs cases of one target module (``"fuzz.targets_files"``); a context manager."""

    def __init__(
        self, module: str, time_limit: float = TIME_LIMIT, memory_limit_mb: int = MEMORY_LIMIT_MB
    ) -> None:
        self.module, self.time_limit, self.memory_limit_mb = module, time_limit, memory_limit_mb
        path = os.pathsep.join([str(TESTS), *sys.path])
        environment = {**os.environ, "PYTHONPATH": path, "OPENBLAS_NUM_THREADS": "1"}
        environment["OMP_NUM_THREADS"] = "1"
        self._server = subprocess.Popen(
            [sys.executable, "-m", "fuzz.harness", module, str(time_limit), str(memory_limit_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=environment,
            text=True,
            cwd=TESTS,
        )
        self.targets: list[str] = json.loads(self._answer())

    def run(self, target: str, seed: int) -> Result:
        self._server.stdin.write(json.dumps([target, seed]) + "\n")
        self._server.stdin.flush()
        return Result(**json.loads(self._answer()))

    def _answer(self) -> str:
        line = self._server.stdout.readline()
        if not line:
            raise RuntimeError(f"the fuzz server for {self.module} stopped")
        return line

    def close(self) -> None:
        self._server.stdin.close()
        self._server.wait(timeout=60)

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_many(
    module: str,
    counts: dict[str, int],
    first_seed: int = 0,
    workers: int = 1,
    time_limit: float = TIME_LIMIT,
    memory_limit_mb: int = MEMORY_LIMIT_MB,
) -> list[Result]:
    """``counts[target]`` cases of each target, seeds from ``first_seed`` on, on
    ``workers`` servers at once (one per core is plenty: each case is one process)."""
    jobs = queue.SimpleQueue()
    for target, count in counts.items():
        for seed in range(first_seed, first_seed + count):
            jobs.put((target, seed))
    results: list[Result] = []

    def work() -> None:
        with Runner(module, time_limit, memory_limit_mb) as runner:
            while True:
                try:
                    target, seed = jobs.get_nowait()
                except queue.Empty:
                    return
                results.append(runner.run(target, seed))

    threads = [threading.Thread(target=work) for _ in range(max(1, workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(results, key=lambda r: (r.target, r.seed))


def figures(
    results: list[Result], time_limit: float = TIME_LIMIT, memory_limit_mb: int = MEMORY_LIMIT_MB
) -> dict:
    """Cases, kinds, outcomes, worst time and worst memory, as bench/fuzz.py prints them."""
    outcomes = {name: sum(r.outcome == name for r in results) for name in OUTCOMES}
    slowest = max(results, key=lambda r: r.seconds, default=None)
    largest = max(results, key=lambda r: r.peak_mb, default=None)
    return {
        "cases": len(results),
        "kinds": sorted({f"{r.module.rpartition('.')[2]}:{r.target}" for r in results}),
        "outcomes": outcomes,
        # Refusals of files on which a reader was abandoned (libhdf5 looping on them).
        "abandoned_reads": sum("did not finish within" in r.detail for r in results),
        "worst_seconds": slowest.seconds if slowest else 0.0,
        "worst_seconds_case": f"{slowest.target}#{slowest.seed}" if slowest else "",
        "worst_peak_mb": largest.peak_mb if largest else 0.0,
        "worst_peak_case": f"{largest.target}#{largest.seed}" if largest else "",
        "time_limit_seconds": time_limit,
        "memory_limit_mb": memory_limit_mb,
        "defects": [asdict(r) for r in results if r.is_defect][:20],
    }


# -- the server (python -m fuzz.harness MODULE TIME MEMORY) ----------------------------
def _serve(module_name: str, time_limit: float, memory_limit_mb: int) -> None:
    import importlib

    module = importlib.import_module(module_name)
    print(json.dumps(sorted(module.TARGETS)), flush=True)
    base = Path(tempfile.mkdtemp(prefix="digitlab-fuzz-"))
    try:
        for line in sys.stdin:
            target, seed = json.loads(line)
            result = _run_case(module, module_name, target, seed, base, time_limit, memory_limit_mb)
            print(json.dumps(asdict(result)), flush=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _run_case(module, module_name, target, seed, base, time_limit, memory_limit_mb) -> Result:
    folder = Path(tempfile.mkdtemp(dir=base))
    reading, writing = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(reading)
        _child(module, target, seed, folder, writing)
    os.close(writing)
    report, ended = _collect(reading, started + time_limit, pid, memory_limit_mb)
    if ended != "done":
        _kill_group(pid)
    _, status, usage = os.wait4(pid, 0)
    _kill_group(pid)  # whatever the case started and left behind
    seconds = time.monotonic() - started
    shutil.rmtree(folder, ignore_errors=True)
    peak_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    outcome, detail = _classify(report, ended, status, peak_mb, memory_limit_mb, time_limit)
    return Result(module_name, target, seed, outcome, round(seconds, 3), round(peak_mb, 1), detail)


def _child(module, target: str, seed: int, folder: Path, writing: int) -> None:
    import numpy as np

    code = 0
    try:
        os.setpgid(0, 0)
        _cap_address_space()
        try:
            module.TARGETS[target](np.random.default_rng(seed), folder)
            report = {"outcome": "accepted", "detail": ""}
        except module.EXPECTED_ERRORS as exc:
            report = {"outcome": "refused", "detail": str(exc)[:500]}
        except MemoryError:
            report = {"outcome": "over-memory", "detail": "MemoryError"}
        except BaseException as exc:  # a defect: say where
            lines = traceback.format_exception(exc)
            report = {"outcome": "crash", "detail": "".join(lines[-6:])[-1500:]}
        os.write(writing, json.dumps(report).encode())
    except BaseException:
        code = 70
    finally:
        os._exit(code)


def _cap_address_space() -> None:
    status = Path("/proc/self/status").read_text()
    size_kb = int(next(l.split()[1] for l in status.splitlines() if l.startswith("VmSize:")))  # noqa: E741
    cap = (size_kb // 1024 + ADDRESS_SPACE_MARGIN_MB) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, resource.RLIM_INFINITY))


def _collect(reading: int, deadline: float, pid: int, limit_mb: int) -> tuple[bytes, str]:
    """Everything the child wrote, and how its run ended: "done", "timeout", or
    "memory" (its resident memory passed the bound, checked every 50 ms)."""
    chunks = []
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return b"".join(chunks), "timeout"
            if _resident_mb(pid) > limit_mb:
                return b"".join(chunks), "memory"
            if select.select([reading], [], [], min(left, 0.05))[0]:
                chunk = os.read(reading, 65536)
                if not chunk:
                    return b"".join(chunks), "done"
                chunks.append(chunk)
    finally:
        os.close(reading)


def _resident_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    line = next((l for l in status.splitlines() if l.startswith("VmRSS:")), "VmRSS: 0 kB")  # noqa: E741
    return int(line.split()[1]) / 1024


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _classify(report: bytes, ended: str, status: int, peak_mb: float, limit_mb: int,
              time_limit: float) -> tuple[str, str]:  # fmt: skip
    if ended == "timeout":
        return "hang", f"not finished after {time_limit:g} s"
    if ended == "memory":
        return "over-memory", f"stopped at {peak_mb:.0f} MB resident, over {limit_mb} MB"
    try:
        found = json.loads(report)
    except ValueError:
        how = os.waitstatus_to_exitcode(status)
        return "crash", f"the process died without a result (exit status {how})"
    if found["outcome"] in ("accepted", "refused") and peak_mb > limit_mb:
        return "over-memory", f"peak {peak_mb:.0f} MB > {limit_mb} MB; {found['detail']}"
    return found["outcome"], found["detail"]


if __name__ == "__main__":
    _serve(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]))
