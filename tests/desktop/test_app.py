"""The ``digitlab`` entry point: subcommands go to the CLI, no arguments open the window."""

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from digitlab.core.files.model_file import load_model
from digitlab.desktop import app as entry
from digitlab.desktop.window.main_window import MainWindow
from digitlab.resources import bundled_model_path


def test_a_subcommand_runs_the_command_line_tool(monkeypatch, capsys):
    monkeypatch.setattr(entry, "run_gui", lambda: pytest.fail("the window opened"))
    assert entry.main(["summary"]) == 0
    params = load_model(bundled_model_path()).network.num_params
    assert f"Total params: {params:,}" in capsys.readouterr().out


def test_no_arguments_open_the_window(monkeypatch):
    opened = []
    monkeypatch.setattr(entry, "run_gui", lambda: opened.append(True) or 0)
    assert entry.main([]) == 0
    assert opened == [True]


def test_the_window_opens_with_a_model_and_closes(qtbot):
    def close_windows():
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow):
                shown.append(widget)
                widget.close()

    shown = []
    QTimer.singleShot(200, close_windows)
    assert entry.run_gui() == 0
    assert len(shown) == 1
    window = shown[0]
    assert window.document.network is not None
    assert window.windowTitle().endswith("— digitlab")
    window.deleteLater()
