"""EvaluationView: scoring on a background thread, the matrix, and choosing digits by cell."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import numpy as np
import pytest
from fake_mnist import write_fake_mnist
from PySide6.QtCore import QSettings, Qt

from digitlab.desktop.common.task_dialogs import TaskDialogs
from digitlab.desktop.evaluate.browser import MAX_SHOWN
from digitlab.desktop.evaluate.confusion_matrix import ConfusionMatrix, cell_strength
from digitlab.desktop.evaluate.view import EvaluationView
from digitlab.desktop.window.model_document import ModelDocument

N_TEST = 100


@pytest.fixture
def view(qtbot, tmp_path, model_path):
    document = ModelDocument()
    document.open(model_path)  # an untrained LeNet-5: plenty of mistakes to browse
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    widget = EvaluationView(document, settings)
    widget.set_data_dir(write_fake_mnist(tmp_path / "mnist", 300, N_TEST))
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    yield widget
    widget.shutdown()


def evaluate(qtbot, view):
    with qtbot.waitSignal(view.evaluated, timeout=20_000):
        qtbot.mouseClick(view.evaluate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.is_running(), timeout=20_000)


def test_evaluation_fills_the_matrix_and_shows_every_mistake(qtbot, view):
    evaluate(qtbot, view)
    e = view.report.evaluation
    assert view.matrix.matrix.sum() == N_TEST == e.n
    np.testing.assert_array_equal(view.matrix.matrix, e.confusion)
    mistakes = e.misclassified()
    np.testing.assert_array_equal(view.browser.indices, mistakes)
    assert view.browser.grid.count() == min(len(mistakes), MAX_SHOWN)
    assert f"accuracy <b>{e.accuracy:.2%}</b>" in view.summary.text()
    assert view.evaluate_button.isEnabled()


def test_clicking_a_cell_shows_its_digits(qtbot, view):
    evaluate(qtbot, view)
    e = view.report.evaluation
    true, predicted = (int(i) for i in np.argwhere(e.confusion > 0)[0])
    centre = view.matrix.cell_rect(true, predicted).center().toPoint()
    qtbot.mouseClick(view.matrix, Qt.MouseButton.LeftButton, pos=centre)
    expected = np.flatnonzero((e.labels == true) & (e.predictions == predicted))
    np.testing.assert_array_equal(view.browser.indices, expected)
    assert view.browser.grid.count() == len(expected)
    assert view.matrix.selected == (true, predicted)
    # The first of them is chosen at once: its probabilities show without a click.
    np.testing.assert_array_equal(view.browser.bars.probabilities, e.probabilities[expected[0]])
    qtbot.mouseClick(view.all_mistakes_button, Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(view.browser.indices, e.misclassified())


def test_clicking_a_digit_shows_its_probabilities(qtbot, view):
    evaluate(qtbot, view)
    view.browser.grid.setCurrentRow(0)
    index = int(view.browser.indices[0])
    e = view.report.evaluation
    np.testing.assert_array_equal(view.browser.bars.probabilities, e.probabilities[index])
    assert view.browser.bars.true == e.labels[index]
    assert f"#{index:,}" in view.browser.detail.text()


def test_missing_data_is_an_error_dialog(qtbot, view, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(
        TaskDialogs, "show_error", classmethod(lambda cls, parent, t, m: shown.append((t, m)))
    )
    view.set_data_dir(tmp_path / "nowhere")
    view.evaluate()
    qtbot.waitUntil(lambda: bool(shown), timeout=20_000)
    assert shown[0][0] == "Could not evaluate the model" and "nowhere" in shown[0][1]
    qtbot.waitUntil(lambda: not view.is_running(), timeout=20_000)


def test_the_worker_gets_its_own_copy_of_the_network(view):
    network = view.document.network
    twin = network.copy()
    for name, value in network.params().items():
        assert twin.params()[name] is not value
        np.testing.assert_array_equal(twin.params()[name], value)


def test_the_colour_scale_is_logarithmic():
    assert cell_strength(0, 1000) == 0.0
    assert cell_strength(1000, 1000) == pytest.approx(1.0)
    assert cell_strength(5, 1000) > 0.25  # a few mistakes beside a thousand still show


def test_cells_are_found_under_the_mouse(qtbot):
    matrix = ConfusionMatrix()
    qtbot.addWidget(matrix)
    matrix.resize(400, 400)
    assert matrix.cell_at(matrix.cell_rect(3, 8).center()) == (3, 8)
    assert (
        matrix.cell_at(matrix.cell_rect(0, 0).topLeft() - matrix.cell_rect(0, 0).center()) is None
    )


# -- a model that can answer "not a digit" ------------------------------------------------
@pytest.fixture
def declining_view(qtbot, tmp_path, forced_model_path):
    """The view on a model that declines most digits and reads the rest as 3."""
    document = ModelDocument()
    document.open(forced_model_path(11, {10: 2.0, 3: 1.99}, "declines"))
    widget = EvaluationView(
        document, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    )
    widget.set_data_dir(write_fake_mnist(tmp_path / "mnist", 300, N_TEST))
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    yield widget
    widget.shutdown()


def test_declined_digits_are_wrong_and_get_a_column_of_their_own(qtbot, declining_view):
    view = declining_view
    evaluate(qtbot, view)
    e = view.report.evaluation
    assert e.declined > 0
    assert view.matrix.matrix.shape == (10, 11)  # rows: true digits; columns: + "not a digit"
    assert view.matrix.matrix[:, 10].sum() == e.declined
    assert view.matrix.matrix.sum() == N_TEST
    assert f"{e.n - len(e.misclassified()):,} of {N_TEST:,} test digits right" in (
        view.summary.text()
    )
    assert f"{e.declined:,} of them declined as “not a digit”" in view.summary.text()
    assert view.matrix.column_name(10) == "\u2014" and view.matrix.column_name(9) == "9"


def test_clicking_the_declined_column_shows_those_digits(qtbot, declining_view):
    view = declining_view
    evaluate(qtbot, view)
    e = view.report.evaluation
    true = int(np.flatnonzero(view.matrix.matrix[:, 10])[0])
    centre = view.matrix.cell_rect(true, 10).center().toPoint()
    qtbot.mouseClick(view.matrix, Qt.MouseButton.LeftButton, pos=centre)
    expected = np.flatnonzero((e.labels == true) & (e.predictions == 10))
    np.testing.assert_array_equal(view.browser.indices, expected)
    assert "declined as not a digit" in view.browser.title.text()
    item = view.browser.grid.item(0)
    assert item.text().startswith(f"{true} → \u2014")
    assert "read as not a digit" in item.toolTip()
    assert len(view.browser.bars.probabilities) == 11
    view.browser.bars.grab()  # paints eleven bars without trouble


def test_a_ten_class_matrix_has_no_declined_column(qtbot, view):
    evaluate(qtbot, view)
    assert view.matrix.matrix.shape == (10, 10)
    assert "declined" not in view.summary.text()
