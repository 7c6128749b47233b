"""``digitlab teach`` (alias ``finetune``): figures, the JSON line, the written model,
and errors as one line."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from conftest import make_digits
from fake_mnist import write_fake_mnist

from digitlab.core.cli.parser import build_parser, main
from digitlab.core.files.model_file import load_model, save_model
from digitlab.core.nn.architectures import lenet5
from digitlab.core.personal.digit_folder import write_png

QUICK = ["--epochs", "1", "--replay", "100"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return write_fake_mnist(tmp_path_factory.mktemp("mnist"))


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "base.h5"
    save_model(path, lenet5(0), metadata={"name": "base"})
    return path


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    """12 pictures each of 3 and 8, big and small, light on dark and dark on light."""
    folder = tmp_path_factory.mktemp("mine")
    x, labels = make_digits(300, seed=11)
    for digit in (3, 8):
        for i, index in enumerate(np.flatnonzero(labels == digit)[:12]):
            picture = np.kron(x[index, 0], np.ones((1 + i % 3, 1 + i % 3)))  # 28 to 84 px
            picture = np.round(picture * 255).astype(np.uint8)
            write_png(folder / str(digit) / f"{i}.png", picture if i % 2 else 255 - picture)
    return folder


def run(*args: str) -> int:
    return main(["teach", *args])


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


def test_json_ends_with_the_figures_and_the_model_is_written(
    model, images, data_dir, tmp_path, capsys
):
    out = tmp_path / "mine.h5"
    code = run("--model", str(model), "--images", str(images), "--data", str(data_dir),
               *QUICK, "--out", str(out), "--json")  # fmt: skip
    assert code == 0
    stdout = capsys.readouterr().out.strip().splitlines()
    figures = json.loads(stdout[-1])
    assert {"mnist_before", "mnist_after", "mine_before", "mine_after"} <= figures.keys()
    assert (figures["n_images"], figures["held_out"], figures["out"]) == (24, 6, str(out))
    assert 0 <= figures["mnist_after"] <= 1
    meta = load_model(out).metadata
    assert meta["personalised"] is True and meta["personal_samples"] == 24
    assert meta["base_model"] == "base"


def test_it_prints_a_before_after_table_and_names_the_default_output(
    model, images, data_dir, tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert run("--model", str(model), "--images", str(images), "--data", str(data_dir),
               *QUICK) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "Teaching base your handwriting: 24 of your digits (6 held out to score on)" in out
    assert "before" in out and "after" in out and "MNIST test" in out
    assert (tmp_path / "base-taught.h5").exists()
    assert "base-taught.h5" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--images", "{tmp}/nowhere"], "the image folder .*nowhere does not exist"),
        (["--images", "{tmp}"], "holds no pictures in subfolders named 0 to 9"),
        (["--images", "{images}", "--epochs", "0"], "epochs must be a whole number >= 1"),
        (["--images", "{images}", "--model", "{tmp}/none.h5"], "cannot load .*none.h5"),
        (["--images", "{images}", "--data", "{tmp}"], "The data folder"),
    ],
)
def test_mistakes_give_one_line_and_exit_code_2(
    args, message, model, images, data_dir, tmp_path, capsys
):
    given = [a.format(tmp=tmp_path, images=images) for a in args]
    defaults = ["--model", str(model), "--data", str(data_dir), "--out", str(tmp_path / "o.h5")]
    assert run(*defaults, *given) == 2
    assert re.search(message, one_error_line(capsys))
    assert not (tmp_path / "o.h5").exists()


def test_finetune_is_the_same_command_under_its_old_name():
    parser = build_parser()
    options = ["--images", "DIR", "--epochs", "3", "--replay", "50", "--json"]
    new, old = parser.parse_args(["teach", *options]), parser.parse_args(["finetune", *options])
    assert old.run is new.run
    assert {k: v for k, v in vars(old).items() if k != "command"} == {
        k: v for k, v in vars(new).items() if k != "command"
    }


def test_finetune_still_runs_and_names_itself_in_errors(model, data_dir, tmp_path, capsys):
    code = main(["finetune", "--model", str(model), "--data", str(data_dir),
                 "--images", str(tmp_path / "nowhere")])  # fmt: skip
    assert code == 2
    assert one_error_line(capsys).startswith("digitlab finetune: error: the image folder")


def test_help_lists_teach_and_its_alias(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "teach (finetune)" in capsys.readouterr().out


def test_an_output_that_cannot_be_written_is_refused_before_any_work(
    model, images, data_dir, tmp_path, capsys, monkeypatch
):
    from digitlab.core.personal import teach as teach_module

    def no_teaching(*args, **kwargs):
        pytest.fail("the digits were taught before the output was checked")

    monkeypatch.setattr(teach_module.Finetuning, "__init__", no_teaching)
    out = tmp_path / "a folder.h5"
    out.mkdir()
    given = ["--model", str(model), "--images", str(images), "--data", str(data_dir)]
    assert run(*given, "--out", str(out)) == 2
    assert "cannot save the model to" in one_error_line(capsys)
