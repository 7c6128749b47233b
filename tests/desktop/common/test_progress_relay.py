"""ProgressRelay: which batch reports go, with which losses, on a clock the test drives."""

from types import SimpleNamespace

import pytest

from digitlab.core.train.control import RunControl
from digitlab.core.train.types import BatchProgress
from digitlab.desktop.common import progress_relay
from digitlab.desktop.common.progress_relay import ProgressRelay


def batch(number, of=10, epoch=1):
    return BatchProgress(epoch, 2, number, of, 32, loss=float(number), accuracy=0.5,
                         images_per_second=100.0, lr=0.1)  # fmt: skip


@pytest.fixture
def clock(monkeypatch):
    """The relay's clock, reading ``clock.now`` (5 s after boot until a test moves it)."""
    fake = SimpleNamespace(now=5.0)
    monkeypatch.setattr(progress_relay, "time", SimpleNamespace(monotonic=lambda: fake.now))
    return fake


@pytest.fixture
def relay():
    sent, epochs, ends = [], [], []
    control = RunControl()
    relay = ProgressRelay(
        lambda p, losses: sent.append((p.batch, losses)), epochs.append, control, ends.append
    )
    return SimpleNamespace(relay=relay, sent=sent, epochs=epochs, ends=ends, control=control)


def test_the_first_report_goes_then_one_per_interval_with_the_losses_between(clock, relay):
    for number in range(1, 6):
        relay.relay.on_batch_end(batch(number))
        clock.now += 0.04  # a batch every 40 ms: 2.5 batches per interval
    assert relay.sent == [(1, [1.0]), (4, [2.0, 3.0, 4.0])]


def test_the_last_batch_of_an_epoch_always_goes(clock, relay):
    for number in range(1, 4):
        relay.relay.on_batch_end(batch(number, of=3))
    assert relay.sent == [(1, [1.0]), (3, [2.0, 3.0])]


@pytest.mark.parametrize("control", ["pause", "stop"])
def test_the_batch_before_a_pause_or_stop_goes(clock, relay, control):
    relay.relay.on_batch_end(batch(1))
    relay.relay.on_batch_end(batch(2))
    getattr(relay.control, control)()
    relay.relay.on_batch_end(batch(3))
    assert relay.sent == [(1, [1.0]), (3, [2.0, 3.0])]


def test_every_epoch_and_the_end_go(relay):
    relay.relay.on_epoch_end("epoch 1")
    relay.relay.on_epoch_end("epoch 2")
    relay.relay.on_train_end("the end")
    assert relay.epochs == ["epoch 1", "epoch 2"] and relay.ends == ["the end"]
