"""Networks that load but cannot read digits are refused by every command with the
reason, instead of crashing deep inside (issue 13, item 6)."""

from __future__ import annotations

import pytest
from fake_mnist import write_fake_mnist
from PIL import Image

from digitlab.core.cli.parser import main
from digitlab.core.files.model_file import save_model
from digitlab.core.nn.architectures import lenet5
from digitlab.core.nn.layers import Conv2D, Dense, Flatten
from digitlab.core.nn.network import Network
from digitlab.core.reading.suitability import UnsuitableModelError, check_usable, why_unusable


def conv_output() -> Network:
    return Network([Conv2D(4, 5, padding=2)], (1, 28, 28), rng=0)


def colour_input() -> Network:
    return Network([Flatten(), Dense(10)], (3, 32, 32), rng=0)


@pytest.mark.parametrize(
    ("network", "words"),
    [
        (conv_output, "its output has shape 4 x 28 x 28, not one score per class"),
        (lambda: lenet5(0, classes=3), "it gives 3 class scores; digitlab needs 10"),
        (lambda: lenet5(0, classes=12), "it gives 12 class scores"),
        (colour_input, "it takes input of shape 3 x 32 x 32"),
    ],
    ids=["conv-output", "3-classes", "12-classes", "colour-input"],
)
def test_unusable_networks_are_named_with_the_reason(network, words):
    assert words in why_unusable(network())
    with pytest.raises(UnsuitableModelError, match=f"cannot use the model in m.h5: {words}"):
        check_usable(network(), "m.h5")


@pytest.mark.parametrize("classes", [10, 11])
def test_digit_classifiers_are_usable(classes):
    assert why_unusable(lenet5(0, classes=classes)) is None
    check_usable(lenet5(0, classes=classes), "m.h5")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("unusable")
    save_model(folder / "conv.h5", conv_output())
    save_model(folder / "three.h5", lenet5(0, classes=3))
    write_fake_mnist(folder / "mnist", 120, 40)
    image = folder / "one.png"
    Image.new("L", (40, 40), 255).save(image)
    return folder


@pytest.mark.parametrize(
    "command",
    [
        ["predict", "--model", "{d}/conv.h5", "{d}/one.png"],  # was a TypeError in predict
        ["predict", "--model", "{d}/three.h5", "{d}/one.png"],
        ["eval", "{d}/three.h5", "--data", "{d}/mnist"],  # was an IndexError in evaluation
        ["eval", "{d}/conv.h5", "--data", "{d}/mnist"],
        ["teach", "--model", "{d}/three.h5", "--images", "{d}", "--data", "{d}/mnist"],
        ["finetune", "--model", "{d}/conv.h5", "--images", "{d}", "--data", "{d}/mnist"],
        ["train", "--resume", "{d}/three.h5", "--data", "{d}/mnist", "--out", "{d}/x.h5"],
    ],
    ids=["predict-conv", "predict-3", "eval-3", "eval-conv", "teach-3", "finetune-conv",
         "resume-3"],
)  # fmt: skip
def test_every_command_refuses_an_unusable_model_in_words(files, command, capsys):
    code = main([part.format(d=files) for part in command])
    err = capsys.readouterr().err
    assert code == 2
    assert "error: cannot use the model in" in err
    assert not (files / "x.h5").exists()
