"""The "My digits" tab: the person's labelled digits, grouped by label, each with the
current model's answer, and what can be done with them: delete, relabel, export,
import, and Teach (which the window runs; the tab only asks for it).

The answers come from one batched ``predict_proba`` over the digits not yet read by
the current model, so adding a digit reads one image and a new model reads them all
once. While the tab is hidden a change only marks it stale: labelling digit after
digit costs no gallery work until the tab is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from digitlab.core.errors import DigitlabError
from digitlab.core.nn.network import Network
from digitlab.core.personal.my_digits import MyDigitsStore, Sample
from digitlab.desktop.common.dialogs import Dialogs
from digitlab.desktop.my_digits.grid import DigitGrid

#: Fewer digits than this teach the model nothing worth a run.
MIN_TO_TEACH = 5
EMPTY_TEXT = (
    "No digits of yours yet.\n\nDraw a digit, then press its key (0 to 9) or click it "
    "under “That was a …” to keep it here."
)
TEACH_TIP = (
    "Teach a copy of the model your handwriting (it trains on your digits mixed with "
    "MNIST images, so it does not forget MNIST), then choose whether to keep it"
)


class MyDigitsView(QWidget):
    """The gallery of ``store`` (None: the collection could not be opened, ``problem`` says why)."""

    teach_requested = Signal()
    status_message = Signal(str)

    def __init__(
        self, store: MyDigitsStore | None, problem: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store, self._problem = store, problem
        self.grid = DigitGrid()
        self.grid.placeholder = problem or EMPTY_TEXT
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.teach_button = QPushButton("Teach the model my handwriting")
        self.relabel_button = QToolButton()
        self.delete_button = QPushButton("Delete")
        self.import_button = QPushButton("Import…")
        self.export_button = QPushButton("Export…")
        self._network: Network | None = None
        self._answers: dict[str, int] = {}  # id -> the current network's answer
        self._folder: Path | None = None  # the last one exported to or imported from
        self._stale = True
        self._build()
        self._connect()
        self._rebuild()

    def _build(self) -> None:
        self.relabel_button.setText("Relabel")
        self.relabel_button.setMenu(_digit_menu(self, self.relabel_selected))
        self.relabel_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.relabel_button.setToolTip("Give the selected digits another label (then a key 0-9)")
        self.delete_button.setToolTip("Delete the selected digits (Delete)")
        self.import_button.setToolTip("Add pictures from a folder with subfolders 0 to 9")
        self.export_button.setToolTip("Save every digit as a PNG in subfolders 0 to 9")
        scroll = QScrollArea()
        scroll.setWidget(self.grid)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setBackgroundRole(QPalette.ColorRole.Base)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.teach_button, 0, Qt.AlignmentFlag.AlignTop)
        tools = QHBoxLayout()
        tools.addWidget(self.relabel_button)
        tools.addWidget(self.delete_button)
        tools.addStretch(1)
        tools.addWidget(self.import_button)
        tools.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 0)
        layout.addLayout(top)
        layout.addLayout(tools)
        layout.addWidget(scroll, 1)

    def _connect(self) -> None:
        self.teach_button.clicked.connect(lambda: self.teach_requested.emit())
        self.delete_button.clicked.connect(self.delete_selected)
        self.import_button.clicked.connect(self.import_folder)
        self.export_button.clicked.connect(self.export_folder)
        self.grid.selection_changed.connect(self._update_buttons)
        self.grid.delete_requested.connect(self.delete_selected)
        self.grid.context_menu_requested.connect(self._show_context_menu)

    # -- what is shown ----------------------------------------------------------------
    def set_network(self, network: Network | None) -> None:
        """Read the digits with ``network`` from now on."""
        self._network, self._answers = network, {}
        self.refresh()

    def refresh(self) -> None:
        """The collection or the model changed: show it now, or when next shown."""
        self._stale = True
        if self.isVisible():
            self._rebuild()

    def showEvent(self, event) -> None:
        if self._stale:
            self._rebuild()
        super().showEvent(event)

    def answers(self) -> dict[str, int]:
        """id -> the current model's answer, for the digits shown."""
        return dict(self._answers)

    def _rebuild(self) -> None:
        samples = self.store.samples() if self.store is not None else []
        self._read_new(samples)
        self.grid.set_samples(samples, self._answers)
        self._stale = False
        self._update_summary()
        self._update_buttons()

    def _read_new(self, samples: list[Sample]) -> None:
        """Answer the digits the current network has not read, in one batch."""
        ids = {s.id for s in samples}
        self._answers = {k: v for k, v in self._answers.items() if k in ids}
        new = [s for s in samples if s.id not in self._answers]
        if self._network is None or not new:
            return
        x = np.stack([s.image for s in new])[:, None]  # (N, 28, 28) -> (N, 1, 28, 28)
        try:
            answers = self._network.predict_proba(x).argmax(axis=1)
        except DigitlabError as error:  # a model that does not read 28x28 images
            self.status_message.emit(f"This model cannot read your digits: {error}")
            return
        self._answers.update(zip((s.id for s in new), answers.tolist(), strict=True))

    def _update_summary(self) -> None:
        count = len(self.grid.samples)
        if self.store is None or count == 0:
            self.summary.setText("")
            return
        text = f"<b>{count} digit{'s' if count != 1 else ''}</b>"
        if self._answers:
            wrong = self.grid.misread()
            text += f" · the model misreads {wrong}" if wrong else " · the model reads all right"
        hint = "Right-click a digit to relabel or delete it."
        self.summary.setText(f"{text}<br><small>{hint}</small>")

    def _update_buttons(self) -> None:
        count = len(self.store) if self.store is not None else 0
        selected = bool(self.grid.selected_ids())
        self.relabel_button.setEnabled(selected)
        self.delete_button.setEnabled(selected)
        self.import_button.setEnabled(self.store is not None)
        self.export_button.setEnabled(count > 0)
        can_teach = count >= MIN_TO_TEACH and self._network is not None
        self.teach_button.setEnabled(can_teach)
        if self._network is None:
            self.teach_button.setToolTip("Load a model first")
        elif count < MIN_TO_TEACH:
            self.teach_button.setToolTip(
                f"Keep at least {MIN_TO_TEACH} of your digits first (you have {count})"
            )
        else:
            self.teach_button.setToolTip(TEACH_TIP)

    # -- commands ---------------------------------------------------------------------
    def delete_selected(self) -> None:
        ids = self.grid.selected_ids()
        if not ids or self.store is None:
            return
        what = "this digit" if len(ids) == 1 else f"these {len(ids)} digits"
        text = f"Delete {what} from your collection? This cannot be undone."
        if not Dialogs.confirm(self, "Delete digits", text, "Delete"):
            return
        if self._apply(lambda: self.store.delete_many(ids)):
            self.status_message.emit(f"Deleted {what}")

    def relabel_selected(self, label: int) -> None:
        ids = self.grid.selected_ids()
        if not ids or self.store is None:
            return
        if self._apply(lambda: self.store.relabel_many(ids, label)):
            what = "1 digit" if len(ids) == 1 else f"{len(ids)} digits"
            self.status_message.emit(f"Relabelled {what} as {label}")

    def export_folder(self) -> None:
        folder = Dialogs.ask_folder(self, "Export your digits into a folder", self._folder)
        if folder is None or self.store is None:
            return
        try:
            count = self.store.export_pngs(folder)
        except (DigitlabError, OSError) as error:
            Dialogs.show_error(self, "Could not export your digits", str(error))
            return
        self._folder = folder
        self.status_message.emit(f"Exported {count} digits to {folder}, one subfolder per digit")

    def import_folder(self) -> None:
        folder = Dialogs.ask_folder(self, "Import digits from a folder", self._folder)
        if folder is None or self.store is None:
            return
        self._folder = folder
        try:
            added = self.store.import_pngs(folder)  # all or nothing
        except (DigitlabError, OSError) as error:
            Dialogs.show_error(self, "Could not import digits", str(error))
            return
        self.refresh()
        news = f"Imported {added} digits" if added else "No new digits"
        self.status_message.emit(f"{news} from {folder} · {len(self.store)} in all")

    def _apply(self, change: Callable[[], object]) -> bool:
        """Run ``change`` on the store, then show the collection as it now is (a change
        of several digits can fail part-way); an error is shown here, where it came up."""
        try:
            change()
        except (DigitlabError, OSError) as error:
            Dialogs.show_error(self, "Could not change your digits", str(error))
            return False
        finally:
            self.refresh()
        return True

    def _show_context_menu(self, position: QPoint) -> None:
        menu = QMenu(self)
        menu.addMenu(_digit_menu(menu, self.relabel_selected, "Relabel as"))
        menu.addAction("Delete", self.delete_selected)
        menu.exec(position)


def _digit_menu(parent: QWidget, chosen: Callable[[int], None], title: str = "") -> QMenu:
    """A menu of the ten digits (each its own key, as a mnemonic) calling ``chosen(digit)``."""
    menu = QMenu(title, parent)
    for digit in range(10):
        menu.addAction(f"&{digit}", lambda d=digit: chosen(d))
    menu.setToolTipsVisible(True)
    return menu
