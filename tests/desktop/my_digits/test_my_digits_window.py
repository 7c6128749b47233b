"""My digits in the window: keeping a drawing with a key or a button, the gallery, a
damaged collection, and Teach from the tab to a kept (or cancelled) model. The
collection and MNIST are small files under tmp_path; dialogs are replaced."""

import numpy as np
import pytest
from conftest import make_digits
from fake_mnist import write_fake_mnist
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from digitlab.core.files.model_file import load_model
from digitlab.core.personal.my_digits import MyDigitsStore, Sample
from digitlab.core.personal.teach import FinetuneConfig
from digitlab.desktop.common.dialogs import Dialogs
from digitlab.desktop.window import model_document
from digitlab.desktop.window.main_window import MainWindow

TINY = FinetuneConfig(epochs=1, batch_size=32, replay=100, validation_mnist=50, augment=False)
ENDLESS = FinetuneConfig(epochs=200, batch_size=8, replay=200, validation_mnist=50, patience=200)


@pytest.fixture
def store_path(tmp_path):
    return tmp_path / "data" / "my-digits.h5"


@pytest.fixture
def open_window(qtbot, model_path, store_path):
    """``open_window()`` opens the window on ``store_path`` with the untrained model."""
    opened = []

    def open_():
        win = MainWindow(my_digits_path=store_path)
        opened.append(win)
        assert win.open_model_path(model_path)
        win.show()
        qtbot.waitExposed(win)
        return win

    yield open_
    for win in opened:
        win.document.set_modified(False)
        win.close()
        win.deleteLater()


@pytest.fixture
def win(open_window):
    return open_window()


@pytest.fixture
def mnist_dir(tmp_path, monkeypatch):
    folder = write_fake_mnist(tmp_path / "mnist", 300, 100)
    monkeypatch.setenv("DIGITLAB_DATA", str(folder))
    return folder


def draw_a_one(win, draw, make_line):
    w, h = win.canvas.width(), win.canvas.height()
    draw(win.canvas, make_line((w / 2, h * 0.2), (w / 2, h * 0.8)))
    assert not win.last_recognition.empty


def fill_store(path, n=20):
    x, labels = make_digits(n, seed=4)
    MyDigitsStore(path).add_many(
        [Sample.create(int(d), im[0]) for im, d in zip(x, labels, strict=True)]
    )


# -- keeping a drawing -----------------------------------------------------------------
def test_a_digit_key_keeps_the_drawing_and_clears_the_canvas(
    win, qtbot, draw, make_line, store_path
):
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=10_000)
    draw_a_one(win, draw, make_line)
    seen, ink = win.last_recognition, win.canvas.ink_image()
    QTest.keyClick(win, Qt.Key.Key_7)
    (sample,) = MyDigitsStore(store_path).samples()  # on disk at once
    assert sample.label == 7
    np.testing.assert_array_equal(sample.image, seen.steps.centred)
    assert sample.model_answer == seen.digit
    assert sample.model_name == "untrained"
    height, width = sample.canvas.shape  # the drawing, shrunk to fit 512x512
    assert max(height, width) == min(512, max(ink.shape))
    assert height / width == pytest.approx(ink.shape[0] / ink.shape[1], rel=0.01)
    assert sample.canvas.max() > 200
    assert win.canvas.is_empty()
    message = win.statusBar().currentMessage()
    assert message.startswith(f"Saved as 7 (the model read it as {seen.digit})")
    assert "1 of your digits" in message


def test_the_label_bar_keeps_the_drawing_too(win, qtbot, draw, make_line, store_path):
    draw_a_one(win, draw, make_line)
    seen = win.last_recognition
    qtbot.mouseClick(win.prediction_panel.label_bar.buttons[1], Qt.MouseButton.LeftButton)
    (sample,) = win.my_digits.store.samples()
    assert sample.label == 1
    np.testing.assert_array_equal(sample.image, seen.steps.centred)
    assert win.canvas.is_empty()
    assert not win.prediction_panel.label_bar.buttons[1].isEnabled()  # nothing left to keep


def test_without_ink_nothing_is_kept(win, qtbot, store_path):
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=10_000)
    QTest.keyClick(win, Qt.Key.Key_4)
    assert not win.keep_drawing(4)
    assert len(win.my_digits.store) == 0
    assert not store_path.exists()
    assert win.statusBar().currentMessage() == "Draw a digit first"


def test_the_gallery_shows_a_kept_digit_with_the_models_answer(win, draw, make_line):
    draw_a_one(win, draw, make_line)
    answer = win.last_recognition.digit
    win.keep_drawing(7)
    win.tabs.setCurrentWidget(win.my_digits_view)
    grid = win.my_digits_view.grid
    (shown,) = grid.samples
    assert shown.label == 7
    assert grid.answers == {shown.id: answer}
    assert grid.is_wrong(shown) == (answer != 7)
    win.keep_drawing(7)  # no ink: nothing changes
    assert len(grid.samples) == 1


# -- a damaged or unreadable collection --------------------------------------------------
def test_a_damaged_collection_is_reported_and_set_aside(open_window, qtbot, store_path, errors):
    store_path.parent.mkdir(parents=True)
    store_path.write_bytes(b"not an HDF5 file at all")
    win = open_window()
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    (title, message), *_ = errors
    assert title == "Your digits"
    assert "damaged" in message and "new collection was started" in message
    (kept,) = store_path.parent.glob("my-digits.corrupt-*.h5")
    assert kept.read_bytes() == b"not an HDF5 file at all"  # never emptied
    assert str(kept) in message
    assert win.statusBar().currentMessage() == message
    win.tabs.setCurrentWidget(win.my_digits_view)
    assert win.my_digits_view.grid.samples == []
    assert len(win.my_digits.store) == 0


def test_a_collection_that_cannot_be_opened_is_left_alone(
    open_window, qtbot, store_path, errors, draw, make_line
):
    store_path.mkdir(parents=True)  # a folder where the file should be
    win = open_window()
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert "is a folder" in errors[0][1]
    draw_a_one(win, draw, make_line)
    assert not win.keep_drawing(3)
    assert "cannot be kept" in win.statusBar().currentMessage()
    assert not win.canvas.is_empty()  # the drawing is not thrown away
    assert store_path.is_dir() and not list(store_path.parent.glob("*.corrupt-*"))


# -- teaching ----------------------------------------------------------------------------
def start_teaching(win, qtbot, config):
    win.my_digits.config = config
    win.tabs.setCurrentWidget(win.my_digits_view)
    assert win.my_digits_view.teach_button.isEnabled()
    qtbot.mouseClick(win.my_digits_view.teach_button, Qt.MouseButton.LeftButton)
    dialog = win.my_digits.teach_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_teach_then_keep_makes_the_taught_model_the_windows(
    open_window, qtbot, store_path, mnist_dir, tmp_path, monkeypatch
):
    fill_store(store_path, 20)
    win = open_window()
    before = win.document.network
    dialog = start_teaching(win, qtbot, TINY)
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=60_000)
    assert dialog.result is not None and dialog.keep_button.isVisible()
    assert win.document.network is before  # nothing changes until Keep
    out = tmp_path / "kept" / "mine.h5"
    asked = []
    monkeypatch.setattr(Dialogs, "ask_save_model_path", lambda p, s: asked.append(s) or out)
    reads = []  # the window takes the taught model as it is in memory: no read-back
    monkeypatch.setattr(model_document, "load_model", lambda path: reads.append(path))
    qtbot.mouseClick(dialog.keep_button, Qt.MouseButton.LeftButton)
    assert reads == []
    assert asked[0].name == "untrained-taught.h5"
    assert win.document.path == out and win.document.network is not before
    metadata = win.document.model_file.metadata
    assert metadata["personalised"] is True and metadata["personal_samples"] == 20
    assert load_model(out).metadata["personalised"] is True
    assert not dialog.isVisible()


def test_cancel_ends_the_run_and_changes_nothing(
    open_window, qtbot, store_path, mnist_dir, model_path
):
    fill_store(store_path, 12)
    win = open_window()
    before = win.document.network
    dialog = start_teaching(win, qtbot, ENDLESS)
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=30_000)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=30_000)
    assert dialog.result is None and not dialog.isVisible()
    assert win.document.network is before and win.document.path == model_path
    assert win.statusBar().currentMessage().startswith("Teaching cancelled")


def test_closing_the_window_stops_teaching_and_waits(open_window, qtbot, store_path, mnist_dir):
    fill_store(store_path, 12)
    win = open_window()
    dialog = start_teaching(win, qtbot, ENDLESS)
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=30_000)
    thread = dialog._thread
    win.close()
    assert thread.isFinished() and not dialog.is_running()


def test_teach_without_mnist_says_where_it_looked(
    open_window, qtbot, store_path, tmp_path, monkeypatch, errors
):
    monkeypatch.setenv("DIGITLAB_DATA", str(tmp_path / "no-mnist"))
    monkeypatch.setattr("digitlab.core.data.mnist.default_cache_dir", lambda: tmp_path / "no-cache")
    fill_store(store_path, 6)
    win = open_window()
    win.tabs.setCurrentWidget(win.my_digits_view)
    qtbot.mouseClick(win.my_digits_view.teach_button, Qt.MouseButton.LeftButton)
    (title, message), *_ = errors
    assert title == "Teaching needs MNIST"
    assert "MNIST was not found" in message and "no-mnist" in message
    assert win.my_digits.teach_dialog is None


def test_delete_in_the_gallery_deletes_digits_not_the_drawing(
    win, qtbot, draw, make_line, monkeypatch
):
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=10_000)
    draw_a_one(win, draw, make_line)
    win.keep_drawing(2)
    draw_a_one(win, draw, make_line)
    win.tabs.setCurrentWidget(win.my_digits_view)
    grid = win.my_digits_view.grid
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_rect(0).center())
    monkeypatch.setattr(Dialogs, "confirm", lambda *args: True)
    QTest.keyClick(grid, Qt.Key.Key_Delete)  # the window's Delete would clear the canvas
    assert len(win.my_digits.store) == 0
    assert not win.canvas.is_empty()


def test_a_drawing_the_model_declines_is_kept_as_the_digit_said(
    win, qtbot, draw, make_line, forced_model_path
):
    assert win.open_model_path(forced_model_path(11, {10: 5.0}, "declines"))
    draw_a_one(win, draw, make_line)
    assert win.last_recognition.not_a_digit
    button = win.prediction_panel.label_bar.buttons[7]
    assert button.isEnabled()  # the person may still say what it was
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    (sample,) = win.my_digits.store.samples()
    assert (sample.label, sample.model_answer) == (7, -1)
    assert (
        win.statusBar()
        .currentMessage()
        .startswith("Saved as 7 (the model did not read it as a digit)")
    )
