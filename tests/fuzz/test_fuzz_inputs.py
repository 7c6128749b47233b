"""Every input-reader fuzz target, a few dozen seeded cases each, in this process: each
case is accepted or refused with one of EXPECTED_ERRORS, never anything else. The
harness (tests/fuzz/harness.py) and bench/fuzz.py run the same targets in child
processes with time and memory limits, and for many more cases."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest

from fuzz.targets_inputs import EXPECTED_ERRORS, TARGETS

CASES = 40
SEED = 13  # the number; any fixed value would do


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_case_is_accepted_or_refused_well(name, tmp_path):
    target, outcomes = TARGETS[name], {"accepted": 0, "refused": 0}
    for case in range(CASES):
        folder = tmp_path / str(case)
        folder.mkdir()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns of big headers we then refuse
            try:
                target(np.random.default_rng([SEED, case]), folder)
                outcomes["accepted"] += 1
            except EXPECTED_ERRORS:
                outcomes["refused"] += 1
    assert sum(outcomes.values()) == CASES


def test_the_targets_cover_every_reader_of_this_half():
    assert {"idx_mutated", "idx_hostile", "mnist_folder", "picture_valid", "picture_mutated",
            "picture_hostile", "digit_folder"} <= set(TARGETS)  # fmt: skip
    assert all(issubclass(error, BaseException) for error in EXPECTED_ERRORS)


def test_valid_inputs_are_accepted_somewhere():
    """A target that refused everything would test only the refusal."""
    accepted = 0
    for case in range(20):
        with tempfile.TemporaryDirectory() as folder:
            try:
                TARGETS["picture_valid"](np.random.default_rng([SEED, case]), Path(folder))
                accepted += 1
            except EXPECTED_ERRORS:
                pass
    assert accepted >= 5
