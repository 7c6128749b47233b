"""TrainingHistory's numbers and TrainingPlots' curves, best-epoch mark and exports."""

import csv
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF
from PySide6.QtWidgets import QApplication

from digitlab.core.train.types import BatchProgress, EpochResult
from digitlab.desktop.train.history import TrainingHistory
from digitlab.desktop.train.plot_parts import hover_text, nearest_index
from digitlab.desktop.train.plots import HOVER_HINT, TrainingPlots


def progress(epoch, batch, batches=4, loss=1.0, lr=1e-3):
    return BatchProgress(epoch, 3, batch, batches, 32, loss, 0.5, 1000.0, lr)


def epoch_result(epoch, val_loss=0.5, lr=1e-3):
    return EpochResult(epoch, 3, 0.6, 0.8, val_loss, 0.85, lr, 1.0, float(epoch), True, epoch)


def test_batches_sit_at_fractional_epochs():
    history = TrainingHistory()
    history.add_batches(progress(1, 3), [3.0, 2.0, 1.0])  # batches 1..3 of 4
    history.add_batches(progress(2, 1), [0.5])
    np.testing.assert_allclose(history.batch_x, [0.25, 0.5, 0.75, 1.25])
    np.testing.assert_allclose(history.batch_loss, [3.0, 2.0, 1.0, 0.5])


def test_the_smoothed_loss_starts_at_the_first_loss_and_follows_the_trend():
    history = TrainingHistory()
    history.add_batches(progress(1, 4, loss=2.0), [2.0, 2.0, 2.0, 2.0])
    np.testing.assert_allclose(history.batch_smoothed, 2.0)  # no pull towards zero
    history.add_batches(progress(2, 4), [0.0] * 4)
    smoothed = history.batch_smoothed[4:]
    assert np.all(np.diff(smoothed) < 0) and np.all(smoothed > 0)


def test_arrays_grow_past_their_first_capacity():
    history = TrainingHistory()
    for epoch in range(1, 4):
        history.add_batches(progress(epoch, 1000, batches=1000), list(np.linspace(2, 1, 1000)))
    assert len(history.batch_x) == 3000 and history.batch_x[-1] == pytest.approx(3.0)


def test_lr_steps_and_previous_history():
    history = TrainingHistory()
    history.clear({"loss": [1.0, 0.8], "val_loss": [0.9, 0.7], "lr": [1e-3, 5e-4]})
    history.add_batches(progress(3, 1, lr=2.5e-4), [0.5])
    edges, rates = history.lr_steps()
    np.testing.assert_allclose(edges, [0, 1, 2, 3])
    np.testing.assert_allclose(rates, [1e-3, 5e-4, 2.5e-4])
    np.testing.assert_allclose(history.column("val_loss"), [0.9, 0.7])
    assert np.isnan(history.column("accuracy")).all()  # the file did not record it


def test_csv_has_one_row_per_epoch_and_marks_the_best(tmp_path):
    history = TrainingHistory()
    history.add_epoch(epoch_result(1, val_loss=0.5))
    history.add_epoch(epoch_result(2, val_loss=0.4))
    history.best_epoch = 2
    history.write_csv(tmp_path / "h.csv")
    with open(tmp_path / "h.csv", encoding="utf-8") as table:
        rows = list(csv.DictReader(table))
    assert [r["epoch"] for r in rows] == ["1", "2"]
    assert [r["best"] for r in rows] == ["0", "1"]
    assert float(rows[1]["val_loss"]) == pytest.approx(0.4)


def test_nearest_index_and_hover_text():
    assert nearest_index(np.array([]), 1.0) is None
    assert nearest_index(np.array([0.0, 1.0, 2.0]), 1.4) == 1
    assert nearest_index(np.array([0.0, 1.0, 2.0]), 9.0) == 2
    history = TrainingHistory()
    history.add_batches(progress(1, 4), [1.0, 0.9, 0.8, 0.7])
    history.add_epoch(epoch_result(1))
    text = hover_text(history, 0.5)
    assert "batch loss 0.9000" in text and "epoch 1: loss 0.6000 / val 0.5000" in text
    assert len(text.splitlines()) == 2


def test_a_long_reading_never_widens_the_plots(qtbot):
    # Seen in a real window: hovering the plots made a one-line readout so wide that
    # it pushed the whole window's layout off screen.
    widget = TrainingPlots()
    qtbot.addWidget(widget)
    narrow = widget.minimumSizeHint().width()
    widget.readout.setText("epoch 1.63 · batch loss 0.1697 (smoothed 0.0990) · " * 6)
    assert widget.minimumSizeHint().width() == narrow < 400


@pytest.fixture
def plots(qtbot):
    widget = TrainingPlots()
    qtbot.addWidget(widget)
    widget.resize(600, 500)
    return widget


def test_new_data_is_drawn_once_per_timer_tick(qtbot, plots):
    before = plots.redraw_count
    for batch in range(1, 5):
        plots.add_batches(progress(1, batch), [1.0 / batch])
    plots.add_epoch(epoch_result(1))
    assert plots.redraw_count == before  # nothing drawn yet: coalesced
    qtbot.waitUntil(lambda: plots.redraw_count == before + 1, timeout=10_000)
    np.testing.assert_allclose(plots.raw_loss_curve.xData, [0.25, 0.5, 0.75, 1.0])
    assert plots.val_loss_curve.yData.tolist() == [0.5]  # getData() is log10 here
    assert plots.val_acc_curve.getData()[1].tolist() == [85.0]  # in percent


def test_hovering_reads_values_and_leaving_clears_them(qtbot, plots):
    plots.show()
    plots.add_batches(progress(1, 1), [1.0, 0.9, 0.8, 0.7])
    plots.add_epoch(epoch_result(1))
    plots.redraw()
    inside = plots.loss_plot.vb.mapViewToScene(QPointF(0.5, 0.0))
    plots._on_mouse_moved(inside)
    assert plots.readout.text().startswith("at epoch 0.50")
    assert all(line.isVisible() for line in plots.cross_lines)
    QApplication.sendEvent(plots.view, QEvent(QEvent.Type.Leave))
    assert plots.readout.text() == HOVER_HINT
    assert not any(line.isVisible() for line in plots.cross_lines)


def test_the_best_epoch_is_marked_on_every_plot(plots):
    plots.add_epoch(epoch_result(1))
    plots.mark_best_epoch(1)
    assert all(line.isVisible() and line.value() == 1 for line in plots.best_lines)
    assert "best (epoch 1)" in plots.best_label.toPlainText()
    plots.reset()
    assert not any(line.isVisible() for line in plots.best_lines)
    x, _ = plots.val_loss_curve.getData()
    assert x is None or len(x) == 0


def test_exports_write_a_png_and_a_csv(plots, tmp_path):
    plots.add_batches(progress(1, 4), [1.0, 0.9, 0.8, 0.7])
    plots.add_epoch(epoch_result(1))
    plots.export_png(tmp_path / "plots.png")
    plots.export_csv(tmp_path / "history.csv")
    assert (tmp_path / "plots.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "history.csv").read_text(encoding="utf-8").startswith("epoch,loss,accuracy")


def test_an_unwritable_png_is_an_oserror(plots, tmp_path):
    with pytest.raises(OSError, match="Could not write"):
        plots.export_png(tmp_path / "missing-folder" / "plots.png")
