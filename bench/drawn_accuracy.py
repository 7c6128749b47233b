"""How well a model reads real drawn digits, declines what is not a digit, and means
what it says.

    python bench/drawn_accuracy.py [--model FILE] [--data DIR] [--pendigits DIR]

Measured on:
- the MNIST test set (10,000 digits, never trained on);
- the pen digits of the writers in ``digitlab.core.data.drawn.TEST_WRITERS`` (ten of
  the 30, never trained on), each drawn twice as the canvas would with the pen widths
  and sizes people use;
- generated drawings that are not digits, of the kinds in ``NON_DIGIT_KINDS_TEST``:
  kinds no model is trained on, so the decline rate estimates how the model does on
  symbols and letters it never saw (the training family is reported beside it).

A digit counts as read when the model's most likely class is the right digit; a
model with a "not a digit" output declines when that class wins, and a declined
real digit counts as wrong. The calibration error (ECE, 15 bins) is over the
probabilities the window shows. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from digitlab.core.data.drawn import TEST_WRITERS, pen_split, render_pen_digits
from digitlab.core.data.mnist import load_mnist, to_network_input
from digitlab.core.data.pendigits import load_pendigits
from digitlab.core.files.model_file import load_model
from digitlab.core.train.calibration import expected_calibration_error
from digitlab.resources import bundled_model_path

NOT_A_DIGIT = 10
SHARED_PENDIGITS = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "pendigits"


def probabilities(network, x: np.ndarray) -> np.ndarray:
    return np.concatenate([network.predict_proba(x[i : i + 1000]) for i in range(0, len(x), 1000)])


def digit_scores(p: np.ndarray, labels: np.ndarray) -> dict:
    """Accuracy, per-digit accuracy, declines and ECE of probabilities ``p`` on digits."""
    answers = p.argmax(axis=1)
    per_digit = [float(np.mean(answers[labels == d] == d)) for d in range(10)]
    return {
        "accuracy": float(np.mean(answers == labels)),
        "per_digit": [round(a, 4) for a in per_digit],
        "declined": float(np.mean(answers == NOT_A_DIGIT)),
        "ece": expected_calibration_error(p, labels),
        "n": len(labels),
    }


def decline_rate(network, kinds, n: int, seed: int) -> float | None:
    if int(np.prod(network.output_shape)) <= NOT_A_DIGIT:
        return 0.0  # a 10-class model declines nothing
    from digitlab.core.data.non_digits import render_non_digits

    images = render_non_digits(n, np.random.default_rng(seed), kinds)
    p = probabilities(network, images[:, None].astype(np.float32))
    return float(np.mean(p.argmax(axis=1) == NOT_A_DIGIT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(bundled_model_path()))
    parser.add_argument("--data", help="MNIST folder (default: as `digitlab train` finds it)")
    parser.add_argument("--pendigits", default=str(SHARED_PENDIGITS))
    parser.add_argument("--non-digits", type=int, default=3000, help="drawings per family")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    network = load_model(args.model).network
    mnist = load_mnist(args.data).test
    mnist_scores = digit_scores(
        probabilities(network, to_network_input(mnist.images)), mnist.labels
    )
    _, unseen = pen_split(load_pendigits(args.pendigits), TEST_WRITERS)
    pen = render_pen_digits(unseen, seed=args.seed, renderings=2, workers=2)
    pen_scores = digit_scores(probabilities(network, to_network_input(pen.images)), pen.labels)
    from digitlab.core.data import non_digits

    unseen_kinds = decline_rate(network, non_digits.NON_DIGIT_KINDS_TEST, args.non_digits, 1)
    seen_kinds = decline_rate(network, non_digits.NON_DIGIT_KINDS_TRAIN, args.non_digits, 2)

    print(f"model: {args.model}")
    print(f"{'':34}{'MNIST test':>12}{'pen digits':>12}")
    for label, key, fmt in (
        ("accuracy", "accuracy", "{:.2%}"),
        ("real digits wrongly declined", "declined", "{:.2%}"),
        ("calibration error (ECE)", "ece", "{:.2%}"),
    ):
        print(f"{label:34}{fmt.format(mnist_scores[key]):>12}{fmt.format(pen_scores[key]):>12}")
    print(
        "pen digits per digit:",
        " ".join(f"{d}:{a:.1%}" for d, a in enumerate(pen_scores["per_digit"])),
    )
    print(f"non-digits declined: unseen kinds {unseen_kinds:.1%}, training kinds {seen_kinds:.1%}")
    print(json.dumps({
        "model": Path(args.model).name,
        "mnist": mnist_scores,
        "pen_digits": {**pen_scores, "writers": list(TEST_WRITERS)},
        "non_digits_declined": {"unseen_kinds": unseen_kinds, "training_kinds": seen_kinds},
    }))  # fmt: skip


if __name__ == "__main__":
    main()
