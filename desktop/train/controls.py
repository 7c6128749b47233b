"""Start, Pause, Resume and Stop, and the progress of the run in a bar and one line.

``TrainingControls`` only shows a state; the panel decides what the buttons do.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QPushButton, QWidget

from digitlab.core.cli.progress import format_duration
from digitlab.core.train.types import BatchProgress

PROGRESS_STEPS = 1000  # the bar's resolution


class RunState(Enum):
    IDLE = "idle"
    PREPARING = "preparing"  # reading MNIST, building the model
    RUNNING = "running"
    PAUSED = "paused"
    STOPPING = "stopping"  # finishing the batch, scoring the best model on the test set


#: Which buttons are enabled in each state: (start, pause, resume, stop).
_ENABLED = {
    RunState.IDLE: (True, False, False, False),
    RunState.PREPARING: (False, False, False, True),
    RunState.RUNNING: (False, True, False, True),
    RunState.PAUSED: (False, False, True, True),
    RunState.STOPPING: (False, False, False, False),
}


def progress_text(p: BatchProgress) -> str:
    """ "epoch 3/20 · batch 120/860 · 11,800 img/s · ETA 0:42" (ETA to the last epoch)."""
    return (
        f"epoch {p.epoch}/{p.epochs} · batch {p.batch}/{p.batches} · "
        f"{p.images_per_second:,.0f} img/s · ETA {format_duration(run_eta_seconds(p))}"
    )


def ended_text(p: BatchProgress) -> str:
    """ "Last run ended in epoch 4/20 (batch 481/860) at 6,154 img/s": no ETA, it is over."""
    where = f"epoch {p.epoch}/{p.epochs}"
    if p.batch < p.batches:
        where += f" (batch {p.batch}/{p.batches})"
    return f"Last run ended in {where} at {p.images_per_second:,.0f} img/s"


def run_eta_seconds(p: BatchProgress) -> float:
    """Seconds until the last epoch ends at the current speed (validation not counted);
    early stopping may end the run sooner."""
    batches_left = (p.batches - p.batch) + (p.epochs - p.epoch) * p.batches
    return batches_left * p.batch_size / p.images_per_second if p.images_per_second > 0 else 0.0


def run_fraction(p: BatchProgress) -> float:
    """How much of all ``epochs`` is done, in [0, 1]."""
    return ((p.epoch - 1) * p.batches + p.batch) / (p.epochs * p.batches)


class TrainingControls(QWidget):
    """The four buttons, a progress bar and a progress line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.start_button = QPushButton("Start")
        self.start_button.setToolTip("Train with the settings above")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Hold the training after the current batch")
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Go on training")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip(
            "End the training after the current batch; the best model so far is kept"
        )
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, PROGRESS_STEPS)
        self.progress_bar.setTextVisible(False)
        self.progress_label = QLabel("Not training")
        self.progress_label.setToolTip("ETA: time until the last epoch at the current speed")
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for column, button in enumerate(self.buttons):
            layout.addWidget(button, 0, column)
        layout.addWidget(self.progress_bar, 0, 4)
        layout.addWidget(self.progress_label, 1, 0, 1, 5)
        layout.setColumnStretch(4, 1)
        self.state = RunState.IDLE
        self._line = ""
        self._last: BatchProgress | None = None  # the run's latest progress
        self.set_state(RunState.IDLE)

    @property
    def buttons(self) -> tuple[QPushButton, ...]:
        return self.start_button, self.pause_button, self.resume_button, self.stop_button

    def set_state(self, state: RunState, can_start: bool = True) -> None:
        self.state = state
        for button, enabled in zip(self.buttons, _ENABLED[state], strict=True):
            button.setEnabled(enabled)
        self.start_button.setEnabled(_ENABLED[state][0] and can_start)
        if state is RunState.IDLE and self._last is not None:
            self.progress_label.setText(ended_text(self._last))
        elif state is RunState.PREPARING:
            self._line, self._last = "", None
            self.progress_bar.setValue(0)
            self.progress_label.setText("Reading MNIST and building the model…")
        elif state in (RunState.PAUSED, RunState.RUNNING):
            self._show_line()
        elif state is RunState.STOPPING:
            self.progress_label.setText("Stopping… (scoring the best model on the test set)")

    def show_progress(self, p: BatchProgress) -> None:
        self.progress_bar.setValue(round(run_fraction(p) * PROGRESS_STEPS))
        self._line, self._last = progress_text(p), p
        self._show_line()

    def _show_line(self) -> None:
        paused = "Paused · " if self.state is RunState.PAUSED else ""
        self.progress_label.setText(paused + (self._line or "Starting…"))
