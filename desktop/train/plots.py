"""Live training curves: the loss per batch and per epoch, accuracy, and the learning rate.

Three pyqtgraph plots share one x axis in epochs. Every curve is made once; new
numbers go into a ``TrainingHistory`` and only mark the plots dirty, and a
single-shot timer redraws them at most every ``REDRAW_MS`` with ``setData`` on whole
arrays, so the cost of drawing does not grow with the batch rate.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from digitlab.core.train.types import BatchProgress, EpochResult
from digitlab.desktop.common.background import describe_error
from digitlab.desktop.common.style import colors_for
from digitlab.desktop.common.task_dialogs import TaskDialogs
from digitlab.desktop.train.history import TrainingHistory
from digitlab.desktop.train.plot_parts import PlotColors, hover_text, plot_colors

HOVER_HINT = "Point at the plots to read their values."
REDRAW_MS = 150  # at most ~7 redraws a second: smooth enough, and cheap beside training


class TrainingPlots(QWidget):
    """Loss, accuracy and learning-rate plots of the current run, redrawn a few times a second."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history = TrainingHistory()
        self._x_end: float | None = None  # the x axis's end, in epochs
        self._lr_top: float | None = None
        self.view = pg.GraphicsLayoutWidget()
        self.readout = QLabel(HOVER_HINT)
        self.readout.setToolTip("Values under the mouse pointer")
        # Wrapped, two lines kept for it: a long reading must never widen the window.
        self.readout.setWordWrap(True)
        self.readout.setMinimumHeight(2 * self.fontMetrics().lineSpacing() + 2)
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.png_button = QPushButton("Export PNG…")
        self.png_button.setToolTip("Save the plots as an image")
        self.csv_button = QPushButton("Export CSV…")
        self.csv_button.setToolTip("Save the per-epoch history as a table")
        self._build_plots()
        self._build_curves()
        self._redraw_timer = QTimer(self, singleShot=True, interval=REDRAW_MS)
        self._redraw_timer.timeout.connect(self.redraw)
        self.redraw_count = 0  # for tests and the responsiveness bench
        self.png_button.clicked.connect(self._ask_export_png)
        self.csv_button.clicked.connect(self._ask_export_csv)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.png_button)
        buttons.addWidget(self.csv_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.readout)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.view.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.view.installEventFilter(self)
        self.apply_colors()
        self.redraw()  # the empty frame: epochs 0-1, accuracy 0-100%, loss 0.01-3

    # -- building ---------------------------------------------------------------
    def _build_plots(self) -> None:
        # The loss, busiest, across the top; accuracy and learning rate side by side.
        self.loss_plot = self.view.addPlot(row=0, col=0, colspan=2)
        self.accuracy_plot = self.view.addPlot(row=1, col=0)
        self.lr_plot = self.view.addPlot(row=1, col=1)
        self.plots = (self.loss_plot, self.accuracy_plot, self.lr_plot)
        for plot, label, unit in (
            (self.loss_plot, "loss", None),
            (self.accuracy_plot, "accuracy", "%"),
            (self.lr_plot, "learning rate", None),
        ):
            plot.setLabel("left", label, units=unit)
            plot.setLabel("bottom", "epoch")
            plot.showGrid(x=True, y=True, alpha=0.15)
            plot.setMenuEnabled(False)
            for name in ("left", "bottom"):
                # Each axis also draws its plot's grid: replaying that on every
                # repaint cost more than the curves. Cached, it is redrawn only when
                # its range changes.
                plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            plot.getAxis("bottom").enableAutoSIPrefix(False)  # epochs, never "x0.001"
            # Not linked: pyqtgraph lines linked views up on screen, which plots side
            # by side are not; _set_ranges gives them all the same epochs instead.
            plot.enableAutoRange(axis="x", enable=False)
        # Thousands of batch losses: draw only what is in view, reduced to ~2 points
        # per pixel column (min and max, so spikes still show).
        self.loss_plot.setDownsampling(auto=True, mode="peak")
        self.loss_plot.setClipToView(True)
        # Log scale: the loss falls from ~2.3 to ~0.02; on a linear axis everything
        # after the first tenth of an epoch would be a flat line at the bottom.
        self.loss_plot.setLogMode(x=False, y=True)
        self.view.ci.layout.setRowStretchFactor(0, 3)
        self.view.ci.layout.setRowStretchFactor(1, 2)
        self.view.ci.layout.setColumnStretchFactor(0, 3)
        self.view.ci.layout.setColumnStretchFactor(1, 2)

    def _build_curves(self) -> None:
        loss, acc = (
            self.loss_plot.addLegend(offset=(-8, 8)),
            self.accuracy_plot.addLegend(offset=(-8, -8)),
        )
        self.legends = (loss, acc)
        symbol = {"symbol": "o", "symbolSize": 6}
        self.raw_loss_curve = self.loss_plot.plot(name="batch loss", skipFiniteCheck=True)
        self.smooth_loss_curve = self.loss_plot.plot(name="smoothed", skipFiniteCheck=True)
        self.train_loss_curve = self.loss_plot.plot(name="train (epoch)", **symbol)
        self.val_loss_curve = self.loss_plot.plot(name="validation", **symbol)
        self.train_acc_curve = self.accuracy_plot.plot(name="train", **symbol)
        self.val_acc_curve = self.accuracy_plot.plot(name="validation", **symbol)
        self.lr_curve = self.lr_plot.plot(stepMode="center")
        self.best_lines = [pg.InfiniteLine(angle=90, movable=False) for _ in self.plots]
        self.cross_lines = [pg.InfiniteLine(angle=90, movable=False) for _ in self.plots]
        for plot, best, cross in zip(self.plots, self.best_lines, self.cross_lines, strict=True):
            for line in (best, cross):
                line.setVisible(False)
                plot.addItem(line, ignoreBounds=True)
        # Near the top, on a backing: across the middle it sat on the busy curves.
        self.best_label = pg.InfLineLabel(
            self.best_lines[0], text="best", position=0.93, anchors=[(0, 0.5), (0, 0.5)]
        )

    # -- data in ------------------------------------------------------------------
    def reset(self, previous: dict[str, list[float]] | None = None) -> None:
        """Empty plots for a new run; ``previous`` is the history of a model it continues."""
        self.history.clear(previous)
        self._x_end, self._lr_top = None, None
        for line in self.best_lines:
            line.setVisible(False)
        self.redraw()

    def add_batches(self, progress: BatchProgress, losses: list[float]) -> None:
        self.history.add_batches(progress, losses)
        self._schedule_redraw()

    def add_epoch(self, result: EpochResult) -> None:
        self.history.add_epoch(result)
        self._schedule_redraw()

    def mark_best_epoch(self, epoch: int) -> None:
        """A vertical line labelled "best" at the end of ``epoch`` on every plot."""
        self.history.best_epoch = epoch
        self.best_label.setFormat(f"best (epoch {epoch})")
        for line in self.best_lines:
            line.setVisible(True)  # first: a hidden line's label ignores the move
            line.setPos(epoch)
        self.best_label.valueChanged()

    def _schedule_redraw(self) -> None:
        if not self._redraw_timer.isActive():
            self._redraw_timer.start()

    def redraw(self) -> None:
        """Give every curve its whole arrays (normally called by the coalescing timer)."""
        self._redraw_timer.stop()
        h = self.history
        self.raw_loss_curve.setData(h.batch_x, h.batch_loss)
        self.smooth_loss_curve.setData(h.batch_x, h.batch_smoothed)
        epochs = h.column("epoch")
        self.train_loss_curve.setData(epochs, h.column("loss"))
        self.val_loss_curve.setData(epochs, h.column("val_loss"))
        self.train_acc_curve.setData(epochs, 100 * h.column("accuracy"))
        self.val_acc_curve.setData(epochs, 100 * h.column("val_accuracy"))
        edges, rates = h.lr_steps()
        self.lr_curve.setData(edges, rates)
        self._set_ranges(float(edges[-1]) if len(edges) else 0.0, rates)
        self.redraw_count += 1

    def _set_ranges(self, last_epoch: float, rates: np.ndarray) -> None:
        # The x axis ends with the current epoch, so it changes once an epoch, not at
        # every redraw: repainting the axes (and their grid) is most of a redraw's cost.
        end = max(1.0, math.ceil(last_epoch - 1e-9))
        if end != self._x_end:
            self._x_end = end
            for plot in self.plots:
                plot.setXRange(0, end, padding=0.02)
        # From zero up: a constant rate would otherwise fill a made-up range.
        if not self.history.rows:  # a sensible empty frame until the first epoch ends
            self.accuracy_plot.setYRange(0, 100, padding=0.02)
        if not self.history.batch_x.size:
            self.loss_plot.setYRange(-2, 0.5, padding=0)  # log10: 0.01 to ~3
        elif not self.loss_plot.vb.autoRangeEnabled()[1]:
            self.loss_plot.enableAutoRange(axis="y")
        elif not self.accuracy_plot.vb.autoRangeEnabled()[1]:
            self.accuracy_plot.enableAutoRange(axis="y")
        top = float(rates.max()) * 1.08 if len(rates) else 0.0
        if top > 0 and top != self._lr_top:
            self._lr_top = top
            self.lr_plot.setYRange(0, top, padding=0)

    # -- export ---------------------------------------------------------------------
    def export_png(self, path: str | Path) -> None:
        """The three plots as they look now, as a PNG image; OSError if it cannot be written."""
        if self._redraw_timer.isActive():
            self.redraw()
        if not self.view.grab().save(str(path), "PNG"):
            raise OSError(f"Could not write the image {path}.")

    def export_csv(self, path: str | Path) -> None:
        """The per-epoch history as CSV (see ``TrainingHistory.write_csv``)."""
        self.history.write_csv(path)

    def _ask_export_png(self) -> None:
        self._export("training.png", "PNG images (*.png)", self.export_png)

    def _ask_export_csv(self) -> None:
        self._export("training.csv", "CSV tables (*.csv)", self.export_csv)

    def _export(self, name: str, file_filter: str, write) -> None:
        path = TaskDialogs.ask_export_path(self, Path.home() / name, file_filter)
        if path is None:
            return
        try:
            write(path.with_suffix(Path(name).suffix) if not path.suffix else path)
        except OSError as error:
            TaskDialogs.show_error(self, "Could not export", describe_error(error))

    # -- hover and colours ------------------------------------------------------------
    def _on_mouse_moved(self, position: QPointF) -> None:
        plot = next((p for p in self.plots if p.sceneBoundingRect().contains(position)), None)
        if plot is None or (not self.history.batch_x.size and not self.history.rows):
            self._clear_hover()
            return
        x = plot.vb.mapSceneToView(position).x()
        for line in self.cross_lines:
            line.setPos(x)
            line.setVisible(True)
        self.readout.setText(hover_text(self.history, x))

    def _clear_hover(self) -> None:
        for line in self.cross_lines:
            line.setVisible(False)
        self.readout.setText(HOVER_HINT)

    def eventFilter(self, watched, event: QEvent) -> bool:
        # The scene sends no move when the pointer leaves the view: without this the
        # crosshair and the reading stayed where the pointer left.
        if watched is self.view and event.type() == QEvent.Type.Leave:
            self._clear_hover()
        return super().eventFilter(watched, event)

    def apply_colors(self) -> None:
        colors = plot_colors(colors_for(self.palette()))
        self.view.setBackground(colors.background)
        for plot in self.plots:
            for name in ("left", "bottom"):
                axis = plot.getAxis(name)
                axis.setPen(pg.mkPen(colors.axis))
                axis.setTextPen(pg.mkPen(colors.text))
        for legend in self.legends:
            legend.setLabelTextColor(colors.text)
            legend.setBrush(pg.mkBrush(QColor(colors.legend)))
            legend.setPen(pg.mkPen(colors.axis))
        self._color_curves(colors)

    def _color_curves(self, colors: PlotColors) -> None:
        self.raw_loss_curve.setPen(pg.mkPen(QColor(colors.raw), width=1))
        self.smooth_loss_curve.setPen(pg.mkPen(colors.train, width=2))
        for curve, color in (
            (self.train_loss_curve, colors.train),
            (self.val_loss_curve, colors.validation),
            (self.train_acc_curve, colors.train),
            (self.val_acc_curve, colors.validation),
        ):
            curve.setPen(pg.mkPen(color, width=1.5))
            curve.setSymbolBrush(pg.mkBrush(color))
            curve.setSymbolPen(pg.mkPen(colors.background))
        self.lr_curve.setPen(pg.mkPen(colors.lr, width=2))
        for line in self.best_lines:
            line.setPen(pg.mkPen(colors.best, width=1.5, style=pg.QtCore.Qt.PenStyle.DashLine))
        for line in self.cross_lines:
            line.setPen(pg.mkPen(colors.axis, width=1))
        self.best_label.setColor(colors.best)
        self.best_label.fill = pg.mkBrush(QColor(colors.legend))
        self.readout.setStyleSheet(f"color: {colors.text};")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self.apply_colors()
        super().changeEvent(event)
