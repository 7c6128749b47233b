"""Targets that misbehave on purpose, so tests can check that the harness names each
defect. (Not ``targets_*.py``: bench/fuzz.py must not run these.)"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


class RefusalError(Exception):
    pass


EXPECTED_ERRORS = (RefusalError,)


def accepts(rng: np.random.Generator, folder: Path) -> None:
    (folder / "case").write_bytes(rng.bytes(10))


def refuses(rng: np.random.Generator, folder: Path) -> None:
    raise RefusalError("refused in words")


def raises(rng: np.random.Generator, folder: Path) -> None:
    raise KeyError("not an expected error")


def aborts(rng: np.random.Generator, folder: Path) -> None:
    os.abort()  # as a crash inside a C library ends a process


def sleeps(rng: np.random.Generator, folder: Path) -> None:
    time.sleep(3600)


def starts_a_sleeper(rng: np.random.Generator, folder: Path) -> None:
    """Hangs waiting for a process it started, whose pid it leaves in sleeper.pid."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
    Path(os.environ["SLEEPER_PID_FILE"]).write_text(str(child.pid))
    child.wait()


def grows(rng: np.random.Generator, folder: Path) -> None:
    block = np.ones(300_000_000 // 8)  # 300 MB, touched
    block.sum()


def grows_without_end(rng: np.random.Generator, folder: Path) -> None:
    blocks = []
    while True:  # until the address-space cap stops it
        blocks.append(np.ones(100_000_000 // 8))


TARGETS = {
    f.__name__: f
    for f in (accepts, refuses, raises, aborts, sleeps, starts_a_sleeper, grows, grows_without_end)
}
