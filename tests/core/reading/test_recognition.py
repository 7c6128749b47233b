"""digitlab.core.reading.recognition: preprocess, one forward, probabilities and activations."""

import numpy as np
import pytest

from digitlab.core.errors import ShapeError
from digitlab.core.nn.architectures import lenet5
from digitlab.core.nn.losses import softmax
from digitlab.core.reading.preprocess import to_mnist
from digitlab.core.reading.recognition import recognise


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
