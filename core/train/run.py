"""One MNIST training run as the CLI and the app start it: data, model, trainer, test.

``TrainingRun.prepare`` gathers everything (and fails early, in words, on bad data or
a bad resume file); ``execute`` trains, saving the best model whenever validation
improves (``SaveBestModel``), then scores that model, in memory, on the test set and
writes the file once more with its score. The outcome carries the model as written,
so no caller needs to read the file back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digitlab.core.data.drawn import TEST_WRITERS, concat, drawn_data
from digitlab.core.data.mnist import MNIST, load_mnist, split_validation
from digitlab.core.data.pendigits import PENDIGITS_FILE, PenDigit, load_pendigits
from digitlab.core.errors import DatasetError, ModelFileError
from digitlab.core.files.atomic import check_output
from digitlab.core.files.model_file import ModelFile, open_model
from digitlab.core.nn.architectures import lenet5
from digitlab.core.nn.losses import softmax
from digitlab.core.nn.network import Network
from digitlab.core.nn.parallel import available_cores
from digitlab.core.reading.suitability import check_usable
from digitlab.core.train.calibration import (
    expected_calibration_error,
    fit_temperature,
    fold_temperature,
    logits,
)
from digitlab.core.train.control import RunControl
from digitlab.core.train.evaluation import Evaluation, evaluate
from digitlab.core.train.optimizers import optimizer_from_state
from digitlab.core.train.resume_state import checked_resume_state
from digitlab.core.train.save_best import SaveBestModel
from digitlab.core.train.trainer import Trainer
from digitlab.core.train.types import Callback, TrainConfig, TrainResult


@dataclass(frozen=True)
class TrainingOutcome:
    result: TrainResult
    test: Evaluation | None  # the best model on the test set (None if nothing was saved)
    out: Path
    model: ModelFile | None = None  # what ``out`` holds at the end (None if nothing was saved)

    @property
    def diverged(self) -> bool:
        return self.result.stopped == "diverged"

    @property
    def message(self) -> str:
        text = self.result.message
        if self.test is not None:
            text += f" Test accuracy {self.test.accuracy:.2%}; the model is in {self.out}."
        return text


class TrainingRun:
    """Everything one run needs, ready to ``execute``."""

    def __init__(
        self,
        config: TrainConfig,
        data: MNIST,
        out: str | Path,
        resume_from: ModelFile | None = None,
        pen_digits: Sequence[PenDigit] | None = None,
    ) -> None:
        if config.validation_size < 1:  # early stopping and the saved best need it
            raise ValueError(
                f"training on MNIST needs a validation set: validation_size must be at "
                f"least 1, got {config.validation_size}"
            )
        self.config, self.data, self.out = config, data, Path(out)
        self.resume_from = resume_from
        self.mnist_train, self.mnist_validation = split_validation(
            data.train, config.validation_size
        )
        self.train, self.validation = self.mnist_train, self.mnist_validation
        if config.pen_digits or config.non_digits:
            extra_train, extra_validation = drawn_data(
                pen_digits,
                config.pen_digits,
                config.non_digits,
                config.seed,
                workers=available_cores(),
            )
            self.train = concat(self.train, extra_train)
            self.validation = concat(self.validation, extra_validation)
        self.saver = SaveBestModel(self.out, self._metadata())
        self.trainer: Trainer | None = None

    @classmethod
    def prepare(
        cls,
        overrides: Mapping[str, Any],
        data_dir: str | Path | None = None,
        resume: str | Path | None = None,
        out: str | Path = "model.h5",
        pendigits_dir: str | Path | None = None,
    ) -> TrainingRun:
        """Settings are ``TrainConfig`` fields; on resume, those not overridden come
        from the file, so the run continues exactly as it began. ``pendigits_dir`` holds
        the pen digits a config with ``pen_digits`` mixes in."""
        check_output(out)  # say so now, not after minutes of preparing and training
        resume_from = open_model(resume) if resume is not None else None
        base: dict[str, Any] = {}
        if resume_from is not None:
            check_usable(resume_from.network, resume)
            resume_state = checked_resume_state(resume_from, resume)
            base = resume_state.config
            # Continue with the checked state, not the file's raw JSON.
            resume_from = dataclasses.replace(resume_from, training_state=resume_state.as_dict())
        config = TrainConfig.from_dict({**base, **overrides})
        if resume_from is not None:
            _check_classes(resume_from.network, config, resume)
        pen = None
        if config.pen_digits:
            if pendigits_dir is None:
                raise DatasetError(
                    "mixing in pen digits needs their folder (--pendigits DIR, holding "
                    f"{PENDIGITS_FILE})"
                )
            pen = load_pendigits(pendigits_dir)
        return cls(config, load_mnist(data_dir), out, resume_from, pen)

    def describe(self) -> str:
        c = self.config
        start = (
            f"Continuing {self.resume_from.metadata.get('name', 'the model')} after epoch "
            f"{self.resume_from.training_state['epoch']}"
            if self.resume_from
            else "Training LeNet-5" + self._width()
        )
        drawn = len(self.train) - len(self.mnist_train)
        mix = f" and {drawn:,} drawn ones" if drawn else ""
        return (
            f"{start} on {len(self.mnist_train):,} MNIST images{mix} ({len(self.validation):,} "
            f"held out for validation): {c.optimizer} lr {c.lr:g} ({c.schedule}), "
            f"batch {c.batch_size}, up to {c.epochs} epochs, early stopping after "
            f"{c.patience}, augmentation {'on' if c.augment else 'off'}. The best model goes "
            f"to {self.out}."
        )

    def _metadata(self) -> dict[str, Any]:
        r = self.resume_from
        return {
            **(r.metadata if r else {}),
            "name": self.out.stem,
            "dataset": self._dataset_name(),
            "classes": self.config.classes,
            "train_images": len(self.train),
            "validation_images": len(self.validation),
        }

    def _width(self) -> str:
        c = self.config
        if (c.conv1_filters, c.conv2_filters) == (6, 16):
            return ""
        return f" with {c.conv1_filters} and {c.conv2_filters} kernels"

    def _dataset_name(self) -> str:
        c = self.config
        parts = ["MNIST"]
        if c.pen_digits:
            parts.append(f"pen digits of {30 - len(TEST_WRITERS)} writers")
        if c.non_digits:
            parts.append(f"{c.non_digits:,} drawings that are not digits")
        return " + ".join(parts)

    def _new_network(self) -> Network:
        c = self.config
        return lenet5(c.seed, classes=c.classes, filters=(c.conv1_filters, c.conv2_filters))

    def make_trainer(
        self, callbacks: Sequence[Callback] = (), control: RunControl | None = None
    ) -> Trainer:
        """The trainer, saving through ``saver`` before the other callbacks hear of an
        epoch (so they can tell whether it was written)."""
        r = self.resume_from
        return Trainer(
            r.network if r else self._new_network(),
            self.train.for_network(),
            self.validation.for_network(),
            self.config,
            callbacks=[self.saver, *callbacks],
            control=control,
            optimizer=optimizer_from_state(r.optimizer_state) if r else None,
            history=r.history if r else None,
            resume=r.training_state if r else None,
        )

    def execute(
        self, callbacks: Sequence[Callback] = (), control: RunControl | None = None
    ) -> TrainingOutcome:
        """Train, then score the best model on the test set and write it with that score.

        ``control`` pauses or stops the run from another thread."""
        self.trainer = self.make_trainer(callbacks, control)
        result = self.trainer.run()
        best = self.saver.saved
        if best is None:  # no epoch of this run improved: nothing was written
            return TrainingOutcome(result, None, self.out)
        calibration = self._calibrate(best.network) if self.config.calibrate else {}
        test = self.data.test
        score = evaluate(best.network, *test.for_network())
        model = self.saver.add_metadata(
            test_accuracy=score.accuracy, test_loss=score.loss, **calibration
        )
        return TrainingOutcome(result, score, self.out, model)

    def _calibrate(self, network: Network) -> dict[str, float]:
        """Fold the temperature that fits the validation set into ``network``; return
        it and the validation's expected calibration error before and after."""
        x, labels = self.validation.for_network()
        z = logits(network, x)
        temperature = fit_temperature(z, labels)
        fold_temperature(network, temperature)
        return {
            "temperature": temperature,
            "validation_ece_before": expected_calibration_error(softmax(z), labels),
            "validation_ece": expected_calibration_error(softmax(z / temperature), labels),
        }


def _check_classes(network: Network, config: TrainConfig, source: object) -> None:
    """A continued network keeps its outputs: the settings must ask for as many classes."""
    outputs = int(network.output_shape[-1])
    if outputs != config.classes:
        raise ModelFileError(
            f"cannot continue the model in {source} with {config.classes} classes: it has "
            f"{outputs} outputs (drawings that are not digits, --non-digits, need 11)"
        )
