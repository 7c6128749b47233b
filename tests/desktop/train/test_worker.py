"""TrainingWorker on its own thread: its signals, throttling, pause, stop and failures."""

import os
import threading
from types import SimpleNamespace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import numpy as np
import pytest
from fake_mnist import write_fake_mnist
from PySide6.QtCore import Qt

from digitlab.core.errors import DatasetError
from digitlab.core.files.model_file import load_model
from digitlab.core.train.types import BatchProgress, EpochResult
from digitlab.desktop.common import progress_relay
from digitlab.desktop.common.background import describe_error, start_in_thread
from digitlab.desktop.train.worker import TrainingReport, TrainingRequest, TrainingWorker

SMALL = {"epochs": 2, "batch_size": 32, "validation_size": 50, "augment": False}
LONG = {**SMALL, "epochs": 200}  # far longer than any test waits: it must be stopped


@pytest.fixture
def data_dir(tmp_path):
    return write_fake_mnist(tmp_path / "mnist", 300, 100)


@pytest.fixture
def run_worker(qtbot, tmp_path, data_dir):
    """``run_worker(overrides, signal=slot...)`` starts a worker on a thread, its slots
    connected directly (they run on the worker thread, before ``done``). Every thread
    is stopped and waited for at the end."""
    started = []

    def start(overrides, data=data_dir, **connections):
        request = TrainingRequest(dict(overrides), tmp_path / "out" / "model.h5", data)
        worker = TrainingWorker(request)
        for name, slot in connections.items():
            getattr(worker, name).connect(slot, Qt.ConnectionType.DirectConnection)
        worker.finished_event = threading.Event()
        worker.done.connect(worker.finished_event.set, Qt.ConnectionType.DirectConnection)
        ended = threading.Event()
        thread = start_in_thread(worker, "test-training")
        thread.finished.connect(ended.set, Qt.ConnectionType.DirectConnection)
        started.append((worker, ended))
        return worker

    yield start
    for worker, ended in started:
        worker.stop()
        qtbot.waitUntil(ended.is_set, timeout=20_000)


def wait_done(qtbot, worker):
    qtbot.waitUntil(worker.finished_event.is_set, timeout=20_000)


def test_a_run_reports_every_batch_loss_and_every_epoch(qtbot, run_worker):
    batches, epochs, outcome = [], [], []
    worker = run_worker(
        SMALL,
        batch_progress=lambda p, losses: batches.append((p, list(losses))),
        epoch_finished=epochs.append,
        finished=outcome.append,
    )
    wait_done(qtbot, worker)
    per_epoch = -(-250 // 32)  # 300 images minus 50 for validation, in batches of 32
    assert all(isinstance(p, BatchProgress) for p, _ in batches)
    assert sum(len(losses) for _, losses in batches) == 2 * per_epoch  # none lost to throttling
    last_of_each_epoch = [p.epoch for p, _ in batches if p.batch == p.batches]
    assert last_of_each_epoch == [1, 2]
    assert [e.epoch for e in epochs] == [1, 2] and isinstance(epochs[0], EpochResult)
    (report,) = outcome
    assert isinstance(report, TrainingReport)
    assert report.result.stopped == "completed"
    assert report.snapshot is not None and report.snapshot.is_file()
    assert report.test_accuracy is not None


def test_the_best_model_comes_in_memory_as_the_file_holds_it(qtbot, run_worker):
    outcome, saved = [], []
    worker = run_worker(SMALL, finished=outcome.append, snapshot_saved=saved.append)
    wait_done(qtbot, worker)
    (report,) = outcome
    on_disk = load_model(report.snapshot)
    assert saved and set(saved) == {str(report.snapshot)}
    assert report.model.metadata == on_disk.metadata
    assert report.model.metadata["test_accuracy"] == report.test_accuracy
    assert report.model.training_state == on_disk.training_state
    for name, value in on_disk.network.get_weights().items():
        np.testing.assert_array_equal(report.model.network.get_weights()[name], value)


def test_started_carries_the_description(qtbot, run_worker):
    described = []
    worker = run_worker(SMALL, started=described.append)
    wait_done(qtbot, worker)
    assert "Training LeNet-5 on 250 MNIST images" in described[0]


def test_pause_holds_and_resume_continues(qtbot, run_worker, monkeypatch):
    monkeypatch.setattr(progress_relay, "BATCH_SIGNAL_INTERVAL", 0.0)  # report every batch
    seen = []  # the number of batches in each report
    worker = run_worker(LONG, batch_progress=lambda p, losses: seen.append(len(losses)))
    qtbot.waitUntil(lambda: bool(seen), timeout=20_000)
    worker.pause()
    at_pause = sum(seen)
    # Reports come from the worker thread (a direct connection), one per batch: only the
    # batch running when pause came may still add one, however long it takes on a busy
    # machine. A second is enough for dozens of batches had the pause not held.
    qtbot.wait(1000)
    assert sum(seen) <= at_pause + 1  # at most the batch already running
    assert worker.control.is_paused()
    held = sum(seen)
    worker.resume()
    qtbot.waitUntil(lambda: sum(seen) > held, timeout=20_000)


@pytest.mark.parametrize("seconds_since_boot", [5.0, 1e6])
def test_progress_is_throttled_and_the_first_batch_always_goes(
    qtbot, run_worker, monkeypatch, seconds_since_boot
):
    # A clock that stands still: only the first report and each epoch's last may go,
    # whatever the clock reads (a machine booted seconds ago included).
    clock = SimpleNamespace(monotonic=lambda: seconds_since_boot)
    monkeypatch.setattr(progress_relay, "time", clock)
    monkeypatch.setattr(progress_relay, "BATCH_SIGNAL_INTERVAL", 3600.0)
    batches = []
    worker = run_worker(SMALL, batch_progress=lambda p, losses: batches.append((p, len(losses))))
    wait_done(qtbot, worker)
    per_epoch = -(-250 // 32)
    assert [(p.epoch, p.batch, n) for p, n in batches] == [
        (1, 1, 1),
        (1, per_epoch, per_epoch - 1),
        (2, per_epoch, per_epoch),
    ]


def test_stop_ends_the_run_within_one_batch(qtbot, run_worker, monkeypatch):
    monkeypatch.setattr(progress_relay, "BATCH_SIGNAL_INTERVAL", 0.0)  # report every batch
    seen, outcome = [], []
    worker = run_worker(
        LONG, batch_progress=lambda p, losses: seen.append(p), finished=outcome.append
    )
    qtbot.waitUntil(lambda: len(seen) >= 3, timeout=20_000)
    done_when_asked = len(seen)
    worker.stop()
    wait_done(qtbot, worker)
    assert len(seen) <= done_when_asked + 1  # at most the batch already running
    assert outcome[0].result.stopped == "stopped"


def test_stop_before_the_first_batch_trains_nothing(qtbot, run_worker):
    outcome = []
    worker = run_worker(SMALL, finished=outcome.append)
    worker.stop()  # while MNIST is still being read
    wait_done(qtbot, worker)
    assert outcome[0].snapshot is None


def test_missing_data_fails_with_the_reason(qtbot, run_worker, tmp_path):
    failures, finished = [], []
    worker = run_worker(
        SMALL, data=tmp_path / "nowhere", failed=failures.append, finished=finished.append
    )
    wait_done(qtbot, worker)
    assert finished == []
    assert "nowhere" in failures[0] and "does not exist" in failures[0]


def test_a_bad_setting_fails_in_words(qtbot, run_worker):
    failures = []
    worker = run_worker({**SMALL, "validation_size": 5000}, failed=failures.append)
    wait_done(qtbot, worker)
    assert failures[0].startswith("Validation size must be from 0 to 299")


def test_errors_are_described_in_words():
    assert describe_error(DatasetError("train.gz is truncated")) == "train.gz is truncated"
    disk_full = OSError(28, "No space left on device", "/data/model.h5")
    assert describe_error(disk_full) == (
        "The system refused a file operation (/data/model.h5): No space left on device."
    )
    assert "KeyError" in describe_error(KeyError("conv1"))


def test_a_run_reports_gradients_and_the_watched_digits(qtbot, run_worker):
    """The 50 watched test digits (5 of each, from the fake MNIST's test set) arrive
    first; their readings after each epoch; the gradient statistics of every 10th
    batch, in lists, none lost."""
    digits, readings, stats, epochs = [], [], [], []
    worker = run_worker(
        SMALL,
        watched_digits=lambda x, labels: digits.append((x, labels)),
        digit_readings=readings.append,
        gradient_stats=stats.extend,
        epoch_finished=epochs.append,
    )
    wait_done(qtbot, worker)
    ((x, labels),) = digits
    assert x.shape == (50, 1, 28, 28) and sorted(labels.tolist()) == sorted(list(range(10)) * 5)
    assert [r.epoch_position for r in readings] == [1.0, 2.0]
    assert all(len(r.predicted) == 50 for r in readings)
    batches = 2 * -(-250 // 32)
    assert [s.step for s in stats] == list(range(10, batches + 1, 10))
    assert stats[0].layers == ("conv1", "conv2", "dense1", "dense2", "dense3")
    assert all(n > 0 for s in stats for n in s.grad_norms + s.update_ratios)
