"""The hyper-parameter form: one widget per ``TrainConfig`` field a person would change.

Defaults come from ``TrainConfig()`` and every field has a tooltip that says what it
does and what its default is. Rates step in powers of ten (1e-3 -> 2e-3 -> 5e-3 ...),
which is how people search for them.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from digitlab.core.train.optimizers import OPTIMIZERS
from digitlab.core.train.schedules import SCHEDULES
from digitlab.core.train.types import TrainConfig

DEFAULTS = TrainConfig()
_MANTISSAS = (1.0, 2.0, 5.0)  # the 1-2-5 series within each power of ten

TOOLTIPS = {
    "epochs": "The most passes over the training images; early stopping may end sooner.",
    "batch_size": "Images per gradient step. Larger batches train faster per image but "
    "take fewer steps per epoch.",
    "optimizer": "How the gradients update the weights. Adam adapts each weight's step "
    "size and rarely needs tuning.",
    "lr": "The step size of each update. Too high and the loss diverges; too low and "
    "training crawls.",
    "schedule": "How the learning rate changes over the run: constant; step (x0.1 every "
    "third of the run); exponential (x0.9 per epoch); cosine (down to zero at the last epoch).",
    "weight_decay": "L2 penalty on the weights, pulling them towards zero against overfitting.",
    "patience": "Early stopping: stop after this many epochs without the validation loss "
    "improving. The best model so far is kept either way.",
    "min_delta": "Early stopping: how much the validation loss must fall below its best "
    "to count as an improvement.",
    "validation_size": "Images held out of the end of the training set to judge each "
    "epoch (never the test set, which stays an honest final score).",
    "augment": "Random shifts, rotations and scalings of the training images: slower to "
    "learn, better on handwriting unlike MNIST's.",
    "seed": "Fixes the initial weights, the shuffling and the augmentation: the same seed "
    "and settings train the same model.",
}
LABELS = {
    "epochs": "Epochs",
    "batch_size": "Batch size",
    "optimizer": "Optimizer",
    "lr": "Learning rate",
    "schedule": "Schedule",
    "weight_decay": "Weight decay",
    "patience": "Patience",
    "min_delta": "Min. improvement",
    "validation_size": "Validation images",
    "augment": "Augmentation",
    "seed": "Seed",
}
#: The form's rows, two fields side by side: related settings share a row, so the
#: form stays short enough to leave the plots room below it.
ROWS = (
    ("epochs", "batch_size"),
    ("optimizer", "lr"),
    ("schedule", "weight_decay"),
    ("patience", "min_delta"),
    ("validation_size", "seed"),
    ("augment",),
)


class LogSpinBox(QDoubleSpinBox):
    """A rate: steps along 1, 2, 5, 10, ...; shown as ``1e-03`` is written, ``0.001``.

    With a minimum of 0, stepping down from the smallest positive value reaches 0.
    """

    def __init__(self, smallest: float, largest: float, allow_zero: bool = False) -> None:
        super().__init__()
        self._smallest = smallest
        self.setDecimals(12)  # the value is exact; textFromValue decides the display
        self.setRange(0.0 if allow_zero else smallest, largest)
        self.setKeyboardTracking(False)

    def textFromValue(self, value: float) -> str:
        return f"{value:g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int) -> object:
        state = QValidator.State
        try:
            value = float(text)
        except ValueError:
            return state.Intermediate, text, pos
        ok = self.minimum() <= value <= self.maximum()
        return (state.Acceptable if ok else state.Intermediate), text, pos

    def stepBy(self, steps: int) -> None:
        value = self.value()
        for _ in range(abs(steps)):
            value = _next_in_series(value, up=steps > 0, smallest=self._smallest)
        self.setValue(min(max(value, self.minimum()), self.maximum()))


def _next_in_series(value: float, up: bool, smallest: float) -> float:
    """The next value of the 1-2-5 series above (or below) ``value``."""
    if value <= 0:
        return smallest if up else 0.0
    series = [m * 10.0**e for e in range(-12, 4) for m in _MANTISSAS]
    if up:
        return next((v for v in series if v > value * (1 + 1e-9)), series[-1])
    below = [v for v in series if v < value * (1 - 1e-9)]
    return below[-1] if below and below[-1] >= smallest * (1 - 1e-9) else 0.0


class HyperParameterForm(QWidget):
    """Edits a ``TrainConfig``; ``config()`` reads it back."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.widgets: dict[str, QWidget] = {
            "epochs": _int_box(1, 1000),
            "batch_size": _int_box(1, 4096),
            "optimizer": _choice(OPTIMIZERS),
            "lr": LogSpinBox(1e-6, 10.0),
            "schedule": _choice(SCHEDULES),
            "weight_decay": LogSpinBox(1e-6, 1.0, allow_zero=True),
            "patience": _int_box(1, 1000),
            "min_delta": LogSpinBox(1e-6, 10.0, allow_zero=True),
            "validation_size": _int_box(1, 59_999, step=1000),
            "augment": QCheckBox("random shifts, rotations, scalings"),
            "seed": _int_box(0, 2**31 - 1),
        }
        self.labels: dict[str, QLabel] = {}
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(8)
        for row, names in enumerate(ROWS):
            for pair, name in enumerate(names):
                self._add_field(layout, row, pair, name, span=3 if len(names) == 1 else 1)
        for column in (1, 3):
            layout.setColumnStretch(column, 1)
        self.set_config(DEFAULTS)

    def _add_field(self, layout: QGridLayout, row: int, pair: int, name: str, span: int) -> None:
        widget = self.widgets[name]
        widget.setToolTip(f"{TOOLTIPS[name]}\nDefault: {_shown(getattr(DEFAULTS, name))}.")
        label = QLabel(LABELS[name])
        label.setBuddy(widget)
        label.setToolTip(widget.toolTip())
        self.labels[name] = label
        layout.addWidget(label, row, 2 * pair)
        layout.addWidget(widget, row, 2 * pair + 1, 1, span)

    def set_config(self, config: TrainConfig) -> None:
        for name, widget in self.widgets.items():
            _set_value(widget, getattr(config, name))

    def values(self) -> dict[str, Any]:
        """The form's fields as ``TrainConfig`` keyword arguments."""
        return {name: _value(widget) for name, widget in self.widgets.items()}

    def config(self) -> TrainConfig:
        """The form as a config; fields the form lacks (threads) keep their defaults."""
        return replace(DEFAULTS, **self.values())

    def label_column_width(self, width: int) -> None:
        """Line the first column of labels up with labels outside the form."""
        layout = self.layout()
        assert isinstance(layout, QGridLayout)
        layout.setColumnMinimumWidth(0, width)

    def set_epochs_label(self, text: str, tooltip: str) -> None:
        """ "Epochs" for a new model, "More epochs" when continuing one."""
        label = self.labels["epochs"]
        label.setText(text)
        label.setToolTip(tooltip)
        self.widgets["epochs"].setToolTip(tooltip)


def _shown(default: Any) -> str:
    if isinstance(default, bool):
        return "on" if default else "off"
    if isinstance(default, float):
        return f"{default:g}"
    return f"{default:,}" if isinstance(default, int) else str(default)


def _int_box(low: int, high: int, step: int = 1) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setGroupSeparatorShown(True)
    return box


def _choice(names: Any) -> QComboBox:
    box = QComboBox()
    box.addItems(list(names))
    return box


def _set_value(widget: QWidget, value: Any) -> None:
    if isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    elif isinstance(widget, QComboBox):
        index = widget.findText(str(value).lower())
        widget.setCurrentIndex(max(index, 0))
    elif isinstance(widget, QSpinBox | QDoubleSpinBox):
        widget.setValue(value if not isinstance(value, float) or math.isfinite(value) else 0)


def _value(widget: QWidget) -> Any:
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QComboBox):
        return widget.currentText()
    return widget.value()
