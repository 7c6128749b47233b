"""The main window's files: open and save models, failures, recent models, images,
drag and drop. Dialogs are replaced; the files are real."""

import errno
import os

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from digitlab.core.files.model_file import load_model, save_model
from digitlab.core.nn.architectures import lenet5
from digitlab.desktop.common.dialogs import Dialogs, Discard
from digitlab.desktop.common.style import NOT_A_DIGIT_MARK


def answer(monkeypatch, name, value):
    """Make Dialogs.<name> return ``value`` and record what it was asked."""
    asked = []
    monkeypatch.setattr(Dialogs, name, lambda parent, *args: asked.append(args) or value)
    return asked


@pytest.fixture
def other_model(tmp_path):
    path = tmp_path / "other.h5"
    save_model(path, lenet5(5), metadata={"name": "other", "test_accuracy": 0.993})
    return path


@pytest.fixture
def digit_png(tmp_path):
    """A dark vertical bar on white paper, as a scanned "1" would be."""
    pixels = np.full((60, 40), 255, np.uint8)
    pixels[8:52, 18:23] = 0
    path = tmp_path / "one.png"
    Image.fromarray(pixels).save(path)
    return path


def weights_equal(a, b):
    return all(np.array_equal(a.params()[k], b.params()[k]) for k in a.params())


def test_open_model_from_the_dialog(window, monkeypatch, other_model):
    asked = answer(monkeypatch, "ask_open_model_path", other_model)
    window.open_model_action.trigger()
    assert asked
    assert window.document.path == other_model
    assert weights_equal(window.document.network, load_model(other_model).network)
    assert window.statusBar().currentMessage() == "Opened model other.h5 — test accuracy 99.3%"
    assert window.windowTitle().startswith("other.h5")


def test_cancelling_the_open_dialog_changes_nothing(window, monkeypatch, model_path):
    answer(monkeypatch, "ask_open_model_path", None)
    window.open_model_action.trigger()
    assert window.document.path == model_path


def test_save_as_then_open_round_trips_the_model(window, monkeypatch, tmp_path, model_path):
    target = tmp_path / "copy.h5"
    answer(monkeypatch, "ask_save_model_path", target)
    window.document.set_modified(True)
    window.save_as_action.trigger()
    assert not window.isWindowModified()
    assert window.document.path == target
    assert window.windowTitle() == "copy.h5[*] — digitlab"
    assert "Saved model copy.h5" in window.statusBar().currentMessage()
    assert weights_equal(load_model(target).network, load_model(model_path).network)


def test_save_writes_over_the_models_own_file(window, monkeypatch, model_path):
    window.document.set_modified(True)
    before = model_path.stat().st_mtime_ns
    window.save_action.trigger()  # no dialog: the autouse fixture would fail the test
    assert model_path.stat().st_mtime_ns != before
    assert not window.document.modified


def test_save_on_the_bundled_model_asks_for_a_new_file(window, monkeypatch, model_path, tmp_path):
    monkeypatch.setattr(
        "digitlab.desktop.window.model_document.bundled_model_path", lambda: model_path
    )
    monkeypatch.setattr(
        "digitlab.desktop.window.model_commands.bundled_model_path", lambda: model_path
    )
    original = model_path.read_bytes()
    target = tmp_path / "mine.h5"
    asked = answer(monkeypatch, "ask_save_model_path", target)
    window.save_action.trigger()
    assert asked and target.is_file()
    assert model_path.read_bytes() == original


def test_save_as_refuses_the_bundled_file(window, monkeypatch, model_path, other_model, errors):
    monkeypatch.setattr(
        "digitlab.desktop.window.model_commands.bundled_model_path", lambda: other_model
    )
    original = other_model.read_bytes()
    answer(monkeypatch, "ask_save_model_path", other_model)
    window.save_as_action.trigger()
    assert errors and "bundled" in errors[0][1]
    assert other_model.read_bytes() == original


def test_a_corrupt_file_shows_the_error_and_keeps_the_model(window, tmp_path, errors):
    before = window.document.model_file
    corrupt = tmp_path / "corrupt.h5"
    corrupt.write_bytes(b"\x89HDF\r\n\x1a\n" + os.urandom(300))
    assert not window.open_model_path(corrupt)
    assert len(errors) == 1
    _, message = errors[0]
    assert "corrupt.h5" in message
    assert window.document.model_file is before
    assert window.statusBar().currentMessage().startswith("Could not open corrupt.h5")
    assert window.layer_view.entry_count() == len(before.network.layers)


def test_a_failed_save_keeps_the_old_file_and_the_changes(window, monkeypatch, model_path, errors):
    original = model_path.read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("digitlab.core.files.model_file.write_weights", disk_full)
    window.document.set_modified(True)
    assert not window.save()
    assert errors and "no space left on device" in errors[0][1]
    assert model_path.read_bytes() == original
    assert window.document.modified
    assert [p.name for p in model_path.parent.iterdir()] == [model_path.name]  # no temp left


def test_saving_into_a_read_only_folder_fails_cleanly(window, monkeypatch, tmp_path, errors):
    folder = tmp_path / "locked"
    folder.mkdir()
    old = folder / "model.h5"
    save_model(old, lenet5(3))
    original = old.read_bytes()
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("this user (root?) can write to read-only folders")
        answer(monkeypatch, "ask_save_model_path", old)
        assert not window.save_as()
    finally:
        folder.chmod(0o755)
    assert errors and "model.h5" in errors[0][1]
    assert old.read_bytes() == original


def test_opening_with_unsaved_changes_can_be_cancelled(
    window, monkeypatch, other_model, model_path
):
    asked = answer(monkeypatch, "confirm_discard_changes", Discard.CANCEL)
    window.document.set_modified(True)
    assert not window.open_model_path(other_model)
    assert asked == [("untrained.h5",)]
    assert window.document.path == model_path


def test_recent_models_lists_what_was_opened(window, other_model, model_path):
    window.open_model_path(other_model)
    window.recent_menu.aboutToShow.emit()
    names = [a.text() for a in window.recent_menu.actions()]
    assert names == ["&1 other.h5", "&2 untrained.h5"]
    window.recent_menu.actions()[1].trigger()
    assert window.document.path == model_path


def test_recent_models_hides_files_that_are_gone(window, other_model):
    window.open_model_path(other_model)
    other_model.unlink()
    window.recent_menu.aboutToShow.emit()
    assert [a.text() for a in window.recent_menu.actions()] == ["&1 untrained.h5"]


def test_open_image_recognises_it_like_a_drawing(window, monkeypatch, digit_png):
    answer(monkeypatch, "ask_open_image_path", digit_png)
    window.open_image_action.trigger()
    result = window.last_recognition
    assert result is not None and result.digit is not None
    assert result.steps.drawn.shape == (60, 40)
    assert result.steps.bbox == (8, 18, 52, 23)
    assert window.prediction_panel.digit_text().startswith(str(result.digit))
    assert window.prediction_panel.step_tiles[0].image().size().toTuple() == (40, 60)
    assert "one.png reads as" in window.statusBar().currentMessage()


def test_an_unreadable_image_shows_an_error(window, tmp_path, errors):
    bad = tmp_path / "bad.png"
    bad.write_text("not an image", encoding="utf-8")
    assert not window.open_image_path(bad)
    assert errors and "bad.png" in errors[0][1]
    assert window.canvas.is_empty()


def drop(window, path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    position = QPointF(window.width() / 2, window.height() / 2)
    action, left, none = (
        Qt.DropAction.CopyAction,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    enter = QDragEnterEvent(position.toPoint(), action, mime, left, none)
    QApplication.sendEvent(window, enter)
    if enter.isAccepted():
        QApplication.sendEvent(window, QDropEvent(position, action, mime, left, none))
    return enter.isAccepted()


def test_dropping_a_model_opens_it(window, other_model):
    assert drop(window, other_model)
    assert window.document.path == other_model


def test_dropping_an_image_recognises_it(window, digit_png):
    assert drop(window, digit_png)
    assert window.last_recognition.steps.drawn.shape == (60, 40)
    assert not window.canvas.is_empty()


def test_other_files_are_not_accepted(window, tmp_path, model_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello", encoding="utf-8")
    assert not drop(window, text)
    assert window.document.path == model_path


def test_an_image_a_model_declines_says_so_in_the_status_bar(
    window, monkeypatch, digit_png, forced_model_path
):
    assert window.open_model_path(forced_model_path(11, {10: 3.0}, "declines"))
    answer(monkeypatch, "ask_open_image_path", digit_png)
    window.open_image_action.trigger()
    assert window.last_recognition.not_a_digit
    assert window.prediction_panel.digit_text() == NOT_A_DIGIT_MARK
    assert "one.png does not look like a digit" in window.statusBar().currentMessage()


def test_an_image_read_as_a_near_tie_names_both(window, monkeypatch, digit_png, forced_model_path):
    assert window.open_model_path(forced_model_path(10, {3: 3.0, 5: 2.8}, "tie"))
    answer(monkeypatch, "ask_open_image_path", digit_png)
    window.open_image_action.trigger()
    assert "one.png reads as 3 or 5 (" in window.statusBar().currentMessage()
