"""The trainer: learning, reports, early stopping, snapshots, control, divergence, resume."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from digitlab.core.files.model_file import load_model
from digitlab.core.nn.architectures import lenet5
from digitlab.core.train.trainer import Trainer
from digitlab.core.train.types import BatchProgress, Callback, EpochResult, TrainConfig, TrainResult

FAST = {"batch_size": 16, "lr": 3e-3, "augment": False, "seed": 3, "schedule": "constant"}


class Recorder(Callback):
    """Keeps every report; ``hooks`` maps (epoch, batch) to an action run at that point."""

    def __init__(self, hooks=None):
        self.batches: list[BatchProgress] = []
        self.epochs: list[EpochResult] = []
        self.ends: list[TrainResult] = []
        self.hooks = hooks or {}

    def on_batch_end(self, progress):
        self.batches.append(progress)
        action = self.hooks.get((progress.epoch, progress.batch))
        if action:
            action()

    def on_epoch_end(self, result):
        self.epochs.append(result)
        action = self.hooks.get((result.epoch, "end"))
        if action:
            action()

    def on_train_end(self, result):
        self.ends.append(result)


@pytest.fixture
def data(digits):
    x, y = digits(576, seed=5)
    return (x[:512], y[:512]), (x[512:], y[512:])


def make_trainer(data, recorder=None, network=None, **kwargs):
    (train, val), options = data, {**FAST, **kwargs.pop("config", {})}
    return Trainer(
        network or lenet5(0),
        train,
        val,
        TrainConfig(**options),
        callbacks=[recorder] if recorder else [],
        **kwargs,
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


def test_early_stopping_keeps_the_best_weights_and_snapshot(data, tmp_path):
    snapshot = tmp_path / "model.h5"
    recorder = Recorder()
    # min_delta so large that nothing after epoch 1 counts as an improvement
    trainer = make_trainer(
        data,
        recorder,
        snapshot_path=snapshot,
        config={"epochs": 10, "patience": 2, "min_delta": 1e3},
    )
    result = trainer.run()
    assert result.stopped == "early_stopping"
    assert (result.epochs_run, result.best_epoch) == (3, 1)
    assert [e.improved for e in recorder.epochs] == [True, False, False]
    assert recorder.epochs[0].snapshot_path == str(snapshot)
    saved = load_model(snapshot)
    for name, value in trainer.network.params().items():
        np.testing.assert_array_equal(saved.network.params()[name], value)
    assert saved.metadata["val_accuracy"] == pytest.approx(recorder.epochs[0].val_accuracy)
    assert saved.training_state["best_epoch"] == 1
    assert len(saved.history["loss"]) == 1


def test_snapshot_follows_each_improvement(data, tmp_path):
    snapshot = tmp_path / "best.h5"
    recorder = Recorder()
    make_trainer(data, recorder, snapshot_path=snapshot, config={"epochs": 3}).run()
    best = max((e for e in recorder.epochs if e.improved), key=lambda e: e.epoch)
    assert load_model(snapshot).training_state["epoch"] == best.epoch


def test_pause_holds_the_run_until_resumed_and_stop_ends_it(data):
    seen_while_paused = []

    def watch():
        while not trainer.paused:
            time.sleep(0.001)
        time.sleep(0.2)  # long enough for several batches, had the pause not held
        seen_while_paused.append(len(recorder.batches))
        trainer.resume()

    recorder = Recorder(
        {(1, 3): lambda: (trainer.pause(), threading.Thread(target=watch).start()),
         (1, 5): lambda: trainer.stop()}
    )  # fmt: skip
    trainer = make_trainer(data, recorder, config={"epochs": 3})
    result = trainer.run()
    assert seen_while_paused == [3]
    assert len(recorder.batches) == 5
    assert result.stopped == "stopped"
    assert result.epochs_run == 0


def test_stop_while_paused_ends_the_run(data):
    recorder = Recorder({(1, 2): lambda: (trainer.pause(), trainer.stop())})
    trainer = make_trainer(data, recorder, config={"epochs": 2})
    assert trainer.run().stopped == "stopped"
    assert len(recorder.batches) == 2


def test_divergence_stops_at_once_and_keeps_the_best_snapshot(data, tmp_path):
    snapshot = tmp_path / "model.h5"

    def poison():
        trainer.network.params()["dense3.kernel"][0, 0] = np.inf

    recorder = Recorder({(2, 2): poison})
    trainer = make_trainer(data, recorder, snapshot_path=snapshot, config={"epochs": 5})
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
    first = make_trainer(data, snapshot_path=snapshot, config=config)
    first.callbacks.append(Recorder({(2, "end"): first.stop}))
    assert first.run().stopped == "stopped"

    saved = load_model(snapshot)
    from digitlab.core.train.optimizers import optimizer_from_state

    resumed = make_trainer(
        data,
        network=saved.network,
        snapshot_path=tmp_path / "resumed.h5",
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


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"epochs": 0}, "epochs must be a whole number >= 1, got 0"),
        ({"batch_size": 2.5}, "batch_size must be a whole number"),
        ({"lr": float("nan")}, "learning rate must be > 0"),
        ({"weight_decay": -1.0}, "weight_decay and min_delta must be >= 0"),
    ],
)
def test_bad_settings_are_refused_with_their_value(values, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**values)


def test_config_round_trips_through_a_dict():
    config = TrainConfig(epochs=7, optimizer="sgd", threads=1)
    assert TrainConfig.from_dict({**config.to_dict(), "from_a_newer_version": 1}) == config
