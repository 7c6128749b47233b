"""LeNet-5: its layers, shapes, parameter count and initialisation, and that it can
learn at all: it must memorise a few hundred images."""

import numpy as np
import pytest

from digitlab.core.nn.architectures import MNIST_SHAPE, lenet5
from digitlab.core.nn.layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU
from digitlab.core.train.optimizers import Adam


def test_lenet5_layers_and_shapes():
    network = lenet5(0)
    got = [(layer.name, type(layer), layer.output_shape) for layer in network.layers]
    assert got == [
        ("conv1", Conv2D, (6, 28, 28)),
        ("relu1", ReLU, (6, 28, 28)),
        ("pool1", MaxPool2D, (6, 14, 14)),
        ("conv2", Conv2D, (16, 10, 10)),
        ("relu2", ReLU, (16, 10, 10)),
        ("pool2", MaxPool2D, (16, 5, 5)),
        ("flatten", Flatten, (400,)),
        ("dense1", Dense, (120,)),
        ("relu3", ReLU, (120,)),
        ("dense2", Dense, (84,)),
        ("relu4", ReLU, (84,)),
        ("dense3", Dense, (10,)),
    ]
    assert network.input_shape == MNIST_SHAPE == (1, 28, 28)


def test_lenet5_parameters():
    network = lenet5(0)
    shapes = {name: p.shape for name, p in network.params().items()}
    assert shapes == {
        "conv1.kernel": (6, 1, 5, 5),
        "conv1.bias": (6,),
        "conv2.kernel": (16, 6, 5, 5),
        "conv2.bias": (16,),
        "dense1.kernel": (400, 120),
        "dense1.bias": (120,),
        "dense2.kernel": (120, 84),
        "dense2.bias": (84,),
        "dense3.kernel": (84, 10),
        "dense3.bias": (10,),
    }
    assert network.num_params == 61_706
    assert all(p.dtype == np.float32 for p in network.params().values())


def test_lenet5_classes():
    network = lenet5(0, classes=3)
    assert network.output_shape == (3,)
    assert network.params()["dense3.kernel"].shape == (84, 3)


FAN_IN = {"conv1": 25, "conv2": 6 * 25, "dense1": 400, "dense2": 120, "dense3": 84}


@pytest.mark.parametrize("layer", sorted(FAN_IN))
def test_he_initialisation(layer):
    # Pool a few seeds so even conv1's 150 weights give a sharp estimate (SE ~1.3%)
    kernels = [lenet5(seed).params()[f"{layer}.kernel"] for seed in range(20)]
    values = np.concatenate([k.ravel() for k in kernels]).astype(np.float64)
    expected = np.sqrt(2.0 / FAN_IN[layer])
    assert values.std() == pytest.approx(expected, rel=0.06)
    assert abs(values.mean()) < 4 * expected / np.sqrt(values.size)
    assert not np.any([lenet5(seed).params()[f"{layer}.bias"] for seed in range(2)])


def test_seeds_give_reproducible_and_distinct_weights():
    a, b, c = lenet5(1), lenet5(1), lenet5(2)
    for name, value in a.params().items():
        np.testing.assert_array_equal(value, b.params()[name])
    assert not np.array_equal(a.params()["conv1.kernel"], c.params()["conv1.kernel"])


def test_lenet5_memorises_random_labels():
    # Given 256 noise images with random labels: nothing to learn but the images themselves
    rng = np.random.default_rng(0)
    x = rng.random((256, *MNIST_SHAPE), dtype=np.float32)
    y = rng.integers(0, 10, 256)
    network, optimizer = lenet5(0), Adam(lr=3e-3)
    # When Adam takes full-batch steps (about 75 suffice; the budget leaves slack)
    losses = []
    for _ in range(200):
        loss, _ = network.train_step(x, y)
        optimizer.step(network.params(), network.grads())
        losses.append(loss)
        if loss < 0.05:
            break
    # Then the training loss falls from about ln 10 to near zero: every gradient is at work
    assert losses[0] == pytest.approx(np.log(10), abs=1.0)
    assert losses[-1] < 0.05, f"loss after {len(losses)} steps: {losses[-1]:.3f}"
    assert np.mean(network.predict(x) == y) >= 0.99


def test_lenet5_learns_synthetic_digits(digits):
    # Given seven-segment digits at random positions, and fresh ones it never saw
    x, y = digits(512, seed=1)
    x_new, y_new = digits(200, seed=2)
    network, optimizer = lenet5(0), Adam(lr=2e-3)
    # When it trains on mini-batches of 64 for ten epochs (80 steps)
    rng = np.random.default_rng(0)
    for _ in range(10):
        order = rng.permutation(len(x))
        for i in range(0, len(x), 64):
            idx = order[i : i + 64]
            network.train_step(x[idx], y[idx])
            optimizer.step(network.params(), network.grads())
    # Then it reads nearly all of the new ones (0.99 when this test was written)
    assert np.mean(network.predict(x_new) == y_new) > 0.9


def test_lenet5_can_be_widened_and_given_a_not_a_digit_output():
    network = lenet5(0, classes=11, filters=(12, 32))
    params = network.params()
    assert params["conv1.kernel"].shape == (12, 1, 5, 5)
    assert params["conv2.kernel"].shape == (32, 12, 5, 5)
    assert params["dense1.kernel"].shape[0] == 32 * 5 * 5
    assert network.output_shape == (11,)
