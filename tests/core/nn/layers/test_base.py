"""The layer contract of ``core/nn/layers/base.py``, checked on every layer type: what
each layer computes, what it says about itself, and the registry of layer classes."""

import json
import re

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from digitlab.core.nn.layers import (
    LAYER_TYPES,
    AvgPool2D,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    Layer,
    MaxPool2D,
    OutputSign,
    ReLU,
    Sigmoid,
    Tanh,
    forget_layer_type,
)
from digitlab.core.nn.network import Network

# (factory taking the name, per-sample input shape): one non-default configuration each.
CASES = {
    "Conv2D": (lambda **k: Conv2D(3, (3, 2), 2, 1, "glorot_uniform", **k), (2, 7, 6)),
    "MaxPool2D": (lambda **k: MaxPool2D((2, 3), stride=2, **k), (2, 6, 7)),
    "AvgPool2D": (lambda **k: AvgPool2D(3, stride=1, **k), (1, 5, 4)),
    "Dense": (lambda **k: Dense(5, kernel_init="glorot_uniform", **k), (6,)),
    "Flatten": (lambda **k: Flatten(**k), (2, 3, 4)),
    "ReLU": (lambda **k: ReLU(**k), (2, 3)),
    "Sigmoid": (lambda **k: Sigmoid(**k), (4,)),
    "Tanh": (lambda **k: Tanh(**k), (3, 2, 2)),
    "Dropout": (lambda **k: Dropout(0.25, **k), (10,)),
}
layer_cases = pytest.mark.parametrize("case", sorted(CASES))


def make(case: str, name: str | None = "x1", seed: int = 0) -> tuple[Layer, np.ndarray]:
    """The layer of ``case`` built for its input shape, and a random float32 batch of 2."""
    factory, input_shape = CASES[case]
    layer = factory(name=name)
    rng = np.random.default_rng(seed)
    layer.build(input_shape, rng)
    return layer, rng.standard_normal((2, *input_shape)).astype(np.float32)


def test_every_registered_layer_type_is_covered():
    assert set(CASES) == set(LAYER_TYPES)


@layer_cases
def test_config_round_trip(case):
    layer, _ = make(case)
    config = layer.get_config()
    rebuilt = type(layer).from_config(config)
    assert rebuilt.get_config() == config
    # Model files store configs as JSON, so they must survive it unchanged
    assert json.loads(json.dumps(config)) == config
    assert type(layer)(**config).get_config() == config
    assert rebuilt.build(layer.input_shape, np.random.default_rng(1)) == layer.output_shape


@layer_cases
def test_unnamed_config_round_trip(case):
    layer = CASES[case][0]()
    assert layer.get_config()["name"] is None
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()


@layer_cases
def test_forward_gives_the_built_output_shape_and_backward_the_input_shape(case):
    layer, x = make(case)
    out = layer.forward(x)
    assert out.shape == (2, *layer.output_shape)
    dx = layer.backward(np.ones_like(out))
    assert dx.shape == x.shape


@layer_cases
def test_backward_fills_one_gradient_per_parameter(case):
    layer, x = make(case)
    layer.forward(x)
    layer.backward(np.ones((2, *layer.output_shape), np.float32))
    assert set(layer.grads) == set(layer.params)
    for key, grad in layer.grads.items():
        assert grad.shape == layer.params[key].shape
        assert grad.dtype == layer.params[key].dtype


@layer_cases
def test_backward_before_forward_is_a_clear_error(case):
    layer, _ = make(case)
    with pytest.raises(RuntimeError, match=r"'x1'.*backward\(\) called before forward"):
        layer.backward(np.ones((2, *layer.output_shape), np.float32))


@layer_cases
def test_inference_forward_caches_nothing_for_backward(case):
    layer, x = make(case)
    layer.forward(x, training=False)
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones((2, *layer.output_shape), np.float32))


@layer_cases
def test_a_replica_shares_parameters_but_not_caches_or_gradients(case):
    # Given a layer mid-step: forward done on x, backward still to come
    layer, x = make(case)
    grad = np.random.default_rng(5).standard_normal((2, *layer.output_shape)).astype(np.float32)

    def forward() -> None:
        if isinstance(layer, Dropout):
            layer.seed(np.random.default_rng(0))  # the same mask both times
        layer.forward(x)

    forward()
    expected_dx = layer.backward(grad)
    expected_grads = {k: v.copy() for k, v in layer.grads.items()}
    forward()
    # When a replica (one shard of a batch) runs its own step on other data in between
    twin = layer.replica()
    for key in layer.params:
        assert twin.params[key] is layer.params[key]
    other = np.random.default_rng(6).standard_normal(x.shape).astype(np.float32) * 3
    twin.forward(other)
    twin.backward(grad * 2)
    # Then the original's step is unaffected
    assert_array_equal(layer.backward(grad), expected_dx)
    for key, value in expected_grads.items():
        assert_array_equal(layer.grads[key], value)


@layer_cases
def test_cast_converts_parameters(case):
    layer, _ = make(case)
    layer.cast(np.float64)
    assert all(p.dtype == np.float64 for p in layer.params.values())
    assert layer.grads == {}


@layer_cases
@pytest.mark.parametrize("bad", ["", "a/b", "conv.1"])
def test_bad_names_are_refused_with_the_value(case, bad):
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        CASES[case][0](name=bad)


@layer_cases
def test_repr_shows_the_config(case):
    layer, _ = make(case)
    assert repr(layer).startswith(f"{case}(")
    assert "name='x1'" in repr(layer)


@pytest.mark.parametrize(
    ("case", "count"),
    [("Conv2D", 3 * 2 * 3 * 2 + 3), ("Dense", 6 * 5 + 5), ("MaxPool2D", 0), ("Flatten", 0)],
)
def test_num_params(case, count):
    assert make(case)[0].num_params == count


# -- what a layer says about itself ----------------------------------------------


def signed_and_nonnegative(case: str) -> tuple[Layer, np.ndarray, np.ndarray]:
    """The layer of ``case``, a signed batch of 8 and that batch's absolute values."""
    layer, _ = make(case)
    x = np.random.default_rng(3).standard_normal((8, *CASES[case][1])).astype(np.float32)
    return layer, x, np.abs(x)


@layer_cases
@pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
def test_declared_output_sign_is_what_forward_gives(case, training):
    layer, signed, nonnegative = signed_and_nonnegative(case)
    sign = type(layer).output_sign
    from_signed = layer.forward(signed, training)
    from_nonnegative = layer.forward(nonnegative, training)
    if sign is OutputSign.NON_NEGATIVE:
        assert from_signed.min() >= 0
    elif sign is OutputSign.FOLLOWS_INPUT:
        assert from_nonnegative.min() >= 0
        assert from_signed.min() < 0  # else the layer would be NON_NEGATIVE
    else:
        assert from_nonnegative.min() < 0  # else it would at least follow its input


@pytest.mark.parametrize(
    ("sign", "after_nonnegative", "after_signed"),
    [
        (OutputSign.NON_NEGATIVE, True, True),
        (OutputSign.FOLLOWS_INPUT, True, False),
        (OutputSign.SIGNED, False, False),
    ],
)
def test_output_sign_after_an_input(sign, after_nonnegative, after_signed):
    assert sign.nonnegative_after(True) is after_nonnegative
    assert sign.nonnegative_after(False) is after_signed


def test_a_layer_that_says_nothing_is_signed_and_named_by_its_class(forget_new_layer_types):
    class Mystery(Layer):
        pass

    assert Mystery.output_sign is OutputSign.SIGNED  # the one description always true
    assert Mystery.kind == "Mystery"
    assert Mystery.image_weights is None and not Mystery.only_reshapes


def test_every_built_in_layer_names_its_own_kind():
    kinds = {name: cls.kind for name, cls in LAYER_TYPES.items()}
    assert kinds["Conv2D"] == "Convolution" and kinds["MaxPool2D"] == "Max pooling"
    assert len(set(kinds.values())) == len(kinds)  # no two look alike in a view
    assert all("kind" in cls.__dict__ for cls in LAYER_TYPES.values())


@layer_cases
def test_image_weights_name_a_parameter_of_small_images(case):
    layer, _ = make(case)
    key = type(layer).image_weights
    if case == "Conv2D":
        assert key == "kernel"
    if key is not None:
        _, channels, kh, kw = layer.params[key].shape  # (F, C, kh, kw)
        assert (channels, kh, kw) == (layer.input_shape[0], *layer.kernel_size)
    else:
        assert all(p.ndim < 4 for p in layer.params.values())


@layer_cases
def test_only_reshapes_is_true_exactly_for_a_pure_reshape(case):
    layer, signed, _ = signed_and_nonnegative(case)
    out = layer.forward(signed, training=True)
    same_values = out.size == signed.size and np.array_equal(out.ravel(), signed.ravel())
    assert type(layer).only_reshapes is same_values


@pytest.mark.parametrize(
    "name", [name for name, cls in LAYER_TYPES.items() if cls.commutes_with_max_pool]
)
def test_a_layer_that_commutes_with_max_pooling_does(name):
    # Given values with ties (on both sides of zero), a max-pool and the layer
    rng = np.random.default_rng(4)
    x = rng.integers(-3, 4, (5, 2, 8, 8)).astype(np.float32) / 2
    pools = [cls(2) for cls in LAYER_TYPES.values() if cls.keeps_window_max]
    assert pools  # the partner exists
    for pool in pools:
        # When the layer runs before or after the pool, the outputs are the same
        before = Network([LAYER_TYPES[name](), pool], x.shape[1:], rng=0)
        after = Network([pool, LAYER_TYPES[name]()], x.shape[1:], rng=0)
        # (activations runs the declared order; forward could reorder them)
        assert_array_equal(before.activations(x)[-1][1], after.activations(x)[-1][1])


# -- the registry ----------------------------------------------------------------


def test_layer_types_hold_the_concrete_layer_classes_only():
    assert LAYER_TYPES["Conv2D"] is Conv2D and LAYER_TYPES["ReLU"] is ReLU
    assert not {"Layer", "_Activation", "_Pool2D"} & set(LAYER_TYPES)
    with pytest.raises(TypeError):
        LAYER_TYPES["Conv2D"] = Dense  # read-only: only defining a class adds one


def test_a_new_layer_class_registers_itself_and_rebuilds_from_config(absolute_layer):
    # Given a layer class defined outside digitlab, used in a network
    assert LAYER_TYPES["Absolute"] is absolute_layer
    network = Network([Conv2D(2, 3), absolute_layer(), Flatten(), Dense(3)], (1, 6, 6), rng=0)
    # When the network is rebuilt from its config
    config = network.get_config()
    assert config["layers"][1] == {"class": "Absolute", "config": {"name": "abs1"}}
    rebuilt = Network.from_config(config, rng=1)
    rebuilt.set_weights(network.get_weights())
    # Then it has that layer, computes the same and trains
    assert type(rebuilt.layers[1]) is absolute_layer
    x = np.random.default_rng(0).standard_normal((4, 1, 6, 6)).astype(np.float32)
    assert_array_equal(rebuilt.predict_proba(x), network.predict_proba(x))
    loss, _ = rebuilt.train_step(x, np.arange(4) % 3, shard_size=2, threads=2)
    assert np.isfinite(loss) and set(rebuilt.grads()) == set(rebuilt.params())


def test_an_abstract_base_is_not_registered(forget_new_layer_types):
    class _Scaling(Layer, abstract=True):
        pass

    class Doubling(_Scaling):
        pass

    assert "_Scaling" not in LAYER_TYPES and LAYER_TYPES["Doubling"] is Doubling


def test_a_second_class_of_a_registered_name_is_refused(forget_new_layer_types):
    with pytest.raises(
        TypeError, match=r"'ReLU' already exists \(digitlab\.core\.nn.*another name"
    ):

        class ReLU(Layer):  # a file naming "ReLU" could not tell the two apart
            pass

    assert LAYER_TYPES["ReLU"].__module__ == "digitlab.core.nn.layers.activations"


def test_forgetting_a_layer_type_removes_only_that_class(forget_new_layer_types):
    class Passing(Layer):
        pass

    registered = Passing

    class Passing(Layer, abstract=True):  # same name, never registered
        pass

    forget_layer_type(Passing)  # not the registered class of its name: nothing happens
    assert LAYER_TYPES["Passing"] is registered
    forget_layer_type(registered)
    assert "Passing" not in LAYER_TYPES and "ReLU" in LAYER_TYPES
