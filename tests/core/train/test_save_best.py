"""SaveBestModel: the best model so far on disk after each improvement, and in memory."""

import numpy as np
import pytest
from train_recorder import Recorder

from digitlab.core.files.model_file import load_model
from digitlab.core.nn.architectures import lenet5
from digitlab.core.train.save_best import SaveBestModel
from digitlab.core.train.trainer import Trainer
from digitlab.core.train.types import TrainConfig

FAST = {"batch_size": 16, "lr": 3e-3, "augment": False, "seed": 3, "schedule": "constant"}


@pytest.fixture
def data(digits):
    x, y = digits(320, seed=5)
    return (x[:256], y[:256]), (x[256:], y[256:])


def run(data, *callbacks, **config):
    (train, val) = data
    trainer = Trainer(lenet5(0), train, val, TrainConfig(**{**FAST, **config}), callbacks=callbacks)
    return trainer, trainer.run()


def assert_same_model(in_memory, on_disk):
    assert in_memory.metadata == on_disk.metadata
    assert in_memory.history == on_disk.history
    assert in_memory.training_state == on_disk.training_state
    for name, value in on_disk.network.get_weights().items():
        np.testing.assert_array_equal(in_memory.network.get_weights()[name], value, err_msg=name)


def test_it_writes_the_model_of_each_improving_epoch(data, tmp_path):
    path = tmp_path / "best.h5"
    saver = SaveBestModel(path, {"name": "digits"})
    written = []
    recorder = Recorder({(e, "end"): lambda: written.append(saver.saved_epoch) for e in (1, 2, 3)})
    trainer, result = run(data, saver, recorder, epochs=3)
    improved = [e.epoch for e in recorder.epochs if e.improved]
    assert written == [max((i for i in improved if i <= e), default=None) for e in (1, 2, 3)]
    saved = load_model(path)
    assert saver.saved_epoch == result.best_epoch == saved.training_state["epoch"]
    assert saved.metadata["name"] == "digits"
    assert saved.metadata["val_loss"] == pytest.approx(result.best_val_loss)
    assert saved.metadata["train_config"] == trainer.config.to_dict()
    assert saved.optimizer_state is not None
    assert len(saved.history["loss"]) == result.best_epoch


def test_what_it_keeps_in_memory_is_what_the_file_holds(data, tmp_path):
    saver = SaveBestModel(tmp_path / "best.h5")
    trainer, _ = run(data, saver, epochs=2)
    assert_same_model(saver.saved, load_model(saver.path))
    assert saver.saved.network is not trainer.network  # a copy: training goes on with its own


def test_the_kept_model_stays_at_its_epoch_while_training_goes_on(data, tmp_path):
    # After epoch 1 nothing counts as an improvement, but the network keeps changing.
    saver = SaveBestModel(tmp_path / "best.h5")
    first = {}
    recorder = Recorder({(1, "end"): lambda: first.update(saver.saved.network.get_weights())})
    run(data, saver, recorder, epochs=3, min_delta=1e3, patience=9)
    assert saver.saved_epoch == 1
    for name, value in saver.saved.network.get_weights().items():
        np.testing.assert_array_equal(value, first[name], err_msg=name)


def test_add_metadata_writes_the_file_once_more(data, tmp_path):
    saver = SaveBestModel(tmp_path / "best.h5", {"name": "digits"})
    run(data, saver, epochs=1)
    model = saver.add_metadata(test_accuracy=0.5, test_loss=1.25)
    assert model is saver.saved
    assert model.metadata["test_accuracy"] == 0.5 and model.metadata["name"] == "digits"
    assert_same_model(model, load_model(saver.path))


def test_nothing_is_written_before_an_epoch_improves(tmp_path):
    saver = SaveBestModel(tmp_path / "best.h5")
    assert saver.saved is None and saver.saved_epoch is None
    with pytest.raises(RuntimeError, match="no epoch has improved"):
        saver.add_metadata(test_accuracy=1.0)
    assert not saver.path.exists()
