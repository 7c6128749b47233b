"""Scoring a model on the MNIST test set on a background thread.

The worker gets its own copy of the network (``Network.copy``), made in the GUI
thread before it starts, so evaluating never shares layers with the canvas's live
recognition.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from digitlab.core.data.mnist import load_mnist
from digitlab.core.nn.network import Network
from digitlab.core.train.evaluation import Evaluation, evaluate
from digitlab.desktop.common.background import describe_error


@dataclass(frozen=True)
class EvaluationReport:
    """A model's results on the test set, with the images to show its mistakes."""

    evaluation: Evaluation
    images: np.ndarray  # (n, 28, 28) uint8, ink high: the test images in file order
    model_name: str


class EvaluationWorker(QObject):
    """Evaluates ``network`` (a copy the worker owns) on the test set in ``data_dir``."""

    finished = Signal(object)  # EvaluationReport
    failed = Signal(str)
    done = Signal()

    def __init__(self, network: Network, data_dir: Path | None, model_name: str) -> None:
        super().__init__()
        self.network, self.data_dir, self.model_name = network, data_dir, model_name

    @Slot()
    def run(self) -> None:
        try:
            test = load_mnist(self.data_dir).test
            result = evaluate(self.network, *test.for_network())
            self.finished.emit(EvaluationReport(result, test.images, self.model_name))
        except Exception as error:  # every failure must reach the person, in words
            self.failed.emit(describe_error(error))
        finally:
            self.done.emit()
