"""The ``digitlab`` subcommands: exit codes, output, JSON, and errors as one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fake_mnist import write_fake_mnist

from digitlab.core.cli.parser import main
from digitlab.core.files.model_file import load_model, save_model
from digitlab.core.nn.architectures import lenet5

ROOT = Path(__file__).resolve().parents[3]
QUICK = ["--epochs", "2", "--batch-size", "32", "--validation-size", "50", "--no-augment"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return write_fake_mnist(tmp_path_factory.mktemp("mnist"))


@pytest.fixture(scope="module")
def trained(data_dir, tmp_path_factory):
    """A model trained by `digitlab train` on the fake data."""
    out = tmp_path_factory.mktemp("model") / "model.h5"
    assert main(["train", "--data", str(data_dir), *QUICK, "--out", str(out)]) == 0
    return out


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


def test_train_saves_the_best_model_with_its_test_score(trained, capsys):
    model = load_model(trained)
    assert model.metadata["dataset"] == "MNIST"
    assert 0.0 <= model.metadata["test_accuracy"] <= 1.0
    assert model.training_state["epoch"] >= 1
    assert len(model.history["val_loss"]) == model.training_state["epoch"]


def test_train_prints_a_line_per_epoch(data_dir, tmp_path, capsys):
    assert main(["train", "--data", str(data_dir), *QUICK, "--out", str(tmp_path / "m.h5")]) == 0
    out = capsys.readouterr().out
    assert "Training LeNet-5 on 250 MNIST images (50 held out for validation)" in out
    assert "epoch 1/2  loss" in out and "epoch 2/2  loss" in out
    assert "Test accuracy" in out


def test_resume_continues_where_the_file_ended(trained, data_dir, tmp_path, capsys):
    out = tmp_path / "more.h5"
    code = main(["train", "--data", str(data_dir), "--resume", str(trained), "--epochs", "3",
                 "--out", str(out)])  # fmt: skip
    assert code == 0
    assert "Continuing model after epoch" in capsys.readouterr().out
    assert load_model(out).training_state["config"]["epochs"] == 3


def test_eval_json_has_accuracy_loss_n_and_confusion(trained, data_dir, capsys):
    assert main(["eval", str(trained), "--data", str(data_dir), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == 100
    assert np.array(result["confusion"]).shape == (10, 10)
    assert np.array(result["confusion"]).sum() == 100
    assert 0 <= result["accuracy"] <= 1 and result["loss"] > 0


def test_eval_prints_a_table(trained, data_dir, capsys):
    assert main(["eval", str(trained), "--data", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "test accuracy" in out and "confusion matrix" in out


def test_summary_shows_layers_and_training_metadata(trained, capsys):
    assert main(["summary", str(trained)]) == 0
    out = capsys.readouterr().out
    assert "conv1 (Conv2D)" in out and "Total params: 61,706" in out
    assert "dataset:" in out and "MNIST" in out and "test accuracy:" in out


def test_predict_json_gives_one_object_per_image(trained, tmp_path, capsys):
    from PIL import Image

    files = []
    for name, ink in (("one.png", 0), ("inverted.png", 255)):
        image = np.full((90, 60), 255 - ink, np.uint8)
        image[10:80, 28:34] = ink  # a vertical bar
        Image.fromarray(image).save(tmp_path / name)
        files.append(str(tmp_path / name))
    assert main(["predict", "--model", str(trained), *files, "--json"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    results = [json.loads(line) for line in lines]
    assert [r["file"] for r in results] == files
    for r in results:
        assert len(r["probabilities"]) == 10
        assert sum(r["probabilities"]) == pytest.approx(1, abs=1e-4)
        assert r["digit"] == int(np.argmax(r["probabilities"]))
    assert results[0]["probabilities"] == pytest.approx(results[1]["probabilities"], abs=1e-5)


def test_predict_reports_a_bad_image_and_goes_on(trained, tmp_path, capsys):
    bad, blank = tmp_path / "notes.png", tmp_path / "blank.png"
    bad.write_text("not an image", encoding="utf-8")
    from PIL import Image

    Image.fromarray(np.full((20, 20), 255, np.uint8)).save(blank)
    assert main(["predict", "--model", str(trained), str(bad), str(blank), "--json"]) == 1
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["file"] for r in results] == [str(bad), str(blank)]
    assert "no ink" in results[1]["error"]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["train", "--data", "/nonexistent/mnist"], "/nonexistent/mnist"),
        (["train", "--epochs", "0", "--data", "."], "epochs must be a whole number >= 1, got 0"),
        (["eval", "/nonexistent/model.h5"], "model.h5"),
        (["summary", "/nonexistent/model.h5"], "model.h5"),
    ],
)
def test_user_mistakes_give_one_line_and_exit_2(argv, expected, capsys):
    assert main(argv) == 2
    assert expected in one_error_line(capsys)


def test_a_corrupt_model_is_one_line(tmp_path, capsys):
    path = tmp_path / "model.h5"
    save_model(path, lenet5(0))
    path.write_bytes(path.read_bytes()[:1000])
    assert main(["summary", str(path)]) == 2
    assert "model.h5" in one_error_line(capsys)


def test_no_command_prints_help(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: digitlab")
    for command in ("train", "eval", "predict", "summary", "download"):
        assert command in out


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == "digitlab 0.1.0"


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["fly"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'fly'" in capsys.readouterr().err


def test_the_installed_command_runs_a_subcommand(trained):
    result = subprocess.run(
        [sys.executable, "-m", "digitlab.desktop", "summary", str(trained)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Total params: 61,706" in result.stdout


def test_parsing_loads_no_model_file_code():
    # `digitlab --help` should answer at once: h5py loads only when a command needs it.
    code = "import sys, digitlab.core.cli.parser; print('h5py' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
