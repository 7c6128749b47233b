"""The layer contract of ``core/layers/base.py``, checked on every layer type."""

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
    ReLU,
    Sigmoid,
    Tanh,
)

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
