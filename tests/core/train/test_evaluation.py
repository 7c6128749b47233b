"""evaluate(): loss, accuracy, confusion matrix, per-class accuracy, JSON form."""

from __future__ import annotations

import json

import numpy as np
import pytest

from digitlab.core.errors import ShapeError
from digitlab.core.nn.layers import Dense
from digitlab.core.nn.network import Network
from digitlab.core.train.evaluation import evaluate


def identity_network(classes: int = 3) -> Network:
    """Logits equal the input: the test decides every prediction exactly."""
    network = Network([Dense(classes, name="dense")], (classes,), rng=0)
    network.set_weights(
        {"dense.kernel": np.eye(classes, dtype=np.float32), "dense.bias": np.zeros(classes)}
    )
    return network


def test_counts_every_prediction_in_its_cell():
    logits = np.array([[5, 0, 0], [0, 5, 0], [0, 5, 0], [0, 0, 5], [5, 0, 0]], np.float32)
    labels = np.array([0, 1, 0, 2, 2])
    result = evaluate(identity_network(), logits, labels, batch_size=2)
    assert result.confusion.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]
    assert result.accuracy == pytest.approx(3 / 5)
    assert result.per_class_accuracy.tolist() == pytest.approx([0.5, 1.0, 0.5])
    assert result.misclassified().tolist() == [2, 4]
    assert result.n == 5


def test_loss_is_the_mean_cross_entropy():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 3.0]], np.float32)
    labels = np.array([1, 2])
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    expected = -(log_p[0, 1] + log_p[1, 2]) / 2
    result = evaluate(identity_network(), logits, labels)
    assert result.loss == pytest.approx(expected, rel=1e-6)
    assert result.probabilities.sum(axis=1) == pytest.approx([1.0, 1.0])


def test_class_without_samples_has_no_accuracy():
    result = evaluate(identity_network(), np.eye(3, dtype=np.float32)[:2], np.array([0, 1]))
    assert np.isnan(result.per_class_accuracy[2])
    as_json = json.loads(json.dumps(result.to_dict()))
    assert as_json["per_class_accuracy"] == [1.0, 1.0, None]
    assert as_json["confusion"] == [[1, 0, 0], [0, 1, 0], [0, 0, 0]]
    assert {"accuracy", "loss", "n", "confusion"} <= as_json.keys()


def test_sample_and_label_counts_must_agree():
    with pytest.raises(ShapeError, match="3 samples but 2 labels"):
        evaluate(identity_network(), np.eye(3, dtype=np.float32), np.array([0, 1]))


def test_a_label_the_network_has_no_class_for_is_a_shape_error():
    with pytest.raises(ShapeError, match="labels run from 0 to 3, but the network has 3 classes"):
        evaluate(identity_network(), np.eye(3, dtype=np.float32)[[0, 1]], np.array([0, 3]))


# -- a network that can answer "not a digit" (class 10) ------------------------------------
def one_hot(classes: list[int], width: int = 11) -> np.ndarray:
    return 5 * np.eye(width, dtype=np.float32)[classes]  # identity logits: that class wins


def test_a_declined_digit_is_a_mistake_in_the_last_column():
    said = [3, 10, 7, 10, 0]
    labels = np.array([3, 3, 7, 9, 1])
    result = evaluate(identity_network(11), one_hot(said), labels)
    assert result.can_decline
    assert result.declined == 2
    assert result.accuracy == pytest.approx(2 / 5)
    assert result.misclassified().tolist() == [1, 3, 4]
    assert result.confusion.shape == (11, 11)
    assert result.digit_confusion.shape == (10, 11)
    assert result.digit_confusion[3].tolist() == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1]
    assert result.digit_confusion[:, 10].sum() == 2
    assert result.per_class_accuracy[3] == pytest.approx(0.5)
    assert np.isnan(result.per_class_accuracy[10])  # no negatives among the labels
    assert json.loads(json.dumps(result.to_dict()))["declined"] == 2


def test_labels_may_include_the_negatives_class():
    said = [10, 10, 4, 4]
    labels = np.array([10, 4, 10, 4])  # a negative declined, a 4 declined, a negative read as 4
    result = evaluate(identity_network(11), one_hot(said), labels)
    assert result.accuracy == pytest.approx(0.5)
    assert result.declined == 1  # only real digits count as declined
    assert result.confusion[10].tolist() == [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]
    assert result.per_class_accuracy[10] == pytest.approx(0.5)
    assert np.isfinite(result.loss)


def test_a_ten_class_network_declines_nothing():
    result = evaluate(identity_network(10), one_hot([1, 2], width=10), np.array([1, 3]))
    assert not result.can_decline and result.declined == 0
    assert result.digit_confusion.shape == (10, 10)
    assert result.to_dict()["declined"] == 0
