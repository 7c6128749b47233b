"""Live plots of each layer's gradient norm and update-to-weight ratio during training.

The standard way to see vanishing or exploding gradients: one curve per layer with
weights, on log scales, against epochs. Curves are made when the first statistics
name the layers, then get ``setData`` with whole arrays from a coalescing timer, as
the loss plots do.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import QGraphicsItem, QLabel, QVBoxLayout, QWidget

from digitlab.core.train.watch import GradientStats
from digitlab.desktop.common.style import colors_for
from digitlab.desktop.train.plot_parts import plot_colors
from digitlab.desktop.train.plots import REDRAW_MS

#: One colour per layer, input side first: Okabe and Ito's palette, told apart with
#: any common colour blindness.
LAYER_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#f0e442")

CAPTION = (
    "Each layer's gradient |dL/dW| and the size of its update |ΔW| / |W| per batch. "
    "Gradients shrinking toward the input layers are the vanishing gradient; updates "
    "near 1e-3 of the weights are the usual healthy pace."
)


class GradientPlots(QWidget):
    """Gradient norm and update ratio per layer, against epochs, on log scales."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = pg.GraphicsLayoutWidget()
        self.norm_plot = self.view.addPlot(row=0, col=0)
        self.ratio_plot = self.view.addPlot(row=1, col=0)
        self.plots = (self.norm_plot, self.ratio_plot)
        for plot, label in ((self.norm_plot, "|dL/dW|"), (self.ratio_plot, "|ΔW| / |W|")):
            plot.setLabel("left", label)
            plot.setLabel("bottom", "epoch")
            plot.setLogMode(x=False, y=True)
            plot.showGrid(x=True, y=True, alpha=0.15)
            plot.setMenuEnabled(False)
            for name in ("left", "bottom"):  # 0.001 as such, never "1 (x0.001)" on a log axis
                plot.getAxis(name).enableAutoSIPrefix(False)
            for name in ("left", "bottom"):  # see TrainingPlots: cached axes redraw less
                plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.legend = self.norm_plot.addLegend(offset=(-8, 8), colCount=3)
        self.caption = QLabel(CAPTION)
        self.caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.caption)
        self.layers: tuple[str, ...] = ()
        self.norm_curves: list[pg.PlotDataItem] = []
        self.ratio_curves: list[pg.PlotDataItem] = []
        self._x: list[float] = []
        self._norms: list[tuple[float, ...]] = []
        self._ratios: list[tuple[float, ...]] = []
        self._timer = QTimer(self, singleShot=True, interval=REDRAW_MS)
        self._timer.timeout.connect(self.redraw)
        self.redraw_count = 0
        self.apply_colors()

    def reset(self) -> None:
        """Empty plots for a new run."""
        self._x, self._norms, self._ratios = [], [], []
        self.redraw()

    def add(self, stats: list[GradientStats]) -> None:
        """More sampled batches, in order."""
        for s in stats:
            if s.layers != self.layers:
                self._make_curves(s.layers)
            self._x.append(s.epoch_position)
            self._norms.append(s.grad_norms)
            self._ratios.append(s.update_ratios)
        # Hidden (another view of the Train tab is shown), the curves wait for showEvent:
        # redrawing log-scale plots nobody sees took a sixth of training's speed.
        if self.isVisible() and not self._timer.isActive():
            self._timer.start()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.redraw()  # what arrived while hidden

    def _make_curves(self, layers: tuple[str, ...]) -> None:
        for curve in self.norm_curves + self.ratio_curves:
            curve.getViewBox().removeItem(curve)
        self.legend.clear()
        self.layers = layers
        self._x, self._norms, self._ratios = [], [], []
        self.norm_curves = [self.norm_plot.plot(name=name) for name in layers]
        self.ratio_curves = [self.ratio_plot.plot() for _ in layers]
        self.apply_colors()

    def redraw(self) -> None:
        self._timer.stop()
        x = np.asarray(self._x)
        norms = np.asarray(self._norms).reshape(len(x), len(self.layers))
        ratios = np.asarray(self._ratios).reshape(len(x), len(self.layers))
        for i, (norm_curve, ratio_curve) in enumerate(zip(self.norm_curves, self.ratio_curves,
                                                          strict=True)):  # fmt: skip
            # log axes: a zero (a dead layer) would be -inf; leave it out, not the axis
            norm_curve.setData(x, np.where(norms[:, i] > 0, norms[:, i], np.nan), connect="finite")
            ratio_curve.setData(x, np.where(ratios[:, i] > 0, ratios[:, i], np.nan),
                                connect="finite")  # fmt: skip
        self.redraw_count += 1

    def apply_colors(self) -> None:
        colors = plot_colors(colors_for(self.palette()))
        self.view.setBackground(colors.background)
        for plot in self.plots:
            for name in ("left", "bottom"):
                plot.getAxis(name).setPen(pg.mkPen(colors.axis))
                plot.getAxis(name).setTextPen(pg.mkPen(colors.text))
        self.legend.setLabelTextColor(colors.text)
        self.legend.setBrush(pg.mkBrush(QColor(colors.legend)))
        for i, (a, b) in enumerate(zip(self.norm_curves, self.ratio_curves, strict=True)):
            pen = pg.mkPen(LAYER_COLOURS[i % len(LAYER_COLOURS)], width=1.5)
            a.setPen(pen)
            b.setPen(pen)
        self.caption.setStyleSheet(f"color: {colors.text};")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self.apply_colors()
        super().changeEvent(event)
