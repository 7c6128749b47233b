"""Train LeNet-5 on MNIST exactly as the README's command does, and record the run.

    python bench/train_mnist.py [--data DIR] [--epochs 20] [--seed 0] [--out FILE]

Prints one line per epoch, a table, and the figures as one JSON object on the last
line: epochs run, best epoch, wall time, training images/s (median over epochs) and
the best model's test accuracy. The same seed on the same number of threads gives
the same model, so this also checks that the bundled model can be reproduced.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from digitlab.core.cli.progress import TrainingProgress
from digitlab.core.train.run import TrainingRun
from digitlab.core.train.save_best import SaveBestModel
from digitlab.core.train.types import BatchProgress


class Speed(TrainingProgress):
    """Prints progress as the CLI does and keeps each epoch's training images/s."""

    def __init__(self, saver: SaveBestModel) -> None:
        super().__init__(saver=saver)
        self.epoch_speed: dict[int, float] = {}

    def on_batch_end(self, p: BatchProgress) -> None:
        super().on_batch_end(p)
        self.epoch_speed[p.epoch] = p.images_per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="MNIST folder (default: as `digitlab train` finds it)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="where to keep the model (default: a temporary file)")
    args = parser.parse_args()
    out = Path(args.out or Path(tempfile.mkdtemp()) / "lenet5-mnist.h5")

    run = TrainingRun.prepare({"epochs": args.epochs, "seed": args.seed}, args.data, out=out)
    print(run.describe(), flush=True)
    speed = Speed(run.saver)
    start = time.perf_counter()
    outcome = run.execute(callbacks=[speed])
    wall = time.perf_counter() - start
    result, test = outcome.result, outcome.test
    figures = {
        "epochs_run": result.epochs_run,
        "best_epoch": result.best_epoch,
        "stopped": result.stopped,
        "wall_s": round(wall, 1),
        "train_img_s_median": round(statistics.median(speed.epoch_speed.values())),
        "best_val_accuracy": round(result.best_val_accuracy, 4),
        "test_accuracy": round(test.accuracy, 4) if test else None,
        "test_loss": round(test.loss, 4) if test else None,
        "seed": args.seed,
        "threads": run.config.threads or "all",
        "model": str(out),
    }
    print(f"\n| epochs run | best epoch | wall time | images/s | test accuracy |\n"
          f"|---:|---:|---:|---:|---:|\n| {result.epochs_run} | {result.best_epoch} | "
          f"{wall / 60:.1f} min | {figures['train_img_s_median']:,} | "
          f"{test.accuracy:.2%} |" if test else "")  # fmt: skip
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
