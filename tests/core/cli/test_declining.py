"""`digitlab predict` and `digitlab eval` with a model that can answer "not a digit"."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import forced_network
from fake_mnist import write_fake_mnist
from PIL import Image

from digitlab.core.cli.parser import main
from digitlab.core.files.model_file import save_model


def forced_model(path, classes: int, logits: dict[int, float]):
    """A ``forced_network`` saved to ``path``."""
    save_model(path, forced_network(classes, logits))
    return path


@pytest.fixture
def bar_image(tmp_path):
    image = np.full((90, 60), 255, np.uint8)
    image[10:80, 28:34] = 0  # a vertical bar, dark on white
    Image.fromarray(image).save(tmp_path / "bar.png")
    return str(tmp_path / "bar.png")


def predict_json(model, *files, capsys) -> tuple[int, list[dict]]:
    code = main(["predict", "--model", str(model), *files, "--json"])
    return code, [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_a_declined_image_has_a_null_digit_and_a_reason(tmp_path, bar_image, capsys):
    model = forced_model(tmp_path / "m.h5", 11, {10: 3.0})
    code, [result] = predict_json(model, bar_image, capsys=capsys)
    assert code == 0
    assert result["digit"] is None
    assert result["reason"] == "not_a_digit"
    assert len(result["probabilities"]) == 11
    assert int(np.argmax(result["probabilities"])) == 10
    assert set(result) == {"file", "digit", "reason", "probabilities"}


def test_a_digit_read_has_a_null_reason(tmp_path, bar_image, capsys):
    model = forced_model(tmp_path / "m.h5", 11, {4: 3.0})
    code, [result] = predict_json(model, bar_image, capsys=capsys)
    assert code == 0
    assert (result["digit"], result["reason"]) == (4, None)


def test_an_empty_image_says_why_and_stays_an_error(tmp_path, capsys):
    model = forced_model(tmp_path / "m.h5", 11, {10: 3.0})
    Image.fromarray(np.full((20, 20), 255, np.uint8)).save(tmp_path / "blank.png")
    code, [result] = predict_json(model, str(tmp_path / "blank.png"), capsys=capsys)
    assert code == 1
    assert (result["digit"], result["reason"]) == (None, "empty")
    assert "nothing to read" in result["error"]


def test_text_says_not_a_digit_with_how_sure(tmp_path, bar_image, capsys):
    model = forced_model(tmp_path / "m.h5", 11, {10: 3.0})
    assert main(["predict", "--model", str(model), bar_image]) == 0
    out = capsys.readouterr().out
    p = np.exp(3.0) / (np.exp(3.0) + 10)
    assert f"{bar_image}: not a digit ({p:.1%} sure)" in out
    assert f"not a digit:{p:.1%}" in out


def test_text_names_both_digits_of_a_near_tie(tmp_path, bar_image, capsys):
    model = forced_model(tmp_path / "m.h5", 10, {3: 3.0, 5: 2.8})
    assert main(["predict", "--model", str(model), bar_image]) == 0
    out = capsys.readouterr().out
    total = np.exp(3.0) + np.exp(2.8) + 8
    assert f": 3 or 5 ({np.exp(3.0) / total:.1%} / {np.exp(2.8) / total:.1%})" in out
    assert "not a digit" not in out  # a ten-class model cannot decline


def test_text_names_one_digit_when_it_is_clear(tmp_path, bar_image, capsys):
    model = forced_model(tmp_path / "m.h5", 10, {7: 9.0})
    assert main(["predict", "--model", str(model), bar_image]) == 0
    assert f"{bar_image}: 7 (99." in capsys.readouterr().out


def test_text_says_nothing_to_read_for_a_blank_image(tmp_path, capsys):
    model = forced_model(tmp_path / "m.h5", 10, {})
    Image.fromarray(np.full((20, 20), 255, np.uint8)).save(tmp_path / "blank.png")
    assert main(["predict", "--model", str(model), str(tmp_path / "blank.png")]) == 1
    assert "no ink in it: nothing to read" in capsys.readouterr().err


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return write_fake_mnist(tmp_path_factory.mktemp("mnist"))


def test_eval_counts_declined_digits_as_wrong(data_dir, tmp_path, capsys):
    model = forced_model(tmp_path / "m.h5", 11, {10: 3.0})
    assert main(["eval", str(model), "--data", str(data_dir), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["declined"] == result["n"] == 100
    assert result["accuracy"] == 0.0
    confusion = np.array(result["confusion"])
    assert confusion.shape == (11, 11)
    assert confusion[:, 10].sum() == 100 and confusion[10].sum() == 0


def test_eval_text_reports_declines_and_a_none_column(data_dir, tmp_path, capsys):
    model = forced_model(tmp_path / "m.h5", 11, {10: 3.0})
    assert main(["eval", str(model), "--data", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert '100 of the 100 test digits were answered "not a digit"' in out
    lines = out.splitlines()
    header = lines[lines.index(next(x for x in lines if x.startswith("confusion matrix"))) + 1]
    assert header.split() == [*map(str, range(10)), "none"]
    rows = [line for line in out.splitlines() if line[:5].strip().isdigit()]
    assert len(rows) == 20  # ten in the per-digit table, ten in the matrix


def test_eval_of_a_ten_class_model_declines_nothing(data_dir, tmp_path, capsys):
    model = forced_model(tmp_path / "m.h5", 10, {1: 3.0})
    assert main(["eval", str(model), "--data", str(data_dir), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["declined"] == 0
