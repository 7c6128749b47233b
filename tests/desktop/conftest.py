"""Fixtures for the desktop tests: no screen, no real settings, no real dialogs, and
strokes drawn with real mouse events."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from conftest import forced_network
from PySide6.QtCore import QEvent, QPointF, QSettings, Qt
from PySide6.QtGui import QMouseEvent, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from digitlab.core.files.model_file import save_model
from digitlab.core.nn.architectures import lenet5

Points = Sequence[tuple[float, float]]


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path) -> Path:
    """Every QSettings a test makes lives under tmp_path, never in the user's config."""
    folder = tmp_path / "settings"
    for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
            QSettings.setPath(fmt, scope, str(folder))
    return folder


@pytest.fixture(autouse=True)
def restore_app_look(qapp: QApplication):
    """The application's style and palette as they were before the test: a theme a test
    switched to (Fusion, dark) must not become the look of the tests after it."""
    style, palette = qapp.style().name(), QPalette(qapp.palette())
    yield
    if qapp.style().name() != style:
        qapp.setStyle(style)
    if qapp.palette() != palette:
        qapp.setPalette(palette)


@pytest.fixture(autouse=True)
def no_real_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A modal dialog would hang the test: any the test did not replace fails it."""
    from digitlab.desktop.common.dialogs import Dialogs

    for name in (
        "ask_open_model_path",
        "ask_save_model_path",
        "ask_open_image_path",
        "confirm_discard_changes",
        "show_error",
        "show_about",
        "ask_folder",
        "confirm",
    ):

        def refuse(*args, _name=name):
            pytest.fail(f"unexpected dialog Dialogs.{_name}{args[1:]}")

        monkeypatch.setattr(Dialogs, name, refuse)


def _send(widget: QWidget, kind: QEvent.Type, point: tuple[float, float], button, buttons) -> None:
    position = QPointF(*point)
    event = QMouseEvent(
        kind,
        position,
        widget.mapToGlobal(position),
        button,
        buttons,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, event)


def send_stroke(widget: QWidget, points: Points) -> None:
    """Press at the first point, move through the rest with the left button held,
    release at the last: real QMouseEvents (QTest's mouseMove carries no buttons)."""
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    _send(widget, QEvent.Type.MouseButtonPress, points[0], left, left)
    for point in points[1:]:
        _send(widget, QEvent.Type.MouseMove, point, none, left)
    _send(widget, QEvent.Type.MouseButtonRelease, points[-1], left, none)


def line(start: tuple[float, float], end: tuple[float, float], steps: int = 24) -> list:
    """``steps`` + 1 evenly spaced points from ``start`` to ``end``."""
    (x0, y0), (x1, y1) = start, end
    return [(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps) for i in range(steps + 1)]


@pytest.fixture
def draw() -> Callable[[QWidget, Points], None]:
    """``draw(widget, points)`` sends one mouse stroke through ``points``."""
    return send_stroke


@pytest.fixture
def make_line() -> Callable[..., list]:
    return line


@pytest.fixture
def model_path(tmp_path: Path) -> Path:
    """An untrained LeNet-5 saved as a model file."""
    path = tmp_path / "models" / "untrained.h5"
    path.parent.mkdir()
    save_model(path, lenet5(0), metadata={"name": "untrained", "test_accuracy": 0.1})
    return path


@pytest.fixture
def forced_model_path(tmp_path: Path) -> Callable[..., Path]:
    """``forced_model_path(classes, {class: logit})``: a saved ``forced_network``; with
    11 classes and ``{10: 5.0}``, a model that answers "not a digit" to everything."""

    def make(classes: int, logits: dict[int, float], name: str = "forced") -> Path:
        path = tmp_path / "models" / f"{name}.h5"
        path.parent.mkdir(exist_ok=True)
        save_model(path, forced_network(classes, logits), metadata={"name": name})
        return path

    return make


@pytest.fixture
def window(qtbot, model_path: Path, tmp_path: Path):
    """The main window with the untrained model open, shown offscreen."""
    from digitlab.desktop.window.main_window import MainWindow

    win = MainWindow(my_digits_path=tmp_path / "my-digits.h5")
    assert win.open_model_path(model_path)
    win.show()
    qtbot.waitExposed(win)
    yield win
    # Not qtbot.addWidget: its close would ask about unsaved changes a test left.
    win.document.set_modified(False)
    win.close()
    win.deleteLater()


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Records (title, message) of every error dialog instead of showing it."""
    from digitlab.desktop.common.dialogs import Dialogs

    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(
        Dialogs, "show_error", lambda parent, title, text: shown.append((title, text))
    )
    return shown
