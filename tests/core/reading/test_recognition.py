"""digitlab.core.reading.recognition: preprocess, one forward, probabilities and activations."""

import numpy as np
import pytest
from conftest import forced_network

from digitlab.core.errors import ShapeError
from digitlab.core.nn.architectures import lenet5
from digitlab.core.nn.losses import softmax
from digitlab.core.reading.preprocess import to_mnist
from digitlab.core.reading.recognition import NOT_A_DIGIT, Recognition, can_decline, recognise


@pytest.fixture(scope="module")
def network():
    return lenet5(0)


def vertical_stroke(size: int = 120) -> np.ndarray:
    image = np.zeros((size, size), np.float32)
    image[20:100, 55:65] = 1.0
    return image


def test_probabilities_match_the_network_on_the_preprocessed_image(network):
    image = vertical_stroke()
    result = recognise(network, image)
    expected = network.predict_proba(to_mnist(image)[None, None])[0]
    np.testing.assert_allclose(result.probabilities, expected, rtol=1e-5, atol=1e-7)
    assert result.probabilities.shape == (10,)
    assert result.probabilities.dtype == np.float32
    assert result.digit == int(expected.argmax())
    assert result.confidence == pytest.approx(float(expected.max()), rel=1e-5)


def test_activations_cover_every_layer_without_the_batch_dimension(network):
    result = recognise(network, vertical_stroke())
    assert [name for name, _ in result.activations] == [layer.name for layer in network.layers]
    for (_, output), layer in zip(result.activations, network.layers, strict=True):
        assert output.shape == layer.output_shape
    # The last activation is the logits the probabilities came from
    np.testing.assert_allclose(softmax(result.activations[-1][1]), result.probabilities, rtol=1e-5)


def test_the_network_runs_once(network, monkeypatch):
    calls = []
    original = network.activations
    monkeypatch.setattr(network, "activations", lambda x: calls.append(x) or original(x))
    monkeypatch.setattr(network, "forward", lambda *a, **k: pytest.fail("second forward"))
    recognise(network, vertical_stroke())
    assert len(calls) == 1
    assert calls[0].shape == (1, 1, 28, 28)


def test_without_activations_gives_the_same_answer(network):
    image = vertical_stroke()
    full, bare = recognise(network, image), recognise(network, image, with_activations=False)
    assert bare.activations == []
    np.testing.assert_allclose(bare.probabilities, full.probabilities, rtol=1e-5)
    assert bare.digit == full.digit


def test_an_image_without_ink_has_no_digit_and_zero_probabilities(network):
    result = recognise(network, np.zeros((50, 40), np.float32))
    assert result.digit is None
    assert result.empty
    assert result.confidence == 0.0
    assert result.activations == []
    np.testing.assert_array_equal(result.probabilities, np.zeros(10, np.float32))
    assert result.steps.empty


def test_the_steps_are_kept(network):
    image = vertical_stroke()
    result = recognise(network, image)
    assert result.steps.bbox == (20, 55, 100, 65)
    assert result.steps.centred.shape == (28, 28)
    np.testing.assert_array_equal(result.steps.drawn, image)


def test_a_bad_image_is_refused_with_a_shape_error(network):
    with pytest.raises(ShapeError, match="2-D"):
        recognise(network, np.zeros((2, 28, 28), np.float32))


# -- declining: "not a digit" ------------------------------------------------------------
def forced(classes: int, winner: int, margin: float = 30.0, second: int | None = None):
    """A network that reads ``winner`` whatever the image (``second`` two thirds as
    likely as the winner when given)."""
    logits = {winner: margin}
    if second is not None:
        logits[second] = margin - np.log(1.5)  # the winner is 1.5 times as likely
    return forced_network(classes, logits)


def test_a_ten_class_network_never_declines_an_image_with_ink(network):
    for image in (vertical_stroke(), np.pad(np.ones((2, 2), np.float32), 40)):  # a dot too
        result = recognise(network, image)
        assert result.digit is not None and result.reason is None
        assert not result.not_a_digit and not result.empty and not result.can_decline
        assert result.not_a_digit_probability == 0.0


def test_a_ten_class_network_reads_a_digit_even_when_one_dominates():
    result = recognise(forced(10, 7), vertical_stroke())
    assert (result.digit, result.reason) == (7, None)
    assert result.confidence == pytest.approx(1.0)
    assert result.candidates == (7,)


def test_an_eleven_class_network_declines_when_not_a_digit_wins():
    result = recognise(forced(11, NOT_A_DIGIT), vertical_stroke())
    assert result.digit is None
    assert result.reason == "not_a_digit" and result.not_a_digit and not result.empty
    assert result.confidence == 0.0
    assert result.not_a_digit_probability == pytest.approx(1.0)
    assert result.probabilities.shape == (11,)  # the full softmax, for the layer view
    assert result.digit_probabilities.shape == (10,)
    assert result.runner_up is None and result.candidates == () and not result.is_near_tie
    assert len(result.activations) == len(forced(11, 0).layers)


def test_an_eleven_class_network_reads_a_digit_when_a_digit_wins():
    result = recognise(forced(11, 4), vertical_stroke(), with_activations=False)
    assert (result.digit, result.reason) == (4, None)
    assert result.can_decline
    assert result.not_a_digit_probability == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_array_equal(result.digit_probabilities, result.probabilities[:10])


def test_an_empty_image_is_empty_for_an_eleven_class_network():
    result = recognise(forced(11, NOT_A_DIGIT), np.zeros((30, 30), np.float32))
    assert result.digit is None and result.reason == "empty" and result.empty
    assert not result.not_a_digit
    np.testing.assert_array_equal(result.probabilities, np.zeros(11, np.float32))


def test_an_empty_image_says_empty_for_a_ten_class_network(network):
    assert recognise(network, np.zeros((30, 30), np.float32)).reason == "empty"


def test_can_decline_looks_at_the_number_of_outputs():
    assert can_decline(lenet5(0, classes=11))
    assert not can_decline(lenet5(0))


@pytest.mark.parametrize("classes", [10, 11])
def test_a_close_second_makes_a_near_tie_naming_both(classes):
    result = recognise(forced(classes, 3, margin=5.0, second=5), vertical_stroke())
    assert result.digit == 3 and result.runner_up == 5
    assert result.is_near_tie
    assert result.candidates == (3, 5)


def test_the_near_tie_rule_is_half_the_winners_probability():
    def reading(p):
        probabilities = np.zeros(11, np.float32)
        probabilities[: len(p)] = p
        return Recognition(None, probabilities, int(np.argmax(p)), [])

    assert reading([0.0, 0.5, 0.25, 0.25]).is_near_tie  # exactly half: a tie
    assert not reading([0.0, 0.52, 0.24, 0.24]).is_near_tie
    assert reading([0.3, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1]).candidates == (0, 1)
    assert not reading([0.9, 0.1]).is_near_tie
    # "not a digit" is never a candidate, however close it comes
    close = np.array([0.45, 0.1, 0, 0, 0, 0, 0, 0, 0, 0, 0.45], np.float32)
    assert Recognition(None, close, 0, []).candidates == (0,)


def test_a_clear_winner_is_not_a_near_tie():
    result = recognise(forced(10, 2, margin=5.0), vertical_stroke())
    assert not result.is_near_tie
    assert result.candidates == (2,)
    assert result.runner_up != 2
