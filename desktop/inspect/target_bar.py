"""The top of the backward view: the target digit, the loss, and one step of learning.

The target is a row of buttons (Ctrl+0 to Ctrl+9 pick one from anywhere in the
window; the digit keys alone keep the drawing, as elsewhere). "Learn this digit" asks
for one gradient step toward the target; after one, "Before" and "After" switch the
maps between the model as it was and the stepped copy, two rows of bars compare the
probabilities, and "Undo" drops the last step.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from digitlab.core.explain.backprop import Backprop
from digitlab.desktop.common.style import NOT_A_DIGIT_MARK
from digitlab.desktop.inspect.compare_bars import ComparisonBars


class TargetBar(QWidget):
    """Target buttons, the loss, Learn / Undo and the before-after comparison."""

    target_chosen = Signal(int)
    learn_requested = Signal()
    undo_requested = Signal()
    before_chosen = Signal(bool)  # True: show the model before the steps

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.targets = QButtonGroup(self)
        self.targets.setExclusive(True)
        self._target_row = QHBoxLayout()
        self._target_row.setSpacing(2)
        self._target_row.addWidget(QLabel("Target"))
        self.targets.idClicked.connect(self.target_chosen)
        self.loss_label = TextLine()
        self.learn_button = QPushButton("Learn this digit")
        self.learn_button.setToolTip(
            "One gradient step toward the target on this drawing, on a copy of the model"
        )
        self.learn_button.clicked.connect(self.learn_requested)
        self.undo_button = QPushButton("Undo step")
        self.undo_button.clicked.connect(self.undo_requested)
        self.before_button, self.after_button = QToolButton(), QToolButton()
        self._build_compare()
        self._layout()
        self.set_classes(10)
        self.show_steps(0, None, None)

    def _build_compare(self) -> None:
        for button, text, before in ((self.before_button, "Before", True),
                                     (self.after_button, "After", False)):  # fmt: skip
            button.setText(text)
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, b=before: self._choose_side(b))
        self.after_button.setChecked(True)
        self.compare_bars = ComparisonBars(10)
        self.compare_bars.setToolTip("Probabilities before (grey) and after (blue) the steps")
        self.compare_label = QLabel()
        self.compare_label.setWordWrap(True)
        self.compare = QWidget()
        row = QHBoxLayout(self.compare)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.compare_bars)
        row.addWidget(self.compare_label, 1)

    def _layout(self) -> None:
        actions = QHBoxLayout()
        actions.addWidget(self.learn_button)
        actions.addWidget(self.undo_button)
        actions.addSpacing(12)
        actions.addWidget(QLabel("Show"))
        actions.addWidget(self.before_button)
        actions.addWidget(self.after_button)
        actions.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 8, 8, 4)
        column.addLayout(self._target_row)
        column.addWidget(self.loss_label)
        column.addLayout(actions)
        column.addWidget(self.compare)

    def set_classes(self, classes: int) -> None:
        """One button per class the model has: 0-9, and "not a digit" for an 11th."""
        for button in self.targets.buttons():
            self.targets.removeButton(button)
        while self._target_row.count() > 1:  # all but the "Target" label
            item = self._target_row.takeAt(1)
            if item.widget() is not None:
                item.widget().hide()  # at once: deleteLater waits for the event loop
                item.widget().deleteLater()
        for index in range(classes):
            button = QToolButton()
            button.setText(NOT_A_DIGIT_MARK if index == 10 else str(index))
            button.setCheckable(True)
            button.setToolTip("not a digit" if index == 10 else f"Target {index} (Ctrl+{index})")
            self.targets.addButton(button, index)
            self._target_row.addWidget(button)
        self._target_row.addStretch(1)
        self.compare_bars.set_classes(classes)

    def show_target(self, target: int) -> None:
        button = self.targets.button(target)
        if button is not None:
            button.setChecked(True)

    def show_loss(self, result: Backprop | None, showing: str) -> None:
        """The loss of ``result`` as the formula that gives it."""
        if result is None:
            self.loss_label.set_parts("Draw a digit to see the gradients that would teach it.")
            return
        p = float(result.probabilities[result.target])
        self.loss_label.set_parts(
            f"Loss L = −log p[{result.target}] = −log {p:.4g} = ",
            f"{result.loss + 0.0:.4g}",
            f"  ·  {showing}",
        )

    def show_steps(self, steps: int, first: Backprop | None, last: Backprop | None) -> None:
        """``steps`` learning steps taken; ``first``/``last``: the drawing through the
        model before them and through the stepped copy."""
        self.undo_button.setEnabled(steps > 0)
        self.before_button.setEnabled(steps > 0)
        self.after_button.setEnabled(steps > 0)
        self.compare.setVisible(steps > 0 and first is not None and last is not None)
        if steps == 0 or first is None or last is None:
            self._choose_side(False)
            return
        t = last.target
        self.compare_bars.set_probabilities(first.probabilities, last.probabilities, t)
        before, after = first.probabilities, last.probabilities
        self.compare_label.setText(
            f"After {steps} step{'s' if steps > 1 else ''} toward {t}: p[{t}] "
            f"{_percent(before[t])} → {_percent(after[t])}, loss {first.loss + 0.0:.4g} → "
            f"{last.loss + 0.0:.4g}. The answer: {int(before.argmax())} → {int(after.argmax())}."
        )

    def _choose_side(self, before: bool) -> None:
        self.before_button.setChecked(before)
        self.after_button.setChecked(not before)
        self.before_chosen.emit(before)


class TextLine(QWidget):
    """One line of text whose even-numbered parts are plain and odd ones bold, painted
    by itself. Its text changes on every stroke, and a QLabel's setText makes Qt lay
    the whole window out again (measured 2-4 ms a stroke); this only repaints."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._parts: tuple[str, ...] = ()
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.fontMetrics().height() + 4)

    def set_parts(self, *parts: str) -> None:
        if parts != self._parts:
            self._parts = parts
            self.update()

    def text(self) -> str:
        return "".join(self._parts)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        x = 0
        for i, part in enumerate(self._parts):
            font = QFont(self.font())
            font.setBold(i % 2 == 1)
            painter.setFont(font)
            painter.drawText(x, self.fontMetrics().ascent() + 2, part)
            x += QFontMetrics(font).horizontalAdvance(part)
        painter.end()


def _percent(p: float) -> str:
    p = float(np.clip(p, 0.0, 1.0))
    return f"{100 * p:.2g}%" if p < 0.01 else f"{100 * p:.1f}%"
