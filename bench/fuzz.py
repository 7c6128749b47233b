"""Fuzzing every reader of digitlab at scale: tens of thousands of cases.

Runs every target of every module ``tests/fuzz/targets_*.py`` (model files and the
"my digits" store in targets_files; MNIST files, images and digit folders in
targets_inputs), ``--cases`` cases in all, shared evenly among the targets, with
seeds from ``--seed`` on. Each case runs in a process of its own under a time limit
and a memory bound (tests/fuzz/harness.py says how); a case is accepted, refused,
or a defect: crash, hang, over-memory. Progress goes to stderr; the last line of
output is one JSON object: cases, kinds, outcomes, worst time and worst memory,
and up to 20 defects with their seeds, so each can be run again alone:

    python bench/fuzz.py --cases 20000 --jobs 2
"""

from __future__ import annotations

import json
import sys
import time
from argparse import ArgumentParser
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
# This file is named fuzz.py too: the tests' fuzz package must win the import.
sys.path[:] = [
    str(TESTS),
    *(p for p in sys.path if Path(p or ".").resolve() != TESTS.parent / "bench"),
]

from fuzz.harness import MEMORY_LIMIT_MB, TIME_LIMIT, figures, run_many  # noqa: E402


def target_modules() -> list[str]:
    return sorted(f"fuzz.{path.stem}" for path in (TESTS / "fuzz").glob("targets_*.py"))


def main() -> None:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000, help="cases in all (20,000)")
    parser.add_argument("--seed", type=int, default=1_000, help="first seed (1,000)")
    parser.add_argument("--jobs", type=int, default=2, help="cases run at once (2)")
    parser.add_argument("--only", default="", help="run only targets whose name contains this")
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT, help="seconds per case")
    parser.add_argument("--memory-mb", type=int, default=MEMORY_LIMIT_MB, help="peak per case")
    args = parser.parse_args()
    plan = _plan(args.cases, args.only)
    started, results = time.monotonic(), []
    for module, counts in plan.items():
        print(f"{module}: {counts}", file=sys.stderr, flush=True)
        found = run_many(module, counts, args.seed, args.jobs, args.time_limit, args.memory_mb)
        results += found
        print(f"  {json.dumps(figures(found)['outcomes'])}", file=sys.stderr, flush=True)
    summary = figures(results, args.time_limit, args.memory_mb)
    summary["wall_seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(summary))


def _plan(cases: int, only: str) -> dict[str, dict[str, int]]:
    """{module: {target: count}}: ``cases`` shared evenly among the targets."""
    import importlib

    targets = [
        (module, name)
        for module in target_modules()
        for name in sorted(importlib.import_module(module).TARGETS)
        if only in name
    ]
    plan: dict[str, dict[str, int]] = {}
    for index, (module, name) in enumerate(targets):
        count = cases // len(targets) + (index < cases % len(targets))
        plan.setdefault(module, {})[name] = count
    return plan


if __name__ == "__main__":
    main()
