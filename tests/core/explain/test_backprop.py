"""The backward pass of one image: the core's own numbers, checked by finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from explain_nets import bundled_network, drawn_seven, tiny_image, tiny_network
from gradcheck import network_numerical_grads, numerical_gradient, relative_error

from digitlab.core.errors import ShapeError
from digitlab.core.explain.backprop import backprop, gradient_norms

TOL = 1e-6


def _loss_from(network, k: int, output: np.ndarray, target: int) -> float:
    """The loss when layer k's output is ``output``: the layers above run as reading."""
    value = output[None]
    for layer in network.layers[k + 1 :]:
        value = layer.forward(value, training=False)
    return type(network.loss)().forward(value, np.array([target]))


def test_parameter_gradients_are_exactly_the_training_steps():
    """Given the bundled model and a drawn seven, when backprop explains it toward 3,
    then its loss and every parameter gradient are bit for bit the training step's."""
    network, x = bundled_network(), drawn_seven()
    result = backprop(network, x, 3)
    loss, _ = network.train_step(x[None], np.array([3]), shard_size=None)
    assert result.loss == loss
    expected = network.grads()
    assert result.grads().keys() == expected.keys()
    for name, grad in result.grads().items():
        np.testing.assert_array_equal(grad, expected[name], err_msg=name)


def test_the_network_is_left_as_it_was():
    network, x = bundled_network(), drawn_seven()
    before = network.get_weights()
    backprop(network, x, 5)
    assert network.grads() == {}  # no layer of the network itself ran backward
    for name, value in network.params().items():
        np.testing.assert_array_equal(value, before[name])


@pytest.mark.parametrize("pool", ["max", "avg"])
def test_every_gradient_matches_finite_differences(pool):
    """Parameters, the image and the output of every layer, on a float64 network with
    every kind of layer (Dropout reads as the identity)."""
    network, x, target = tiny_network(pool), tiny_image(), 2
    result = backprop(network, x, target)
    numeric = network_numerical_grads(network, x[None], np.array([target]))
    for name, grad in result.grads().items():
        assert relative_error(grad, numeric[name]) < TOL, name
    image = x.copy()
    image_numeric = numerical_gradient(lambda: _loss_from(network, -1, image, target), image)
    assert relative_error(result.input_grad, image_numeric) < TOL
    for k, entry in enumerate(result.layers):
        smooth, numeric_out = _differentiable_gradient(
            lambda o, k=k: _loss_from(network, k, o, target), entry.output.copy()
        )
        assert smooth.mean() > 0.5, entry.name  # most points are smooth, so most are checked
        error = relative_error(entry.output_grad[smooth], numeric_out[smooth])
        assert error < TOL, entry.name


def _differentiable_gradient(f, point: np.ndarray, eps: float = 1e-6):
    """(mask, central differences) where the mask keeps the entries at which f is
    differentiable. A ReLU output of 0 tied with others in a max-pool window is a kink
    (nudged up it wins, nudged down it does not): no finite difference holds there."""
    numeric, smooth = np.zeros_like(point), np.zeros(point.shape, bool)
    centre = f(point)
    for index in np.ndindex(point.shape):
        old = point[index]
        point[index] = old + eps
        plus = f(point)
        point[index] = old - eps
        minus = f(point)
        point[index] = old
        numeric[index] = (plus - minus) / (2 * eps)
        right, left = (plus - centre) / eps, (centre - minus) / eps
        smooth[index] = abs(right - left) <= 1e-3 * max(abs(right), abs(left)) + 1e-7
    return smooth, numeric


def test_drawn_digit_gradients_match_finite_differences():
    """The bundled model in float64 on a drawn seven: sampled weights of every layer
    and the pixels of the image agree with central differences."""
    network = bundled_network().copy().cast(np.float64)
    x = drawn_seven().astype(np.float64)
    result = backprop(network, x, 3)

    def loss() -> float:
        return network.loss.forward(network.forward(x[None], training=False), np.array([3]))

    rng = np.random.default_rng(0)
    grads = result.grads()
    for name, param in network.params().items():
        for flat in rng.choice(param.size, size=min(8, param.size), replace=False):
            index = np.unravel_index(flat, param.shape)
            numeric = _central_difference(loss, param, index)
            assert abs(grads[name][index] - numeric) <= 1e-6 * max(1.0, abs(numeric)), name
    inked = np.argwhere(x[0] > 0.5)
    for y, col in inked[rng.choice(len(inked), size=12, replace=False)]:
        numeric = _central_difference(loss, x, (0, y, col))
        assert abs(result.input_grad[0, y, col] - numeric) <= 1e-6 * max(1.0, abs(numeric))


def _central_difference(f, array: np.ndarray, index: tuple, eps: float = 1e-6) -> float:
    old = array[index]
    array[index] = old + eps
    plus = f()
    array[index] = old - eps
    minus = f()
    array[index] = old
    return (plus - minus) / (2 * eps)


def test_last_gradient_is_probability_minus_target():
    network, x = tiny_network(), tiny_image()
    result = backprop(network, x, 1)
    expected = result.probabilities.copy()
    expected[1] -= 1
    np.testing.assert_allclose(result.layers[-1].output_grad, expected, atol=1e-12)
    assert result.loss == pytest.approx(-np.log(result.probabilities[1]))


def test_layers_follow_declared_order_with_their_outputs():
    network, x = bundled_network(), drawn_seven()
    result = backprop(network, x, 7)
    assert [e.name for e in result.layers] == [layer.name for layer in network.layers]
    for (name, output), entry in zip(network.activations(x[None]), result.layers, strict=True):
        np.testing.assert_array_equal(output[0], entry.output, err_msg=name)
        assert entry.output_grad.shape == entry.output.shape


def test_gradient_norms_name_every_layer_and_parameter():
    network = tiny_network()
    norms = gradient_norms(backprop(network, tiny_image(), 0))
    expected = [layer.name for layer in network.layers] + list(network.params())
    assert set(norms) == set(expected)
    assert all(value >= 0 for value in norms.values())


@pytest.mark.parametrize("target", [-1, 4, 1.5])
def test_a_target_without_an_output_is_refused(target):
    with pytest.raises(ShapeError, match=r"0\.\.3"):
        backprop(tiny_network(), tiny_image(), target)


def test_a_wrong_image_shape_is_refused():
    with pytest.raises(ShapeError, match=r"\(1, 8, 8\)"):
        backprop(tiny_network(), np.zeros((8, 8)), 0)
