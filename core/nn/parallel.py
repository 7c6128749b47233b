"""Data-parallel training steps: a batch is split into shards that run on threads.

Two things make this faster than one pass over the whole batch, for the same
gradient: shards small enough that their temporaries stay in the CPU cache, and
several cores at once. NumPy releases the GIL inside its array loops and BLAS
calls, so plain threads run shards truly in parallel.

The result equals the full-batch step up to float rounding: each shard's loss is a
mean over its n_s samples, so the batch loss and every gradient are the shard
values weighted by n_s / N and added up, always in shard order, so a seed still
gives the same result whatever thread finished first.

A step needs only the network's ``ExecutionPlan`` and its loss, which ``Network``
passes in: this module never imports the network (that would be a cycle).
"""

from __future__ import annotations

import copy
import os
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from digitlab.core.nn.losses import Loss
    from digitlab.core.nn.plan import ExecutionPlan

_pools: dict[int, ThreadPoolExecutor] = {}


def available_cores() -> int:
    """Cores this process may run on (respects CPU affinity, unlike ``os.cpu_count``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _pool(threads: int) -> ThreadPoolExecutor:
    if threads not in _pools:
        _single_threaded_blas()
        _pools[threads] = ThreadPoolExecutor(threads, thread_name_prefix="digitlab-shard")
    return _pools[threads]


def _single_threaded_blas() -> None:
    """One BLAS thread per shard thread: LeNet's products are too small to split, and
    BLAS threads on top of shard threads would oversubscribe the cores."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


class _Shard:
    """One shard's forward and backward pass on its own copies of the layers.

    The copies share the parameter arrays with the network but have their own
    caches and gradients, so shards never see each other's state.
    """

    def __init__(self, plan: ExecutionPlan, loss: Loss) -> None:
        self.plan = plan.replica()
        self.loss = copy.copy(loss)

    def run(self, x: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
        x = self.plan.forward(x, training=True)
        loss = self.loss.forward(x, targets)
        self.plan.backward(self.loss.backward())
        return loss, x


def sharded_train_step(
    plan: ExecutionPlan,
    loss: Loss,
    x: np.ndarray,
    targets: np.ndarray,
    shard_size: int,
    threads: int,
) -> tuple[float, np.ndarray]:
    """Forward, ``loss`` and backward over ``x`` in shards, each on a replica of
    ``plan``; fills the ``grads`` of the plan's own layers. Returns (loss, output)."""
    n = len(x)
    spans = shard_spans(n, shard_size, threads)
    # Made here, in shard order, so any random streams do not depend on threads.
    shards = [_Shard(plan, loss) for _ in spans]
    jobs = [(shard, x[a:b], targets[a:b]) for shard, (a, b) in zip(shards, spans, strict=True)]
    if threads > 1 and len(jobs) > 1:
        results = list(_pool(threads).map(lambda job: job[0].run(job[1], job[2]), jobs))
    else:
        results = [shard.run(xs, ts) for shard, xs, ts in jobs]
    weights = [(b - a) / n for a, b in spans]
    _combine_grads(plan, shards, weights)
    total = float(sum(w * value for w, (value, _) in zip(weights, results, strict=True)))
    return total, np.concatenate([out for _, out in results])


#: Below this many samples a shard's arrays are too small for a thread to pay off.
MIN_SHARD = 16


def shard_spans(n: int, shard_size: int, threads: int) -> list[tuple[int, int]]:
    """Split ``n`` samples into near-equal shards of at most ``shard_size``, and into
    at least one shard per thread while each keeps ``MIN_SHARD`` samples."""
    count = max(-(-n // shard_size), min(threads, n // MIN_SHARD), 1)
    bounds = [round(i * n / count) for i in range(count + 1)]
    return list(pairwise(bounds))


def _combine_grads(plan: ExecutionPlan, shards: list[_Shard], weights: list[float]) -> None:
    """Each layer's gradient: its shard copies' gradients weighted and added in shard order."""
    for i, layer in enumerate(plan.layers):
        if not layer.params:
            continue
        copies = [shard.plan.layers[i] for shard in shards]
        layer.grads = {
            key: sum(w * c.grads[key] for w, c in zip(weights, copies, strict=True))
            for key in layer.params
        }
