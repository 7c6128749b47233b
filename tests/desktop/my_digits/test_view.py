"""The My digits tab on a real collection in tmp_path: the gallery grouped by label with
the current model's answers, selection, delete, relabel, export and import, Teach."""

import numpy as np
import pytest
from conftest import make_digits
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from digitlab.core.nn.architectures import lenet5
from digitlab.core.personal.my_digits import MyDigitsStore, Sample
from digitlab.desktop.common.dialogs import Dialogs
from digitlab.desktop.my_digits.grid import THUMB, WRONG_LIGHT, describe
from digitlab.desktop.my_digits.view import MIN_TO_TEACH, MyDigitsView

NONE = Qt.KeyboardModifier.NoModifier
CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


class Always:
    """A stand-in network that reads every image as ``digit`` and counts its batches."""

    def __init__(self, digit: int) -> None:
        self.digit, self.batches = digit, []

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        self.batches.append(len(x))
        probabilities = np.zeros((len(x), max(10, self.digit + 1)), np.float32)
        probabilities[:, self.digit] = 1.0
        return probabilities


@pytest.fixture(autouse=True)
def no_folder_or_confirm_dialogs(monkeypatch):
    for name in ("ask_folder", "confirm"):
        monkeypatch.setattr(Dialogs, name, lambda *a, _n=name: pytest.fail(f"unexpected {_n}"))


@pytest.fixture
def store(tmp_path):
    return MyDigitsStore(tmp_path / "my-digits.h5")


def add(store, labels, seed=0):
    x, _ = make_digits(len(labels), seed=seed)
    samples = [Sample.create(d, im[0], model_answer=d) for im, d in zip(x, labels, strict=True)]
    store.add_many(samples)
    return samples


@pytest.fixture
def show(qtbot):
    def show_(store, network=None):
        view = MyDigitsView(store)
        qtbot.addWidget(view)
        view.set_network(network)
        view.resize(560, 700)
        view.show()
        qtbot.waitExposed(view)
        return view

    return show_


def click(qtbot, view, index, modifier=NONE):
    qtbot.mouseClick(
        view.grid, Qt.MouseButton.LeftButton, modifier, view.grid.cell_rect(index).center()
    )


def labels_shown(view):
    return [s.label for s in view.grid.samples]


# -- the gallery -------------------------------------------------------------------------
def test_digits_are_grouped_by_label_in_the_order_they_were_kept(store, show):
    samples = add(store, [3, 1, 3, 7])
    view = show(store)
    assert labels_shown(view) == [1, 3, 3, 7]
    assert [s.id for s in view.grid.samples[1:3]] == [samples[0].id, samples[2].id]
    assert [label for label, _ in view.grid._headers] == [1, 3, 7]


def test_the_current_models_answers_mark_the_misread_ones(store, show):
    add(store, [3, 1, 3, 7])
    view = show(store, Always(3))
    grid = view.grid
    assert [grid.is_wrong(s) for s in grid.samples] == [True, False, False, True]
    assert grid.misread() == 2 and grid.misread(3) == 0
    assert "the model misreads 2" in view.summary.text()
    assert "The model now reads 3 ✗" in describe(grid.samples[0], grid.answers)
    image = view.grid.grab().toImage()  # the wrong one has a red frame; the right one none

    def frame_colour(index):
        cell = grid.cell_rect(index)  # the thumbnail's top left corner:
        return image.pixelColor(cell.x() + (cell.width() - THUMB) // 2, cell.y() + 4)

    assert frame_colour(0) == QColor(WRONG_LIGHT)
    assert frame_colour(1) != QColor(WRONG_LIGHT)


def test_a_digit_the_model_declines_is_misread_and_said_in_words(store, show):
    add(store, [4])
    view = show(store, Always(10))  # an eleven-class model: "not a digit" for everything
    assert view.grid.misread() == 1
    assert "The model now reads it as not a digit ✗" in describe(
        view.grid.samples[0], view.grid.answers
    )


def test_answers_come_in_one_batch_and_only_for_new_digits(store, show):
    add(store, [0, 1, 2, 3, 4])
    network = Always(0)
    view = show(store, network)
    assert network.batches == [5]
    add(store, [9], seed=1)
    view.refresh()
    assert network.batches == [5, 1]
    store.relabel(view.grid.samples[0].id, 6)  # the same image: no new reading
    view.refresh()
    assert network.batches == [5, 1]
    other = Always(2)
    view.set_network(other)
    assert other.batches == [6]


def test_a_hidden_tab_reads_nothing_until_shown(store, qtbot):
    add(store, [4, 5])
    network = Always(4)
    view = MyDigitsView(store)
    qtbot.addWidget(view)
    view.set_network(network)
    view.refresh()
    assert network.batches == []
    view.show()
    qtbot.waitExposed(view)
    assert network.batches == [2] and len(view.grid.samples) == 2


def test_a_real_network_reads_them(store, show):
    add(store, [2, 8])
    view = show(store, lenet5(0))
    assert set(view.answers()) == {s.id for s in store.samples()}
    assert all(0 <= a <= 9 for a in view.answers().values())


def test_an_empty_collection_says_how_to_fill_it(store, show):
    view = show(store)
    assert "press its key" in view.grid.placeholder
    assert not view.export_button.isEnabled() and view.import_button.isEnabled()
    assert view.summary.text() == ""


def test_without_a_collection_everything_is_off(qtbot):
    view = MyDigitsView(None, "Your digits cannot be opened: it is a folder")
    qtbot.addWidget(view)
    assert view.grid.placeholder.startswith("Your digits cannot be opened")
    assert not any(
        b.isEnabled() for b in (view.import_button, view.export_button, view.teach_button)
    )


# -- selection ---------------------------------------------------------------------------
def test_click_ctrl_click_and_shift_click_select(store, show, qtbot):
    add(store, [1, 1, 2, 2, 3])
    view = show(store)
    ids = [s.id for s in view.grid.samples]
    click(qtbot, view, 1)
    assert view.grid.selected_ids() == [ids[1]]
    assert view.delete_button.isEnabled() and view.relabel_button.isEnabled()
    click(qtbot, view, 3, CTRL)
    assert view.grid.selected_ids() == [ids[1], ids[3]]
    click(qtbot, view, 1, CTRL)
    assert view.grid.selected_ids() == [ids[3]]
    click(qtbot, view, 0)
    click(qtbot, view, 4, SHIFT)
    assert view.grid.selected_ids() == ids
    qtbot.mouseClick(view.grid, Qt.MouseButton.LeftButton, NONE, view.grid.rect().bottomRight())
    assert view.grid.selected_ids() == [] and not view.delete_button.isEnabled()


# -- changes -----------------------------------------------------------------------------
def test_delete_key_asks_then_deletes_the_selection(store, show, qtbot, monkeypatch):
    samples = add(store, [5, 6, 7])
    view = show(store)
    click(qtbot, view, 0)
    click(qtbot, view, 2, CTRL)
    answers = []
    monkeypatch.setattr(Dialogs, "confirm", lambda *a: answers.append(a[2]) or False)
    qtbot.keyClick(view.grid, Qt.Key.Key_Delete)
    assert len(store) == 3  # said no
    monkeypatch.setattr(Dialogs, "confirm", lambda *a: answers.append(a[2]) or True)
    qtbot.keyClick(view.grid, Qt.Key.Key_Delete)
    assert answers[-1].startswith("Delete these 2 digits")
    assert [s.id for s in MyDigitsStore(store.path).samples()] == [samples[1].id]
    assert labels_shown(view) == [6] and view.grid.selected_ids() == []


def test_relabel_from_the_buttons_menu(store, show, qtbot):
    samples = add(store, [1, 2])
    view = show(store, Always(4))
    click(qtbot, view, 0)
    with qtbot.waitSignal(view.status_message) as news:
        (five,) = [a for a in view.relabel_button.menu().actions() if a.text() == "&5"]
        five.trigger()
    assert news.args == ["Relabelled 1 digit as 5"]
    assert MyDigitsStore(store.path).get(samples[0].id).label == 5
    assert labels_shown(view) == [2, 5]
    assert view.grid.selected_ids() == [samples[0].id]  # still selected, in its new place


def test_export_then_import_round_trip(store, show, tmp_path, monkeypatch):
    samples = add(store, [0, 4, 4, 9])
    view = show(store)
    folder = tmp_path / "export"
    folder.mkdir()
    monkeypatch.setattr(Dialogs, "ask_folder", lambda *a: folder)
    view.export_folder()
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.png")) == sorted(
        f"{s.label}/{s.id}.png" for s in samples
    )
    with_news = []
    view.status_message.connect(with_news.append)
    view.import_folder()  # into the same collection: nothing new
    assert len(store) == 4 and with_news[-1].startswith("No new digits")
    other = MyDigitsStore(tmp_path / "other.h5")
    other_view = show(other)
    other_view.import_folder()
    assert sorted(s.label for s in other.samples()) == [0, 4, 4, 9]
    assert labels_shown(other_view) == [0, 4, 4, 9]


def test_a_folder_without_pictures_is_reported(store, show, tmp_path, monkeypatch, errors):
    add(store, [1])
    view = show(store)
    monkeypatch.setattr(Dialogs, "ask_folder", lambda *a: tmp_path)
    view.import_folder()
    (title, message), *_ = errors
    assert title == "Could not import digits"
    assert "holds no pictures in subfolders named 0 to 9" in message
    assert len(store) == 1


# -- teach -------------------------------------------------------------------------------
def test_teach_needs_enough_digits_and_a_model(store, show, qtbot):
    add(store, [1] * (MIN_TO_TEACH - 1))
    view = show(store, Always(1))
    assert not view.teach_button.isEnabled()
    assert f"at least {MIN_TO_TEACH}" in view.teach_button.toolTip()
    add(store, [2], seed=3)
    view.refresh()
    assert view.teach_button.isEnabled()
    with qtbot.waitSignal(view.teach_requested):
        qtbot.mouseClick(view.teach_button, Qt.MouseButton.LeftButton)
    view.set_network(None)
    assert not view.teach_button.isEnabled()
    assert view.teach_button.toolTip() == "Load a model first"
