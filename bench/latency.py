"""How long from a finished stroke to the updated answer in the desktop app.

The main window is built offscreen with the bundled model (or an untrained LeNet-5
where it is absent) and digits are drawn on its canvas with real mouse events, each
digit one to three strokes of a hand-like polyline with random size, place, slant and
pen width. One sample is the time from sending the mouse release that ends a stroke
until the window has recognised the drawing (preprocess + one forward) and the
prediction panel, the layer view and the canvas have been repainted: one
``processEvents()`` runs the paint the event loop would, and an event filter checks
that each of them really received a paint event in every sample.

For scale, the same run times ``recognise`` alone on each finished drawing and the
bare forward pass (``Network.activations`` on one 28x28 image): the gap between
those and the stroke-to-answer figure is the cost of Qt painting. Median and 95th
percentile over all samples (>= ``--digits`` x ``--rounds`` strokes). The last line
is one JSON object.

Each digit is drawn twice in a row, once with the Layers tab open and once with the
Backward tab instead: there each stroke also runs the backward pass of the drawing
toward its answer and repaints every layer's gradients (``stroke_to_gradients_ms``,
target median 16 ms, one frame at 60 Hz); ``backprop_only_ms`` is
``digitlab.core.explain.backprop`` alone.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import tempfile
import time
from argparse import ArgumentParser

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, QSettings, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget
from threadpoolctl import threadpool_limits

from digitlab.core.files.model_file import ModelFile
from digitlab.core.nn.architectures import lenet5
from digitlab.core.reading.recognition import recognise
from digitlab.resources import bundled_model_path

# Digits as strokes of points in a unit box (x right, y down), roughly as people write.
_T = np.linspace(0.0, 1.0, 24)
_CIRCLE = np.stack([0.5 + 0.4 * np.sin(2 * np.pi * _T), 0.5 - 0.45 * np.cos(2 * np.pi * _T)], 1)
DIGITS = {
    0: [_CIRCLE],
    1: [np.array([[0.45, 0.05], [0.5, 0.5], [0.52, 0.95]])],
    2: [
        np.array([[0.15, 0.25], [0.4, 0.05], [0.75, 0.15], [0.7, 0.45], [0.15, 0.95], [0.85, 0.95]])
    ],
    3: [np.array([[0.2, 0.1], [0.7, 0.1], [0.4, 0.45], [0.8, 0.65], [0.55, 0.95], [0.2, 0.85]])],
    4: [np.array([[0.6, 0.05], [0.1, 0.65], [0.85, 0.65]]), np.array([[0.65, 0.3], [0.65, 0.95]])],
    5: [np.array([[0.8, 0.05], [0.25, 0.05], [0.2, 0.45], [0.7, 0.45], [0.75, 0.85], [0.2, 0.95]])],
    6: [np.array([[0.7, 0.05], [0.3, 0.4], [0.2, 0.8], [0.5, 0.95], [0.75, 0.7], [0.3, 0.55]])],
    7: [np.array([[0.1, 0.05], [0.9, 0.05], [0.35, 0.95]]), np.array([[0.35, 0.5], [0.75, 0.5]])],
    8: [np.stack([0.5 + 0.3 * np.sin(4 * np.pi * _T), 0.5 - 0.45 * np.cos(2 * np.pi * _T)], 1)],
    9: [np.array([[0.75, 0.2], [0.4, 0.05], [0.2, 0.3], [0.5, 0.45], [0.75, 0.2], [0.7, 0.95]])],
}


def densify(polyline: np.ndarray, spacing: float) -> np.ndarray:
    """Points every ``spacing`` along ``polyline`` (k, 2), as mouse events arrive."""
    pieces = [polyline[:1]]
    for a, b in itertools.pairwise(polyline):
        n = max(1, int(np.hypot(*(b - a)) / spacing))
        pieces.append(a + (b - a) * (np.arange(1, n + 1) / n)[:, None])
    return np.concatenate(pieces)


def random_digit(rng: np.random.Generator, width: int, height: int) -> list[np.ndarray]:
    """The strokes (in canvas pixels) of a random digit of random size, place and slant."""
    digit = int(rng.integers(0, 10))
    size = rng.uniform(0.25, 0.8) * min(width, height)
    left = rng.uniform(0, width - size * 0.9)
    top = rng.uniform(0, height - size)
    slant = rng.uniform(-0.2, 0.2)
    strokes = []
    for stroke in DIGITS[digit]:
        xy = stroke + rng.normal(0, 0.015, stroke.shape)
        xy = np.stack([xy[:, 0] + slant * (1 - xy[:, 1]), xy[:, 1]], 1) * size * [0.8, 1.0]
        strokes.append(densify(xy + np.array([left, top]), spacing=4.0))
    return strokes


def send(widget, kind: QEvent.Type, point, button, buttons) -> None:
    position = QPointF(float(point[0]), float(point[1]))
    event = QMouseEvent(
        kind,
        position,
        widget.mapToGlobal(position),
        button,
        buttons,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, event)


class PaintCounter(QObject):
    """Counts paint events per named group of widgets (any widget of a group counts)."""

    def __init__(self, groups: dict[str, list[QWidget]]) -> None:
        super().__init__()
        self.counts = dict.fromkeys(groups, 0)
        self._group = {}
        for name, widgets in groups.items():
            for widget in widgets:
                self._group[widget] = name
                widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            self.counts[self._group[watched]] += 1
        return False

    def all_painted_since(self, before: dict) -> bool:
        return all(self.counts[name] > before[name] for name in self.counts)


def watch_panels(window, backward: bool = False) -> PaintCounter:
    """The network input tile, the bar chart, the first layer's maps (of the Layers
    view, or with ``backward`` of the Backward view), the canvas."""
    panel = window.prediction_panel
    first_layer = window.gradient_view.entries[0] if backward else window.layer_view.entries()[0]
    return PaintCounter(
        {
            "network input": [panel.input_tile],
            "probabilities": [panel.chart.plot.viewport()],
            "layer view": first_layer.findChildren(QWidget),
            "canvas": [window.canvas],
        }
    )


def stroke_to_answer(window, points: np.ndarray, painted: PaintCounter) -> float:
    """Draw one stroke; return the seconds from its release to the repainted answer."""
    app, canvas = QApplication.instance(), window.canvas
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    send(canvas, QEvent.Type.MouseButtonPress, points[0], left, left)
    for point in points[1:]:
        send(canvas, QEvent.Type.MouseMove, point, none, left)
    app.processEvents()  # the live updates during the stroke are not part of the sample
    before = dict(painted.counts)
    start = time.perf_counter()
    send(canvas, QEvent.Type.MouseButtonRelease, points[-1], left, none)
    # What the event loop does next: one pass that paints every widget marked dirty
    # (repaint() on each panel instead would paint the window twice over).
    app.processEvents()
    elapsed = time.perf_counter() - start
    assert painted.all_painted_since(before), "a panel was not repainted"
    return elapsed


def draw_all(window, digits, rounds: int, pens: np.ndarray):
    """Draw every digit ``rounds`` times, each once with the Layers tab open and once
    with the Backward tab, one after the other, so that both meet the same load on the
    machine. Returns (seconds per stroke with Layers, with Backward, the ink images)."""
    app = QApplication.instance()
    tabs = {
        window.layer_view: watch_panels(window),
        window.gradient_view: watch_panels(window, backward=True),
    }
    seconds: dict = {tab: [] for tab in tabs}
    inks = []
    for pen, strokes in zip(pens, [d for _ in range(rounds) for d in digits], strict=True):
        for tab, painted in tabs.items():
            window.tabs.setCurrentWidget(tab)
            window.canvas.clear()
            app.processEvents()
            window.canvas.set_pen_width(float(pen))
            for points in strokes:
                seconds[tab].append(stroke_to_answer(window, points, painted))
                if tab is window.layer_view:
                    inks.append(window.canvas.ink_image())
    return seconds[window.layer_view], seconds[window.gradient_view], inks


def time_backprop(network, inks: list[np.ndarray]) -> list[float]:
    """Seconds of the backward pass alone, toward its answer, for each inked drawing."""
    from digitlab.core.explain.backprop import backprop

    seconds = []
    for ink in inks:
        result = recognise(network, ink, with_activations=False)
        if result.empty:
            continue
        target = int(result.probabilities.argmax())
        start = time.perf_counter()
        backprop(network, result.steps.centred[None], target)
        seconds.append(time.perf_counter() - start)
    return seconds


def summary(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1e3
    return {
        "median": round(float(np.median(ms)), 3),
        "p95": round(float(np.percentile(ms, 95)), 3),
        "samples": len(ms),
    }


def main() -> None:
    parser = ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--digits", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2, help="times the digits are drawn")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    threadpool_limits(limits=1, user_api="blas")  # as the app runs (digitlab.desktop.app.run_gui)

    app = QApplication.instance() or QApplication([])
    settings_dir = tempfile.mkdtemp(prefix="digitlab-bench-")  # a fresh window, not the user's
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)
    from digitlab.desktop.window.main_window import MainWindow

    window = MainWindow()
    bundled = bundled_model_path()
    if bundled.is_file():
        assert window.open_model_path(bundled), "the bundled model did not open"
        model = bundled.name
    else:
        window.document.set_model(ModelFile(lenet5(0), {"name": "untrained"}, {}, None, None), None)
        model = "untrained lenet5(0) (bundled model absent)"
    window.show()
    app.processEvents()
    network, rng = window.document.network, np.random.default_rng(args.seed)
    rng_digits = [
        random_digit(rng, window.canvas.width(), window.canvas.height()) for _ in range(args.digits)
    ]
    pens = rng.uniform(6, 36, size=args.digits * args.rounds)
    answer, gradients, inks = draw_all(window, rng_digits, args.rounds, pens)
    backprop_only = time_backprop(network, inks)
    recognise_only, forward_only = [], []
    x = window.last_recognition.steps.centred[None, None]
    for ink in inks:
        start = time.perf_counter()
        result = recognise(network, ink)
        recognise_only.append(time.perf_counter() - start)
        start = time.perf_counter()
        network.activations(x if result.empty else result.steps.centred[None, None])
        forward_only.append(time.perf_counter() - start)
    window.document.set_modified(False)
    window.close()
    shutil.rmtree(settings_dir, ignore_errors=True)

    report = {
        "stroke_to_answer_ms": summary(answer),
        "recognise_only_ms": summary(recognise_only),
        "forward_only_ms": summary(forward_only),
        "stroke_to_gradients_ms": summary(gradients),
        "backprop_only_ms": summary(backprop_only),
        "canvas": [window.canvas.width(), window.canvas.height()],
        "model": model,
        "platform": os.environ.get("QT_QPA_PLATFORM", ""),
        "target_median_ms": 10.0,
        "target_gradients_median_ms": 16.0,
    }
    keys = ("stroke_to_answer_ms", "recognise_only_ms", "forward_only_ms",
            "stroke_to_gradients_ms", "backprop_only_ms")  # fmt: skip
    for key in keys:
        figures = report[key]
        print(f"{key:<22} median {figures['median']:7.3f} ms   p95 {figures['p95']:7.3f} ms")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
