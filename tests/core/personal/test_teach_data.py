"""How a fine-tuning run's images are split, mixed and weighed."""

from __future__ import annotations

import numpy as np

from digitlab.core.personal.teach_data import mix, split_holdout, validation_set


def pair(labels, value: float = 0.0):
    labels = np.asarray(labels, np.int64)
    return np.full((len(labels), 1, 28, 28), value, np.float32), labels


def test_holdout_takes_a_quarter_of_each_digit_written_often_enough(rng):
    labels = np.array([7] * 12 + [0] * 8 + [3] * 7)
    train, held = split_holdout(labels, 0.25, 8, rng)
    assert np.bincount(labels[held], minlength=10)[[7, 0, 3]].tolist() == [3, 2, 0]
    assert sorted([*train, *held]) == list(range(len(labels)))


def test_mix_keeps_every_digit_as_frequent_as_in_the_replay():
    replay = pair(np.repeat(np.arange(10), 100))
    personal = pair([7] * 10 + [0] * 5, value=1.0)
    x, labels = mix(replay, personal, share=0.5)
    assert np.bincount(labels).tolist() == [100] * 10
    sevens = x[labels == 7]
    assert (sevens == 1.0).all(axis=(1, 2, 3)).sum() == 50  # half are the person's
    assert (x[labels == 0] == 1.0).all(axis=(1, 2, 3)).sum() == 50
    assert (x[labels == 3] == 0.0).all()  # digits the person did not write: MNIST only


def test_mix_without_replay_repeats_the_persons_digits_for_a_few_batches():
    _, labels = mix(pair([]), pair([4, 4, 9]), share=0.5)
    assert np.bincount(labels, minlength=10)[[4, 9]].tolist() == [32, 32]


def test_validation_weighs_mnist_and_the_persons_digits_equally():
    x, labels = validation_set(pair([1] * 100), pair([7] * 10, value=1.0))
    assert (labels == 1).sum() == 100 and (labels == 7).sum() == 100
    assert (x[labels == 7] == 1.0).all()
    assert validation_set(None, pair([7]))[1].tolist() == [7]
