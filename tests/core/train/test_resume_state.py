"""A damaged training state is refused by `train --resume` in words, never with a
traceback (issue 13, item 4), and the checks live in one place."""

from __future__ import annotations

import copy
import dataclasses

import pytest
from fake_mnist import write_fake_mnist

from digitlab.core.cli.parser import main
from digitlab.core.errors import ModelFileError
from digitlab.core.files.model_file import load_model, save_model
from digitlab.core.train.resume_state import checked_resume_state
from digitlab.core.train.run import TrainingRun

SMALL = {"epochs": 1, "batch_size": 32, "validation_size": 40, "augment": False}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """(data folder, a model file saved by one short run)."""
    folder = tmp_path_factory.mktemp("resume")
    data = write_fake_mnist(folder / "mnist", 200, 40)
    TrainingRun.prepare(SMALL, data_dir=data, out=folder / "model.h5").execute()
    return data, folder / "model.h5"


def with_state(source, target, change) -> None:
    """``source`` saved again at ``target`` with ``change(training_state)`` applied."""
    model = load_model(source)
    state = copy.deepcopy(model.training_state)
    change(state)
    save_model(target, model.network, metadata=model.metadata, history=model.history,
               optimizer_state=model.optimizer_state, training_state=state)  # fmt: skip


def setting(key, value):
    return lambda state: state["config"].__setitem__(key, value)


DAMAGE = {
    "missing-epoch": lambda s: s.pop("epoch"),
    "epoch-abc": lambda s: s.__setitem__("epoch", "abc"),
    "epoch-negative": lambda s: s.__setitem__("epoch", -5),
    "epoch-fraction": lambda s: s.__setitem__("epoch", 1.5),
    "epoch-true": lambda s: s.__setitem__("epoch", True),
    "epoch-huge": lambda s: s.__setitem__("epoch", 10**30),
    "best-after-last": lambda s: s.__setitem__("best_epoch", s["epoch"] + 1),
    "best-val-loss-string": lambda s: s.__setitem__("best_val_loss", "low"),
    "best-val-loss-negative": lambda s: s.__setitem__("best_val_loss", -1.0),
    "best-val-accuracy-7": lambda s: s.__setitem__("best_val_accuracy", 7),
    "wait-list": lambda s: s.__setitem__("wait", [1]),
    "config-list": lambda s: s.__setitem__("config", [1, 2]),
    "config-unknown-keys-bad-lr": lambda s: s.__setitem__("config", {"1": 2, "lr": -0.1}),
    "lr-string": setting("lr", "fast"),
    "threads-string": setting("threads", "4"),
    "threads-zero": setting("threads", 0),
    "unknown-schedule": setting("schedule", "zigzag"),
    "unknown-optimizer": setting("optimizer", "magic"),
    "seed-negative": setting("seed", -1),
    "seed-string": setting("seed", "s"),
    "augment-string": setting("augment", "yes"),
    "batch-size-zero": setting("batch_size", 0),
    "validation-size-zero": setting("validation_size", 0),
    "non-digits-on-a-10-class-model": setting("non_digits", 50),
}


@pytest.mark.parametrize("damage", list(DAMAGE), ids=list(DAMAGE))
def test_a_damaged_training_state_is_refused_in_words(trained, tmp_path, damage, capsys):
    data, source = trained
    damaged = tmp_path / "damaged.h5"
    with_state(source, damaged, DAMAGE[damage])
    out = tmp_path / "out.h5"
    code = main(["train", "--resume", str(damaged), "--data", str(data), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("digitlab train: error: ") and err.count("\n") == 1
    assert not out.exists()


def test_the_checked_state_is_what_the_file_holds(trained):
    _, source = trained
    model = load_model(source)
    assert checked_resume_state(model, source).as_dict() == model.training_state


def test_a_model_without_state_says_it_was_not_saved_by_training(trained, tmp_path):
    _, source = trained
    model = dataclasses.replace(load_model(source), training_state=None)
    with pytest.raises(ModelFileError, match="holds no training state"):
        checked_resume_state(model, "m.h5")


def test_an_intact_file_still_resumes(trained, tmp_path):
    data, source = trained
    out = tmp_path / "more.h5"
    run = TrainingRun.prepare({"epochs": 2}, data_dir=data, resume=source, out=out)
    assert run.describe().startswith("Continuing")
    assert run.execute().result.epochs_run == 2
