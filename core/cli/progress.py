"""Progress shown in a terminal: a bar redrawn in place, or plain lines when piped."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

from digitlab.core.train.types import BatchProgress, Callback, EpochResult

if TYPE_CHECKING:  # only a type here: the model file code (h5py) loads when a run needs it
    from digitlab.core.train.save_best import SaveBestModel

BAR_WIDTH = 24
REDRAW_SECONDS = 0.1  # ten redraws a second look live and cost nothing


def format_duration(seconds: float) -> str:
    """``75`` -> ``"1:15"``, ``3725`` -> ``"1:02:05"``."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def bar(fraction: float, width: int = BAR_WIDTH) -> str:
    """``[=========>        ]`` for a fraction in [0, 1]."""
    filled = min(width, max(0, int(fraction * width)))
    head = ">" if filled < width else ""
    return "[" + "=" * filled + head + " " * (width - filled - len(head)) + "]"


class LiveLine:
    """One status line rewritten in place on a terminal; silent when not a terminal."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self._last_draw = 0.0
        self._width = 0

    def draw(self, text: str, force: bool = False) -> None:
        now = time.monotonic()
        if not self.live or (not force and now - self._last_draw < REDRAW_SECONDS):
            return
        self._last_draw = now
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._width = len(text)

    def clear(self) -> None:
        if self.live and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


class TrainingProgress(Callback):
    """Prints a live bar per epoch and one summary line when each epoch ends; the line
    of an epoch that ``saver`` wrote (it must report before this) says where."""

    def __init__(
        self,
        out: TextIO | None = None,
        live: LiveLine | None = None,
        saver: SaveBestModel | None = None,
    ) -> None:
        self.out = out or sys.stdout
        self.line = live or LiveLine()
        self.saver = saver

    def on_batch_end(self, p: BatchProgress) -> None:
        self.line.draw(
            f"epoch {p.epoch:>{len(str(p.epochs))}}/{p.epochs} {bar(p.batch / p.batches)} "
            f"{p.batch}/{p.batches}  loss {p.loss:.4f}  acc {p.accuracy:6.1%}  "
            f"{p.images_per_second:,.0f} img/s  ETA {format_duration(p.eta_seconds)}",
            force=p.batch == p.batches,
        )

    def on_epoch_end(self, r: EpochResult) -> None:
        self.line.clear()
        written = self.saver is not None and self.saver.saved_epoch == r.epoch
        saved = f"  * saved {self.saver.path}" if written else ("  *" if r.improved else "")
        print(
            f"epoch {r.epoch:>{len(str(r.epochs))}}/{r.epochs}  loss {r.loss:.4f}  "
            f"acc {r.accuracy:.2%}  val_loss {r.val_loss:.4f}  val_acc {r.val_accuracy:.2%}  "
            f"lr {r.lr:.3g}  {r.seconds:.1f}s{saved}",
            file=self.out,
            flush=True,
        )
