"""Fine-tuning on a person's digits: the API on tiny data, and the proof on real MNIST."""

from __future__ import annotations

import numpy as np
import pytest
from styles import HARD_STYLE, style_samples

from digitlab.core.data.mnist import MNIST, Split
from digitlab.core.errors import ShapeError
from digitlab.core.files.model_file import ModelFile, load_model
from digitlab.core.nn.architectures import lenet5
from digitlab.core.personal.teach import FinetuneConfig, Finetuning
from digitlab.core.personal.teach_data import NON_DIGIT_SHARE
from digitlab.core.train.control import RunControl
from digitlab.core.train.evaluation import evaluate
from digitlab.core.train.types import Callback
from digitlab.resources import bundled_model_path

QUICK = FinetuneConfig(epochs=2, replay=120, validation_mnist=40, threads=1)


@pytest.fixture
def tiny_mnist(digits) -> MNIST:
    """Seven-segment digits standing in for MNIST: 300 to train, 100 to test."""

    def split(n, seed):
        x, labels = digits(n, seed=seed)
        return Split((x[:, 0] * 255).round().astype(np.uint8), labels.astype(np.uint8))

    return MNIST(train=split(300, 1), test=split(100, 2))


def teach(model, x, labels, **options):
    return Finetuning(model, x, labels, **options).run()


@pytest.fixture
def base() -> ModelFile:
    return ModelFile(lenet5(0), {"name": "base", "val_accuracy": 0.5}, {}, None, None)


@pytest.fixture
def mine(digits):
    """12 of the person's digits each of 2 and 5 (enough to hold some out)."""
    x, labels = digits(200, seed=9)
    keep = np.concatenate([np.flatnonzero(labels == d)[:12] for d in (2, 5)])
    return x[keep], labels[keep]


def test_the_callers_model_is_left_alone(base, mine, tiny_mnist):
    weights = base.network.get_weights()
    result = teach(base, *mine, mnist=tiny_mnist, config=QUICK)
    assert result.network is not base.network
    for name, value in base.network.get_weights().items():
        np.testing.assert_array_equal(value, weights[name])
    assert any(
        not np.array_equal(value, weights[name])
        for name, value in result.network.get_weights().items()
    )


def test_it_scores_on_a_held_out_quarter_before_and_after(base, mine, tiny_mnist):
    result = teach(base, *mine, mnist=tiny_mnist, config=QUICK)
    assert (result.personal_samples, result.held_out, result.replay) == (24, 6, 120)
    assert not result.mine_is_training_accuracy
    assert result.before.mnist == evaluate(base.network, *_test(tiny_mnist)).accuracy
    assert result.after.mnist == evaluate(result.network, *_test(tiny_mnist)).accuracy
    figures = result.figures()
    assert figures["n_images"] == 24 and figures["held_out"] == 6
    assert {"mine_before", "mine_after", "mnist_before", "mnist_after"} <= figures.keys()
    assert "your digits (held out)" in result.table() and "MNIST test" in result.table()


def test_the_saved_model_says_it_was_personalised(base, mine, tiny_mnist, tmp_path):
    result = teach(base, *mine, mnist=tiny_mnist, config=QUICK)
    result.save(tmp_path / "personal.h5")
    saved = load_model(tmp_path / "personal.h5")
    meta = saved.metadata
    assert meta["personalised"] is True and meta["personal_samples"] == 24
    assert meta["base_model"] == "base" and meta["name"] == "base-taught"
    assert meta["test_accuracy"] == result.after.mnist and "val_accuracy" not in meta
    assert len(saved.history["loss"]) == result.training.epochs_run
    x = _test(tiny_mnist)[0]
    np.testing.assert_allclose(saved.network.predict_proba(x), result.network.predict_proba(x))


def test_with_few_digits_it_scores_on_the_training_digits(base, mine, tiny_mnist):
    result = teach(base, mine[0][:6], mine[1][:6], mnist=tiny_mnist, config=QUICK)
    assert result.held_out == 0 and result.mine_is_training_accuracy
    assert "your digits (trained on)" in result.table()


def test_without_mnist_there_is_no_replay_and_no_mnist_figure(base, mine):
    result = teach(base, *mine, mnist=None, config=QUICK)
    assert result.replay == 0 and result.before.mnist is None and result.after.mnist is None
    assert result.training.epochs_run == 2 and "MNIST" not in result.table()


def test_a_stop_before_the_first_epoch_ends_keeps_the_base_weights(base, mine, tiny_mnist):
    control = RunControl()
    control.stop()
    result = teach(base, *mine, mnist=tiny_mnist, config=QUICK, control=control)
    assert result.training.stopped == "stopped" and result.training.best_epoch == 0
    assert result.after == result.before
    for name, value in result.network.get_weights().items():
        np.testing.assert_array_equal(value, base.network.get_weights()[name])


def test_stop_from_a_callback_ends_the_run_after_that_batch(base, mine, tiny_mnist):
    class StopAtEpoch2(Callback):
        def on_batch_end(self, progress):
            if progress.epoch == 2:
                job.control.stop()

    job = Finetuning(base, *mine, mnist=tiny_mnist, config=QUICK)
    result = job.run([StopAtEpoch2()])
    assert result.training.stopped == "stopped" and result.training.best_epoch == 1


@pytest.mark.parametrize(
    ("x", "labels", "message"),
    [
        (np.zeros((3, 1, 20, 20)), np.zeros(3, int), "shape"),
        (np.zeros((0, 1, 28, 28)), np.zeros(0, int), "no digits"),
        (np.zeros((3, 28, 28)), np.array([1, 2, 10]), "0 to 9"),
        (np.zeros((3, 28, 28)), np.zeros(3), "integer labels"),
    ],
)
def test_bad_digits_are_refused(base, x, labels, message):
    with pytest.raises(ShapeError, match=message):
        Finetuning(base, x, labels, mnist=None)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"epochs": 0}, "epochs"),
        ({"lr": 0.0}, "learning rate"),
        ({"replay": -1}, "replay"),
        ({"personal_share": 1.0}, "personal_share"),
        ({"holdout": 1.0}, "holdout"),
    ],
)
def test_bad_settings_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        FinetuneConfig(**settings)


def _test(mnist: MNIST):
    return mnist.test.images[:, None] / np.float32(255), mnist.test.labels


# -- the proof ---------------------------------------------------------------------------
@pytest.mark.mnist
def test_a_hard_style_is_learnt_without_forgetting_mnist(mnist):
    """Crossed, curled sevens and slashed zeros, which the bundled model reads as 3s and
    8s: 20 of each (15 to learn from, 5 held out for early stopping) teach it them."""
    if not bundled_model_path().exists():
        pytest.skip(f"the bundled model is not at {bundled_model_path()}")
    model = load_model(bundled_model_path())
    x, labels, _ = style_samples(HARD_STYLE, 20, seed=1)
    other_x, other_labels, _ = style_samples(HARD_STYLE, 150, seed=2)
    result = teach(model, x, labels, mnist=mnist)
    before = evaluate(model.network, other_x, other_labels).accuracy
    after = evaluate(result.network, other_x, other_labels).accuracy
    assert before < 0.5, f"the bundled model already reads this style ({before:.1%})"
    assert after > 0.9, f"the style was not learnt: {before:.1%} -> {after:.1%}"
    assert result.before.mnist - result.after.mnist <= 0.003, (
        f"MNIST test accuracy fell from {result.before.mnist:.2%} to {result.after.mnist:.2%}"
    )


def test_a_model_that_can_answer_not_a_digit_is_taught_and_keeps_its_eleven_outputs(
    mine, tiny_mnist, tmp_path
):
    eleven = ModelFile(lenet5(0, classes=11), {"name": "eleven"}, {}, None, None)
    result = teach(eleven, *mine, mnist=tiny_mnist, config=QUICK)
    assert result.network.output_shape == (11,)
    assert 0.0 <= result.after.mine <= 1.0 and 0.0 <= result.after.mnist <= 1.0
    result.save(tmp_path / "eleven-taught.h5")
    assert load_model(tmp_path / "eleven-taught.h5").network.output_shape == (11,)


def test_a_model_that_can_decline_replays_drawings_that_are_not_digits(mine, tiny_mnist):
    # Taught digits alone, it would unlearn "not a digit"; a ten-output model gets none.
    eleven = ModelFile(lenet5(0, classes=11), {"name": "eleven"}, {}, None, None)
    job = Finetuning(eleven, *mine, mnist=tiny_mnist, config=QUICK)
    labels = job.trainer.labels
    assert np.sum(labels == 10) == round(NON_DIGIT_SHARE * 120)
    ten = ModelFile(lenet5(0), {"name": "ten"}, {}, None, None)
    assert not np.any(Finetuning(ten, *mine, mnist=tiny_mnist, config=QUICK).trainer.labels == 10)
