"""A training callback that keeps every report, for tests of anything that trains."""

from __future__ import annotations

from digitlab.core.train.types import BatchProgress, Callback, EpochResult, TrainResult


class Recorder(Callback):
    """Keeps every report; ``hooks`` maps (epoch, batch) to an action run at that point."""

    def __init__(self, hooks=None):
        self.batches: list[BatchProgress] = []
        self.epochs: list[EpochResult] = []
        self.ends: list[TrainResult] = []
        self.hooks = hooks or {}

    def on_batch_end(self, progress):
        self.batches.append(progress)
        action = self.hooks.get((progress.epoch, progress.batch))
        if action:
            action()

    def on_epoch_end(self, result):
        self.epochs.append(result)
        action = self.hooks.get((result.epoch, "end"))
        if action:
            action()

    def on_train_end(self, result):
        self.ends.append(result)
