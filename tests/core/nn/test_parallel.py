"""Shards: how a batch is split for the threads, a sharded step on a plan alone (the
network's gradients are checked in test_network), and no import of the network."""

import ast
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from digitlab.core.nn import parallel
from digitlab.core.nn import plan as plan_module
from digitlab.core.nn.layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU
from digitlab.core.nn.losses import SoftmaxCrossEntropy
from digitlab.core.nn.parallel import shard_spans, sharded_train_step
from digitlab.core.nn.plan import ExecutionPlan


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 600), shard_size=st.integers(1, 128), threads=st.integers(1, 8))
def test_shards_cover_the_batch_in_order_and_respect_the_size(n, shard_size, threads):
    spans = shard_spans(n, shard_size, threads)
    assert spans[0][0] == 0 and spans[-1][1] == n
    assert all(a < b for a, b in spans)  # no empty shard
    assert all(b == a2 for (_, b), (a2, _) in pairwise(spans))
    sizes = [b - a for a, b in spans]
    assert max(sizes) <= shard_size
    assert max(sizes) - min(sizes) <= 1  # near-equal: no straggler shard of 1


def test_one_shard_when_the_batch_is_small():
    assert shard_spans(5, 64, 1) == [(0, 5)]


def test_a_sharded_step_needs_only_a_plan_and_a_loss():
    # Given layers and a loss, and no Network around them
    rng = np.random.default_rng(0)
    layers, shape = [Conv2D(3, 3), ReLU(), MaxPool2D(2), Flatten(), Dense(4)], (1, 8, 8)
    for i, layer in enumerate(layers):
        layer.name = f"l{i}"
        shape = layer.build(shape, rng)
        layer.cast(np.float64)
    plan, loss = ExecutionPlan.of(layers), SoftmaxCrossEntropy()
    x, y = rng.standard_normal((37, 1, 8, 8)), rng.integers(0, 4, 37)
    # When a step runs in one pass, then in shards on two threads
    expected_loss = loss.forward(plan.forward(x, training=True), y)
    plan.backward(loss.backward())
    expected = {(i, k): g.copy() for i, layer in enumerate(layers) for k, g in layer.grads.items()}
    sharded_loss, output = sharded_train_step(plan, loss, x, y, shard_size=8, threads=2)
    # Then the plan's own layers hold the one-pass gradients
    assert sharded_loss == pytest.approx(expected_loss, rel=1e-12)
    assert output.shape == (37, 4)
    for (i, key), grad in expected.items():
        assert_allclose(layers[i].grads[key], grad, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("module", [parallel, plan_module], ids=["parallel", "plan"])
def test_it_neither_imports_the_network_nor_reaches_into_private_state(module):
    # network imports parallel and plan: the other way round would be a cycle
    tree = ast.parse(Path(module.__file__).read_text())
    nodes = list(ast.walk(tree))
    imported = {node.module for node in nodes if isinstance(node, ast.ImportFrom)}
    imported |= {a.name for node in nodes if isinstance(node, ast.Import) for a in node.names}
    assert "digitlab.core.nn.network" not in imported
    others_private = [
        ast.unparse(node)
        for node in nodes
        if isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not (isinstance(node.value, ast.Name) and node.value.id == "self")
    ]
    assert others_private == []
