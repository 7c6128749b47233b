"""The Train tab's gradient plots and watched test digits, fed with plain data."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import numpy as np

from digitlab.core.train.watch import DigitReadings, GradientStats
from digitlab.desktop.train.digit_grid import WatchedDigits
from digitlab.desktop.train.gradient_plots import REDRAW_MS, GradientPlots

LAYERS = ("conv1", "dense1")


def stats(step, norms, ratios):
    return GradientStats(step, step / 10, LAYERS, norms, ratios)


def test_one_curve_per_layer_gets_the_whole_history(qtbot):
    plots = GradientPlots()
    qtbot.addWidget(plots)
    plots.add([stats(10, (1.0, 0.5), (1e-3, 2e-3)), stats(20, (0.8, 0.0), (5e-4, 1e-3))])
    plots.redraw()
    assert [c.name() for c in plots.norm_curves] == list(LAYERS)
    x, y = plots.norm_curves[0].getOriginalDataset()
    assert x.tolist() == [1.0, 2.0] and y.tolist() == [1.0, 0.8]
    _, dense = plots.norm_curves[1].getOriginalDataset()
    assert dense[0] == 0.5 and np.isnan(dense[1])  # a zero has no place on a log axis
    _, ratio = plots.ratio_curves[1].getOriginalDataset()
    assert ratio.tolist() == [2e-3, 1e-3]
    plots.reset()
    x, _ = plots.norm_curves[0].getOriginalDataset()
    assert x is None or x.size == 0


def test_hidden_plots_wait_and_catch_up_when_shown(qtbot):
    # Redrawing plots nobody sees cost training a sixth of its speed in the window.
    plots = GradientPlots()
    qtbot.addWidget(plots)
    plots.add([stats(10, (1.0, 0.5), (1e-3, 2e-3))])
    qtbot.wait(3 * REDRAW_MS)
    assert plots.redraw_count == 0
    plots.show()
    qtbot.waitExposed(plots)
    x, _ = plots.norm_curves[0].getOriginalDataset()
    assert x.tolist() == [1.0]
    shown = plots.redraw_count
    plots.add([stats(20, (0.8, 0.4), (5e-4, 1e-3))])
    qtbot.waitUntil(lambda: plots.redraw_count > shown, timeout=5000)
    x, _ = plots.norm_curves[0].getOriginalDataset()
    assert x.tolist() == [1.0, 2.0]


def test_the_watched_digits_mark_the_misread(qtbot):
    view = WatchedDigits()
    qtbot.addWidget(view)
    labels = np.repeat(np.arange(10), 5)
    view.set_digits(np.zeros((50, 1, 28, 28), np.float32), labels)
    predicted = labels.copy()
    predicted[[3, 17, 40]] = [1, 10, 0]
    view.show_readings(DigitReadings(300, 1.5, tuple(int(p) for p in predicted)))
    assert view.tiles.misread() == 3
    assert view.caption.text() == "After 1.50 epochs: 47 of 50 read right, 3 misread (in red)."
    assert view.tiles._describe(17) == "test digit 3, read as not a digit"
    assert view.tiles.sizeHint().width() >= 10 * view.tiles.TILE
