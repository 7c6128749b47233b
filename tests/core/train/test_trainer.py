"""The trainer: learning, reports, early stopping, control, divergence, resume, config."""

from __future__ import annotations

import re
import threading
import time

import numpy as np
import pytest
from train_recorder import Recorder

from digitlab.core.files.model_file import load_model
from digitlab.core.nn.architectures import lenet5
from digitlab.core.train.control import RunControl
from digitlab.core.train.optimizers import Adam, MomentumSGD, optimizer_from_state
from digitlab.core.train.save_best import SaveBestModel
from digitlab.core.train.schedules import ConstantLR, CosineLR, ExponentialLR, StepLR
from digitlab.core.train.trainer import Trainer
from digitlab.core.train.types import TrainConfig

FAST = {"batch_size": 16, "lr": 3e-3, "augment": False, "seed": 3, "schedule": "constant"}


@pytest.fixture
def data(digits):
    x, y = digits(576, seed=5)
    return (x[:512], y[:512]), (x[512:], y[512:])


def make_trainer(data, *callbacks, network=None, **kwargs):
    (train, val), options = data, {**FAST, **kwargs.pop("config", {})}
    return Trainer(
        network or lenet5(0), train, val, TrainConfig(**options), callbacks=callbacks, **kwargs
    )


def test_learns_synthetic_digits_and_reports_every_batch_and_epoch(data):
    recorder = Recorder()
    result = make_trainer(data, recorder, config={"epochs": 5}).run()
    assert result.stopped == "completed"
    assert result.best_val_accuracy >= 0.9
    assert [(b.epoch, b.batch) for b in recorder.batches] == [
        (e, b) for e in range(1, 6) for b in range(1, 33)
    ]
    assert [e.epoch for e in recorder.epochs] == [1, 2, 3, 4, 5]
    assert recorder.epochs[-1].loss < recorder.epochs[0].loss
    assert all(b.images_per_second > 0 and b.batches == 32 for b in recorder.batches)
    assert len(result.history["val_accuracy"]) == 5
    assert recorder.ends == [result]


def test_augmentation_still_learns(data):
    result = make_trainer(data, config={"epochs": 5, "augment": True}).run()
    assert result.best_val_accuracy >= 0.7


def test_callbacks_are_given_the_trainer_as_the_run_begins(data):
    recorder = Recorder()
    trainer = make_trainer(data, recorder, config={"epochs": 1})
    assert recorder.trainer is None
    trainer.run()
    assert recorder.trainer is trainer


def test_early_stopping_restores_the_best_weights(data):
    best = {}
    recorder = Recorder({(1, "end"): lambda: best.update(trainer.network.get_weights())})
    # min_delta so large that nothing after epoch 1 counts as an improvement
    trainer = make_trainer(data, recorder, config={"epochs": 10, "patience": 2, "min_delta": 1e3})
    result = trainer.run()
    assert result.stopped == "early_stopping"
    assert result.message == (
        "Stopped early: validation loss has not improved for 2 epochs since epoch 1. "
        "Kept the best model, from epoch 1."
    )
    assert (result.epochs_run, result.best_epoch) == (3, 1)
    assert [e.improved for e in recorder.epochs] == [True, False, False]
    for name, value in trainer.network.get_weights().items():
        np.testing.assert_array_equal(value, best[name], err_msg=name)


def test_pause_holds_the_run_until_resumed_and_stop_ends_it(data):
    control = RunControl()
    seen_while_paused = []

    def watch():
        while not control.is_paused():
            time.sleep(0.001)
        time.sleep(0.2)  # long enough for several batches, had the pause not held
        seen_while_paused.append(len(recorder.batches))
        control.resume()

    recorder = Recorder(
        {(1, 3): lambda: (control.pause(), threading.Thread(target=watch).start()),
         (1, 5): control.stop}
    )  # fmt: skip
    result = make_trainer(data, recorder, control=control, config={"epochs": 3}).run()
    assert seen_while_paused == [3]
    assert len(recorder.batches) == 5
    assert result.stopped == "stopped"
    assert result.message == "Stopped during epoch 1."
    assert result.epochs_run == 0


def test_stop_while_paused_ends_the_run(data):
    control = RunControl()
    recorder = Recorder({(1, 2): lambda: (control.pause(), control.stop())})
    trainer = make_trainer(data, recorder, control=control, config={"epochs": 2})
    assert trainer.run().stopped == "stopped"
    assert len(recorder.batches) == 2


def test_a_stop_asked_before_the_trainer_exists_is_not_lost(data):
    control = RunControl()
    control.stop()  # e.g. while the data was still being read
    recorder = Recorder()
    result = make_trainer(data, recorder, control=control).run()
    assert result.stopped == "stopped" and recorder.batches == []


def test_each_trainer_has_a_control_of_its_own_unless_given_one(data):
    first, second = make_trainer(data), make_trainer(data)
    assert isinstance(first.control, RunControl) and first.control is not second.control
    shared = RunControl()
    assert make_trainer(data, control=shared).control is shared


def test_divergence_stops_at_once_and_keeps_the_best_snapshot(data, tmp_path):
    snapshot = tmp_path / "model.h5"

    def poison():
        trainer.network.params()["dense3.kernel"][0, 0] = np.inf

    recorder = Recorder({(2, 2): poison})
    trainer = make_trainer(data, SaveBestModel(snapshot), recorder, config={"epochs": 5})
    result = trainer.run()
    assert result.stopped == "diverged"
    assert "lower learning rate" in result.message
    assert "epoch 2, batch 3" in result.message
    assert len(recorder.batches) == 32 + 2  # not one batch after the bad one
    assert all(np.isfinite(v).all() for v in trainer.network.params().values())
    assert load_model(snapshot).training_state["epoch"] == 1


def test_resumed_run_equals_the_uninterrupted_one(data, tmp_path):
    config = {"epochs": 4, "augment": True, "threads": 2, "schedule": "cosine", "patience": 9}
    whole = make_trainer(data, config=config)
    whole_result = whole.run()

    snapshot = tmp_path / "model.h5"
    control = RunControl()
    first = make_trainer(
        data, SaveBestModel(snapshot), Recorder({(2, "end"): control.stop}), control=control,
        config=config,
    )  # fmt: skip
    assert first.run().stopped == "stopped"

    saved = load_model(snapshot)
    resumed = make_trainer(
        data,
        SaveBestModel(tmp_path / "resumed.h5"),
        network=saved.network,
        config=TrainConfig.from_dict(saved.training_state["config"]).to_dict(),
        optimizer=optimizer_from_state(saved.optimizer_state),
        history=saved.history,
        resume=saved.training_state,
    )
    result = resumed.run()
    assert result.best_epoch == whole_result.best_epoch
    for key in ("loss", "val_loss", "val_accuracy", "lr"):
        assert result.history[key] == whole_result.history[key], key
    for name, value in whole.network.params().items():
        np.testing.assert_array_equal(resumed.network.params()[name], value, err_msg=name)


# -- the config ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"epochs": 0}, "epochs must be a whole number >= 1, got 0"),
        ({"batch_size": 2.5}, "batch_size must be a whole number"),
        ({"lr": float("nan")}, "learning rate must be > 0"),
        ({"weight_decay": -1.0}, "weight_decay and min_delta must be >= 0"),
        ({"optimizer": "lbfgs"}, "unknown optimizer 'lbfgs'"),
        ({"beta1": 1.5}, "beta1 must be in [0, 1), got 1.5"),
        ({"optimizer": "sgd", "beta2": 0.99}, "unknown arguments ['beta2'] for SGD"),
        ({"optimizer": "momentum", "momentum": -0.5}, "momentum must be in [0, 1), got -0.5"),
        ({"schedule": "warmup"}, "unknown schedule 'warmup'"),
        ({"schedule": "step", "step_size": 0}, "step_size must be an integer >= 1, got 0"),
        ({"schedule": "exponential", "gamma": -0.9}, "gamma must be > 0, got -0.9"),
        ({"schedule": "cosine", "step_size": 3}, "unknown arguments ['step_size'] for CosineLR"),
        ({"max_shift": -1.0}, "max_shift must be a number >= 0, got -1.0"),
        ({"min_scale": 1.2}, "scale_range must be (low, high) with 0 < low <= high"),
    ],
)
def test_bad_settings_are_refused_with_their_value(values, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        TrainConfig(**values)


def test_config_round_trips_through_a_dict():
    config = TrainConfig(epochs=7, optimizer="sgd", momentum=0.5, schedule="step", gamma=0.5)
    assert TrainConfig.from_dict({**config.to_dict(), "from_a_newer_version": 1}) == config


# What a run's config looked like before the optimizer's and the schedule's parameters
# and the augmentation ranges were settings: how older files recorded it.
OLD_CONFIG = {
    "epochs": 9, "batch_size": 64, "optimizer": "adam", "lr": 0.001, "weight_decay": 0.0,
    "schedule": "step", "patience": 5, "min_delta": 1e-4, "validation_size": 5000,
    "augment": True, "seed": 0, "threads": None,
}  # fmt: skip


def test_an_old_config_runs_as_it_did_before_its_settings_were_fields():
    config = TrainConfig.from_dict(OLD_CONFIG)
    optimizer = config.make_optimizer()
    assert isinstance(optimizer, Adam)
    assert optimizer.get_config() == Adam(lr=0.001).get_config()  # betas 0.9/0.999, eps 1e-8
    assert config.make_schedule() == StepLR(3, gamma=0.1)  # x0.1 every third of the run
    as_before = {"max_shift": 2.0, "max_rotation": 10.0, "scale_range": (0.9, 1.1)}
    assert vars(config.augmentation()) == as_before
    assert TrainConfig.from_dict({**OLD_CONFIG, "schedule": "exponential"}).make_schedule() == (
        ExponentialLR(0.9)
    )
    assert TrainConfig.from_dict({**OLD_CONFIG, "schedule": "cosine"}).make_schedule() == (
        CosineLR(9, min_lr=0.0)
    )
    assert TrainConfig.from_dict({**OLD_CONFIG, "schedule": "constant"}).make_schedule() == (
        ConstantLR()
    )


def test_every_setting_of_the_optimizer_and_schedule_reaches_the_trainer(data):
    config = {
        "optimizer": "momentum", "momentum": 0.8, "weight_decay": 1e-4,
        "schedule": "step", "step_size": 2, "gamma": 0.5, "epochs": 6,
    }  # fmt: skip
    trainer = make_trainer(data, config=config)
    assert isinstance(trainer.optimizer, MomentumSGD)
    assert trainer.optimizer.get_config() == {"lr": 3e-3, "momentum": 0.8, "weight_decay": 1e-4}
    assert trainer.schedule == StepLR(2, gamma=0.5)
    augmented = make_trainer(data, config={"max_rotation": 5.0, "min_scale": 0.95})
    assert augmented.augmentation.max_rotation == 5.0
    assert augmented.augmentation.scale_range == (0.95, 1.1)
