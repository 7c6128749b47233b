"""Fine-tuning a trained model on a person's own digits without forgetting MNIST.

A few dozen of "my digits" alone would pull the network towards them and away from
everything else it knew (catastrophic forgetting). So each epoch mixes them with
replayed MNIST training images: the person's digits, repeated, take half the places
of their own digit, so no digit becomes more frequent than in MNIST, and all get the
random shifts, turns and scalings of training. The learning rate is a fifth of
training's, so the network moves only as far as it must.
Scores on the person's digits (a held-out part when there are enough) and on the
MNIST test set are taken before and after, so the person can judge whether to keep
the result. The caller's model is never modified.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from digitlab.core.data.mnist import MNIST
from digitlab.core.files.model_file import ModelFile, save_model
from digitlab.core.nn.network import Network
from digitlab.core.personal.teach_data import (
    checked_digits,
    mix,
    mnist_test,
    replay_and_validation,
    split_holdout,
    validation_set,
    with_non_digits,
)
from digitlab.core.reading.recognition import can_decline
from digitlab.core.reading.suitability import check_usable
from digitlab.core.train.control import RunControl
from digitlab.core.train.evaluation import evaluate
from digitlab.core.train.trainer import Trainer
from digitlab.core.train.types import Callback, TrainConfig, TrainResult

#: Metadata of the base model that no longer describes the fine-tuned one.
_STALE_KEYS = ("val_loss", "val_accuracy", "test_loss", "test_accuracy")
#: The fewest MNIST images replayed, however few digits the person gives.
MIN_REPLAY = 3000


@dataclass(frozen=True)
class FinetuneConfig:
    """How to fine-tune; the defaults were tuned with ``bench/finetune_style.py``."""

    epochs: int = 6
    # Adam. On bench/finetune_style.py, 1e-3 cost 0.31 points of MNIST test accuracy
    # and 1e-4 learnt the style less well (98.5% against 99.7%) at about the same cost.
    lr: float = 2e-4
    batch_size: int = 64
    # MNIST training images mixed in (the same ones every epoch); None: ten per
    # personal sample but at least MIN_REPLAY, so a handful of digits cannot tip it.
    replay: int | None = None
    # The person's digits fill this share of their digit's places in each epoch,
    # so every digit stays as frequent as in MNIST (see digitlab.core.personal.teach_data.mix).
    personal_share: float = 0.5
    augment: bool = True
    holdout: float = 0.25  # of each digit's samples kept out of training, to judge on...
    holdout_min: int = 8  # ...when the person has at least this many of that digit
    validation_mnist: int = 1000  # MNIST images (end of the training set) for early stopping
    patience: int = 3
    seed: int = 0
    threads: int | None = None

    def __post_init__(self) -> None:
        if self.replay is not None and (isinstance(self.replay, bool) or self.replay < 0):
            raise ValueError(f"replay must be a whole number >= 0, got {self.replay!r}")
        if not 0 < self.personal_share < 1:
            raise ValueError(f"personal_share must be between 0 and 1, got {self.personal_share!r}")
        if not 0 <= self.holdout < 1:
            raise ValueError(f"holdout must be from 0 to below 1, got {self.holdout!r}")
        self.train_config()  # refuses bad epochs, lr, batch_size, patience

    def train_config(self) -> TrainConfig:
        return TrainConfig(
            epochs=self.epochs, batch_size=self.batch_size, optimizer="adam", lr=self.lr,
            schedule="cosine", patience=self.patience, validation_size=0,
            augment=self.augment, seed=self.seed, threads=self.threads,
        )  # fmt: skip

    def replay_size(self, personal: int) -> int:
        return self.replay if self.replay is not None else max(MIN_REPLAY, 10 * personal)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Scores:
    """Accuracies in [0, 1]; None where there was nothing to score on."""

    mine: float | None  # on the person's digits (held-out part, else all of them)
    mnist: float | None  # on the MNIST test set


@dataclass(frozen=True)
class FinetuneResult:
    network: Network  # the fine-tuned copy, with the best weights of the run
    before: Scores
    after: Scores
    training: TrainResult
    personal_samples: int  # all of the person's digits given
    held_out: int  # of those, kept out of training to score on (0: scored on training data)
    replay: int  # MNIST images mixed in
    metadata: dict[str, Any]  # for the saved model.h5

    @property
    def mine_is_training_accuracy(self) -> bool:
        """True when too few digits were given to hold any out: "mine" flatters then."""
        return self.held_out == 0

    def figures(self) -> dict[str, Any]:
        """The before/after numbers as plain JSON values."""
        return {
            "mine_before": self.before.mine, "mine_after": self.after.mine,
            "mnist_before": self.before.mnist, "mnist_after": self.after.mnist,
            "n_images": self.personal_samples, "held_out": self.held_out, "replay": self.replay,
            "epochs_run": self.training.epochs_run, "stopped": self.training.stopped,
        }  # fmt: skip

    def table(self) -> str:
        """The before/after figures as a small text table."""
        mine = "your digits (held out)" if self.held_out else "your digits (trained on)"
        rows = [(mine, self.before.mine, self.after.mine)]
        if self.before.mnist is not None:
            rows.append(("MNIST test", self.before.mnist, self.after.mnist))
        width = max(len(r[0]) for r in rows)
        lines = [f"{'':{width}}   before    after"]
        lines += [f"{label:{width}}  {b:7.2%}  {a:7.2%}" for label, b, a in rows]
        return "\n".join(lines)

    def save(self, path: str | Path) -> ModelFile:
        """Write the taught model, its metadata and its curves; return it as written,
        so the caller can use it without reading the file back."""
        history = self.training.history
        written = save_model(path, self.network, metadata=self.metadata, history=history)
        return ModelFile(self.network, written, history, None, None)


class Finetuning:
    """One fine-tuning run of a copy of ``model``, prepared: ``run()`` it, on a worker
    thread if need be, and pause or stop it through ``control`` from any thread (a stop
    keeps the best epoch so far, or the base weights when none finished).

    my_x: (N, 1, 28, 28) or (N, 28, 28) float in [0, 1], the images the network saw;
    my_labels: (N,) ints 0..9. Without ``mnist`` nothing is replayed and no MNIST
    figures are given: the model may then forget some of what it knew.
    """

    def __init__(
        self,
        model: ModelFile,
        my_x: np.ndarray,
        my_labels: np.ndarray,
        *,
        mnist: MNIST | None,
        config: FinetuneConfig | None = None,
        callbacks: Sequence[Callback] = (),
        control: RunControl | None = None,
    ) -> None:
        check_usable(model.network, model.metadata.get("name") or "the model")
        self.config = config = config or FinetuneConfig()
        self.control = control if control is not None else RunControl()
        self.base = model
        x, labels = checked_digits(my_x, my_labels)
        rng = np.random.default_rng(config.seed)
        train, held = split_holdout(labels, config.holdout, config.holdout_min, rng)
        # Scored on the held-out part; on everything when nothing could be held out.
        self.mine = (x[held], labels[held]) if len(held) else (x, labels)
        self.held_out, self.personal_samples = len(held), len(labels)
        self.mnist_test = mnist_test(mnist)
        replay, mnist_val = replay_and_validation(
            mnist, config.replay_size(len(train)), config.validation_mnist, rng
        )
        if can_decline(model.network):
            replay = with_non_digits(replay, rng)
        self.replay = len(replay[1])
        self.network = model.network.copy()
        self.trainer = Trainer(
            self.network,
            mix(replay, (x[train], labels[train]), config.personal_share),
            validation_set(mnist_val, self.mine),
            config.train_config(),
            callbacks=callbacks,
            control=self.control,
        )

    def scores(self, network: Network) -> Scores:
        """Accuracy on the person's scoring set and on the MNIST test set."""
        mine = evaluate(network, *self.mine).accuracy
        mnist = evaluate(network, *self.mnist_test).accuracy if self.mnist_test else None
        return Scores(mine=mine, mnist=mnist)

    def describe(self) -> str:
        c, name = self.config, self.base.metadata.get("name", "the model")
        held = f" ({self.held_out} held out to score on)" if self.held_out else ""
        return (
            f"Teaching {name} your handwriting: {self.personal_samples} of your digits{held}, "
            f"mixed with {self.replay:,} MNIST images: adam lr {c.lr:g}, up to {c.epochs} epochs, "
            f"augmentation {'on' if c.augment else 'off'}."
        )

    def run(self, callbacks: Sequence[Callback] = ()) -> FinetuneResult:
        """Score, train, score again; ``callbacks`` join those given at construction.
        Call once."""
        self.trainer.callbacks.extend(callbacks)
        before = self.scores(self.base.network)
        training = self.trainer.run()
        if training.best_epoch == 0:  # stopped or diverged in epoch 1: undo its batches
            self.network.set_weights(self.base.network.get_weights())
        after = self.scores(self.network) if training.best_epoch else before
        return FinetuneResult(
            network=self.network, before=before, after=after, training=training,
            personal_samples=self.personal_samples, held_out=self.held_out,
            replay=self.replay, metadata=self._metadata(before, after, training),
        )  # fmt: skip

    def _metadata(self, before: Scores, after: Scores, training: TrainResult) -> dict[str, Any]:
        base = self.base.metadata
        name = str(base.get("name") or "model")
        kept = {k: v for k, v in base.items() if k not in _STALE_KEYS}
        return {
            **kept,
            "name": taught_name(name),
            "personalised": True,
            "personal_samples": self.personal_samples,
            "personal_held_out": self.held_out,
            "personal_accuracy_before": before.mine,
            "personal_accuracy": after.mine,
            "replay_images": self.replay,
            "base_model": name,
            "base_test_accuracy": before.mnist,
            "finetune_epochs": training.best_epoch,
            "finetune_config": self.config.to_dict(),
            **({"test_accuracy": after.mnist} if after.mnist is not None else {}),
        }


#: What a taught model's name ends in ("-personal" was the old word for it).
TAUGHT_SUFFIX = "-taught"
_TAUGHT_SUFFIXES = (TAUGHT_SUFFIX, "-personal")


def taught_name(name: str) -> str:
    """``lenet5-mnist`` -> ``lenet5-mnist-taught``; a name that already says it was
    taught is kept, so teaching a taught model again does not stack suffixes."""
    return name if name.endswith(_TAUGHT_SUFFIXES) else f"{name}{TAUGHT_SUFFIX}"
