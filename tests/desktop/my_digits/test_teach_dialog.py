"""The Teach window: progress, the before/after figures, Keep (saving, and what can
go wrong) and Discard, a failed run. Fake MNIST, a tiny config, dialogs replaced."""

import pytest
from conftest import make_digits
from fake_mnist import write_fake_mnist
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from digitlab.core.files.model_file import ModelFile, load_model
from digitlab.core.nn.architectures import lenet5
from digitlab.core.personal.teach import FinetuneConfig
from digitlab.desktop.common.dialogs import Dialogs
from digitlab.desktop.my_digits.teach_dialog import PROGRESS_STEPS, TeachDialog
from digitlab.desktop.my_digits.teach_worker import TeachRequest
from digitlab.resources import bundled_model_path

TINY = FinetuneConfig(epochs=1, batch_size=32, replay=100, validation_mnist=50, augment=False)


@pytest.fixture
def opened():
    return []


@pytest.fixture
def news():
    return []


@pytest.fixture
def used():
    return []


@pytest.fixture
def teach(qtbot, tmp_path, opened, used, news):
    """``teach(n=12, data_dir=fake MNIST, open_ok=True)``: a started TeachDialog."""
    fake = write_fake_mnist(tmp_path / "mnist", 300, 100)
    dialogs = []

    def start(n=12, data_dir=fake, open_ok=True):
        x, labels = make_digits(n, seed=6)
        model = ModelFile(lenet5(0), {"name": "untrained"}, {}, None, None)
        request = TeachRequest.copy_of(model, x, labels, data_dir, TINY)

        def use_model(model_file, path):
            opened.append(path)
            used.append(model_file)
            return open_ok

        dialog = TeachDialog(request, tmp_path / "suggested.h5", use_model, news.append)
        qtbot.addWidget(dialog)
        dialogs.append(dialog)
        dialog.show()
        dialog.start()
        return dialog

    yield start
    for dialog in dialogs:
        dialog.shutdown()


def finish(qtbot, dialog):
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=30_000)


def shown_text(widget):
    return " ".join(label.text() for label in widget.findChildren(QLabel))


def test_a_finished_run_shows_before_and_after(qtbot, teach):
    dialog = teach(n=12)
    assert dialog.cancel_button.isVisible() and not dialog.keep_button.isVisible()
    finish(qtbot, dialog)
    result = dialog.result
    assert dialog.progress.value() == PROGRESS_STEPS
    assert dialog.keep_button.isVisible() and dialog.discard_button.isVisible()
    assert not dialog.cancel_button.isVisible()
    figures = shown_text(dialog.figures)
    assert "Your digits (trained on)" in figures and "MNIST test set" in figures
    assert f"{result.before.mnist:.2%}" in figures and f"{result.after.mnist:.2%}" in figures
    assert "flatters" in dialog.outcome.text()  # 12 digits: too few of each to hold out
    assert "your handwriting: 12 of your digits" in dialog.description.text()


def test_enough_digits_are_scored_on_a_held_out_part(qtbot, teach):
    dialog = teach(n=60)
    finish(qtbot, dialog)
    held = dialog.result.held_out
    assert held > 0
    assert f"Your digits ({held} held out)" in shown_text(dialog.figures)
    assert f"scored on {held} of them that it did not learn from" in dialog.outcome.text()


def test_keep_saves_the_taught_model_and_hands_it_over_in_memory(
    qtbot, teach, tmp_path, opened, used, news, monkeypatch
):
    dialog = teach()
    finish(qtbot, dialog)
    out = tmp_path / "new" / "folder" / "mine.h5"
    asked = []
    monkeypatch.setattr(Dialogs, "ask_save_model_path", lambda p, s: asked.append(s) or out)
    assert dialog.keep()
    assert asked == [tmp_path / "suggested.h5"]
    assert opened == [out] and not dialog.isVisible()
    assert load_model(out).metadata["personal_samples"] == 12
    # the window gets the taught network itself, with the metadata the file holds
    (kept,) = used
    assert kept.network is dialog.result.network
    assert kept.metadata == load_model(out).metadata
    assert news[-1].startswith(f"The taught model is saved as {out}")


def test_keep_when_the_person_then_cancels_opening(
    qtbot, teach, tmp_path, opened, news, monkeypatch
):
    dialog = teach(open_ok=False)
    finish(qtbot, dialog)
    monkeypatch.setattr(Dialogs, "ask_save_model_path", lambda p, s: tmp_path / "kept.h5")
    assert dialog.keep()
    assert (tmp_path / "kept.h5").is_file() and opened == [tmp_path / "kept.h5"]
    assert not any("reads your drawings now" in line for line in news)


def test_keep_cancelled_or_failing_leaves_the_choice_open(
    qtbot, teach, tmp_path, opened, monkeypatch, errors
):
    dialog = teach()
    finish(qtbot, dialog)
    monkeypatch.setattr(Dialogs, "ask_save_model_path", lambda p, s: None)
    assert not dialog.keep() and dialog.isVisible()
    monkeypatch.setattr(Dialogs, "ask_save_model_path", lambda p, s: tmp_path)  # a folder
    assert not dialog.keep()
    assert errors[-1][0] == "Could not save the taught model" and str(tmp_path) in errors[-1][1]
    monkeypatch.setattr(Dialogs, "ask_save_model_path", lambda p, s: bundled_model_path())
    assert not dialog.keep()
    assert "bundled model cannot be overwritten" in errors[-1][1]
    assert opened == [] and dialog.isVisible() and dialog.keep_button.isVisible()


@pytest.mark.parametrize("how", ["Discard", "Esc"])
def test_discard_forgets_the_taught_model(qtbot, teach, opened, news, how):
    dialog = teach()
    finish(qtbot, dialog)
    if how == "Esc":
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    else:
        qtbot.mouseClick(dialog.discard_button, Qt.MouseButton.LeftButton)
    assert dialog.result is None and not dialog.isVisible() and opened == []
    assert news[-1].startswith("Discarded the taught model")


def test_a_failed_run_says_why_and_closes(qtbot, teach, tmp_path, news):
    dialog = teach(data_dir=tmp_path / "nowhere")
    finish(qtbot, dialog)
    assert dialog.outcome.text().startswith(f"Teaching failed: The data folder {tmp_path}")
    assert news[-1].startswith("Teaching failed") and dialog.isVisible()
    assert dialog.cancel_button.text() == "Close"
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and not dialog.keep_button.isVisible()
