"""`digitlab explain IMAGE`: the loss and each layer's gradient sizes, text or JSON."""

from __future__ import annotations

import json

import numpy as np
import pytest
from explain_nets import SEVEN, bundled_network

from digitlab.core.cli.parser import main
from digitlab.core.explain.backprop import backprop
from digitlab.core.reading.image_io import load_image, save_png
from digitlab.core.reading.preprocess import preprocess_steps
from digitlab.core.reading.render import render_digit


@pytest.fixture
def seven(tmp_path) -> str:
    drawing, _ = render_digit(SEVEN)
    path = tmp_path / "seven.png"
    save_png(path, np.round(255 * (1 - drawing)).astype(np.uint8))  # dark ink on white
    return str(path)


def test_json_holds_the_loss_and_every_gradient_of_backprop(seven, capsys):
    """Given a picture of a seven and the target 1, the JSON's loss and norms are those
    of backprop on the same preprocessed image with the bundled model."""
    assert main(["explain", seven, "--target", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    x = preprocess_steps(load_image(seven)).centred[None]
    expected = backprop(bundled_network(), x, 1)
    assert (out["answer"], out["target"]) == (7, 1)
    assert out["loss"] == pytest.approx(expected.loss)
    assert [layer["name"] for layer in out["layers"]] == [e.name for e in expected.layers]
    for layer, entry in zip(out["layers"], expected.layers, strict=True):
        assert layer["output_grad"]["shape"] == list(entry.output_grad.shape)
        assert layer["output_grad"]["norm"] == pytest.approx(np.linalg.norm(entry.output_grad))
        for key, grad in entry.param_grads.items():
            assert layer["param_grads"][key]["norm"] == pytest.approx(np.linalg.norm(grad))
            assert layer["param_grads"][key]["max"] == pytest.approx(grad.max())


def test_text_names_the_answer_the_target_and_every_layer(seven, capsys):
    assert main(["explain", seven]) == 0
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert "read as 7" in first and "target 7" in first and "loss 0.0" in first
    for name in ("conv1", "pool2", "dense3", "image"):
        assert any(line.startswith(name) for line in out.splitlines()), name


def test_a_target_the_model_lacks_is_an_error_in_words(seven, capsys):
    assert main(["explain", seven, "--target", "11"]) == 2
    assert "--target must be a class of the model, 0 to 10, got 11" in capsys.readouterr().err


def test_a_blank_picture_is_an_error_in_words(tmp_path, capsys):
    path = tmp_path / "blank.png"
    save_png(path, np.full((40, 40), 255, np.uint8))
    assert main(["explain", str(path)]) == 2
    assert "no ink" in capsys.readouterr().err
