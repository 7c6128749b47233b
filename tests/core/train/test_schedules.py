"""Learning-rate schedules: values at chosen epochs, validation and config round trips."""

import dataclasses
import math
import re

import pytest
from numpy.testing import assert_allclose

from digitlab.core.train.schedules import (
    SCHEDULES,
    ConstantLR,
    CosineLR,
    ExponentialLR,
    Schedule,
    StepLR,
    make_schedule,
    schedule_for_run,
)


@pytest.mark.parametrize(
    ("schedule", "base_lr", "expected"),
    [
        # expected rates for epochs 0, 1, 2, ...
        (ConstantLR(), 0.1, [0.1, 0.1, 0.1]),
        (StepLR(step_size=2, gamma=0.5), 1.0, [1.0, 1.0, 0.5, 0.5, 0.25]),
        (StepLR(step_size=3), 0.1, [0.1, 0.1, 0.1, 0.01]),
        (ExponentialLR(gamma=0.9), 2.0, [2.0, 1.8, 1.62, 1.458]),
        # cos(pi/4) = sqrt(2)/2, so epoch 1 of 4 sits at (1 + 0.7071...)/2 of the way down
        (
            CosineLR(total_epochs=4),
            1.0,
            [1.0, (1 + math.sqrt(2) / 2) / 2, 0.5, (1 - math.sqrt(2) / 2) / 2, 0.0, 0.0],
        ),
        (
            CosineLR(total_epochs=10, min_lr=0.1),
            1.0,
            [1.0] + [None] * 4 + [0.55] + [None] * 4 + [0.1],
        ),
    ],
)
def test_values_at_epochs(schedule, base_lr, expected):
    for epoch, rate in enumerate(expected):
        if rate is not None:
            assert_allclose(schedule(base_lr, epoch), rate, rtol=1e-12, err_msg=f"epoch {epoch}")


def test_cosine_stays_at_min_after_the_end():
    schedule = CosineLR(total_epochs=10, min_lr=0.1)
    assert schedule(1.0, 10) == schedule(1.0, 25) == 0.1


def test_rates_are_plain_floats():
    assert type(StepLR(2)(1, 3)) is float


@pytest.mark.parametrize(
    ("build", "shown"),
    [
        (lambda: StepLR(step_size=0), "step_size must be an integer >= 1, got 0"),
        (lambda: StepLR(step_size=2.5), "2.5"),
        (lambda: StepLR(step_size=True), "True"),
        (lambda: StepLR(step_size=2, gamma=-0.5), "gamma must be > 0, got -0.5"),
        (lambda: ExponentialLR(gamma=0.0), "gamma must be > 0, got 0.0"),
        (lambda: ExponentialLR(gamma=float("nan")), "nan"),
        (lambda: CosineLR(total_epochs=-3), "total_epochs must be an integer >= 1, got -3"),
        (lambda: CosineLR(total_epochs=5, min_lr=-1e-4), "min_lr must be >= 0, got -0.0001"),
        (lambda: ConstantLR()(0.1, -1), "epoch must be an integer >= 0, got -1"),
    ],
)
def test_bad_values_are_rejected(build, shown):
    with pytest.raises(ValueError, match=re.escape(shown)):
        build()


@pytest.mark.parametrize(
    "schedule",
    [
        ConstantLR(),
        StepLR(5, gamma=0.3),
        ExponentialLR(0.95),
        CosineLR(20, min_lr=1e-4),
    ],
)
def test_config_round_trip(schedule):
    assert type(schedule)(**schedule.get_config()) == schedule


def test_schedules_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        StepLR(2).gamma = 0.5


def test_make_schedule():
    assert make_schedule("STEP", step_size=3) == StepLR(3)
    assert make_schedule("cosine", total_epochs=8, min_lr=0.01) == CosineLR(8, 0.01)
    assert make_schedule("constant") == ConstantLR()
    assert all(issubclass(cls, Schedule) for cls in SCHEDULES.values())


@pytest.mark.parametrize(
    ("call", "shown"),
    [
        (lambda: make_schedule("warmup"), "cosine"),
        (lambda: make_schedule("step", size=3), "size"),
        (lambda: make_schedule("step"), "step_size"),
        (lambda: schedule_for_run("os.system", 10), "os.system"),
        (lambda: schedule_for_run("step", 0), "epochs must be an integer >= 1, got 0"),
        (lambda: schedule_for_run("step", 10, step_size=0), "step_size must be"),
        (lambda: schedule_for_run("cosine", 10, gamma=0.5), "unknown arguments ['gamma']"),
    ],
)
def test_factories_reject_unknown_or_bad_input(call, shown):
    with pytest.raises(ValueError, match=re.escape(shown)):
        call()


@pytest.mark.parametrize(
    ("name", "epochs", "expected"),
    [
        # What runs did before schedules knew their run defaults: files of those runs
        # resume with exactly these.
        ("constant", 20, ConstantLR()),
        ("step", 20, StepLR(6, gamma=0.1)),
        ("step", 2, StepLR(1, gamma=0.1)),
        ("exponential", 20, ExponentialLR(0.9)),
        ("cosine", 20, CosineLR(20, min_lr=0.0)),
    ],
)
def test_a_run_fits_each_schedule_to_its_length(name, epochs, expected):
    assert schedule_for_run(name, epochs) == expected


def test_a_run_can_override_a_schedules_defaults():
    assert schedule_for_run("Step", 30, gamma=0.5) == StepLR(10, gamma=0.5)
    assert schedule_for_run("cosine", 12, min_lr=1e-5) == CosineLR(12, min_lr=1e-5)
