"""The backward pass for the drawing on the canvas: every gradient, unit by unit.

A column of cards like the Layers view, one per layer, showing dL/d(output) for the
drawing and a target digit, and for layers with weights dL/dkernel and dL/dbias,
each with its rule. Clicking a unit explains its arithmetic below the cards and
outlines, in the image and in every layer below, what it reads. "Learn this digit"
takes one SGD step on a copy of the model (``digitlab.core.explain.learn``); the view
then shows that copy, until Undo.

Nothing is computed while the view is hidden: a drawing shown meanwhile is kept and
explained when the view appears. And only the cards in sight get their new gradients
on a stroke; the others get them when scrolled into sight.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QAction, QCursor, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QScrollArea,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from digitlab.core.explain.backprop import Backprop, LayerGradient, backprop
from digitlab.core.explain.learn import learn_step
from digitlab.core.explain.unit_gradients import explain_gradient
from digitlab.core.explain.units import explain_unit
from digitlab.core.nn.network import Network
from digitlab.desktop.inspect.gradient_entry import GradientEntry, InputEntry
from digitlab.desktop.inspect.target_bar import TargetBar
from digitlab.desktop.inspect.unit_marks import clear_marks, mark_unit
from digitlab.desktop.inspect.unit_text import backward_html, forward_html, strongest_channel

HINT = "<p>Click a unit in any map to see its arithmetic, forward and backward.</p>"


class GradientView(QWidget):
    """Gradients of the loss for one image and a target, layer by layer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._network: Network | None = None
        self._steps: list[Network] = []  # stepped copies, newest last (Undo pops)
        self._show_before = False
        self._x: np.ndarray | None = None
        self._answer = 0
        self._chosen: int | None = None  # a target the person picked for this drawing
        self._stale = False
        self.result: Backprop | None = None
        self._selected: tuple[int, tuple[int, ...]] | None = None
        self._explained: tuple[int, tuple[int, ...]] | None = None  # what the panel shows
        self.entries: list[GradientEntry] = []
        self._pending: dict[GradientEntry, LayerGradient] = {}  # out of sight, not yet shown
        self.input_entry: InputEntry | None = None
        self.bar = TargetBar()
        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.explanation = QTextBrowser()
        self.explanation.setHtml(HINT)
        self._scroll.verticalScrollBar().valueChanged.connect(self._show_pending)
        self._scroll.viewport().installEventFilter(self)  # resized: more cards in sight
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self._scroll)
        split.addWidget(self.explanation)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.bar)
        column.addWidget(split, 1)
        self.bar.target_chosen.connect(self.set_target)
        self.bar.learn_requested.connect(self.learn)
        self.bar.undo_requested.connect(self.undo)
        self.bar.before_chosen.connect(self._set_show_before)

    # -- model and drawing ------------------------------------------------
    def set_network(self, network: Network) -> None:
        """Build one card per layer; forget any learning steps (a new model)."""
        self._network, self._steps, self._selected = network, [], None
        container = QWidget()
        column = QVBoxLayout(container)
        column.setContentsMargins(8, 8, 8, 8)
        column.setSpacing(8)
        self.input_entry = InputEntry(network.input_shape)
        column.addWidget(self.input_entry)
        self.entries = [GradientEntry(layer) for layer in network.layers]
        for index, entry in enumerate(self.entries):
            entry.content.unit_clicked.connect(lambda unit, i=index: self.explain(i, unit))
            column.addWidget(entry)
        column.addStretch(1)
        self._scroll.setWidget(container)
        self.bar.set_classes(int(np.prod(network.output_shape)))
        self._refresh()

    @property
    def network(self) -> Network | None:
        """The model the view explains: the newest stepped copy, else the model."""
        if self._steps and not self._show_before:
            return self._steps[-1]
        return self._network

    @property
    def target(self) -> int:
        return self._answer if self._chosen is None else self._chosen

    @property
    def steps(self) -> int:
        return len(self._steps)

    def show_drawing(self, x: np.ndarray | None, answer: int | None) -> None:
        """x: the image the network reads (C, H, W), None when there is nothing to
        read; answer: the model's answer, the target until the person picks one."""
        if x is None or self._x is None:
            self._chosen = None  # a new drawing: the target follows the answer again
        self._x, self._answer = x, 0 if answer is None else int(answer)
        self._stale = True
        if self.isVisible():
            self._refresh()

    def set_target(self, target: int) -> None:
        self._chosen = int(target)
        self._refresh()

    # -- learning ---------------------------------------------------------
    def learn(self) -> None:
        """One SGD step on the drawing toward the target, on a copy of the model."""
        if self._x is None or self._network is None:
            return
        base = self._steps[-1] if self._steps else self._network
        self._steps.append(learn_step(base, self._x, self.target).network)
        self.bar.after_button.setChecked(True)
        self._show_before = False
        self._refresh()

    def undo(self) -> None:
        if self._steps:
            self._steps.pop()
            self._show_before = False if self._steps else self._show_before
            self._refresh()

    def _set_show_before(self, before: bool) -> None:
        if before != self._show_before:
            self._show_before = before
            self._refresh()

    # -- showing ------------------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self._refresh()

    def _refresh(self) -> None:
        self._stale = False
        self.bar.show_target(self.target)
        if self._network is None or self._x is None:
            self.result = None
            self._pending = {}
            for entry in self.entries:
                entry.clear()
            if self.input_entry is not None:
                self.input_entry.clear()
            self.bar.show_loss(None, "")
            self.bar.show_steps(self.steps, None, None)
            self._explain_selected()
            return
        first = backprop(self._network, self._x, self.target)
        last = backprop(self._steps[-1], self._x, self.target) if self._steps else None
        self.result = first if last is None or self._show_before else last
        self.input_entry.show_image(self.result.x, self.result.input_grad)
        self._pending = dict(zip(self.entries, self.result.layers, strict=True))
        self._show_pending()
        self.bar.show_loss(self.result, self._showing())
        self.bar.show_steps(self.steps, first, last)
        self._explain_selected()

    def _show_pending(self) -> None:
        """Give the cards now in sight the gradients they are waiting for."""
        for entry, layer in list(self._pending.items()):
            if not entry.visibleRegion().isEmpty():
                entry.show_gradient(layer)
                del self._pending[entry]

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._show_pending()
        return False

    def _showing(self) -> str:
        if not self._steps:
            return "the model as loaded"
        if self._show_before:
            return "the model before the learning steps"
        return f"a copy of the model after {self.steps} learning step{'s' * (self.steps > 1)}"

    # -- explaining one unit -------------------------------------------------
    def explain(self, index: int, unit: tuple[int, ...]) -> None:
        """Explain unit ``unit`` of layer ``index`` below the cards, and outline what it
        reads in the image and in the layers below."""
        self._selected = (index, tuple(unit))
        self._explain_selected()

    def explain_at(self, global_pos: QPoint) -> bool:
        """Explain the unit of a gradient map at ``global_pos`` (the mouse pointer, for
        "point and press E"); False when no unit of this view is there."""
        widget = QApplication.widgetAt(global_pos)
        for index, entry in enumerate(self.entries):
            if widget is entry.content:
                unit = widget.unit_at(widget.mapFromGlobal(global_pos))
                if unit is not None:
                    self.explain(index, unit)
                    return True
        return False

    def _explain_selected(self) -> None:
        contents = [entry.content for entry in self.entries]
        if self._selected is None or self.result is None:
            clear_marks([*contents, *([self.input_entry.image] if self.input_entry else [])])
            if self._explained is not None:  # setHtml costs a re-layout: only on a change
                self.explanation.setHtml(HINT)
                self._explained = None
            return
        index, unit = self._selected
        network, palette = self.network, self.explanation.palette()
        forward = explain_unit(network, self.result, index, unit)
        backward = explain_gradient(network, self.result, index, unit)
        self._explained = (index, unit)
        self.explanation.setHtml(
            "<h3>Forward</h3>" + forward_html(forward, palette)
            + "<h3>Backward</h3>"
            + backward_html(backward, palette, strongest_channel(forward))
        )  # fmt: skip
        mark_unit(self.input_entry.image, contents, forward, backward, index)

    # -- keys ------------------------------------------------------------------
    def shortcut_actions(self, parent: QWidget) -> list[QAction]:
        """Window-wide keys for this view: Ctrl+0 to Ctrl+9 pick the target (the digit
        alone keeps the drawing), E explains the unit under the pointer."""
        explain = QAction("Backward view: explain the unit under the pointer", parent)
        explain.setShortcut(QKeySequence("E"))
        explain.triggered.connect(lambda: self.explain_at(QCursor.pos()))
        actions = [explain]
        for digit in range(10):
            action = QAction(f"Backward view: target {digit}", parent)
            action.setShortcut(QKeySequence(f"Ctrl+{digit}"))
            action.triggered.connect(lambda _=False, d=digit: self.set_target(d))
            actions.append(action)
        return actions
