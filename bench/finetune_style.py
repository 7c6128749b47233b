"""Does fine-tuning teach the model a person's handwriting without forgetting MNIST?

A made-up person writes sevens crossed and with a curled foot, and zeros slashed
through (``styles.HARD_STYLE``), which the bundled model mostly reads as 3s and
8s. For each seed: draw ``--per-class`` training digits of each glyph (as the app
would store them) and ``--test-per-class`` other ones, fine-tune the bundled model
with ``digitlab.core.personal.teach`` (MNIST replay, default settings unless overridden), and score
the other ones and the MNIST test set before and after. Prints one line per seed,
the medians over seeds, and one JSON object on the last line.

    python bench/finetune_style.py --data ../shared/datasets/mnist --seeds 5
"""

from __future__ import annotations

import json
import sys
import time
from argparse import ArgumentParser
from dataclasses import replace
from pathlib import Path

# The made-up handwriting styles are a test fixture, kept with the tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import numpy as np
from styles import HARD_STYLE, style_samples

from digitlab.core.data.mnist import load_mnist
from digitlab.core.files.model_file import load_model
from digitlab.core.personal.teach import FinetuneConfig, Finetuning
from digitlab.core.train.evaluation import evaluate
from digitlab.resources import bundled_model_path


def parse_args():
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="MNIST folder (default: as `digitlab train` finds it)")
    parser.add_argument("--model", default=str(bundled_model_path()))
    parser.add_argument("--styles", default=",".join(HARD_STYLE), help="glyph names")
    parser.add_argument("--per-class", type=int, default=15, help="training digits per glyph")
    parser.add_argument("--test-per-class", type=int, default=300)
    parser.add_argument("--seeds", type=int, default=5)
    for name in ("epochs", "replay", "patience"):
        parser.add_argument(f"--{name}", type=int)
    for name in ("lr", "personal_share", "holdout"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=float, dest=name)
    return parser.parse_args()


def one_seed(model, mnist, names, args, config: FinetuneConfig) -> dict:
    x, labels, _ = style_samples(names, args.per_class, seed=1000 + config.seed)
    test_x, test_labels, _ = style_samples(names, args.test_per_class, seed=5000 + config.seed)
    start = time.perf_counter()
    result = Finetuning(model, x, labels, mnist=mnist, config=config).run()
    seconds = time.perf_counter() - start
    return {
        "seed": config.seed,
        "style_before": evaluate(model.network, test_x, test_labels).accuracy,
        "style_after": evaluate(result.network, test_x, test_labels).accuracy,
        "mnist_before": result.before.mnist,
        "mnist_after": result.after.mnist,
        "mnist_drop_points": 100 * (result.before.mnist - result.after.mnist),
        "epochs_run": result.training.epochs_run,
        "best_epoch": result.training.best_epoch,
        "seconds": seconds,
    }


def main() -> None:
    args = parse_args()
    names = args.styles.split(",")
    overrides = {
        k: getattr(args, k)
        for k in ("epochs", "replay", "patience", "lr", "personal_share", "holdout")
        if getattr(args, k) is not None
    }
    base = replace(FinetuneConfig(), **overrides)
    model, mnist = load_model(args.model), load_mnist(args.data)
    print(f"styles {names}, {args.per_class} training digits each, {args.test_per_class} "
          f"test digits each; {base}", flush=True)  # fmt: skip
    runs = []
    for seed in range(args.seeds):
        run = one_seed(model, mnist, names, args, replace(base, seed=seed))
        runs.append(run)
        print(f"seed {seed}: style {run['style_before']:.1%} -> {run['style_after']:.1%}, "
              f"MNIST {run['mnist_before']:.2%} -> {run['mnist_after']:.2%} "
              f"({-run['mnist_drop_points']:+.2f} points), best epoch {run['best_epoch']}/"
              f"{run['epochs_run']}, {run['seconds']:.1f} s", flush=True)  # fmt: skip
    keys = ("style_before", "style_after", "mnist_before", "mnist_after", "mnist_drop_points",
            "seconds")  # fmt: skip
    median = {k: float(np.median([r[k] for r in runs])) for k in keys}
    worst_drop = max(r["mnist_drop_points"] for r in runs)
    print(f"median over {len(runs)} seeds: style {median['style_before']:.1%} -> "
          f"{median['style_after']:.1%}, MNIST {median['mnist_before']:.2%} -> "
          f"{median['mnist_after']:.2%} (drop {median['mnist_drop_points']:.2f} points, worst "
          f"{worst_drop:.2f}), {median['seconds']:.1f} s per fine-tuning")  # fmt: skip
    print(json.dumps({
        "styles": names, "per_class": args.per_class, "test_per_class": args.test_per_class,
        "config": base.to_dict(), "median": median, "worst_mnist_drop_points": worst_drop,
        "runs": runs,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
