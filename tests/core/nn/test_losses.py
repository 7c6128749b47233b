"""Losses: values, gradient checks, stability at extreme logits, and refused targets."""

import re
import warnings

import numpy as np
import pytest
from gradcheck import numerical_gradient, relative_error
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from digitlab.core.errors import ShapeError
from digitlab.core.nn.losses import MeanSquaredError, SoftmaxCrossEntropy, log_softmax, softmax

SEEDS = st.integers(0, 2**32 - 1)


def loss_gradient_error(loss, output: np.ndarray, targets: np.ndarray) -> float:
    """Relative error of ``backward()`` against central differences of ``forward``."""
    loss.forward(output, targets)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda: loss.forward(output, targets), output)
    return relative_error(analytic, numeric)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 5), k=st.integers(2, 10), scale=st.sampled_from([0.1, 1, 3]), seed=SEEDS)
def test_cross_entropy_gradient_with_labels(n, k, scale, seed):
    rng = np.random.default_rng(seed)
    # Clipped: past a gap of ~10 between logits the true gradient (~e^-10) sinks below
    # what central differences of log(1 + tiny) resolve; extremes have their own test.
    logits = np.clip(scale * rng.standard_normal((n, k)), -3, 3)
    labels = rng.integers(0, k, n)
    assert loss_gradient_error(SoftmaxCrossEntropy(), logits, labels) < 1e-6


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 5), k=st.integers(2, 10), seed=SEEDS)
def test_cross_entropy_gradient_with_distributions(n, k, seed):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, k))
    targets = rng.dirichlet(np.ones(k), n)  # rows sum to 1, e.g. label smoothing
    assert loss_gradient_error(SoftmaxCrossEntropy(), logits, targets) < 1e-6


@settings(max_examples=30, deadline=None)
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple), seed=SEEDS)
def test_mean_squared_error_gradient(shape, seed):
    rng = np.random.default_rng(seed)
    output, targets = rng.standard_normal(shape), rng.standard_normal(shape)
    assert loss_gradient_error(MeanSquaredError(), output, targets) < 1e-6


def test_hand_worked_cross_entropy():
    # Given logits [0, ln 3]: softmax [1/4, 3/4]
    logits = np.array([[0.0, np.log(3.0)], [0.0, np.log(3.0)]])
    loss = SoftmaxCrossEntropy()
    # Then label 0 costs ln 4 and label 1 costs ln 4/3; the batch loss is their mean
    assert loss.forward(logits, np.array([0, 1])) == pytest.approx((np.log(4) + np.log(4 / 3)) / 2)
    # And the gradient is (softmax - onehot) / N
    assert_allclose(loss.backward(), [[(0.25 - 1) / 2, 0.75 / 2], [0.25 / 2, (0.75 - 1) / 2]])


def test_labels_and_one_hot_distributions_agree(rng):
    logits = rng.standard_normal((4, 3))
    labels = np.array([2, 0, 1, 2])
    a, b = SoftmaxCrossEntropy(), SoftmaxCrossEntropy()
    assert a.forward(logits, labels) == pytest.approx(b.forward(logits, np.eye(3)[labels]))
    assert_allclose(a.backward(), b.backward())


def test_hand_worked_mean_squared_error():
    output = np.array([[1.0, 2.0], [3.0, 4.0]])
    loss = MeanSquaredError()
    assert loss.forward(output, np.zeros((2, 2))) == 7.5  # (1 + 4 + 9 + 16) / 4
    assert_array_equal(loss.backward(), output / 2)  # 2 * diff / 4


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_is_stable_at_huge_logits(dtype):
    # Given logits of +-1e4, where a naive exp overflows and a naive log sees 0
    logits = np.array([[1e4, -1e4, 0.0], [1e4, -1e4, 0.0]], dtype=dtype)
    loss = SoftmaxCrossEntropy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow, underflow-to-log(0) or nan warning
        # When sample 0 is right (label 0) and sample 1 is badly wrong (label 1)
        value = loss.forward(logits, np.array([0, 1]))
        grad = loss.backward()
    # Then the loss is the mean of 0 and 2e4, and the gradient is finite and exact
    assert value == pytest.approx(1e4)
    assert np.all(np.isfinite(grad))
    assert_allclose(grad, [[0, 0, 0], [0.5, -0.5, 0]], atol=1e-7)


def test_softmax_rows_sum_to_one(rng):
    logits = np.concatenate([rng.standard_normal((5, 10)) * 30, [[1e4, -1e4] + [0] * 8]])
    probs = softmax(logits)
    assert np.all(np.isfinite(probs)) and np.all(probs >= 0)
    assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)
    # Shifting every logit of a row by a constant changes nothing
    assert_allclose(softmax(logits[:5] + 100.0), probs[:5], rtol=1e-10)


def test_log_softmax_matches_log_of_softmax(rng):
    logits = rng.standard_normal((4, 6)) * 3
    assert_allclose(log_softmax(logits), np.log(softmax(logits)), rtol=1e-12)
    assert log_softmax(np.array([[1e4, -1e4]]))[0, 1] == pytest.approx(-2e4)


@pytest.mark.parametrize(
    ("targets", "shown"),
    [
        (np.array([0, 1, 2]), "(3,)"),  # one label too many
        (np.zeros((2, 4)), "(2, 4)"),  # distributions over the wrong number of classes
        (np.zeros((2, 3, 1)), "(2, 3, 1)"),
        (np.array([0, 3]), "0..3"),  # label out of range
        (np.array([-1, 0]), "-1..0"),
    ],
    ids=["too-many-labels", "wrong-classes", "extra-axis", "label-too-big", "negative-label"],
)
def test_bad_cross_entropy_targets_are_shape_errors(targets, shown):
    with pytest.raises(ShapeError, match=re.escape(shown)):
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), targets)


def test_whole_float_labels_are_accepted():
    loss = SoftmaxCrossEntropy()
    assert loss.forward(np.zeros((2, 3)), np.array([0.0, 2.0])) == pytest.approx(np.log(3))


@pytest.mark.parametrize(
    "labels", [[0.5, 1.0], [0.0, 1.7], [np.nan, 1.0]], ids=["half", "fraction", "nan"]
)
def test_labels_that_are_not_whole_numbers_are_shape_errors(labels):
    # A label 1.7 is no class: truncating it to 1 would train on a wrong target silently
    with pytest.raises(ShapeError, match="labels"):
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.array(labels))


def test_cross_entropy_needs_two_dimensional_logits():
    with pytest.raises(ShapeError, match=re.escape("(2, 3, 1)")):
        SoftmaxCrossEntropy().forward(np.zeros((2, 3, 1)), np.array([0, 1]))


def test_bad_mean_squared_error_targets_are_shape_errors():
    with pytest.raises(ShapeError, match=re.escape("(2, 2)")):
        MeanSquaredError().forward(np.zeros((2, 3)), np.zeros((2, 2)))


@pytest.mark.parametrize("cls", [SoftmaxCrossEntropy, MeanSquaredError])
def test_backward_before_forward_is_a_clear_error(cls):
    with pytest.raises(RuntimeError, match="before forward"):
        cls().backward()
