"""describe_model and personalisation: a model file in words."""

from digitlab.core.files.model_file import ModelFile
from digitlab.core.files.summary import describe_model, personalisation
from digitlab.core.nn.architectures import lenet5


def test_a_model_that_was_not_taught_has_no_personalisation_line():
    assert personalisation({"name": "lenet5-mnist"}) is None
    assert personalisation({"personalised": "yes"}) is None  # only a real True counts
    text = describe_model(ModelFile(lenet5(0), {"name": "x"}, {}, None, None), "x")
    assert "taught" not in text


def test_a_taught_model_says_on_how_many_digits_and_from_what():
    metadata = {
        "personalised": True,
        "personal_samples": 6,
        "personal_held_out": 0,
        "base_model": "lenet5-mnist",
        "base_test_accuracy": 0.9929,
        "test_accuracy": 0.9928,
    }
    line = "your handwriting (6 of your digits), from lenet5-mnist; MNIST test 99.29% → 99.28%"
    assert personalisation(metadata) == line
    text = describe_model(ModelFile(lenet5(0), metadata, {}, None, None), "mine")
    assert f"taught:              {line}" in text.splitlines()


def test_held_out_digits_are_counted_in_the_same_brackets():
    metadata = {"personalised": True, "personal_samples": 24, "personal_held_out": 6}
    assert personalisation(metadata) == "your handwriting (24 of your digits, 6 held out)"
    del metadata["personal_samples"]
    assert personalisation(metadata) == "your handwriting (6 of your digits held out)"


def test_odd_values_from_a_file_are_left_out_not_shown_wrong():
    metadata = {"personalised": True, "personal_samples": "many", "test_accuracy": "high"}
    assert personalisation(metadata) == "your handwriting"
