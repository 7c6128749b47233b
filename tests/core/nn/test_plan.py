"""ExecutionPlan: the order the training passes run the layers in, and where backward stops."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from digitlab.core.nn.architectures import lenet5
from digitlab.core.nn.layers import AvgPool2D, Conv2D, Dense, Flatten, MaxPool2D, ReLU, Sigmoid
from digitlab.core.nn.plan import ExecutionPlan, execution_order


def built(layers: list, input_shape: tuple[int, ...]) -> list:
    """``layers`` built in sequence for ``input_shape``, named by position."""
    rng = np.random.default_rng(0)
    shape = input_shape
    for i, layer in enumerate(layers):
        layer.name = f"l{i}"
        shape = layer.build(shape, rng)
    return layers


def names(layers) -> list[str]:
    return [layer.name for layer in layers]


def test_lenet5_runs_each_relu_after_the_max_pool_that_follows_it():
    network = lenet5(0)
    assert names(network.plan.layers) == [
        "conv1", "pool1", "relu1", "conv2", "pool2", "relu2",
        "flatten", "dense1", "relu3", "dense2", "relu4", "dense3",
    ]  # fmt: skip
    assert network.plan.first_trainable == 0


def test_only_a_layer_that_commutes_with_max_pooling_moves_past_one():
    # Sigmoid is monotone too, but floats may round two inputs to one output: it stays
    layers = [ReLU(), AvgPool2D(2), Sigmoid(), MaxPool2D(2), MaxPool2D(1), ReLU()]
    order = execution_order(built(layers, (1, 8, 8)))
    assert [type(layer) for layer in order] == [
        ReLU,
        AvgPool2D,
        Sigmoid,
        MaxPool2D,
        MaxPool2D,
        ReLU,
    ]
    relu, pool = built([ReLU(), MaxPool2D(2)], (1, 4, 4))
    assert execution_order([relu, pool]) == [pool, relu]


@pytest.mark.parametrize(
    ("layers", "first"),
    [
        (lambda: [Conv2D(2, 3), ReLU(), Flatten(), Dense(3)], 0),
        (lambda: [ReLU(), MaxPool2D(2), Flatten(), Dense(3)], 3),  # ReLU moved behind the pool
        (lambda: [AvgPool2D(2), Flatten()], 2),  # no weights at all: backward does nothing
    ],
    ids=["conv-first", "dense-fourth", "no-weights"],
)
def test_first_trainable_is_the_first_layer_with_weights_in_plan_order(layers, first):
    plan = ExecutionPlan.of(built(layers(), (1, 6, 6)))
    assert plan.first_trainable == first


def test_backward_stops_at_the_first_trainable_layer_and_asks_it_for_no_input_gradient():
    layers = built([AvgPool2D(2), Flatten(), Dense(3), ReLU(), Dense(2)], (1, 4, 4))
    plan = ExecutionPlan.of(layers)
    calls = []
    for layer in layers:
        original = layer.backward

        def spy(grad, input_grad=True, layer=layer, original=original):
            calls.append((layer.name, input_grad))
            return original(grad, input_grad)

        layer.backward = spy
    x = np.random.default_rng(1).standard_normal((2, 1, 4, 4)).astype(np.float32)
    plan.backward(np.ones((2, 2), np.float32) * plan.forward(x, training=True))
    assert calls == [("l4", True), ("l3", True), ("l2", False)]
    assert set(layers[2].grads) == {"kernel", "bias"}


def test_a_replica_runs_the_same_pass_on_its_own_layers():
    layers = built([Conv2D(2, 3), ReLU(), MaxPool2D(2), Flatten(), Dense(3)], (1, 8, 8))
    plan = ExecutionPlan.of(layers)
    twin = plan.replica()
    assert twin.first_trainable == plan.first_trainable
    assert names(twin.layers) == names(plan.layers)
    for mine, theirs in zip(plan.layers, twin.layers, strict=True):
        assert mine is not theirs
        assert all(theirs.params[k] is v for k, v in mine.params.items())  # shared weights
    x = np.random.default_rng(2).standard_normal((3, 1, 8, 8)).astype(np.float32)
    grad = np.ones((3, 3), np.float32)
    assert_array_equal(twin.forward(x), plan.forward(x))
    twin.backward(grad)
    plan.backward(grad)
    for mine, theirs in zip(plan.layers, twin.layers, strict=True):
        assert mine.grads.keys() == theirs.grads.keys()
        for key in mine.grads:
            assert mine.grads[key] is not theirs.grads[key]
            assert_array_equal(mine.grads[key], theirs.grads[key])
