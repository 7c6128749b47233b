"""The window refuses a model that loads but cannot read digits: it says why and keeps
the model it had (issue 13, item 6: prediction_panel, recognition and pyqtgraph used to
raise on such networks); and a model's name from its file never becomes a path (item 8)."""

from pathlib import Path

import pytest

from digitlab.core.files.model_file import ModelFile, save_model
from digitlab.core.nn.architectures import lenet5
from digitlab.core.nn.layers import Conv2D
from digitlab.core.nn.network import Network
from digitlab.desktop.common.dialogs import Dialogs
from digitlab.desktop.window.main_window import MainWindow
from digitlab.desktop.window.model_commands import LAST_MODEL_KEY
from digitlab.desktop.window.model_document import app_settings


@pytest.mark.parametrize(
    ("network", "words"),
    [
        (lambda: lenet5(0, classes=3), "it gives 3 class scores"),
        (lambda: Network([Conv2D(4, 5, padding=2)], (1, 28, 28), rng=0), "not one score per"),
    ],
    ids=["3-classes", "conv-output"],
)
def test_opening_an_unusable_model_says_why_and_keeps_the_current_one(
    window, tmp_path, errors, network, words
):
    before = window.document.model_file
    path = tmp_path / "odd.h5"
    save_model(path, network())
    assert not window.open_model_path(path)
    assert len(errors) == 1
    assert "odd.h5" in errors[0][1] and words in errors[0][1]
    assert window.document.model_file is before
    assert window.statusBar().currentMessage().startswith("Could not open odd.h5")


def test_an_unusable_last_model_is_passed_over_at_start(qtbot, monkeypatch, tmp_path, model_path):
    """The model used last time was replaced by one that cannot read digits: the window
    starts with the next model instead (it used to open it, then fail drawing it)."""
    odd = tmp_path / "odd.h5"
    save_model(odd, lenet5(0, classes=3))
    app_settings().setValue(LAST_MODEL_KEY, str(odd))
    monkeypatch.setattr(
        "digitlab.desktop.window.model_commands.bundled_model_path", lambda: model_path
    )
    window = MainWindow(my_digits_path=tmp_path / "my-digits.h5")
    qtbot.addWidget(window)
    window.load_initial_model()
    assert window.document.path == model_path
    assert window.document.network.output_shape == (10,)


@pytest.mark.parametrize(
    ("name", "stem"), [("../../etc/cron.d/x", "etc-cron.d-x"), ("/abs", "abs"), ("..", "model")]
)
def test_save_as_never_suggests_a_path_out_of_a_models_name(
    window, monkeypatch, tmp_path, name, stem
):
    """An unsaved model's name may come from a file: it is a name, never a path."""
    untitled = ModelFile(lenet5(0), {"name": name}, {}, None, None)
    window.document.set_model(untitled, None)
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path))
    asked = []
    monkeypatch.setattr(Dialogs, "ask_save_model_path", lambda parent, path: asked.append(path))
    window.save_as_action.trigger()
    assert asked == [tmp_path / f"{stem}.h5"]
