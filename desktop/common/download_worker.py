"""Downloading MNIST on a background thread, with progress and a cancel that works.

``digitlab.core.data.download.download_mnist`` does the work (verified, atomic, cancellable between
64 KB chunks); this worker runs it off the GUI thread and reports by signals. Cancel
is a plain method stopping the worker's ``RunControl``, which the download asks
between chunks, as every background job is stopped.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from digitlab.core.data.download import MIRRORS, DownloadCancelled, DownloadProgress, download_mnist
from digitlab.core.train.control import RunControl
from digitlab.desktop.common.background import describe_error

PROGRESS_INTERVAL = 0.1  # seconds between progress signals (a chunk arrives far more often)


class DownloadWorker(QObject):
    """Puts the four MNIST files in ``dest``; run it with ``start_in_thread``."""

    progress = Signal(object)  # DownloadProgress, at most ten a second
    finished = Signal(str)  # the folder now holding MNIST
    cancelled = Signal()
    failed = Signal(str)  # why, in words
    done = Signal()  # after one of the three above: quits the thread

    def __init__(self, dest: Path | None = None, mirrors: Sequence[str] = MIRRORS) -> None:
        super().__init__()
        self.dest, self.mirrors = dest, tuple(mirrors)
        self.control = RunControl()
        self._last_progress: float | None = None  # the first report always goes

    def cancel(self) -> None:
        """Stop after the current chunk; the file being fetched is discarded."""
        self.control.stop()

    @Slot()
    def run(self) -> None:
        try:
            folder = download_mnist(
                self.dest,
                mirrors=self.mirrors,
                progress=self._report,
                should_cancel=self.control.is_stopped,
            )
            self.finished.emit(str(folder))
        except DownloadCancelled:
            self.cancelled.emit()
        except Exception as error:  # every failure must reach the person, in words
            self.failed.emit(describe_error(error))
        finally:
            self.done.emit()

    def _report(self, progress: DownloadProgress) -> None:
        now = time.monotonic()
        complete = progress.total_bytes is not None and progress.done_bytes == progress.total_bytes
        last = self._last_progress
        if complete or progress.cached or last is None or now - last >= PROGRESS_INTERVAL:
            self._last_progress = now
            self.progress.emit(progress)
