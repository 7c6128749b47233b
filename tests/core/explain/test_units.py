"""Explaining one unit: forward sums, backward terms and receptive fields add up."""

from __future__ import annotations

import numpy as np
import pytest
from explain_nets import bundled_network, drawn_seven, tiny_image, tiny_network

from digitlab.core.explain.backprop import backprop
from digitlab.core.explain.regions import Region, receptive_fields
from digitlab.core.explain.unit_gradients import explain_gradient
from digitlab.core.explain.units import explain_unit


def _every_unit(result, index):
    return [tuple(int(i) for i in u) for u in np.ndindex(result.layers[index].output.shape)]


@pytest.mark.parametrize("pool", ["max", "avg"])
def test_every_units_sum_is_its_value(pool):
    """Given a network with every kind of layer, the products plus the bias (or the
    window's winner, or the value read) of every unit of every layer give its value."""
    network = tiny_network(pool)
    result = backprop(network, tiny_image(), 1)
    for index in range(len(network.layers)):
        for unit in _every_unit(result, index):
            explanation = explain_unit(network, result, index, unit)
            assert explanation.total == pytest.approx(explanation.value, abs=1e-12), unit


@pytest.mark.parametrize("pool", ["max", "avg"])
def test_every_units_gradient_is_the_sum_of_its_terms(pool):
    network = tiny_network(pool)
    result = backprop(network, tiny_image(), 1)
    for index in range(len(network.layers)):
        for unit in _every_unit(result, index):
            gradient = explain_gradient(network, result, index, unit)
            assert gradient.total == pytest.approx(gradient.grad, abs=1e-12), (index, unit)
            assert gradient.grad == result.layers[index].output_grad[unit]


@pytest.mark.parametrize("pool", ["max", "avg"])
def test_units_shares_add_up_to_their_layers_weight_gradients(pool):
    """dL/dkernel is the sum, over the units of a channel (a dense unit: its column),
    of the unit's gradient times its inputs: a cross-correlation of input and error."""
    network = tiny_network(pool)
    result = backprop(network, tiny_image(), 3)
    for index, layer in enumerate(network.layers):
        if not layer.params:
            continue
        kernel = np.zeros_like(layer.params["kernel"])
        bias = np.zeros_like(layer.params["bias"])
        for unit in _every_unit(result, index):
            gradient = explain_gradient(network, result, index, unit)
            if kernel.ndim == 4:
                kernel[unit[0]] += gradient.kernel_share
            else:
                kernel[:, unit[0]] += gradient.kernel_share
            bias[unit[0]] += gradient.bias_share
        entry = result.layers[index]
        np.testing.assert_allclose(kernel, entry.param_grads["kernel"], atol=1e-12)
        np.testing.assert_allclose(bias, entry.param_grads["bias"], atol=1e-12)


def test_a_conv_unit_of_the_bundled_model_on_a_drawing():
    """Given a drawn seven, a conv1 unit on the stroke shows its 5x5 patch, the kernel,
    their products, and the ReLU after it; the float32 sum matches to rounding."""
    network, x = bundled_network(), drawn_seven()
    result = backprop(network, x, 7)
    explanation = explain_unit(network, result, "conv1", (0, 7, 14))
    assert explanation.inputs.shape == explanation.weights.shape == (1, 5, 5)
    np.testing.assert_array_equal(explanation.inputs[0], x[0, 5:10, 12:17])
    assert explanation.total == pytest.approx(explanation.value, abs=1e-5)
    assert explanation.activated == ("relu1", max(explanation.value, 0.0))
    assert explanation.fields[0] == Region((0, 1), (5, 10), (12, 17))


def test_max_pool_names_the_first_largest_value_as_winner():
    network = tiny_network("max")
    result = backprop(network, tiny_image(), 0)
    explanation = explain_unit(network, result, 2, (1, 1, 2))
    window = result.layers[1].output[1, 2:4, 4:6]
    assert explanation.inputs.tolist() == window.tolist()
    assert explanation.inputs[explanation.winner] == window.max()


def test_dense_top_inputs_are_the_largest_products_first():
    network = tiny_network()
    result = backprop(network, tiny_image(), 0)
    top = explain_unit(network, result, "dense1", (2,)).top_inputs(4)
    sizes = [abs(product) for _, _, _, product in top]
    assert sizes == sorted(sizes, reverse=True) and len(top) == 4
    for (i,), value, weight, product in top:
        assert product == pytest.approx(value * weight)
        assert weight == network.layers[6].params["kernel"][i, 2]


def test_receptive_fields_widen_layer_by_layer():
    """A conv2 unit of LeNet-5 sees 5x5 of pool1, 10x10 of relu1 and conv1 (pool 2),
    and 14x14 of the image (conv1's 5x5 adds 4, clipped by the padding at the edge)."""
    network = bundled_network()
    fields = receptive_fields(network.layers, 3, (4, 0, 5))  # conv2, channel 4, row 0, col 5
    image, conv1, relu1, pool1 = fields
    assert pool1 == Region((0, 12), (0, 5), (5, 10))
    assert relu1 == conv1 == Region((0, 12), (0, 10), (10, 20))
    assert image == Region((0, 1), (0, 12), (8, 22))  # rows -2..12 clipped at the top


def test_a_unit_outside_the_layer_is_refused():
    network = tiny_network()
    result = backprop(network, tiny_image(), 0)
    with pytest.raises(IndexError, match="outside"):
        explain_unit(network, result, 0, (2, 0, 0))
