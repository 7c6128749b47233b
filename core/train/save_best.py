"""Keeping the best model of a run on disk, as a callback: the trainer only trains.

``SaveBestModel`` writes the network whenever validation improves, with everything a
resume needs (optimizer state, history, the trainer's state and config), so an
interrupted run loses nothing. It also keeps what it last wrote in memory, so the end
of a run can score that model and hand it on without reading the file back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from digitlab.core.files.model_file import ModelFile, save_model
from digitlab.core.train.types import Callback, EpochResult


class SaveBestModel(Callback):
    """Writes the best model so far to ``path`` after every epoch that improved.

    ``metadata`` goes into the file beside the run's own figures (``epochs``,
    ``val_loss``, ``val_accuracy``, ``train_config``). ``saved`` is the model last
    written, as ``load_model(path)`` would return it but with its own copy of the
    network; ``saved_epoch`` is its epoch. Both are None until an epoch improves.
    """

    def __init__(self, path: str | Path, metadata: Mapping[str, Any] | None = None) -> None:
        self.path = Path(path)
        self.metadata = dict(metadata or {})
        self.saved: ModelFile | None = None
        self.saved_epoch: int | None = None

    def on_epoch_end(self, result: EpochResult) -> None:
        if result.improved:
            self.saved = self._write(self._best_so_far())
            self.saved_epoch = result.epoch

    def add_metadata(self, **values: Any) -> ModelFile:
        """Write the saved model once more with ``values`` added to its metadata (the
        test score, at the end of a run); returns what the file now holds."""
        if self.saved is None:
            raise RuntimeError("no epoch has improved yet: there is no model to add to")
        metadata = {**self.saved.metadata, **values}
        self.saved = self._write(dataclasses.replace(self.saved, metadata=metadata))
        return self.saved

    def _best_so_far(self) -> ModelFile:
        """The trainer's state now, just after the epoch that improved, as a copy."""
        trainer = self.trainer
        if trainer is None:
            raise RuntimeError("SaveBestModel reports only to the Trainer it was given to")
        metadata = {
            **self.metadata,
            "epochs": trainer.epoch,
            "val_loss": trainer.best_val_loss,
            "val_accuracy": trainer.best_val_accuracy,
            "train_config": trainer.config.to_dict(),
        }
        return ModelFile(
            network=trainer.network.copy(),  # the trainer goes on changing its own
            metadata=metadata,
            history={k: list(v) for k, v in trainer.history.items()},
            optimizer_state=trainer.optimizer.state_dict(),
            training_state=trainer.training_state(),
        )

    def _write(self, model: ModelFile) -> ModelFile:
        written = save_model(
            self.path,
            model.network,
            metadata=model.metadata,
            history=model.history,
            optimizer_state=model.optimizer_state,
            training_state=model.training_state,
        )
        return dataclasses.replace(model, metadata=written)
