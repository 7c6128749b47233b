"""Watching a run: per-layer gradient norms and update ratios, and the watched digits."""

from __future__ import annotations

import numpy as np
import pytest

from digitlab.core.data.mnist import Split
from digitlab.core.nn.architectures import lenet5
from digitlab.core.train.trainer import Trainer
from digitlab.core.train.types import Callback, TrainConfig
from digitlab.core.train.watch import DigitWatch, GradientWatch, digits_to_watch

SGD = {"batch_size": 16, "lr": 0.01, "optimizer": "sgd", "augment": False, "seed": 3,
       "schedule": "constant", "epochs": 1}  # fmt: skip


class KernelSpy(Callback):
    """Keeps, after every batch, the kernels and their gradients (copies)."""

    def __init__(self) -> None:
        self.kernels, self.grads = [], []

    def on_batch_end(self, progress) -> None:
        network = self.trainer.network
        self.kernels.append({k: v.copy() for k, v in network.params().items() if "kernel" in k})
        self.grads.append({k: v.copy() for k, v in network.grads().items() if "kernel" in k})


def run(digits, *callbacks, **config):
    x, y = digits(160, seed=5)
    trainer = Trainer(lenet5(0), (x[:128], y[:128]), (x[128:], y[128:]),
                      TrainConfig(**{**SGD, **config}), callbacks=callbacks)  # fmt: skip
    trainer.run()
    return trainer


def test_gradient_norms_and_update_ratios_are_those_of_the_sampled_steps(digits):
    """Given plain SGD (so a step is exactly -lr * gradient), every 3rd batch reports
    each kernel's gradient norm and |step| / |weights before the step|."""
    spy, stats = KernelSpy(), []
    run(digits, spy, GradientWatch(stats.append, every=3))
    assert [s.step for s in stats] == [3, 6]  # 8 batches in the epoch
    assert stats[0].layers == ("conv1", "conv2", "dense1", "dense2", "dense3")
    for s in stats:
        b = s.step - 1  # the spy's index of that batch
        for layer, norm, ratio in zip(s.layers, s.grad_norms, s.update_ratios, strict=True):
            name = f"{layer}.kernel"
            assert norm == pytest.approx(np.linalg.norm(spy.grads[b][name]), rel=1e-6)
            before = spy.kernels[b - 1][name]
            expected = np.linalg.norm(0.01 * spy.grads[b][name]) / np.linalg.norm(before)
            assert ratio == pytest.approx(expected, rel=1e-3)
    assert stats[1].epoch_position == pytest.approx(6 / 8)


def test_a_watch_that_could_not_see_a_step_is_refused():
    with pytest.raises(ValueError, match="every must be at least 2"):
        GradientWatch(print, every=1)


def test_the_watched_digits_are_read_every_few_batches_and_after_each_epoch(digits):
    x, _ = digits(20, seed=9)
    readings = []
    trainer = run(digits, DigitWatch(x, readings.append, every=5), epochs=2)
    expected = [(5, 5 / 8), (8, 1.0), (10, 1.25), (15, 1.875), (16, 2.0)]
    assert [(r.step, r.epoch_position) for r in readings] == expected
    assert readings[-1].predicted == tuple(int(p) for p in trainer.network.predict(x))


def test_the_digits_to_watch_are_the_first_of_each_digit():
    labels = np.array([3, 1, 0, 1, 2, 0, 3, 2], np.uint8)
    images = np.arange(8, dtype=np.uint8)[:, None, None] * np.ones((1, 28, 28), np.uint8)
    x, chosen = digits_to_watch(Split(images, labels), per_digit=1)
    assert chosen.tolist() == [0, 1, 2, 3]
    assert [round(float(v) * 255) for v in x[:, 0, 0, 0]] == [2, 1, 4, 0]
