"""The answer's bar chart: one bar per digit, and for a model that can decline, a
separate bar for "not a digit" set apart by a gap and a dashed rule, in a calm grey
rather than the digits' colours.

The BarGraphItems are made once; each update passes whole arrays to ``setOpts``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from digitlab.core.reading.recognition import DIGITS, NOT_A_DIGIT
from digitlab.desktop.common.style import NOT_A_DIGIT_MARK, colors_for

NOT_A_DIGIT_X = DIGITS + 0.9  # its bar sits a little apart from the digits' row
BAR_WIDTH = 0.72


class ProbabilityChart(QWidget):
    """Ten bars, one per digit, the digits named in the answer in the accent colour;
    an eleventh, apart, for "not a digit" when the probabilities have eleven classes."""

    def __init__(self) -> None:
        super().__init__()
        self._highlight: tuple[int, ...] = ()
        self.heights = np.zeros(DIGITS)
        self.plot = pg.PlotWidget()
        self._bars = pg.BarGraphItem(x=np.arange(DIGITS), height=self.heights, width=BAR_WIDTH)
        self._decline_bar = pg.BarGraphItem(x=[NOT_A_DIGIT_X], height=[0.0], width=BAR_WIDTH)
        self._rule = pg.InfiniteLine(pos=DIGITS + 0.2, angle=90)
        for item in (self._bars, self._decline_bar, self._rule):
            self.plot.addItem(item)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setYRange(0, 1, padding=0.02)
        self.plot.getAxis("left").setTicks([[(0, "0%"), (0.5, "50%"), (1, "100%")]])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.setMinimumHeight(150)
        self._declines: bool | None = None  # set up for neither kind of model yet
        self._set_can_decline(False)
        self.apply_colors()

    def can_decline(self) -> bool:
        """The "not a digit" bar is shown."""
        return bool(self._declines)

    def set_probabilities(self, probabilities: np.ndarray, highlight: tuple[int, ...]) -> None:
        """``probabilities`` (10,) or (11,) with the last for "not a digit";
        ``highlight``: the digits the answer names, drawn in the accent colour."""
        self.heights = np.asarray(probabilities, np.float64)
        self._highlight = tuple(highlight)
        self._set_can_decline(len(self.heights) > NOT_A_DIGIT)
        self._bars.setOpts(height=self.heights[:DIGITS], brushes=self._brushes())
        declined = self.heights[NOT_A_DIGIT:]
        self._decline_bar.setOpts(height=declined if len(declined) else [0.0])

    def _set_can_decline(self, can: bool) -> None:
        if can == self._declines:
            return  # set up already, for this kind of model
        self._declines = can
        self._decline_bar.setVisible(can)
        self._rule.setVisible(can)
        ticks = [(i, str(i)) for i in range(DIGITS)]
        if can:
            ticks.append((NOT_A_DIGIT_X, NOT_A_DIGIT_MARK))
        self.plot.getAxis("bottom").setTicks([ticks])
        self.plot.setXRange(-0.6, (NOT_A_DIGIT_X if can else DIGITS - 1) + 0.6, padding=0)
        self.setToolTip(
            "The network's probability for each digit"
            + (f", and ({NOT_A_DIGIT_MARK}, apart) for “not a digit”" if can else "")
        )

    def apply_colors(self) -> None:
        colors = colors_for(self.palette())
        self.plot.setBackground(colors.surface)
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(colors.border))
            axis.setTextPen(pg.mkPen(colors.muted))
        self._bars.setOpts(pens=[pg.mkPen(None)] * DIGITS, brushes=self._brushes())
        self._decline_bar.setOpts(pens=[pg.mkPen(None)], brushes=[pg.mkBrush(colors.muted)])
        self._rule.setPen(pg.mkPen(colors.border, width=1, style=Qt.PenStyle.DashLine))

    def _brushes(self) -> list:
        colors = colors_for(self.palette())
        return [
            pg.mkBrush(colors.accent if i in self._highlight else colors.bar) for i in range(DIGITS)
        ]

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self.apply_colors()
        super().changeEvent(event)
