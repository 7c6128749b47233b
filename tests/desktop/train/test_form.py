"""The hyper-parameter form: defaults, tooltips, the rate spin box's 1-2-5 steps."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import pytest

from digitlab.core.train.types import TrainConfig
from digitlab.desktop.train.form import HyperParameterForm, LogSpinBox


@pytest.fixture
def form(qtbot):
    widget = HyperParameterForm()
    qtbot.addWidget(widget)
    return widget


def test_the_form_starts_at_the_defaults_and_says_them(form):
    assert form.config() == TrainConfig()
    lr = form.widgets["lr"]
    assert lr.text() == "0.001"
    assert "Default: 0.001" in lr.toolTip()
    assert "Default: on" in form.widgets["augment"].toolTip()
    assert "cosine" in form.widgets["schedule"].toolTip()


def test_config_round_trips(form):
    config = TrainConfig(
        epochs=3, batch_size=128, optimizer="sgd", lr=0.05, schedule="step", weight_decay=1e-4,
        patience=2, min_delta=0.01, validation_size=1000, augment=False, seed=7,
    )  # fmt: skip
    form.set_config(config)
    assert form.config() == config


@pytest.mark.parametrize(
    ("start", "steps", "expected"),
    [(1e-3, 1, 2e-3), (2e-3, 1, 5e-3), (5e-3, 1, 1e-2), (1e-3, -1, 5e-4), (1e-3, 3, 1e-2)],
)
def test_rates_step_along_one_two_five(qtbot, start, steps, expected):
    box = LogSpinBox(1e-6, 10.0)
    qtbot.addWidget(box)
    box.setValue(start)
    box.stepBy(steps)
    assert box.value() == pytest.approx(expected)


def test_a_rate_that_may_be_zero_steps_down_to_zero_and_back(qtbot):
    box = LogSpinBox(1e-5, 1.0, allow_zero=True)
    qtbot.addWidget(box)
    box.setValue(1e-5)
    box.stepBy(-1)
    assert box.value() == 0.0
    box.stepBy(1)
    assert box.value() == pytest.approx(1e-5)
