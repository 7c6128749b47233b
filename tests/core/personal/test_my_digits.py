"""The "my digits" store: durable adds, edits, arrays, damaged files, export and import."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import h5py
import numpy as np
import pytest

from digitlab.core.personal import my_digits, my_digits_file
from digitlab.core.personal.digit_folder import write_png
from digitlab.core.personal.my_digits import (
    MAX_CANVAS_SIDE,
    MyDigitsError,
    MyDigitsStore,
    Sample,
    open_store,
    set_aside_corrupt,
)
from digitlab.core.reading.image_io import ImageFileError
from digitlab.core.reading.preprocess import to_mnist


def drawing(rng: np.random.Generator, size: int = 60) -> np.ndarray:
    """A canvas (size, size) float32 ink high with a random bar of ink on it."""
    canvas = np.zeros((size, size), np.float32)
    top, left = rng.integers(5, size // 2, 2)
    canvas[top : top + size // 3, left : left + 4] = 1.0
    return canvas


def sample(rng: np.random.Generator, label: int = 1, **kwargs) -> Sample:
    canvas = drawing(rng)
    return Sample.create(label, to_mnist(canvas), canvas, **kwargs)


@pytest.fixture
def store(tmp_path) -> MyDigitsStore:
    return MyDigitsStore(tmp_path / "data" / "my-digits.h5")


def test_a_missing_file_is_an_empty_collection_and_is_not_created(store):
    assert len(store) == 0 and store.samples() == []
    x, labels = store.arrays()
    assert x.shape == (0, 1, 28, 28) and labels.shape == (0,)
    assert not store.path.exists()


def test_an_added_sample_is_on_disk_with_every_field(store, rng):
    added = store.add(sample(rng, 7, model_answer=3, model_name="lenet5-mnist"))
    (again,) = MyDigitsStore(store.path).samples()
    assert (again.id, again.label, again.model_answer, again.model_name, again.created) == (
        added.id, 7, 3, "lenet5-mnist", added.created,
    )  # fmt: skip
    np.testing.assert_array_equal(again.image, added.image)
    np.testing.assert_array_equal(again.canvas, added.canvas)
    assert again.canvas.dtype == np.uint8 and again.canvas.shape == (60, 60)
    assert again.wrong and not Sample.create(7, added.image, model_answer=-1).wrong


def test_delete_and_relabel_are_on_disk(store, rng):
    first, second = store.add(sample(rng, 1)), store.add(sample(rng, 2))
    store.relabel(second.id, 9)
    store.delete(first.id)
    (left,) = MyDigitsStore(store.path).samples()
    assert (left.id, left.label) == (second.id, 9)
    with pytest.raises(MyDigitsError, match="no digit with id"):
        store.delete(first.id)


def test_many_digits_are_deleted_and_relabelled_in_one_write(store, rng, monkeypatch):
    added = [store.add(sample(rng, label)) for label in (1, 2, 3, 4)]
    writes = []
    real_write = my_digits.write_columns
    monkeypatch.setattr(my_digits, "write_columns", lambda *a: writes.append(real_write(*a)))
    relabelled = store.relabel_many([added[2].id, added[0].id], 7)
    store.delete_many([added[1].id, added[3].id])
    assert len(writes) == 2
    assert [(s.id, s.label) for s in relabelled] == [(added[2].id, 7), (added[0].id, 7)]
    left = MyDigitsStore(store.path).samples()
    assert [(s.id, s.label) for s in left] == [(added[0].id, 7), (added[2].id, 7)]


def test_a_batch_with_an_unknown_id_changes_nothing(store, rng):
    added = [store.add(sample(rng, label)) for label in (1, 2)]
    with pytest.raises(MyDigitsError, match="no digit with id nope"):
        store.delete_many([added[0].id, "nope"])
    with pytest.raises(MyDigitsError, match="no digit with id nope"):
        store.relabel_many([added[1].id, "nope"], 5)
    left = MyDigitsStore(store.path).samples()
    assert [(s.id, s.label) for s in left] == [(added[0].id, 1), (added[1].id, 2)]


def test_arrays_follow_the_collection_order(store, rng):
    added = [store.add(sample(rng, label)) for label in (4, 0, 4)]
    x, labels = store.arrays()
    assert x.shape == (3, 1, 28, 28) and x.dtype == np.float32
    assert labels.tolist() == [4, 0, 4] and labels.dtype == np.int64
    np.testing.assert_array_equal(x[1, 0], added[1].image)


def test_samples_cannot_be_changed_through_their_images(store, rng):
    added = store.add(sample(rng))
    with pytest.raises(ValueError, match="read-only"):
        added.image[0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        MyDigitsStore(store.path).samples()[0].image[0, 0] = 1.0


@pytest.mark.parametrize(
    ("label", "image", "answer", "message"),
    [
        (10, np.zeros((28, 28)), -1, "label must be a digit 0 to 9, got 10"),
        (True, np.zeros((28, 28)), -1, "label must be a digit"),
        (3, np.zeros((20, 20)), -1, "28x28"),
        (3, np.full((28, 28), np.nan), -1, "28x28 finite"),
        (3, np.zeros((28, 28)), -2, "model_answer must be a digit -1 to 9"),
    ],
)
def test_bad_samples_are_refused(label, image, answer, message):
    with pytest.raises(MyDigitsError, match=message):
        Sample.create(label, image, model_answer=answer)


def test_float_canvases_become_bytes_and_big_ones_shrink():
    small = Sample.create(1, np.zeros((28, 28)), np.full((10, 20), 0.5, np.float32))
    assert small.canvas.shape == (10, 20) and small.canvas.max() == 128
    big = Sample.create(1, np.zeros((28, 28)), np.ones((2 * MAX_CANVAS_SIDE, MAX_CANVAS_SIDE)))
    assert big.canvas.shape == (MAX_CANVAS_SIDE, MAX_CANVAS_SIDE // 2)
    assert Sample.create(1, np.zeros((28, 28))).canvas.shape == (0, 0)


def test_adds_from_many_threads_all_land(store, rng):
    samples = [sample(rng, i % 10) for i in range(24)]

    def add(part):
        for s in part:
            store.add(s)

    threads = [threading.Thread(target=add, args=(samples[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {s.id for s in MyDigitsStore(store.path).samples()} == {s.id for s in samples}


def test_a_failed_write_leaves_file_and_collection_as_they_were(store, rng, monkeypatch):
    store.add(sample(rng))
    before = store.path.read_bytes()

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(my_digits_file.os, "replace", disk_full)
    with pytest.raises(MyDigitsError, match=r"could not save your digits .* no space left"):
        store.add(sample(rng))
    assert len(store) == 1 and store.path.read_bytes() == before
    assert os.listdir(store.path.parent) == [store.path.name]  # no temporary file left


# -- damaged files -----------------------------------------------------------------------
def rewrite(path: Path, change) -> None:
    with h5py.File(path, "r+") as f:
        change(f)


def replace_column(name: str, data: np.ndarray):
    def change(f):
        del f[name]
        f[name] = data

    return change


DAMAGE = {
    "not HDF5": lambda path: path.write_bytes(b"this is not an HDF5 file at all"),
    "truncated": lambda path: path.write_bytes(path.read_bytes()[:3000]),
    "other format": lambda path: rewrite(path, lambda f: f.attrs.modify("format", "x")),
    "missing column": lambda path: rewrite(path, lambda f: f.__delitem__("label")),
    "short column": lambda path: rewrite(path, replace_column("label", np.int8([1]))),
    "image shape": lambda path: rewrite(path, replace_column("image", np.zeros((2, 20, 20)))),
    "label not a digit": lambda path: rewrite(path, replace_column("label", np.int8([1, 12]))),
    "canvas size": lambda path: rewrite(path, replace_column("canvas_shape", np.ones((2, 2)))),
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_file_is_refused_as_damaged(store, rng, damage):
    store.add(sample(rng))
    store.add(sample(rng))
    damage(store.path)
    message = f"your digits file {re.escape(str(store.path))} is damaged"
    with pytest.raises(MyDigitsError, match=message) as error:
        MyDigitsStore(store.path)
    assert error.value.damaged


def test_a_damaged_file_is_set_aside_never_emptied(store, rng):
    store.add(sample(rng))
    store.path.write_bytes(b"garbage")
    kept = set_aside_corrupt(store.path)
    assert kept.parent == store.path.parent and kept.name.startswith("my-digits.corrupt-")
    assert kept.suffix == ".h5" and kept.read_bytes() == b"garbage"
    assert not store.path.exists()
    store.path.write_bytes(b"more garbage")  # a second one in the same second
    assert set_aside_corrupt(store.path) != kept and kept.read_bytes() == b"garbage"


def test_open_store_starts_afresh_and_says_where_the_damaged_file_went(store, rng):
    store.add(sample(rng))
    store.path.write_bytes(b"garbage")
    fresh, problem = open_store(store.path)
    assert len(fresh) == 0
    (kept,) = store.path.parent.glob("my-digits.corrupt-*.h5")
    assert "is damaged" in problem and str(kept) in problem and kept.read_bytes() == b"garbage"
    assert open_store(store.path)[1] is None


def test_a_newer_file_is_refused_but_not_set_aside(store, rng):
    store.add(sample(rng))
    rewrite(store.path, lambda f: f.attrs.modify("format_version", np.int64(2)))
    with pytest.raises(MyDigitsError, match="newer digitlab") as error:
        open_store(store.path)
    assert not error.value.damaged and store.path.exists()


# -- folders of pictures -------------------------------------------------------------------
def test_export_then_import_gives_the_same_digits(store, rng, tmp_path):
    added = [store.add(sample(rng, label)) for label in (3, 3, 8)]
    assert store.export_pngs(tmp_path / "out") == 3
    assert sorted(p.parent.name for p in (tmp_path / "out").rglob("*.png")) == ["3", "3", "8"]
    other = MyDigitsStore(tmp_path / "other.h5")
    assert other.import_pngs(tmp_path / "out") == 3
    # Imported in folder order: by digit, then by file name, which is the old id.
    in_folder_order = sorted(added, key=lambda s: (s.label, s.id))
    for original, imported in zip(in_folder_order, other.samples(), strict=True):
        assert imported.label == original.label and imported.id != original.id
        np.testing.assert_allclose(imported.image, original.image, atol=2 / 255)
        np.testing.assert_array_equal(imported.canvas, original.canvas)
    assert store.import_pngs(tmp_path / "out") == 0  # their ids are already here


def test_import_is_all_or_nothing(store, rng, tmp_path):
    write_png(tmp_path / "in" / "5" / "good.png", (drawing(rng) * 255).astype(np.uint8))
    (tmp_path / "in" / "6").mkdir()
    (tmp_path / "in" / "6" / "bad.png").write_bytes(b"not a picture")
    with pytest.raises(ImageFileError, match=r"bad\.png"):
        store.import_pngs(tmp_path / "in")
    assert len(store) == 0 and not store.path.exists()
