"""The fuzz harness names every outcome correctly, and a hung case leaves nothing running."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from fuzz.harness import Runner


@pytest.fixture(scope="module")
def runner(tmp_path_factory):
    os.environ["SLEEPER_PID_FILE"] = str(tmp_path_factory.mktemp("sleeper") / "pid")
    with Runner("fuzz.harness_checks", time_limit=2.5, memory_limit_mb=200) as started:
        yield started


@pytest.mark.parametrize(
    ("target", "outcome"),
    [
        ("accepts", "accepted"),
        ("refuses", "refused"),
        ("raises", "crash"),
        ("aborts", "crash"),
        ("sleeps", "hang"),
        ("grows", "over-memory"),
        ("grows_without_end", "over-memory"),
    ],
)
def test_each_outcome_is_named(runner, target, outcome):
    result = runner.run(target, seed=1)
    assert result.outcome == outcome, result
    assert result.is_defect == (outcome not in ("accepted", "refused"))


def test_a_refusal_keeps_its_words_and_a_crash_its_traceback(runner):
    assert runner.run("refuses", 0).detail == "refused in words"
    assert "KeyError" in runner.run("raises", 0).detail


def test_a_hung_case_takes_what_it_started_with_it(runner):
    result = runner.run("starts_a_sleeper", 0)
    assert result.outcome == "hang"
    pid = int(Path(os.environ["SLEEPER_PID_FILE"]).read_text())
    for _ in range(50):  # killed with its group; reaped by init shortly after
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with open(f"/proc/{pid}/stat") as stat:  # a zombie awaiting init is gone already
        assert stat.read().split()[2] == "Z"
