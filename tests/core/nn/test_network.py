"""Network: whole-network gradient checks, sharding, the ReLU/max-pool reordering,
shape inference, summary, config, determinism and weights."""

import re

import numpy as np
import pytest
from gradcheck import network_numerical_grads, relative_error
from numpy.testing import assert_allclose, assert_array_equal

from digitlab.core.errors import ShapeError
from digitlab.core.nn.architectures import lenet5
from digitlab.core.nn.layers import (
    AvgPool2D,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    MaxPool2D,
    ReLU,
    Sigmoid,
    Tanh,
)
from digitlab.core.nn.losses import MeanSquaredError
from digitlab.core.nn.network import Network

INPUT = (2, 11, 9)  # two channels, not square


def small_layers() -> list:
    """Every layer type, with padding, a stride and a non-square kernel along the way."""
    return [
        Conv2D(3, 3, padding=1),  # (3, 11, 9)
        ReLU(),
        MaxPool2D(2),  # (3, 5, 4)
        Conv2D(4, (3, 2), stride=2),  # (4, 2, 2)
        Tanh(),
        AvgPool2D(2),  # (4, 1, 1)
        Flatten(),  # (4,)
        Dense(6),
        Sigmoid(),
        Dense(3),
    ]


def pool_first_layers() -> list:
    """No weights at the bottom: the first trainable layer is third, after the ReLU that
    runs behind the max-pool."""
    return [
        AvgPool2D((2, 1), stride=1),  # (2, 10, 9)
        ReLU(),
        MaxPool2D(2),  # (2, 5, 4)
        Conv2D(3, 2, padding=2),  # (3, 8, 7)
        Tanh(),
        Flatten(),
        Dropout(0.0),
        Dense(3),
    ]


ARCHITECTURES = {"every-layer": small_layers, "pool-first": pool_first_layers}


def small_network(seed: int = 0, layers=small_layers) -> Network:
    """A float64 network with every parameter (biases too) drawn N(0, 0.5)."""
    network = Network(layers(), INPUT, rng=seed).cast(np.float64)
    rng = np.random.default_rng(seed + 1000)
    for p in network.params().values():
        p[...] = 0.5 * rng.standard_normal(p.shape)
    return network


def batch(n: int, seed: int = 0, shape=INPUT, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, *shape)).astype(dtype), rng.integers(0, 3, n)


# -- gradients ---------------------------------------------------------------------


@pytest.mark.parametrize("architecture", sorted(ARCHITECTURES))
def test_gradients_through_the_whole_network_match_central_differences(architecture):
    # Given a float64 network and a batch of 4
    network = small_network(layers=ARCHITECTURES[architecture])
    x, y = batch(4)
    # When one training step fills the gradients
    loss, output = network.train_step(x, y, shard_size=None)
    analytic = {name: g.copy() for name, g in network.grads().items()}
    # Then each matches the numerical derivative of the loss
    numeric = network_numerical_grads(network, x, y)
    assert set(analytic) == set(numeric) == set(network.params())
    errors = {name: relative_error(analytic[name], numeric[name]) for name in numeric}
    assert max(errors.values()) < 1e-6, errors
    # And train_step reports the loss and the output of that same pass
    assert loss == pytest.approx(network.loss.forward(network.forward(x, False), y), rel=1e-12)
    assert_allclose(output, network.forward(x, training=False), rtol=1e-12)


def test_gradients_with_mean_squared_error():
    network = Network(small_layers(), INPUT, loss=MeanSquaredError(), rng=3).cast(np.float64)
    x, _ = batch(3, seed=3)
    targets = np.random.default_rng(4).standard_normal((3, 3))
    network.train_step(x, targets, shard_size=None)
    analytic = {name: g.copy() for name, g in network.grads().items()}
    numeric = network_numerical_grads(network, x, targets)
    for name in numeric:
        assert relative_error(analytic[name], numeric[name]) < 1e-6, name


@pytest.mark.parametrize("architecture", sorted(ARCHITECTURES))
@pytest.mark.parametrize(
    ("n", "shard_size", "threads"),
    [(5, 2, 2), (5, 2, 1), (5, 3, 2), (40, 64, 2), (5, 64, 2)],
    ids=["uneven-2-threads", "uneven-1-thread", "two-shards", "one-shard-per-thread", "one-pass"],
)
def test_sharded_step_gives_the_one_pass_gradients(n, shard_size, threads, architecture):
    # Given a network and a batch that shards do not divide evenly
    network = small_network(layers=ARCHITECTURES[architecture])
    x, y = batch(n)
    loss, output = network.train_step(x, y, shard_size=None)
    expected = {name: g.copy() for name, g in network.grads().items()}
    for g in network.grads().values():
        g[...] = np.nan  # the sharded step must replace, not add to, the gradients
    # When the step runs in shards on threads
    sharded_loss, sharded_output = network.train_step(x, y, shard_size, threads)
    # Then loss, output and every gradient equal the one-pass values
    assert sharded_loss == pytest.approx(loss, rel=1e-12)
    assert_allclose(sharded_output, output, rtol=1e-12)
    grads = network.grads()
    assert set(grads) == set(expected)
    for name, g in expected.items():
        assert_allclose(grads[name], g, rtol=1e-10, atol=1e-14, err_msg=name)


def test_float32_lenet5_step_agrees_with_float64(digits):
    # The fast paths run in float32; the same step in float64 is the reference
    x, y = digits(8, seed=3)
    fast, exact = lenet5(0), lenet5(0).cast(np.float64)
    loss32, _ = fast.train_step(x, y, shard_size=None)
    loss64, _ = exact.train_step(x, y, shard_size=None)
    assert loss32 == pytest.approx(loss64, rel=1e-5)
    grads64 = exact.grads()
    for name, g in fast.grads().items():
        assert g.dtype == np.float32, name
        assert relative_error(g, grads64[name]) < 1e-4, name


# -- ReLU -> max-pool reordering ---------------------------------------------------


def relu_pool_network(seed: int, zero_bias: bool) -> Network:
    layers = [
        Conv2D(4, 3, padding=1),
        ReLU(),
        MaxPool2D(2),
        Conv2D(3, 3),
        ReLU(),
        MaxPool2D(2, stride=1),  # overlapping windows
        Flatten(),
        Dense(5),
    ]
    network = Network(layers, (1, 10, 10), rng=seed).cast(np.float64)
    if not zero_bias:
        rng = np.random.default_rng(seed)
        for name, p in network.params().items():
            if name.endswith("bias"):
                p[...] = 0.1 * rng.standard_normal(p.shape)
    return network


def sparse_images(n: int, seed: int) -> np.ndarray:
    """Images mostly exactly zero, with a few pixels of equal value: ties everywhere."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 1, 10, 10))
    x[rng.random(x.shape) < 0.1] = 1.0
    return x


def declared_order_step(network: Network, x, y) -> dict[str, np.ndarray]:
    """Forward, loss and backward through the layers exactly as declared."""
    h = x
    for layer in network.layers:
        h = layer.forward(h, training=True)
    network.loss.forward(h, y)
    g = network.loss.backward()
    for layer in reversed(network.layers):
        g = layer.backward(g)
    return {name: g.copy() for name, g in network.grads().items()}


@pytest.mark.parametrize("zero_bias", [True, False], ids=["zero-bias", "random-bias"])
@pytest.mark.parametrize("images", ["sparse", "gaussian"])
def test_relu_pool_reordering_changes_nothing(zero_bias, images):
    # Given a network with ReLU -> MaxPool pairs (run as MaxPool -> ReLU by forward)
    network = relu_pool_network(seed=1, zero_bias=zero_bias)
    x = sparse_images(6, seed=2) if images == "sparse" else batch(6, 2, (1, 10, 10))[0]
    y = np.arange(6) % 5
    # Then the outputs equal those of the declared order, exactly
    assert_array_equal(network.forward(x, training=False), network.activations(x)[-1][1])
    # And so do the gradients of a training step
    network.train_step(x, y, shard_size=None)
    fast = {name: g.copy() for name, g in network.grads().items()}
    slow = declared_order_step(network, x, y)
    for name in slow:
        assert_allclose(fast[name], slow[name], rtol=1e-12, atol=1e-15, err_msg=name)


@pytest.mark.parametrize("architecture", sorted(ARCHITECTURES))
def test_forward_runs_the_declared_computation(architecture):
    # Whatever forward reorders, it must compute what the layers compute in declared order
    network = small_network(layers=ARCHITECTURES[architecture])
    x, _ = batch(3)
    assert_array_equal(network.forward(x, training=False), network.activations(x)[-1][1])


def test_activations_show_each_layer_in_declared_order():
    network = relu_pool_network(seed=1, zero_bias=False)
    x = batch(2, 0, (1, 10, 10))[0]
    names = [name for name, _ in network.activations(x)]
    assert names == [layer.name for layer in network.layers]
    relu1 = network.activations(x)[1][1]
    assert relu1.shape == (2, 4, 10, 10)  # the ReLU's own output, before pooling
    assert relu1.min() == 0


# -- shapes ------------------------------------------------------------------------


def test_shapes_are_inferred_through_the_network():
    network = small_network()
    shapes = [layer.output_shape for layer in network.layers]
    assert shapes == [
        (3, 11, 9),
        (3, 11, 9),
        (3, 5, 4),
        (4, 2, 2),
        (4, 2, 2),
        (4, 1, 1),
        (4,),
        (6,),
        (6,),
        (3,),
    ]
    assert network.output_shape == (3,)


@pytest.mark.parametrize(
    ("layers", "culprit", "shape"),
    [
        ([Conv2D(2, 3), Dense(10, name="head")], "'head' (Dense)", "(2, 6, 6)"),
        ([Conv2D(2, 5, name="c"), Conv2D(2, 5, name="too_big")], "'too_big' (Conv2D)", "(2, 4, 4)"),
        ([Flatten(), Conv2D(2, 3, name="late")], "'late' (Conv2D)", "(64,)"),
        ([MaxPool2D(2), MaxPool2D(2), MaxPool2D(2), MaxPool2D(2, name="p4")], "'p4'", "(1, 1, 1)"),
    ],
    ids=["dense-without-flatten", "kernel-too-big", "conv-after-flatten", "pooled-away"],
)
def test_layers_that_do_not_fit_are_refused_at_construction(layers, culprit, shape):
    with pytest.raises(ShapeError) as error:
        Network(layers, (1, 8, 8))
    assert culprit in str(error.value)
    assert shape in str(error.value)


def test_unnamed_culprit_is_named_by_its_automatic_name():
    with pytest.raises(ShapeError, match=re.escape("'dense1' (Dense)")):
        Network([Conv2D(2, 3), Dense(10)], (1, 8, 8))


@pytest.mark.parametrize("shape", [(2, 1, 8, 9), (2, 8, 8), (2, 2, 8, 8), (64,)])
def test_wrong_input_shape_at_forward_is_a_shape_error(shape):
    network = Network([Conv2D(2, 3), Flatten(), Dense(3)], (1, 8, 8))
    with pytest.raises(ShapeError, match=re.escape(str(shape))):
        network.forward(np.zeros(shape))
    with pytest.raises(ShapeError, match=re.escape("(N, 1, 8, 8)")):
        network.train_step(np.zeros(shape), np.zeros(shape[0], int))


def test_empty_network_is_refused():
    with pytest.raises(ValueError, match="at least one layer"):
        Network([], (1, 8, 8))


def test_layers_get_unique_automatic_names():
    network = Network([Conv2D(2, 3), ReLU(), Conv2D(2, 3, name="conv1"), Flatten()], (1, 8, 8))
    assert [layer.name for layer in network.layers] == ["conv2", "relu1", "conv1", "flatten1"]
    with pytest.raises(ValueError, match="'x'"):
        Network([ReLU(name="x"), ReLU(name="x")], (3,))


# -- description and config --------------------------------------------------------


def test_lenet5_summary_lists_layers_shapes_and_total():
    text = lenet5(0).summary()
    expected_rows = [
        ("conv1 (Conv2D)", "(None, 6, 28, 28)", "156"),
        ("relu1 (ReLU)", "(None, 6, 28, 28)", "0"),
        ("pool1 (MaxPool2D)", "(None, 6, 14, 14)", "0"),
        ("conv2 (Conv2D)", "(None, 16, 10, 10)", "2,416"),
        ("relu2 (ReLU)", "(None, 16, 10, 10)", "0"),
        ("pool2 (MaxPool2D)", "(None, 16, 5, 5)", "0"),
        ("flatten (Flatten)", "(None, 400)", "0"),
        ("dense1 (Dense)", "(None, 120)", "48,120"),
        ("relu3 (ReLU)", "(None, 120)", "0"),
        ("dense2 (Dense)", "(None, 84)", "10,164"),
        ("relu4 (ReLU)", "(None, 84)", "0"),
        ("dense3 (Dense)", "(None, 10)", "850"),
    ]
    rows = [tuple(re.split(r"\s{2,}", line.strip())) for line in text.splitlines()]
    body = [row for row in rows if len(row) == 3 and row[0] != "Layer (type)"]
    assert body == expected_rows
    assert "Total params: 61,706" in text


def test_config_round_trip_rebuilds_the_same_architecture():
    network = small_network()
    config = network.get_config()
    rebuilt = Network.from_config(config, rng=0)
    assert rebuilt.get_config() == config
    assert [type(layer) for layer in rebuilt.layers] == [type(layer) for layer in network.layers]
    assert [layer.output_shape for layer in rebuilt.layers] == [
        layer.output_shape for layer in network.layers
    ]
    assert {k: v.shape for k, v in rebuilt.params().items()} == {
        k: v.shape for k, v in network.params().items()
    }
    # The same seed gives the same initial weights as building the layers directly
    fresh = Network(small_layers(), INPUT, rng=0)
    for name, value in fresh.params().items():
        assert_array_equal(rebuilt.params()[name], value)


def test_config_keeps_the_loss():
    network = Network([Flatten(), Dense(2)], (3,), loss=MeanSquaredError())
    assert isinstance(Network.from_config(network.get_config()).loss, MeanSquaredError)


@pytest.mark.parametrize("bad", ["Lambda", "os.system", "conv2d"])
def test_unknown_layer_class_is_refused(bad):
    config = Network([Flatten(), Dense(2)], (3,)).get_config()
    config["layers"][1]["class"] = bad
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        Network.from_config(config)


def test_unknown_loss_is_refused():
    config = Network([Flatten(), Dense(2)], (3,)).get_config()
    config["loss"] = "Hinge"
    with pytest.raises(ValueError, match="'Hinge'"):
        Network.from_config(config)


# -- determinism -------------------------------------------------------------------


def sgd_losses(seed: int, steps: int = 4, lr: float = 0.1) -> tuple[list[float], dict]:
    """Plain SGD on a float32 network with dropout, in shards on two threads."""
    layers = [*small_layers()[:-1], Dropout(0.3), Dense(3)]
    network = Network(layers, INPUT, rng=seed)
    initial = network.get_weights()
    x, y = batch(16, seed=99, dtype=np.float32)
    losses = []
    for _ in range(steps):
        loss, _ = network.train_step(x, y, shard_size=4, threads=2)
        grads = network.grads()
        for name, p in network.params().items():
            p -= lr * grads[name]
        losses.append(loss)
    return losses, initial


def test_same_seed_same_weights_and_losses():
    losses_a, weights_a = sgd_losses(seed=5)
    losses_b, weights_b = sgd_losses(seed=5)
    assert weights_a.keys() == weights_b.keys()
    for name in weights_a:
        assert_array_equal(weights_a[name], weights_b[name])
    assert losses_a == losses_b
    assert len(set(losses_a)) == len(losses_a)  # training moved


def test_different_seeds_differ():
    losses_a, weights_a = sgd_losses(seed=5, steps=1)
    losses_b, weights_b = sgd_losses(seed=6, steps=1)
    assert not np.array_equal(weights_a["conv1.kernel"], weights_b["conv1.kernel"])
    assert losses_a != losses_b


# -- weights -----------------------------------------------------------------------


def test_get_weights_returns_copies():
    network = small_network()
    weights = network.get_weights()
    assert set(weights) == set(network.params())
    weights["conv1.kernel"][...] = 0
    assert np.any(network.params()["conv1.kernel"] != 0)


def test_set_weights_copies_values_in():
    source, target = small_network(seed=1), small_network(seed=2)
    weights = source.get_weights()
    target.set_weights(weights)
    x, _ = batch(2)
    assert_array_equal(target.forward(x, False), source.forward(x, False))
    weights["dense2.bias"][...] = 7
    assert not np.any(target.params()["dense2.bias"] == 7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_copy_is_an_independent_twin(dtype):
    network = small_network(seed=3).cast(dtype)
    twin = network.copy()
    assert twin is not network and twin.get_config() == network.get_config()
    assert twin.dtype == dtype
    x, _ = batch(2)
    assert_array_equal(twin.forward(x, False), network.forward(x, False))
    twin.params()["dense2.bias"][...] += 1  # changing one leaves the other as it was
    assert not np.array_equal(twin.params()["dense2.bias"], network.params()["dense2.bias"])
    assert not any(
        np.shares_memory(a, b)
        for a, b in zip(twin.params().values(), network.params().values(), strict=True)
    )


def test_set_weights_validates_names_and_shapes():
    network = small_network()
    weights = network.get_weights()
    before = network.get_weights()

    missing = {k: v for k, v in weights.items() if k != "conv2.bias"}
    with pytest.raises(ShapeError, match=re.escape("missing ['conv2.bias']")):
        network.set_weights(missing)

    unknown = {**weights, "conv9.kernel": np.zeros(3)}
    with pytest.raises(ShapeError, match=re.escape("unknown ['conv9.kernel']")):
        network.set_weights(unknown)

    # A wrong shape is refused before anything is copied
    wrong = {k: v + 1 for k, v in weights.items()}
    wrong["dense1.kernel"] = np.zeros((6, 4))
    with pytest.raises(ShapeError, match=re.escape("dense1.kernel expects shape (4, 6)")):
        network.set_weights(wrong)
    for name, value in network.get_weights().items():
        assert_array_equal(value, before[name], err_msg=name)


def test_predict_proba_caches_nothing_and_sums_to_one():
    network = small_network()
    x, _ = batch(5)
    probs = network.predict_proba(x, batch_size=2)
    assert probs.shape == (5, 3)
    assert_allclose(probs.sum(axis=1), 1.0)
    assert_array_equal(network.predict(x), probs.argmax(axis=1))
    with pytest.raises(RuntimeError, match="before forward"):
        network.backward(np.ones((5, 3)))


def test_inference_ignores_dropout():
    layers = [Flatten(), Dense(8), Dropout(0.5), Dense(3)]
    network = Network(layers, (2, 3), rng=0)
    x = np.random.default_rng(1).standard_normal((4, 2, 3)).astype(np.float32)
    first = network.predict_proba(x)
    assert_array_equal(network.predict_proba(x), first)
    expected = network.forward(x, training=False)
    h = x.reshape(4, 6) @ network.params()["dense1.kernel"] + network.params()["dense1.bias"]
    h = h @ network.params()["dense2.kernel"] + network.params()["dense2.bias"]
    assert_allclose(expected, h, rtol=1e-5)
