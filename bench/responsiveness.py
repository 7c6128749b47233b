"""Does training in the window keep the GUI responsive, and what does the GUI cost it?

On real MNIST at the default settings (``--epochs 1`` so it ends in a minute or two),
each repeat trains twice, interleaved so that load from elsewhere hits both alike:

- **cli**: ``TrainingRun.execute`` in the main thread, no event loop, as
  ``digitlab train`` runs it;
- **cli+watch**: the same with the Train tab's gradient statistics and watched test
  digits computed (``digitlab.core.train.watch``), to price them alone;
- **gui**: the same run started from the Train tab of the whole main window (live
  plots, canvas, answer and layer view included), shown offscreen in a running
  ``QApplication``: the worker thread trains while a
  ``QTimer`` of ``--tick-ms`` in the GUI thread records how late each tick fires.
  That lateness, from Start until the run has ended (reading MNIST, training,
  validation, the test score), is the delay a person would feel on a click or stroke.

Training speed is images / second over the steady part of each run (after
``--warmup`` batches, until the last batch); the worker's batch signals are throttled
to ten a second, so both runs are timed from batch-end timestamps taken on the
training thread. ``--recognise`` also puts a test digit on the canvas every 250 ms,
which the window reads with the loaded model and shows, as someone drawing during
training would make it do.
The last line is one JSON object: ui_delay_ms (median, p99, max over all gui runs),
gui_img_s and cli_img_s (medians over repeats) and gui_over_cli, the median of each
gui run's speed over the cli run just before it.
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from argparse import ArgumentParser, Namespace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication

from digitlab.core.data.mnist import find_data_dir, load_mnist
from digitlab.core.errors import DatasetError
from digitlab.core.train.run import TrainingRun
from digitlab.core.train.types import BatchProgress, Callback
from digitlab.core.train.watch import DigitWatch, GradientWatch, digits_to_watch
from digitlab.desktop.common.mnist_source import DATA_DIR_KEY
from digitlab.desktop.train.panel import TrainingPanel
from digitlab.desktop.window.main_window import MainWindow

Stamps = list[tuple[float, int]]  # (time a batch signal was sent, batches since the last)


def steady_speed(stamps: Stamps, batch_size: int, warmup: int) -> float:
    """Images / second from the first stamp after ``warmup`` batches to the last one."""
    done, start = 0, None
    for t, batches in stamps:
        done += batches
        if start is None and done >= warmup:
            start, done_at_start = t, done
    if start is None or stamps[-1][0] <= start:
        return float("nan")
    return (done - done_at_start) * batch_size / (stamps[-1][0] - start)


class _BatchClock(Callback):
    def __init__(self) -> None:
        self.stamps: Stamps = []

    def on_batch_end(self, progress: BatchProgress) -> None:
        self.stamps.append((time.perf_counter(), 1))


def run_cli(args: Namespace, out: Path, watch: bool = False) -> float:
    """``watch``: with the Train tab's statistics (``GradientWatch``, ``DigitWatch``),
    reported to lists, so the difference is what computing them costs the training."""
    run = TrainingRun.prepare({"epochs": args.epochs}, data_dir=args.data, out=out)
    clock = _BatchClock()
    callbacks: list[Callback] = [clock]
    if watch:
        stats, readings = [], []
        x, _ = digits_to_watch(run.data.test)
        callbacks += [GradientWatch(stats.append), DigitWatch(x, readings.append)]
    run.execute(callbacks)
    return steady_speed(clock.stamps, run.config.batch_size, args.warmup)


def run_gui(app: QApplication, panel: TrainingPanel, args: Namespace) -> tuple[float, list]:
    """One run from the panel; returns (img/s, the GUI timer's lateness in ms)."""
    stamps: Stamps = []
    lateness: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        lateness.append(max(0.0, (now - last[0]) * 1000 - args.tick_ms))
        last[0] = now

    timer = QTimer(interval=args.tick_ms, timerType=Qt.TimerType.PreciseTimer)
    timer.timeout.connect(tick)
    loop = QEventLoop()
    panel.running_changed.connect(loop.quit)
    panel.options.form.widgets["epochs"].setValue(args.epochs)
    panel.start()
    # Direct: runs on the training thread, stamping each batch signal as it is sent.
    panel._worker.batch_progress.connect(
        lambda p, losses: stamps.append((time.perf_counter(), len(losses))),
        Qt.ConnectionType.DirectConnection,
    )
    # From Start to the end: reading MNIST, training, validation and the test score.
    last[0] = time.perf_counter()
    timer.start()
    loop.exec()  # the real event loop, until running_changed(False)
    timer.stop()
    panel.running_changed.disconnect(loop.quit)
    return steady_speed(stamps, panel.options.form.config().batch_size, args.warmup), lateness


def build_window(app: QApplication, args: Namespace, folder: Path) -> MainWindow:
    """The whole main window, as a person has it, with the Train tab in front."""
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue(DATA_DIR_KEY, str(args.data))
    window = MainWindow(settings, my_digits_path=folder / "my-digits.h5")
    window.load_initial_model()
    panel = window.training_panel
    panel.options.output_edit.setText(str(folder / "gui.h5"))
    panel.options._on_output_edited(panel.options.output_edit.text())
    window.tabs.setCurrentWidget(panel)
    views = {"curves": panel.plots, "gradients": panel.gradient_plots,
             "digits": panel.watched_digits}  # fmt: skip
    panel.views.setCurrentWidget(views[args.train_view])
    window.resize(1400, 900)
    window.show()
    if args.recognise:
        # A new digit on the canvas every 250 ms: recognised with the loaded model and
        # shown in the answer, the bars and the steps, as a stroke's end would be.
        digits = load_mnist(args.data).test.images[:100] / np.float32(255)
        shown = itertools.cycle(digits)
        reader = QTimer(window, interval=250)
        reader.timeout.connect(lambda: window.canvas.show_picture(next(shown)))
        reader.start()
    return window


def locate_data(explicit: Path | None) -> Path:
    """``--data``, else where ``digitlab train`` looks, else the checkout's shared copy."""
    shared = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "mnist"
    for candidate in (explicit,) if explicit else (None, shared):
        try:
            return find_data_dir(candidate)
        except DatasetError as error:
            problem = str(error)
    sys.exit(f"responsiveness: {problem}")


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def main() -> None:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="the MNIST folder (default: found)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=50, help="batches not timed")
    parser.add_argument("--tick-ms", type=float, default=5.0)
    parser.add_argument("--recognise", action="store_true", help="read a digit every 250 ms")
    parser.add_argument(
        "--train-view",
        choices=("curves", "gradients", "digits"),
        default="gradients",
        help="what the Train tab shows (default: the gradient plots)",
    )
    args = parser.parse_args()
    args.data = locate_data(args.data)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    cli_speeds, watch_speeds, gui_speeds, delays = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        window = build_window(app, args, Path(tmp))
        panel = window.training_panel
        print(f"MNIST from {args.data}; {args.epochs} epoch(s) at the default settings")
        print(f"{'repeat':>6}  {'mode':<4}  {'img/s':>8}  {'p99 delay ms':>12}  {'gui/cli':>7}")
        for r in range(1, args.repeats + 1):
            cli_speeds.append(run_cli(args, Path(tmp) / "cli.h5"))
            print(f"{r:>6}  cli   {cli_speeds[-1]:>8,.0f}", flush=True)
            watch_speeds.append(run_cli(args, Path(tmp) / "watch.h5", watch=True))
            print(
                f"{r:>6}  cli+watch {watch_speeds[-1]:>8,.0f}  {'':>12}  "
                f"{watch_speeds[-1] / cli_speeds[-1]:>7.1%}",
                flush=True,
            )
            speed, lateness = run_gui(app, panel, args)
            gui_speeds.append(speed)
            delays += lateness
            print(
                f"{r:>6}  gui   {speed:>8,.0f}  {percentile(lateness, 99):>12.1f}  "
                f"{speed / cli_speeds[-1]:>7.1%}",
                flush=True,
            )
        panel.shutdown(keep_snapshot=False)
        window.my_digits.shutdown()
    report(cli_speeds, watch_speeds, gui_speeds, delays, panel.plots.redraw_count)


def report(
    cli: list[float], watch: list[float], gui: list[float], delays: list[float], redraws: int
) -> None:
    cli_img_s, gui_img_s = statistics.median(cli), statistics.median(gui)
    # Each gui run against the cli run just before it: machine load drifts between repeats.
    ratio = statistics.median(g / c for g, c in zip(gui, cli, strict=True))
    watch_ratio = statistics.median(w / c for w, c in zip(watch, cli, strict=True))
    delay = {
        "median": round(percentile(delays, 50), 2),
        "p99": round(percentile(delays, 99), 2),
        "max": round(max(delays, default=float("nan")), 2),
    }
    print(
        f"\nGUI event-loop delay over {len(delays):,} ticks: median {delay['median']} ms, "
        f"p99 {delay['p99']} ms, max {delay['max']} ms (target p99 < 50 ms)\n"
        f"training speed: GUI {gui_img_s:,.0f} img/s, CLI {cli_img_s:,.0f} img/s, GUI/CLI "
        f"{ratio:.1%} (median of paired repeats; target >= 90%); {redraws} plot redraws\n"
        f"gradient statistics and watched digits: {watch_ratio:.1%} of the speed without "
        "them (target >= 95%)"
    )
    print(
        json.dumps(
            {
                "ui_delay_ms": delay,
                "gui_img_s": round(gui_img_s),
                "cli_img_s": round(cli_img_s),
                "gui_over_cli": round(ratio, 3),
                "watch_img_s": round(statistics.median(watch)),
                "watch_over_cli": round(watch_ratio, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
