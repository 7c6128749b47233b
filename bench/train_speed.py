"""Training and inference speed of digitlab's LeNet-5 against the same network in PyTorch.

Measured on random 28x28 float32 images in [0, 1) with random labels:

- training images/second at batch 64 and 256 on ``--threads`` threads; a step is
  ``net.train_step`` (forward, loss, backward) plus ``SGD(lr=0.01).step``, against
  PyTorch's zero_grad, forward, CrossEntropyLoss, backward, ``SGD.step``. digitlab
  splits each batch into shards, at least one per thread (``digitlab.core.nn.parallel``).
- the same at batch 64 on one core: ``train_step(threads=1)`` with NumPy's BLAS held
  to one thread, against ``torch.set_num_threads(1)``;
- single-image latency of ``net.forward(x, training=False)`` and ``net.predict_proba``
  against the PyTorch model under ``torch.no_grad()``.

How: a repeat is ``--warmup`` untimed steps, then one timed run over ``--batches``
batches, giving images / wall time. We report the MEDIAN over ``--repeats`` (with
min and max, to show the noise). Repeats interleave (repeat r: digitlab run, then
PyTorch run), so load from elsewhere on the machine hits both alike. Both see the
very same arrays (``torch.from_numpy``) and start from digitlab's initial weights;
a first step on both checks that losses and gradients agree, i.e. that the networks
are the same. PyTorch is optional: without it, its figures and the ratios are null.
The last line of output is one JSON object; ratio = digitlab / PyTorch.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from argparse import ArgumentParser, Namespace
from collections.abc import Callable
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from digitlab.core.nn.architectures import lenet5
from digitlab.core.nn.network import Network
from digitlab.core.train.optimizers import SGD

try:
    import torch
except ImportError:
    torch = None

Batch = tuple[np.ndarray, np.ndarray]
Step = Callable[[Any, Any], None]
LATENCY_BLOCK = 50  # single-image calls timed in a row, per framework and round


def make_batches(rng: np.random.Generator, count: int, size: int) -> list[Batch]:
    """Random images (size, 1, 28, 28) float32 in [0, 1) and labels (size,) int64."""
    return [
        (rng.random((size, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, size))
        for _ in range(count)
    ]


def torch_lenet5(net: Network) -> Any:
    """The PyTorch twin of ``lenet5()``, holding copies of ``net``'s weights."""
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )  # fmt: skip
    params = net.params()
    names = ["conv1", "conv2", "dense1", "dense2", "dense3"]
    layers = [m for m in model if isinstance(m, nn.Conv2d | nn.Linear)]
    with torch.no_grad():
        for name, layer in zip(names, layers, strict=True):
            kernel = params[f"{name}.kernel"]  # conv (F, C, kh, kw) as torch; dense (in, out)
            layer.weight.copy_(torch.from_numpy(kernel if kernel.ndim == 4 else kernel.T.copy()))
            layer.bias.copy_(torch.from_numpy(params[f"{name}.bias"]))
    return model


def same_network(net: Network, model: Any, batch: Batch) -> bool:
    """One forward/backward on both (no update): do loss and every gradient agree?"""
    loss, _ = net.train_step(*batch)
    model.zero_grad()
    torch_loss = torch.nn.functional.cross_entropy(
        model(torch.from_numpy(batch[0])), torch.from_numpy(batch[1])
    )
    torch_loss.backward()
    worst = 0.0  # largest |difference| / largest |gradient|, over the parameters
    for grad, p in zip(net.grads().values(), model.parameters(), strict=True):
        tg = p.grad.numpy().T if grad.ndim == 2 else p.grad.numpy()  # dense: (in, out)
        worst = max(worst, float(np.abs(grad - tg).max() / np.abs(tg).max()))
    print(f"check: loss {loss:.6f} (torch {torch_loss.item():.6f}), gradients within {worst:.1e}")
    return abs(loss - torch_loss.item()) < 1e-4 and worst < 1e-3


def digitlab_step(net: Network, threads: int) -> Step:
    opt = SGD(lr=0.01)

    def step(x: np.ndarray, y: np.ndarray) -> None:
        net.train_step(x, y, threads=threads)
        opt.step(net.params(), net.grads())

    return step


def torch_step(model: Any) -> Step:
    opt, loss_fn = torch.optim.SGD(model.parameters(), lr=0.01), torch.nn.CrossEntropyLoss()

    def step(x: Any, y: Any) -> None:
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()

    return step


def images_per_second(step: Step, batches: list, warmup: int) -> float:
    for i in range(warmup):
        step(*batches[i % len(batches)])
    start = time.perf_counter()
    for x, y in batches:
        step(x, y)
    return sum(len(x) for x, _ in batches) / (time.perf_counter() - start)


def compare(
    label: str, dl: Step, th: Step | None, batches: list[Batch], threads: int, args: Namespace
) -> dict[str, Any]:
    """Interleaved repeats of digitlab and PyTorch (on ``threads``) on the same batches."""
    tensors = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in batches] if th else []
    dl_runs: list[float] = []
    th_runs: list[float] = []
    for _ in range(args.repeats):
        dl_runs.append(images_per_second(dl, batches, args.warmup))
        if th:
            torch.set_num_threads(threads)
            th_runs.append(images_per_second(th, tensors, args.warmup))
    dl_med = statistics.median(dl_runs)
    th_med = statistics.median(th_runs) if th_runs else None
    result = {
        "digitlab_img_s": round(dl_med),
        "torch_img_s": round(th_med) if th_med else None,
        "ratio": round(dl_med / th_med, 3) if th_med else None,
        "digitlab_min_max": [round(min(dl_runs)), round(max(dl_runs))],
        "torch_min_max": [round(min(th_runs)), round(max(th_runs))] if th_runs else None,
    }
    print(f"{label}: " + ", ".join(f"{k} {v}" for k, v in result.items()))
    return result


def latencies_ms(calls: dict[str, Callable[[], Any]], rounds: int = 8) -> dict[str, float]:
    """Median ms of single calls. The callables take turns in blocks of calls, so noise
    hits each alike; blocks, not single calls, because a call right after another
    framework's finds a cold cache (+0.04 ms measured) that a real caller would not."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            for i in range(LATENCY_BLOCK + 3):
                start = time.perf_counter()
                call()
                if i >= 3:  # the first calls of a block warm the cache up
                    times[name].append((time.perf_counter() - start) * 1e3)
    return {name: round(statistics.median(t), 4) for name, t in times.items()}


def latency_report(net: Network, model: Any, x1: np.ndarray, threads: int) -> dict[str, Any]:
    """Median single-image latencies (ms), x1 (1, 1, 28, 28)."""
    calls = {
        "infer_b1_ms": lambda: net.forward(x1, training=False),
        "predict_proba_b1_ms": lambda: net.predict_proba(x1),
    }
    if model is not None:
        torch.set_num_threads(threads)
        x1_t = torch.from_numpy(x1)
        calls["torch_infer_b1_ms"] = torch.no_grad()(lambda: model(x1_t))
    report = {"torch_infer_b1_ms": None, **latencies_ms(calls)}
    print("latency, 1 image (ms): " + ", ".join(f"{k} {v}" for k, v in report.items()))
    return report


def main() -> None:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=60, help="timed batches per repeat")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps before each run")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    T, net = args.threads, lenet5(args.seed)
    rng = np.random.default_rng(args.seed)
    data = {size: make_batches(rng, args.batches, size) for size in (64, 256)}
    model, check = None, None
    if torch is None:
        print("PyTorch is not installed: its figures are null.")
    else:
        torch.set_num_threads(T)
        model = torch_lenet5(net)
        check = same_network(net, model, data[64][0])
    th = torch_step(model) if model is not None else None
    print(f"threads {T}, {args.batches} batches x {args.repeats} repeats, medians [min, max]")
    report: dict[str, Any] = {"threads": T, "batches": args.batches, "repeats": args.repeats}
    for size, batches in data.items():
        dl = digitlab_step(net, T)
        report[f"b{size}"] = compare(f"batch {size}", dl, th, batches, T, args)
    # threadpoolctl sees only NumPy's OpenBLAS here (PyTorch's BLAS is built in).
    with threadpool_limits(1, "blas"):
        dl = digitlab_step(net, 1)
        report["b64_1thread"] = compare("batch 64, 1 thread", dl, th, data[64], 1, args)
    report.update(latency_report(net, model, data[64][0][0][:1], T))
    report["same_network_check"] = check
    report["numpy"] = np.__version__
    report["torch"] = torch.__version__ if torch is not None else None
    print(json.dumps(report))


if __name__ == "__main__":
    main()
