"""The loaded model at a glance: how it was trained and what its layers are.

Metadata comes from a file someone else wrote, so every value is formatted
defensively: a missing or odd value shows as a dash, never as an error.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QFormLayout,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from digitlab.core.files.model_file import ModelFile
from digitlab.core.files.shown import printable
from digitlab.core.files.summary import personalisation

MISSING = "\u2014"  # an em dash: the value is absent or unreadable


def format_percent(value: Any) -> str:
    """An accuracy as a percentage: 0.9907 -> "99.07 %" (values in (1, 100] are taken
    as percentages already)."""
    number = _number(value)
    if number is None or not 0 <= number <= 100:
        return MISSING
    return f"{number * 100 if number <= 1 else number:.2f} %"


def format_count(value: Any) -> str:
    """A whole number with thousands separators: 61706 -> "61,706"."""
    number = _number(value)
    return MISSING if number is None or number != int(number) else f"{int(number):,}"


# Month names spelled out rather than strftime's %b, which follows the C locale that
# Qt sets from the environment: the window's words are English, so its months are too.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_created(value: Any) -> str:
    """An ISO-8601 time (UTC if no zone is given) or a Unix timestamp, in local time:
    "1 Mar 2025, 15:05". Unreadable text is shown as given."""
    when = None
    if isinstance(value, str) and value.strip():
        try:
            when = datetime.fromisoformat(value.strip())
        except ValueError:
            return value.strip()[:40]
    elif _number(value) is not None:
        try:
            when = datetime.fromtimestamp(float(value), UTC)
        except (OverflowError, OSError, ValueError):
            return MISSING
    if when is None:
        return MISSING
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    local = when.astimezone()
    return f"{local.day} {_MONTHS[local.month - 1]} {local:%Y, %H:%M}"


def format_text(value: Any) -> str:
    """A short free-text value (name, dataset, version); anything but text or a number
    is not shown."""
    if isinstance(value, str) and value.strip():
        return value.strip()[:80]
    return str(value) if _number(value) is not None else MISSING


def format_optimizer(metadata: Mapping[str, Any], optimizer_state: Any) -> str:
    """ "adam · lr 0.001 · batch 64" from the training config, else the saved
    optimizer's class."""
    config = metadata.get("train_config")
    config = config if isinstance(config, Mapping) else {}
    name = config.get("optimizer", metadata.get("optimizer"))
    if not isinstance(name, str) and isinstance(optimizer_state, Mapping):
        name = optimizer_state.get("class")
    if not isinstance(name, str) or not name:
        return MISSING
    parts = [name]
    lr, batch = _number(config.get("lr")), _number(config.get("batch_size"))
    if lr is not None:
        parts.append(f"lr {lr:g}")
    if batch is not None:
        parts.append(f"batch {batch:g}")
    return " · ".join(parts)


def _number(value: Any) -> float | None:
    """A finite real number from an int, float or numeric text; None otherwise (bools too)."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value) if isinstance(value, int | float | str) else None
    except (ValueError, OverflowError):
        return None
    return number if number is not None and math.isfinite(number) else None


def _epochs(model: ModelFile) -> str:
    text = format_count(model.metadata.get("epochs"))
    history = model.history if isinstance(model.history, Mapping) else {}
    losses = history.get("loss")
    if text == MISSING and isinstance(losses, list | tuple) and losses:
        text = str(len(losses))  # older files: count the recorded epochs
    return text


def _shape(shape: Any) -> str:
    try:
        return "\u00d7".join(str(int(d)) for d in shape) if shape else MISSING
    except (TypeError, ValueError):
        return MISSING


#: The rows of the metadata form: label and how to get its text from (model, path).
FIELDS: list[tuple[str, Callable[[ModelFile, Path | None], str]]] = [
    ("Name", lambda m, p: format_text(m.metadata.get("name", p.stem if p else None))),
    ("File", lambda m, p: str(p) if p else "not saved"),
    ("Dataset", lambda m, p: format_text(m.metadata.get("dataset"))),
    ("Validation accuracy", lambda m, p: format_percent(m.metadata.get("val_accuracy"))),
    ("Test accuracy", lambda m, p: format_percent(m.metadata.get("test_accuracy"))),
    ("Epochs", lambda m, p: _epochs(m)),
    ("Created", lambda m, p: format_created(m.metadata.get("created"))),
    ("Optimizer", lambda m, p: format_optimizer(m.metadata, m.optimizer_state)),
    ("Taught", lambda m, p: personalisation(m.metadata) or "no"),
    ("Parameters", lambda m, p: format_count(m.network.num_params)),
    ("Input", lambda m, p: _shape(m.network.input_shape)),
    ("digitlab version", lambda m, p: format_text(m.metadata.get("digitlab_version"))),
    ("Checksums", lambda m, p: format_checksums(m.verified)),
]


def format_checksums(verified: bool | None) -> str:
    """Whether loading compared the file's checksums: "verified", "unverified (...)"."""
    if verified is None:
        return MISSING  # not read from a file
    return "verified" if verified else "unverified (written before digitlab kept checksums)"


class ModelPanel(QWidget):
    """Training metadata (a form) and the architecture summary (a table) of a model."""

    COLUMNS = ("Layer", "Type", "Output shape", "Parameters")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(10)
        self._title = QLabel()
        font = QFont(self._title.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self._title.setFont(font)
        layout.addWidget(self._title)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self._values: dict[str, QLabel] = {}
        for label, _ in FIELDS:
            value = QLabel()
            value.setTextFormat(Qt.TextFormat.PlainText)  # metadata is data, never markup
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            caption = QLabel(label)
            caption.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            form.addRow(caption, value)
            self._values[label] = value
        form.setRowVisible(0, False)  # the name is the title already
        layout.addLayout(form)
        self._tree = self._make_tree()
        layout.addWidget(self._tree)
        layout.addStretch(1)
        self.clear()

    def _make_tree(self) -> QTreeWidget:
        tree = QTreeWidget()
        tree.setColumnCount(len(self.COLUMNS))
        tree.setHeaderLabels(list(self.COLUMNS))
        tree.setRootIsDecorated(False)
        tree.setUniformRowHeights(True)
        tree.setAlternatingRowColors(True)
        tree.setSelectionMode(QTreeWidget.SelectionMode.NoSelection)
        tree.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # As tall as its rows, so the panel does not end in an empty table.
        tree.setSizeAdjustPolicy(QTreeWidget.SizeAdjustPolicy.AdjustToContents)
        tree.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        tree.setToolTip("The layers in order, with each one's output for one image")
        header = tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        return tree

    def show_model(self, model_file: ModelFile, path: Path | None) -> None:
        """Show ``model_file``'s metadata and layers; ``path`` is None for an unsaved one."""
        for label, get in FIELDS:
            try:
                text = get(model_file, path)
            except Exception:  # a malformed file must not take the panel down with it
                text = MISSING
            self._values[label].setText(printable(text))  # no control characters from files
        self._values["File"].setToolTip(str(path) if path else "")
        self._title.setText(self._values["Name"].text())
        self._fill_tree(model_file)

    def clear(self) -> None:
        """The empty state: no model."""
        self._title.setText("No model loaded")
        for value in self._values.values():
            value.setText(MISSING)
            value.setToolTip("")
        self._tree.clear()

    def _fill_tree(self, model_file: ModelFile) -> None:
        network = model_file.network
        self._tree.clear()
        rows = [(["input", "", _shape(network.input_shape), ""], "The image the network reads")]
        for layer in network.layers:
            cells = [printable(layer.name), type(layer).__name__, _shape(layer.output_shape)]
            rows.append(([*cells, f"{layer.num_params:,}"], printable(repr(layer))))
        rows.append((["Total", "", "", f"{network.num_params:,}"], "Trainable parameters"))
        for cells, tooltip in rows:
            item = QTreeWidgetItem(cells)
            item.setTextAlignment(3, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            for column in range(len(cells)):
                item.setToolTip(column, tooltip)
            self._tree.addTopLevelItem(item)
        total = self._tree.topLevelItem(self._tree.topLevelItemCount() - 1)
        font = QFont(total.font(0))
        font.setBold(True)
        for column in range(len(self.COLUMNS)):
            total.setFont(column, font)

    # -- for tests and the main window ------------------------------------
    def field_text(self, label: str) -> str:
        """The text shown for a metadata field, e.g. ``field_text("Test accuracy")``."""
        return self._values[label].text()

    def summary_rows(self) -> list[list[str]]:
        """The architecture table as text, one list of cells per row."""
        tree = self._tree
        return [
            [tree.topLevelItem(i).text(c) for c in range(len(self.COLUMNS))]
            for i in range(tree.topLevelItemCount())
        ]
