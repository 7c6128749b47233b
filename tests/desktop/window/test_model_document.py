"""ModelDocument (the current model, its path, unsaved changes) and RecentModels."""

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from digitlab.core.errors import ModelFileError
from digitlab.core.files.model_file import ModelFile, load_model
from digitlab.core.nn.architectures import lenet5
from digitlab.desktop.window.model_document import ModelDocument, RecentModels, app_settings


def untrained(name="fresh"):
    return ModelFile(lenet5(0), {"name": name}, {}, None, None)


@pytest.fixture
def document(qtbot):
    return ModelDocument()


def test_set_model_announces_the_new_model(document, qtbot):
    with qtbot.waitSignal(document.model_changed, timeout=100):
        document.set_model(untrained(), None)
    assert document.network is not None
    assert document.path is None
    assert not document.modified
    assert document.display_name == "fresh"
    assert not document.can_save_in_place  # never saved: Save must ask where


def test_modified_is_signalled_only_on_change(document, qtbot):
    document.set_model(untrained(), None)
    seen = []
    document.modified_changed.connect(seen.append)
    document.set_modified(True)
    document.set_modified(True)
    document.set_modified(False)
    assert seen == [True, False]
    document.set_model(untrained(), None, modified=True)
    assert document.modified


def test_save_then_open_round_trips_the_weights(document, tmp_path):
    model = untrained()
    document.set_model(model, None, modified=True)
    path = tmp_path / "saved.h5"
    document.save(path)
    assert document.path == path
    assert not document.modified
    assert document.can_save_in_place
    assert document.display_name == "saved.h5"
    assert document.model_file.metadata["name"] == "fresh"
    reopened = ModelDocument()
    reopened.open(path)
    for name, value in model.network.params().items():
        np.testing.assert_array_equal(reopened.network.params()[name], value)


def test_a_bad_file_leaves_the_document_as_it_was(document, tmp_path):
    document.set_model(untrained(), None, modified=True)
    before = document.model_file
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelFileError, match=r"bad\.h5"):
        document.open(bad)
    assert document.model_file is before
    assert document.modified


def test_the_bundled_model_is_never_saved_in_place(document, monkeypatch, model_path):
    monkeypatch.setattr(
        "digitlab.desktop.window.model_document.bundled_model_path", lambda: model_path
    )
    document.set_model(load_model(model_path), model_path)
    assert document.is_bundled
    assert not document.can_save_in_place


def test_recent_models_newest_first_without_repeats(tmp_path):
    recent = RecentModels(QSettings(str(tmp_path / "recent.ini"), QSettings.Format.IniFormat))
    paths = [tmp_path / f"m{i}.h5" for i in range(10)]
    for path in paths:
        path.write_bytes(b"")
        recent.add(path)
    recent.add(paths[3])
    listed = recent.paths()
    assert len(listed) == RecentModels.MAX
    assert listed[0] == paths[3].resolve()
    assert listed[1] == paths[9].resolve()
    assert len(set(listed)) == len(listed)


def test_recent_models_lists_only_files_that_exist(tmp_path):
    recent = RecentModels(QSettings(str(tmp_path / "recent.ini"), QSettings.Format.IniFormat))
    kept, gone = tmp_path / "kept.h5", tmp_path / "gone.h5"
    kept.write_bytes(b"")
    recent.add(kept)
    recent.add(gone)
    assert recent.paths() == [kept.resolve()]
    recent.remove(kept)
    assert recent.paths() == []


def test_app_settings_live_in_the_test_folder(isolated_settings):
    settings = app_settings()
    settings.setValue("probe", 1)
    settings.sync()
    assert str(isolated_settings) in settings.fileName()


def test_a_file_on_which_libhdf5_loops_is_abandoned_not_waited_for(document, tmp_path, monkeypatch):
    """Issue 13: before, opening such a file froze the window for good. (The file is
    a fuzz case that makes libhdf5 2.0 loop reading an attribute.)"""
    from fuzz.targets_files import MODEL, mutate

    from digitlab.core.files import model_file

    monkeypatch.setattr(model_file, "OPEN_SECONDS", 1.0)
    document.set_model(untrained(), None)
    before = document.model_file
    path = tmp_path / "damaged.h5"
    path.write_bytes(mutate(MODEL, np.random.default_rng(72)))
    with pytest.raises(ModelFileError, match="did not finish within 1 s"):
        document.open(path)
    assert document.model_file is before


def test_a_file_opened_in_the_window_is_verified(document, tmp_path):
    from fuzz.targets_files import MODEL

    path = tmp_path / "model.h5"
    path.write_bytes(MODEL)
    assert document.open(path).verified is True
