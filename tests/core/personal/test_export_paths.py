"""My-digits export: ids and labels read from a file never lead outside the chosen folder
(issue 13, item 8)."""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest

from digitlab.core.errors import DatasetError
from digitlab.core.personal.digit_folder import export_path, export_stem
from digitlab.core.personal.my_digits import MyDigitsStore, Sample


def stored(tmp_path, *samples: Sample) -> MyDigitsStore:
    """A store holding ``samples`` as if read from an edited file (the file reader is
    not what is tested here, so they are put in place directly)."""
    store = MyDigitsStore(tmp_path / "never-written.h5")
    store._samples = list(samples)
    return store


def plain_sample(label: int = 3, **changes) -> Sample:
    image = np.zeros((28, 28), np.float32)
    image[8:20, 12:16] = 1.0
    return dataclasses.replace(Sample.create(label, image), **changes)


HOSTILE_IDS = ["../../..", "../../escaped", "/tmp/absolute", "a/b", "..", ".", "", "x" * 300,
               "bad\0byte", "C:\\windows", "~/home"]  # fmt: skip


@pytest.mark.parametrize("sample_id", HOSTILE_IDS)
def test_hostile_ids_are_exported_inside_the_folder(tmp_path, sample_id):
    out = tmp_path / "deep" / "er" / "out"
    out.mkdir(parents=True)
    store = stored(tmp_path, plain_sample(3, id=sample_id))
    assert store.export_pngs(out) == 1
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) == 1
    assert written[0].parent == out / "3" and written[0].name.startswith("digit-")


def test_an_export_with_hostile_ids_imports_back_without_duplicates(tmp_path):
    store = stored(tmp_path, plain_sample(3, id="../../x"), plain_sample(5))
    store.export_pngs(tmp_path / "out")
    assert store.import_pngs(tmp_path / "out") == 0


@pytest.mark.parametrize("label", [-1, 10, 999, True])
def test_a_label_that_is_not_a_digit_is_refused(tmp_path, label):
    store = stored(tmp_path, dataclasses.replace(plain_sample(3), label=label))
    with pytest.raises(DatasetError, match="not 0 to 9"):
        store.export_pngs(tmp_path / "out")
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_label_folder_linking_elsewhere_is_not_written_through(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "3").symlink_to(outside, target_is_directory=True)
    with pytest.raises(DatasetError, match="leads outside"):
        stored(tmp_path, plain_sample(3)).export_pngs(out)
    assert list(outside.iterdir()) == []


def test_uuids_stay_the_file_names():
    sample = plain_sample(4)
    assert export_stem(sample.id) == sample.id
    assert export_stem("../x") == export_stem("../x") != export_stem("../y")


def test_export_path_is_built_under_the_root(tmp_path):
    assert export_path(tmp_path, 7, "abc") == tmp_path.resolve() / "7" / "abc.png"
