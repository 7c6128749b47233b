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
