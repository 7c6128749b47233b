"""The model panel: training metadata and the architecture table, whatever the file holds."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import locale
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from digitlab.core.files.model_file import ModelFile, load_model, save_model
from digitlab.core.nn.architectures import lenet5
from digitlab.desktop.inspect.model_panel import (
    FIELDS,
    MISSING,
    ModelPanel,
    format_created,
    format_percent,
)

METADATA = {
    "name": "LeNet-5",
    "dataset": "MNIST",
    "epochs": 12,
    "val_accuracy": 0.9912,
    "test_accuracy": 0.9907,
    "train_config": {"optimizer": "adam", "lr": 0.001, "batch_size": 64},
    "digitlab_version": "0.1.0",
    "created": "2025-03-01T14:05:09+00:00",
}


def model_file(metadata: dict[str, Any], history: dict | None = None) -> ModelFile:
    return ModelFile(lenet5(0), metadata, history or {}, None, None)


@pytest.fixture
def panel(qtbot) -> ModelPanel:
    widget = ModelPanel()
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch):
    """Local time is UTC for the test, so dates read the same on every machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_shows_the_training_metadata(panel: ModelPanel, utc, tmp_path: Path) -> None:
    panel.show_model(model_file(METADATA), tmp_path / "lenet.h5")
    assert panel.field_text("Name") == "LeNet-5"
    assert panel.field_text("File") == str(tmp_path / "lenet.h5")
    assert panel.field_text("Dataset") == "MNIST"
    assert panel.field_text("Validation accuracy") == "99.12 %"
    assert panel.field_text("Test accuracy") == "99.07 %"
    assert panel.field_text("Epochs") == "12"
    assert panel.field_text("Created") == "1 Mar 2025, 14:05"
    assert panel.field_text("Optimizer") == "adam · lr 0.001 · batch 64"
    assert panel.field_text("Parameters") == "61,706"
    assert panel.field_text("Input") == "1\u00d728\u00d728"
    assert panel.field_text("digitlab version") == "0.1.0"
    assert panel.field_text("Taught") == "no"


def test_a_taught_model_says_on_what(panel: ModelPanel, tmp_path: Path) -> None:
    taught = {**METADATA, "personalised": True, "personal_samples": 24}
    taught |= {"personal_held_out": 6, "base_model": "lenet5-mnist", "base_test_accuracy": 0.9929}
    panel.show_model(model_file(taught), tmp_path / "mine.h5")
    assert panel.field_text("Taught") == (
        "your handwriting (24 of your digits, 6 held out), from lenet5-mnist; "
        "MNIST test 99.29% → 99.07%"
    )


def test_summary_lists_every_layer_with_shape_and_parameters(panel: ModelPanel) -> None:
    panel.show_model(model_file(METADATA), None)
    rows = panel.summary_rows()
    assert len(rows) == 1 + 12 + 1  # input, the layers, the total
    assert rows[0] == ["input", "", "1\u00d728\u00d728", ""]
    assert rows[1] == ["conv1", "Conv2D", "6\u00d728\u00d728", "156"]
    assert rows[7] == ["flatten", "Flatten", "400", "0"]
    assert rows[-1] == ["Total", "", "", "61,706"]


def test_missing_metadata_shows_dashes(panel: ModelPanel, tmp_path: Path) -> None:
    panel.show_model(model_file({}), tmp_path / "mystery.h5")
    assert panel.field_text("Name") == "mystery"  # the file's name stands in
    for label in ("Dataset", "Validation accuracy", "Test accuracy", "Epochs", "Created"):
        assert panel.field_text(label) == MISSING, label
    assert panel.field_text("Optimizer") == MISSING
    assert panel.field_text("Parameters") == "61,706"  # from the network, always known


def test_odd_metadata_never_breaks_the_panel(panel: ModelPanel) -> None:
    odd = {
        "name": {"first": "x"},
        "dataset": ["MNIST"],
        "val_accuracy": "abc",
        "test_accuracy": True,
        "epochs": [1, 2],
        "created": 10**30,
        "train_config": "adam",
        "digitlab_version": None,
    }
    panel.show_model(model_file(odd), None)
    texts = {label: panel.field_text(label) for label, _ in FIELDS}
    assert texts["Name"] == texts["Dataset"] == texts["Validation accuracy"] == MISSING
    assert texts["Test accuracy"] == texts["Epochs"] == texts["Created"] == MISSING
    assert texts["Optimizer"] == texts["digitlab version"] == MISSING
    assert texts["File"] == "not saved"


def test_markup_in_metadata_is_shown_as_text(panel: ModelPanel) -> None:
    panel.show_model(model_file({"name": "<b>bold</b>"}), None)
    assert panel.field_text("Name") == "<b>bold</b>"


def test_epochs_fall_back_to_the_history(panel: ModelPanel) -> None:
    panel.show_model(model_file({}, history={"loss": [0.5, 0.3, 0.2]}), None)
    assert panel.field_text("Epochs") == "3"


def test_clear_empties_the_panel(panel: ModelPanel) -> None:
    panel.show_model(model_file(METADATA), None)
    panel.clear()
    assert panel.field_text("Test accuracy") == MISSING
    assert panel.summary_rows() == []


def test_a_saved_and_loaded_model(panel: ModelPanel, tmp_path: Path) -> None:
    path = tmp_path / "saved.h5"
    save_model(path, lenet5(0), metadata={"name": "saved", "test_accuracy": 0.5})
    panel.show_model(load_model(path), path)
    assert panel.field_text("Name") == "saved"
    assert panel.field_text("Test accuracy") == "50.00 %"
    assert panel.field_text("Created") not in (MISSING, "")  # save_model records it
    assert panel.field_text("digitlab version") not in (MISSING, "")


PERCENTS = [
    (0.9907, "99.07 %"),
    (1, "100.00 %"),
    (99.5, "99.50 %"),  # already a percentage
    ("0.5", "50.00 %"),
    (-0.1, MISSING),
    (250, MISSING),
    (float("nan"), MISSING),
    (None, MISSING),
    (False, MISSING),
]


@pytest.mark.parametrize(("value", "text"), PERCENTS)
def test_format_percent(value: Any, text: str) -> None:
    assert format_percent(value) == text


@pytest.fixture(scope="module")
def german_locale_folder(tmp_path_factory) -> Path:
    """A compiled German locale (the machine may have none but C): a folder for $LOCPATH."""
    sources = Path("/usr/share/i18n/locales/de_DE")
    if shutil.which("localedef") is None or not sources.exists():
        pytest.skip("needs glibc's localedef and its locale sources to make a German locale")
    folder = tmp_path_factory.mktemp("locales")
    made = subprocess.run(
        ["localedef", "-i", "de_DE", "-f", "UTF-8", str(folder / "de_DE.UTF-8")],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    if not (folder / "de_DE.UTF-8" / "LC_TIME").exists():
        pytest.skip(f"localedef could not make de_DE.UTF-8: {made.stderr[-200:]!r}")
    return folder


def test_format_created_is_english_whatever_the_locale(
    utc, german_locale_folder, monkeypatch
) -> None:
    # Qt sets the C locale from the environment, so the app runs in the user's locale.
    monkeypatch.setenv("LOCPATH", str(german_locale_folder))
    before = locale.setlocale(locale.LC_TIME)
    locale.setlocale(locale.LC_TIME, "de_DE.UTF-8")
    try:
        assert time.strftime("%b", time.gmtime(60 * 86400)) == "Mär"  # the locale is on
        assert format_created("2025-03-01T14:05:09Z") == "1 Mar 2025, 14:05"
    finally:
        locale.setlocale(locale.LC_TIME, before)


def test_format_created_reads_iso_text_and_timestamps(utc) -> None:
    assert format_created("2025-03-01T14:05:09Z") == "1 Mar 2025, 14:05"
    assert format_created("2025-03-01T14:05:09") == "1 Mar 2025, 14:05"  # no zone: UTC
    assert format_created(0) == "1 Jan 1970, 00:00"
    assert format_created("2024-12-31T23:59:00Z") == "31 Dec 2024, 23:59"
    assert format_created("last tuesday") == "last tuesday"
    assert format_created("") == MISSING


def test_control_characters_from_a_file_are_shown_as_escapes(panel):
    """Issue 13: terminal escapes and right-to-left overrides in metadata or layer
    names are shown written out, never acted on."""
    network = lenet5(0)
    network.layers[0].name = "conv\x1b[2J"
    metadata = {"name": "\x1b]0;owned\x07", "dataset": "MNIST\u202e", "digitlab_version": "1\n2"}
    panel.show_model(ModelFile(network, metadata, {}, None, None), None)
    shown = [panel.field_text(label) for label, _ in FIELDS]
    shown += [cell for row in panel.summary_rows() for cell in row]
    assert not any(ch in text for text in shown for ch in "\x1b\x07\u202e\n")
    assert panel.field_text("Dataset") == "MNIST\\u202e"
    assert panel.summary_rows()[1][0] == "conv\\x1b[2J"


@pytest.mark.parametrize(
    ("verified", "shown"),
    [(True, "verified"), (False, "unverified (written before digitlab kept checksums)"),
     (None, MISSING)],
)  # fmt: skip
def test_the_panel_says_whether_the_files_checksums_were_verified(panel, verified, shown):
    panel.show_model(ModelFile(lenet5(0), METADATA, {}, None, None, verified), None)
    assert panel.field_text("Checksums") == shown
