"""TrainingRun: one MNIST run as the CLI and the app start it, on fake MNIST files."""

import numpy as np
import pytest
from fake_mnist import write_fake_mnist

from digitlab.core.data.mnist import load_mnist
from digitlab.core.files.model_file import load_model, save_model
from digitlab.core.train import run as run_module
from digitlab.core.train import save_best
from digitlab.core.train.control import RunControl
from digitlab.core.train.run import TrainingRun
from digitlab.core.train.types import TrainConfig

SMALL = {"epochs": 2, "batch_size": 32, "validation_size": 50, "augment": False}


@pytest.fixture
def data_dir(tmp_path):
    return write_fake_mnist(tmp_path / "mnist", 300, 100)


def test_the_best_model_is_scored_in_memory_and_written_once_more(data_dir, tmp_path, monkeypatch):
    writes = []

    def counting_save(path, *args, **kwargs):
        writes.append(path)
        return save_model(path, *args, **kwargs)

    def no_reading(path):
        pytest.fail(f"the run read {path} back")

    monkeypatch.setattr(save_best, "save_model", counting_save)
    run = TrainingRun.prepare(SMALL, data_dir=data_dir, out=tmp_path / "model.h5")
    monkeypatch.setattr(run_module, "open_model", no_reading)
    outcome = run.execute()
    improvements = sum(1 for v in np.diff([np.inf, *outcome.result.history["val_loss"]]) if v < 0)
    assert len(writes) == improvements + 1  # each snapshot, then the final file once
    model = outcome.model
    assert model.metadata["test_accuracy"] == outcome.test.accuracy
    assert model.metadata["test_loss"] == outcome.test.loss
    on_disk = load_model(tmp_path / "model.h5")
    assert on_disk.metadata == model.metadata and on_disk.training_state == model.training_state
    for name, value in on_disk.network.get_weights().items():
        np.testing.assert_array_equal(model.network.get_weights()[name], value, err_msg=name)
    assert f"Test accuracy {outcome.test.accuracy:.2%}" in outcome.message


def test_a_run_stopped_before_any_epoch_ended_writes_nothing(data_dir, tmp_path):
    control = RunControl()
    control.stop()
    run = TrainingRun.prepare(SMALL, data_dir=data_dir, out=tmp_path / "model.h5")
    outcome = run.execute(control=control)
    assert outcome.result.stopped == "stopped"
    assert outcome.model is None and outcome.test is None
    assert not (tmp_path / "model.h5").exists()


def test_a_file_from_before_the_new_settings_resumes_as_it_did(data_dir, tmp_path):
    first = TrainingRun.prepare(
        {**SMALL, "schedule": "step", "augment": True}, data_dir=data_dir, out=tmp_path / "a.h5"
    )
    first.execute()
    saved = load_model(tmp_path / "a.h5")
    old_fields = {
        "epochs", "batch_size", "optimizer", "lr", "weight_decay", "schedule", "patience",
        "min_delta", "validation_size", "augment", "seed", "threads",
    }  # fmt: skip
    old_config = {k: v for k, v in saved.training_state["config"].items() if k in old_fields}
    save_model(
        tmp_path / "old.h5",
        saved.network,
        metadata={**saved.metadata, "train_config": old_config},
        history=saved.history,
        optimizer_state=saved.optimizer_state,
        training_state={**saved.training_state, "config": old_config},
    )
    runs = {}
    for name in ("a", "old"):
        runs[name] = TrainingRun.prepare(
            {"epochs": 4}, data_dir=data_dir, resume=tmp_path / f"{name}.h5",
            out=tmp_path / f"{name}-resumed.h5",
        )  # fmt: skip
    assert (
        runs["old"].config
        == runs["a"].config
        == TrainConfig.from_dict({**saved.training_state["config"], "epochs": 4})
    )
    outcomes = {name: run.execute() for name, run in runs.items()}
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "lr"):  # all but the timings
        assert outcomes["old"].result.history[key] == outcomes["a"].result.history[key], key
    new, old = (outcomes[n].model.network.get_weights() for n in ("a", "old"))
    for name, value in new.items():
        np.testing.assert_array_equal(old[name], value, err_msg=name)


def test_the_description_says_what_will_be_trained_on(data_dir, tmp_path):
    run = TrainingRun(TrainConfig(**SMALL), load_mnist(data_dir), tmp_path / "m.h5")
    assert len(run.train) == 250 and len(run.validation) == 50
    assert "Training LeNet-5 on 250 MNIST images (50 held out" in run.describe()


def write_pen_digits(folder, writers=range(1, 31)):
    """A tiny UNIPEN file: a "1" and a "7" per writer, as the UCI file writes them."""
    lines = []
    for w in writers:
        for label, points in ((1, [(50, 300), (52, 0)]), (7, [(0, 300), (150, 300), (60, 0)])):
            lines += [f'.SEGMENT DIGIT 0 ? "{label}"', f".COMMENT {label} {w} 1", ".PEN_DOWN"]
            lines += [f" {x} {y}" for x, y in points] + [".PEN_UP"]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pendigits-orig.tra").write_text("\n".join(lines) + "\n", encoding="ascii")
    return folder


def test_pen_digits_are_mixed_in_and_the_model_says_so(data_dir, tmp_path):
    pen = write_pen_digits(tmp_path / "pen")
    settings = {**SMALL, "pen_digits": 2, "calibrate": True}
    run = TrainingRun.prepare(settings, data_dir=data_dir, out=tmp_path / "m.h5", pendigits_dir=pen)
    assert len(run.train) == len(run.mnist_train) + 2 * 36  # 40 learnable digits, 4 held out
    assert len(run.validation) == len(run.mnist_validation) + 4
    assert "and 72 drawn ones" in run.describe()
    outcome = run.execute()
    metadata = outcome.model.metadata
    assert metadata["dataset"] == "MNIST + pen digits of 20 writers"
    assert metadata["classes"] == 10 and metadata["train_config"]["pen_digits"] == 2
    assert metadata["temperature"] > 0 and 0 <= metadata["validation_ece"] <= 1
    assert "validation_ece_before" in metadata


def test_pen_digits_without_their_folder_are_refused_in_words(data_dir, tmp_path):
    from digitlab.core.errors import DatasetError

    with pytest.raises(DatasetError, match="needs their folder"):
        TrainingRun.prepare({**SMALL, "pen_digits": 1}, data_dir=data_dir, out=tmp_path / "m.h5")


def test_calibration_keeps_every_answer_and_is_recorded(data_dir, tmp_path):
    plain = TrainingRun.prepare(SMALL, data_dir=data_dir, out=tmp_path / "a.h5").execute()
    calibrated = TrainingRun.prepare(
        {**SMALL, "calibrate": True}, data_dir=data_dir, out=tmp_path / "b.h5"
    ).execute()
    assert "temperature" not in plain.model.metadata
    t = calibrated.model.metadata["temperature"]
    x = load_mnist(data_dir).test.for_network()[0]
    a = plain.model.network.forward(x, training=False)
    b = calibrated.model.network.forward(x, training=False)
    np.testing.assert_allclose(b, a / t, rtol=1e-3, atol=1e-4)
    assert calibrated.test.accuracy == plain.test.accuracy


def test_a_wider_lenet_is_built_and_described(data_dir, tmp_path):
    settings = {**SMALL, "conv1_filters": 8, "conv2_filters": 12}
    run = TrainingRun.prepare(settings, data_dir=data_dir, out=tmp_path / "w.h5")
    assert "Training LeNet-5 with 8 and 12 kernels on" in run.describe()
    network = run.make_trainer().network
    assert network.params()["conv2.kernel"].shape == (12, 8, 5, 5)


def test_a_missing_output_folder_is_refused_before_anything_is_read(tmp_path, monkeypatch):
    def no_reading(*args, **kwargs):
        pytest.fail("the data was read before the output folder was checked")

    monkeypatch.setattr(run_module, "load_mnist", no_reading)
    from digitlab.core.errors import ModelFileError

    with pytest.raises(ModelFileError, match=r"the folder .*missing does not exist"):
        TrainingRun.prepare(SMALL, out=tmp_path / "missing" / "model.h5")
