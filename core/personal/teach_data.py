"""The images a fine-tuning run learns from, stops on and is scored on.

Arrays throughout: x (N, 1, 28, 28) float32 in [0, 1], labels (N,) int64.
"""

from __future__ import annotations

import numpy as np

from digitlab.core.data.mnist import MNIST, NUM_CLASSES, to_network_input
from digitlab.core.errors import ShapeError

Pair = tuple[np.ndarray, np.ndarray]  # (x, labels)


def checked_digits(x: np.ndarray, labels: np.ndarray) -> Pair:
    """The person's digits as float32 (N, 1, 28, 28) and int64 labels, or ShapeError.
    x may also be (N, 28, 28)."""
    x, labels = np.asarray(x, np.float32), np.asarray(labels)
    if x.ndim == 3:
        x = x[:, None]  # (N, 28, 28) -> (N, 1, 28, 28)
    if x.ndim != 4 or x.shape[1:] != (1, 28, 28):
        raise ShapeError(f"my digits must be (N, 1, 28, 28) images, got shape {x.shape}")
    if len(x) == 0:
        raise ShapeError("there are no digits of yours to teach the model with")
    if labels.shape != (len(x),) or not np.issubdtype(labels.dtype, np.integer):
        raise ShapeError(f"expected {len(x)} integer labels, got {labels.dtype} {labels.shape}")
    if labels.min() < 0 or labels.max() >= NUM_CLASSES:
        raise ShapeError(f"labels must be digits 0 to 9, got {sorted(set(labels.tolist()))}")
    return x, labels.astype(np.int64)


def split_holdout(
    labels: np.ndarray, fraction: float, min_count: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, held out): ``fraction`` of every digit with ``min_count`` or
    more samples is held out, so each digit written often enough is scored fairly,
    and digits written only a few times all go to training."""
    held = []
    for digit in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == digit))
        if len(members) >= min_count:
            held.extend(members[: round(fraction * len(members))])
    held_out = np.sort(np.array(held, dtype=np.intp))
    return np.setdiff1d(np.arange(len(labels)), held_out), held_out


def mnist_test(mnist: MNIST | None) -> Pair | None:
    if mnist is None:
        return None
    return to_network_input(mnist.test.images), mnist.test.labels.astype(np.int64)


def replay_and_validation(
    mnist: MNIST | None, replay: int, validation: int, rng: np.random.Generator
) -> tuple[Pair, Pair | None]:
    """(``replay`` random MNIST training images, the last ``validation`` ones).

    The validation images come from the end of the training set, the part
    ``digitlab train`` holds out, and are never replayed. Without MNIST: nothing.
    """
    if mnist is None:
        return (np.zeros((0, 1, 28, 28), np.float32), np.zeros(0, np.int64)), None
    images, labels = mnist.train.images, mnist.train.labels
    cut = len(labels) - min(validation, len(labels) // 5)
    pick = rng.choice(cut, size=min(replay, cut), replace=False)
    replayed = (to_network_input(images[pick]), labels[pick].astype(np.int64))
    return replayed, (to_network_input(images[cut:]), labels[cut:].astype(np.int64))


#: Drawings that are not digits replayed per MNIST image replayed, for a model that can
#: say "not a digit": about their share in the data the bundled model was trained on.
NON_DIGIT_SHARE = 0.12


def with_non_digits(replay: Pair, rng: np.random.Generator) -> Pair:
    """``replay`` and drawings that are not digits (label 10), ``NON_DIGIT_SHARE`` as
    many: taught only digits, a model that can answer "not a digit" would unlearn it."""
    from digitlab.core.data.non_digits import render_non_digits

    count = round(NON_DIGIT_SHARE * len(replay[1]))
    if count == 0:
        return replay
    images = render_non_digits(count, rng)[:, None]  # (count, 1, 28, 28)
    return (
        np.concatenate([replay[0], images.astype(np.float32)]),
        np.concatenate([replay[1], np.full(count, 10, np.int64)]),
    )


def mix(replay: Pair, personal: Pair, share: float) -> Pair:
    """Replay with the person's digits in ``share`` of their own digit's places.

    The person's digits of class d (repeated as needed) replace that share of the
    replayed d's, so every class keeps MNIST's frequency. Simply adding them would
    make their classes more frequent, and the network would learn to answer those
    digits more often everywhere: fifteen crossed sevens added as a quarter of the
    images turned MNIST 2s, 3s and 9s into 7s, a third of a point of test accuracy.
    """
    if len(personal[1]) == 0:
        return replay
    keep, x_parts, label_parts = [], [], []
    for digit in np.unique(personal[1]):
        mine = np.flatnonzero(personal[1] == digit)
        theirs = np.flatnonzero(replay[1] == digit)
        # Without replay: a few batches of each digit per epoch.
        places = len(theirs) if len(replay[1]) else max(64, len(mine))
        repeats = max(1, round(share * places / len(mine)))
        keep.append(theirs[repeats * len(mine) :])
        x_parts.append(np.tile(personal[0][mine], (repeats, 1, 1, 1)))
        label_parts.append(np.full(repeats * len(mine), digit, np.int64))
    others = np.flatnonzero(~np.isin(replay[1], np.unique(personal[1])))
    kept = np.concatenate([others, *keep])
    return (
        np.concatenate([replay[0][kept], *x_parts]),
        np.concatenate([replay[1][kept], *label_parts]),
    )


def validation_set(mnist_val: Pair | None, mine: Pair) -> Pair:
    """What early stopping watches: MNIST validation images and the person's scoring
    set, each half of the loss (the person's few are repeated to match).

    MNIST alone would favour the epochs before the person's digits are learnt, and
    their digits alone would let the network forget MNIST to fit a dozen images
    better; half and half keeps the epoch that is best for both. Without a held-out
    part the person's scoring set is their training digits, seen unaugmented.
    """
    if mnist_val is None:
        return mine
    repeats = max(1, round(len(mnist_val[1]) / len(mine[1])))
    x = np.concatenate([mnist_val[0], np.tile(mine[0], (repeats, 1, 1, 1))])
    return x, np.concatenate([mnist_val[1], np.tile(mine[1], repeats)])
