"""What the Train tab's statistics cost a batch: ``GradientWatch`` and ``DigitWatch``.

Times their ``on_batch_end`` per batch (averaged over thousands, so DigitWatch's read
of 50 digits every 300 batches is included) beside one training step of the same
LeNet-5 (batch 64, forward, backward, no optimizer step), both on this thread. The
ratio is an upper bound of their share of training time; ``bench/responsiveness.py``
measures whole runs with and without them, where load elsewhere blurs so small a
difference. The last line is one JSON object.
"""

from __future__ import annotations

import json
import time
from types import SimpleNamespace

import numpy as np

from digitlab.core.nn.architectures import lenet5
from digitlab.core.train.types import BatchProgress
from digitlab.core.train.watch import DigitWatch, GradientWatch


def seconds_per_call(f, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        f()
    return (time.perf_counter() - start) / calls


def main() -> None:
    network = lenet5(0)
    rng = np.random.default_rng(0)
    x = rng.random((64, 1, 28, 28), dtype=np.float32)
    labels = np.arange(64) % 10
    network.train_step(x, labels)  # gradients to measure, and a warm start
    trainer = SimpleNamespace(network=network)  # what the callbacks reach for
    gradients = GradientWatch(lambda stats: None)
    gradients.set_trainer(trainer)
    digits = DigitWatch(x[:50], lambda readings: None)
    digits.set_trainer(trainer)
    progress = BatchProgress(1, 1, 1, 860, 64, 0.1, 0.5, 1000.0, 1e-3)

    def watch() -> None:
        gradients.on_batch_end(progress)
        digits.on_batch_end(progress)

    steps = [seconds_per_call(lambda: network.train_step(x, labels), 1) for _ in range(30)]
    watches = [seconds_per_call(watch, 3000) for _ in range(5)]
    step_ms, watch_us = 1e3 * float(np.median(steps)), 1e6 * float(np.median(watches))
    print(f"training step {step_ms:.2f} ms, statistics {watch_us:.1f} us per batch")
    print(json.dumps({"train_step_ms": round(step_ms, 3), "watch_us_per_batch": round(watch_us, 1),
                      "watch_share": round(watch_us / 1e3 / step_ms, 5)}))  # fmt: skip


if __name__ == "__main__":
    main()
