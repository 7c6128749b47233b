"""A training run's reports, made on the training thread, passed on as Qt signals.

Training and Teach both relay through ``ProgressRelay``: batch progress throttled to
about ten reports a second (ten look live, and the GUI then does almost nothing per
batch however fast batches come), every epoch result, and the end of the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from digitlab.core.train.control import RunControl
from digitlab.core.train.types import BatchProgress, Callback, EpochResult, TrainResult

#: Seconds between two batch reports.
BATCH_SIGNAL_INTERVAL = 0.1


class ProgressRelay(Callback):
    """Calls ``on_batch(progress, losses)`` at most every ``BATCH_SIGNAL_INTERVAL``
    seconds, ``losses`` being every batch loss since the previous call, and
    ``on_epoch(result)`` and ``on_end(result)`` every time (pass a signal's ``emit``).

    Some batch reports always go: the first, so a run shows life at once; the last of
    each epoch; and the one before a pause or stop of ``control``, so the progress
    shown is never stale while the run waits.
    """

    def __init__(
        self,
        on_batch: Callable[[BatchProgress, list[float]], None],
        on_epoch: Callable[[EpochResult], None],
        control: RunControl,
        on_end: Callable[[TrainResult], None] | None = None,
    ) -> None:
        self._on_batch, self._on_epoch, self._on_end = on_batch, on_epoch, on_end
        self.control = control
        self._losses: list[float] = []
        # None until the first report: the monotonic clock counts from an arbitrary
        # point (boot, on Linux), so no start value can stand for "long ago".
        self._last_signal: float | None = None

    def on_batch_end(self, progress: BatchProgress) -> None:
        self._losses.append(progress.loss)
        now = time.monotonic()
        if (
            self._last_signal is None
            or now - self._last_signal >= BATCH_SIGNAL_INTERVAL
            or progress.batch == progress.batches
            or self.control.is_paused()
            or self.control.is_stopped()
        ):
            self._last_signal = now
            losses, self._losses = self._losses, []
            self._on_batch(progress, losses)

    def on_epoch_end(self, result: EpochResult) -> None:
        self._on_epoch(result)

    def on_train_end(self, result: TrainResult) -> None:
        if self._on_end is not None:
            self._on_end(result)


class Batched:
    """Collects items and passes them on as a list to ``report`` at most every
    ``interval`` seconds (the first at once), so that a fast producer on the training
    thread sends the GUI a few signals a second, not one per item. ``flush`` sends
    what is left."""

    def __init__(
        self, report: Callable[[list], None], interval: float = BATCH_SIGNAL_INTERVAL
    ) -> None:
        self._report, self.interval = report, interval
        self._items: list = []
        self._last: float | None = None  # None: nothing sent yet (see ProgressRelay)

    def add(self, item: object) -> None:
        self._items.append(item)
        now = time.monotonic()
        if self._last is None or now - self._last >= self.interval:
            self._last = now
            self.flush()

    def flush(self) -> None:
        if self._items:
            items, self._items = self._items, []
            self._report(items)
