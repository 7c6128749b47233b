"""TrainingPanel: a run from its buttons to the new model in the document, and its faults."""

import dataclasses
import os
from datetime import datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import numpy as np
import pytest
from fake_mnist import write_fake_mnist
from PySide6.QtCore import QSettings, Qt

from digitlab.core.files import model_file
from digitlab.core.files.model_file import load_model, save_model
from digitlab.core.nn.architectures import lenet5
from digitlab.core.train.types import TrainResult
from digitlab.desktop.common.mnist_source import DATA_DIR_KEY, short_path
from digitlab.desktop.common.task_dialogs import KeepSnapshot, TaskDialogs
from digitlab.desktop.train import panel as panel_module
from digitlab.desktop.train.controls import RunState
from digitlab.desktop.train.panel import TrainingPanel, default_output_path
from digitlab.desktop.train.worker import TrainingReport
from digitlab.desktop.window.model_document import ModelDocument

RUN_TIMEOUT = 30_000  # ms; a run on the fake data takes about a second


@pytest.fixture(autouse=True)
def no_training_dialogs(monkeypatch, tmp_path):
    """Fail on any dialog a test did not replace; keep the default output in tmp_path."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    for name in ("ask_keep_snapshot", "ask_data_folder", "ask_output_path", "ask_export_path"):

        def refuse(*args, _name=name):
            pytest.fail(f"unexpected dialog TaskDialogs.{_name}{args[1:]}")

        monkeypatch.setattr(TaskDialogs, name, classmethod(refuse))


@pytest.fixture
def shown_errors(monkeypatch):
    shown = []
    monkeypatch.setattr(
        TaskDialogs, "show_error", classmethod(lambda cls, parent, t, m: shown.append((t, m)))
    )
    return shown


@pytest.fixture
def data_dir(tmp_path):
    return write_fake_mnist(tmp_path / "mnist", 300, 100)


@pytest.fixture
def document(model_path):
    document = ModelDocument()
    document.open(model_path)
    return document


@pytest.fixture
def panel(qtbot, tmp_path, data_dir, document):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue(DATA_DIR_KEY, str(data_dir))
    panel = TrainingPanel(document, settings)
    qtbot.addWidget(panel)
    set_form(panel, epochs=2, batch_size=32, validation_size=50, augment=False)
    panel.options.output_edit.setText(str(tmp_path / "out" / "trained.h5"))
    panel.options._on_output_edited(panel.options.output_edit.text())
    yield panel
    panel.shutdown(keep_snapshot=True)  # a no-op unless a test left a run going


def set_form(panel, **values):
    for name, value in values.items():
        widget = panel.options.form.widgets[name]
        widget.setChecked(value) if isinstance(value, bool) else widget.setValue(value)


def run_to_end(qtbot, panel):
    with qtbot.waitSignal(
        panel.running_changed, timeout=RUN_TIMEOUT, check_params_cb=lambda r: not r
    ):
        qtbot.mouseClick(panel.controls.start_button, Qt.MouseButton.LeftButton)


def test_a_run_fills_the_plots_and_hands_over_the_model(qtbot, panel, document, tmp_path):
    trained = []
    panel.model_trained.connect(lambda model, path: trained.append(path))
    run_to_end(qtbot, panel)
    plots = panel.plots
    x, _ = plots.raw_loss_curve.getData()
    assert len(x) == 2 * 8 and x[-1] == pytest.approx(2.0)  # 8 batches an epoch, x in epochs
    assert len(plots.val_acc_curve.getData()[1]) == 2
    assert len(plots.lr_curve.getData()[1]) == 2
    assert trained == [str(tmp_path / "out" / "trained.h5")]
    assert document.path == tmp_path / "out" / "trained.h5"
    assert document.model_file.training_state["epoch"] == 2
    assert panel.controls.state is RunState.IDLE and panel.controls.start_button.isEnabled()
    assert "Finished all 2 epochs" in panel.status.text()
    ended = panel.controls.progress_label.text()
    assert ended.startswith("Last run ended in epoch 2/2 at ") and "ETA" not in ended


def test_the_trained_model_is_handed_over_without_reading_its_file(
    qtbot, panel, document, tmp_path, monkeypatch
):
    reads = []
    monkeypatch.setattr(model_file, "load_model", reads.append)
    monkeypatch.setattr(panel_module, "load_model", reads.append, raising=False)
    run_to_end(qtbot, panel)
    assert reads == []
    monkeypatch.undo()
    on_disk = load_model(tmp_path / "out" / "trained.h5")
    assert document.model_file.metadata == on_disk.metadata
    assert "test_accuracy" in document.model_file.metadata
    for name, value in on_disk.network.get_weights().items():
        np.testing.assert_array_equal(document.network.get_weights()[name], value, err_msg=name)


def test_starting_folds_the_settings_into_one_line(qtbot, panel):
    panel.show()
    assert panel.options.isVisible() and panel.summary.full_text() == ""
    set_form(panel, epochs=3, lr=0.002)
    run_to_end(qtbot, panel)
    assert not panel.options.isVisible()
    assert panel.summary.full_text() == (
        "New model · adam, rate 0.002 (cosine) · batch 32 · up to 3 epochs"
    )
    qtbot.mouseClick(panel.settings_toggle, Qt.MouseButton.LeftButton)
    assert panel.options.isVisible() and panel.summary.text() == ""


def test_buttons_follow_the_run(qtbot, panel):
    c = panel.controls
    set_form(panel, epochs=200)
    with qtbot.waitSignal(panel.running_changed, timeout=RUN_TIMEOUT):
        panel.start()
    assert not c.start_button.isEnabled() and c.stop_button.isEnabled()
    assert not panel.options.isEnabled()  # no settings change mid-run
    qtbot.waitUntil(lambda: c.pause_button.isEnabled(), timeout=RUN_TIMEOUT)
    qtbot.mouseClick(c.pause_button, Qt.MouseButton.LeftButton)
    assert c.resume_button.isEnabled() and not c.pause_button.isEnabled()
    assert panel._worker.control.is_paused()
    qtbot.mouseClick(c.resume_button, Qt.MouseButton.LeftButton)
    assert c.pause_button.isEnabled()
    with qtbot.waitSignal(panel.running_changed, timeout=RUN_TIMEOUT):
        qtbot.mouseClick(c.stop_button, Qt.MouseButton.LeftButton)
    assert "Stopped during epoch" in panel.status.text()
    assert not panel.is_running()


def test_early_stopping_marks_the_best_epoch_and_the_document_uses_it(
    qtbot, panel, document, tmp_path
):
    # With a huge min_delta only the first epoch counts as an improvement.
    set_form(panel, epochs=10, patience=1, min_delta=10.0)
    run_to_end(qtbot, panel)
    out = tmp_path / "out" / "trained.h5"
    assert "Stopped early" in panel.status.text()
    assert panel.plots.best_lines[0].isVisible() and panel.plots.best_lines[0].value() == 1
    assert document.path == out
    assert load_model(out).training_state["best_epoch"] == 1


def test_a_worker_error_shows_a_dialog_and_keeps_the_model(
    qtbot, panel, document, data_dir, model_path, shown_errors
):
    (data_dir / "train-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b not really gzip")
    run_to_end(qtbot, panel)
    ((title, message),) = shown_errors
    assert title == "Training failed" and "corrupt gzip" in message
    assert document.path == model_path  # the previous model stays loaded
    assert not panel.is_running() and panel.controls.start_button.isEnabled()


def test_divergence_is_reported_as_an_error(panel, document, model_path, shown_errors, tmp_path):
    # Which settings diverge depends on the data; the panel's part is what it does then.
    text = "Training diverged in epoch 1, batch 3: the loss became nan. Try a lower learning rate."
    result = TrainResult("diverged", text, 0, 0, float("inf"), 0.0, {})
    panel._on_finished(TrainingReport(result, text, tmp_path / "out.h5", None))
    assert shown_errors == [("Training diverged", text)]
    assert document.path == model_path  # the last good model stays


def test_closing_mid_run_asks_and_can_delete_the_snapshot(qtbot, panel, monkeypatch, tmp_path):
    set_form(panel, epochs=200)
    panel.start()
    qtbot.waitUntil(lambda: panel._snapshot is not None, timeout=RUN_TIMEOUT)
    monkeypatch.setattr(
        TaskDialogs, "ask_keep_snapshot", classmethod(lambda cls, p, s: KeepSnapshot.DELETE)
    )
    assert panel.close_request()
    assert not panel.is_running()
    assert not (tmp_path / "out" / "trained.h5").exists()


def test_closing_can_be_cancelled_and_training_goes_on(qtbot, panel, monkeypatch):
    set_form(panel, epochs=200)
    panel.start()
    monkeypatch.setattr(
        TaskDialogs, "ask_keep_snapshot", classmethod(lambda cls, p, s: KeepSnapshot.CANCEL)
    )
    assert not panel.close_request()
    assert panel.is_running()


def test_continue_is_offered_only_for_a_model_with_training_state(qtbot, panel, document, tmp_path):
    options = panel.options
    assert not options.continue_radio.isEnabled()  # the untrained file has no state
    run_to_end(qtbot, panel)  # now the document holds a trained model with its state
    assert options.continue_radio.isEnabled()
    options.continue_radio.setChecked(True)
    assert options.form.widgets["epochs"].value() == 5  # "more epochs"
    request = options.request()
    assert request.resume == document.path and request.overrides["epochs"] == 2 + 5


def test_missing_data_disables_start(qtbot, tmp_path, document):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    settings.setValue(DATA_DIR_KEY, str(tmp_path / "empty"))
    panel = TrainingPanel(document, settings)
    qtbot.addWidget(panel)
    assert panel.data_folder() is None
    assert not panel.controls.start_button.isEnabled()
    assert "MNIST not found" in panel.options.data_row.status.text()


def test_the_data_folder_is_shown_short_with_the_full_path_as_tooltip(tmp_path, monkeypatch):
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path))
    assert short_path(tmp_path / "data" / "mnist") == str(Path("~", "data", "mnist"))
    deep = tmp_path / "a" / "b" / "c" / "d" / "mnist"
    assert short_path(deep) == str(Path("…", "c", "d", "mnist"))
    assert short_path(Path("/srv/mnist")) == str(Path("/srv/mnist"))


def test_the_default_output_is_a_new_file_in_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    # A fixed time: with the clock's, a minute that turned between the two calls gave a
    # new name whether or not the taken one was avoided.
    now = datetime(2025, 3, 1, 14, 5, 59)
    path = default_output_path(now)
    assert path == tmp_path / "digitlab" / "models" / "model-20250301-1405.h5"
    path.parent.mkdir(parents=True)
    save_model(path, lenet5(0))
    assert default_output_path(now) == path.with_name("model-20250301-1405-2.h5")


def test_continue_is_not_offered_for_a_damaged_training_state(qtbot, panel, document):
    """An epoch of "abc" used to enable Continue, then raise in int() on Start."""
    run_to_end(qtbot, panel)
    model = document.model_file
    damaged = {**model.training_state, "epoch": "abc"}
    document.set_model(dataclasses.replace(model, training_state=damaged), document.path)
    panel.options.update_resume_option()
    assert not panel.options.continue_radio.isEnabled()
    assert not panel.options.continuing()
    assert panel.options.request().resume is None
