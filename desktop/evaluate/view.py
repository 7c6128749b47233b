"""Judging the loaded model on the MNIST test set: its scores, a confusion matrix and
the digits it gets wrong.

"Evaluate on test set" runs an ``EvaluationWorker`` on a thread of its own with a
copy of the model's network. Clicking a cell of the matrix shows the digits in it;
by default the browser shows every mistake.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from digitlab.desktop.common.background import start_in_thread
from digitlab.desktop.common.mnist_source import locate_mnist
from digitlab.desktop.common.task_dialogs import TaskDialogs
from digitlab.desktop.evaluate.browser import SampleBrowser
from digitlab.desktop.evaluate.confusion_matrix import ConfusionMatrix
from digitlab.desktop.evaluate.worker import EvaluationReport, EvaluationWorker
from digitlab.desktop.window.model_document import ModelDocument, app_settings


class EvaluationView(QWidget):
    """Scores, confusion matrix and mistake browser for ``document``'s model."""

    evaluated = Signal(object)  # EvaluationReport

    def __init__(
        self,
        document: ModelDocument,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.settings = settings or app_settings()
        self.data_dir: Path | None = None  # None: found as the training panel finds it
        self.report: EvaluationReport | None = None
        self.evaluate_button = QPushButton("Evaluate on test set")
        self.evaluate_button.setToolTip("Score the loaded model on the 10,000 MNIST test digits")
        self.all_mistakes_button = QPushButton("Show all mistakes")
        self.all_mistakes_button.setEnabled(False)
        self.summary = QLabel("Not evaluated yet.")
        self.summary.setWordWrap(True)
        self.matrix = ConfusionMatrix()
        self.browser = SampleBrowser()
        self._worker: EvaluationWorker | None = None
        self._thread: QThread | None = None
        self._build_layout()
        self.evaluate_button.clicked.connect(self.evaluate)
        self.all_mistakes_button.clicked.connect(self.show_mistakes)
        self.matrix.cell_clicked.connect(self.show_cell)
        document.model_changed.connect(self._on_model_changed)

    def _build_layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.evaluate_button)
        top.addWidget(self.all_mistakes_button)
        top.addWidget(self.summary, 1)
        # One above the other: side by side, in the window's tab column, the browser
        # was left a sliver; below the matrix its thumbnails get the whole width.
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.matrix)
        splitter.addWidget(self.browser)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([430, 330])  # the matrix legible, three rows of thumbnails
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

    def set_data_dir(self, folder: Path | None) -> None:
        """Where MNIST is (the training panel's ``data_folder_changed``)."""
        self.data_dir = folder

    def is_running(self) -> bool:
        return self._thread is not None

    # -- evaluating ---------------------------------------------------------------------
    def evaluate(self) -> None:
        """Score the current model on the test set, in the background."""
        network = self.document.network
        if self.is_running() or network is None:
            return
        folder = self.data_dir
        if folder is None:
            folder, problem = locate_mnist(self.settings)
            if folder is None:
                TaskDialogs.show_error(self, "MNIST not found", problem)
                return
        worker = EvaluationWorker(network.copy(), folder, self.document.display_name)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        self._worker = worker
        self._thread = start_in_thread(worker, "digitlab-evaluation", self._on_thread_finished)
        self.evaluate_button.setEnabled(False)
        self.summary.setText(f"Evaluating {self.document.display_name} on the test set…")

    def shutdown(self) -> None:
        """Wait for an evaluation in progress (the window is closing)."""
        if self._thread is not None:
            self._thread.wait()
            self._on_thread_finished()

    @Slot(object)
    def _on_finished(self, report: EvaluationReport) -> None:
        self.report = report
        e = report.evaluation
        wrong = len(e.misclassified())
        declined = f" ({e.declined:,} of them declined as “not a digit”)" if e.can_decline else ""
        self.summary.setText(
            f"<b>{report.model_name}</b>: accuracy <b>{e.accuracy:.2%}</b> · loss {e.loss:.4f} · "
            f"{e.n - wrong:,} of {e.n:,} test digits right, {wrong:,} wrong{declined}"
        )
        self.matrix.set_matrix(e.digit_confusion)
        self.browser.set_data(report.images, e.labels, e.predictions, e.probabilities)
        self.all_mistakes_button.setEnabled(True)
        self.show_mistakes()
        self.evaluated.emit(report)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.summary.setText("The evaluation failed.")
        TaskDialogs.show_error(self, "Could not evaluate the model", message)

    @Slot()
    def _on_thread_finished(self) -> None:
        self._worker = self._thread = None
        self.evaluate_button.setEnabled(True)

    # -- choosing digits ---------------------------------------------------------------
    def show_mistakes(self) -> None:
        """Every misclassified test digit (the default selection)."""
        if self.report is None:
            return
        mistakes = self.report.evaluation.misclassified()
        self.matrix.select(None)
        self.browser.show_samples(mistakes, f"All {len(mistakes):,} misclassified test digits")

    def show_cell(self, true: int, predicted: int) -> None:
        """The test digits of one cell: ``true`` read as ``predicted``."""
        if self.report is None:
            return
        e = self.report.evaluation
        indices = np.flatnonzero((e.labels == true) & (e.predictions == predicted))
        self.matrix.select((true, predicted))
        said = self.matrix.said(true, predicted)
        self.browser.show_samples(indices, f"{len(indices):,} test {true}s {said}")

    def _on_model_changed(self) -> None:
        if self.report is not None:
            self.summary.setText(
                f"Showing {self.report.model_name}; the model has changed since — "
                "evaluate again to judge the new one."
            )
