"""TeachWorker on its own thread: what it reports, cancelling, failing in words."""

import threading
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import make_digits
from fake_mnist import write_fake_mnist
from PySide6.QtCore import Qt

from digitlab.core.files.model_file import ModelFile
from digitlab.core.nn.architectures import lenet5
from digitlab.core.personal.teach import FinetuneConfig, FinetuneResult
from digitlab.core.train.types import BatchProgress, EpochResult
from digitlab.desktop.common import progress_relay
from digitlab.desktop.common.background import start_in_thread
from digitlab.desktop.my_digits.teach_worker import TeachRequest, TeachWorker

TINY = FinetuneConfig(epochs=2, batch_size=32, replay=100, validation_mnist=50, augment=False)


@pytest.fixture
def model():
    return ModelFile(lenet5(0), {"name": "untrained"}, {}, None, None)


@pytest.fixture
def request_for(tmp_path, model):
    """``request_for(data_dir=fake MNIST, n=12)``: a TeachRequest of ``n`` digits."""
    fake = write_fake_mnist(tmp_path / "mnist", 300, 100)

    def make(data_dir=fake, n=12, config=TINY):
        x, labels = make_digits(n, seed=5)
        return TeachRequest.copy_of(model, x, labels, data_dir, config)

    return make


@pytest.fixture
def run_worker(qtbot):
    """``run_worker(request, signal=slot...)`` starts a worker, its slots connected
    directly (on the worker thread, before ``done``). Every thread is waited for, then
    its objects are dropped here, in the GUI thread."""
    started = []

    def start(request, **connections):
        worker = TeachWorker(request)
        for name, slot in connections.items():
            getattr(worker, name).connect(slot, Qt.ConnectionType.DirectConnection)
        worker.ended = threading.Event()  # set from the worker thread as it ends
        started.append((worker, start_in_thread(worker, "test-teach", worker.ended.set)))
        return worker

    yield start
    for worker, thread in started:
        worker.stop()
        qtbot.waitUntil(worker.ended.is_set, timeout=30_000)
        thread.wait()
    started.clear()


def test_the_request_owns_copies(model):
    x, labels = make_digits(6, seed=1)
    request = TeachRequest.copy_of(model, x, labels, None)
    assert request.model.network is not model.network
    assert request.model.metadata == model.metadata
    x[:] = 0
    assert request.x.any() and request.x.dtype == np.float32 and request.labels.dtype == np.int64


def test_a_run_reports_stages_progress_epochs_and_the_result(qtbot, run_worker, request_for):
    stages, described, batches, epochs, results = [], [], [], [], []
    request = request_for()
    weights = request.model.network.get_weights()
    worker = run_worker(
        request, stage=stages.append, started=described.append, progress=batches.append,
        epoch_finished=epochs.append, finished=results.append,
    )  # fmt: skip
    qtbot.waitUntil(worker.ended.is_set, timeout=30_000)
    assert stages == ["Reading MNIST…", "Scoring the model as it is…", "Scoring the taught model…"]
    assert "your handwriting: 12 of your digits" in described[0]
    assert all(isinstance(p, BatchProgress) for p in batches)
    assert [p.epoch for p in batches if p.batch == p.batches] == [1, 2]  # never throttled away
    assert [e.epoch for e in epochs] == [1, 2] and isinstance(epochs[0], EpochResult)
    (result,) = results
    assert isinstance(result, FinetuneResult)
    assert result.metadata["personalised"] is True and result.personal_samples == 12
    for name, value in request.model.network.get_weights().items():  # a copy was taught
        np.testing.assert_array_equal(value, weights[name])


@pytest.mark.parametrize("seconds_since_boot", [5.0, 1e6])
def test_progress_is_throttled(qtbot, run_worker, request_for, monkeypatch, seconds_since_boot):
    # A clock that stands still: only the first report and each epoch's last may go,
    # whatever the clock reads (a machine booted seconds ago included).
    clock = SimpleNamespace(monotonic=lambda: seconds_since_boot)
    monkeypatch.setattr(progress_relay, "time", clock)
    monkeypatch.setattr(progress_relay, "BATCH_SIGNAL_INTERVAL", 3600.0)
    batches = []
    worker = run_worker(request_for(), progress=batches.append)
    qtbot.waitUntil(worker.ended.is_set, timeout=30_000)
    assert [(p.epoch, p.batch) for p in batches] == [(1, 1), (1, 4), (2, 4)]


def test_stop_before_training_reports_nothing(qtbot, run_worker, request_for):
    results, failures = [], []
    worker = run_worker(request_for(), finished=results.append, failed=failures.append)
    worker.stop()  # while MNIST is being read
    qtbot.waitUntil(worker.ended.is_set, timeout=30_000)
    assert worker.cancelled and results == [] and failures == []


def test_stop_mid_run_ends_it_without_a_result(qtbot, run_worker, request_for):
    endless = FinetuneConfig(epochs=500, batch_size=8, replay=200, validation_mnist=50)
    batches, results = [], []
    worker = run_worker(
        request_for(config=endless), progress=batches.append, finished=results.append
    )
    qtbot.waitUntil(lambda: bool(batches), timeout=30_000)
    worker.stop()
    qtbot.waitUntil(worker.ended.is_set, timeout=30_000)
    assert results == [] and batches[-1].epoch < 500


def test_missing_mnist_fails_in_words(qtbot, run_worker, request_for, tmp_path):
    failures = []
    worker = run_worker(request_for(data_dir=tmp_path / "nowhere"), failed=failures.append)
    qtbot.waitUntil(worker.ended.is_set, timeout=30_000)
    (message,) = failures
    assert message.startswith(f"The data folder {tmp_path / 'nowhere'} does not exist")


def test_a_model_that_can_answer_not_a_digit_is_taught(qtbot, run_worker, tmp_path):
    eleven = ModelFile(lenet5(0, classes=11), {"name": "eleven"}, {}, None, None)
    x, labels = make_digits(12, seed=5)
    fake = write_fake_mnist(tmp_path / "mnist", 300, 100)
    results, failures = [], []
    worker = run_worker(
        TeachRequest.copy_of(eleven, x, labels, fake, TINY),
        finished=results.append, failed=failures.append,
    )  # fmt: skip
    qtbot.waitUntil(worker.ended.is_set, timeout=30_000)
    assert failures == []
    (result,) = results
    assert result.network.output_shape == (11,)
