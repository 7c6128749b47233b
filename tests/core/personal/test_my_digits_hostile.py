"""Hostile and damaged "my digits" files (issue 13): a file on which libhdf5 loops
forever is set aside at start instead of hanging the app; links, external storage,
declared sizes and packed canvases are checked before they cost anything; changed
contents are reported through checksums."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import h5py
import numpy as np
import pytest
from fuzz.hostile_files import HOSTILE_STORE_EDITS, copy_latest, strip_checksums
from fuzz.targets_files import STORE

from digitlab.core.personal.my_digits import MyDigitsError, MyDigitsStore, Sample, open_store


def finishes(code: str, seconds: float = 90) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh Python; fail (not hang) if it does not finish in time."""
    try:
        return subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            capture_output=True, text=True, timeout=seconds, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {seconds} s (blocked or hung)")


def heap_damaged_store(path: Path) -> None:
    """A store with one 4 KB block of a global heap zeroed, as a crash leaves it: with
    libhdf5 2.0 reading its texts loops forever in H5HG__cache_heap_deserialize."""
    rng = np.random.default_rng(0)
    store = MyDigitsStore(path)
    canvases = [(rng.random((60, 60)) * 255).astype(np.uint8) for _ in range(30)]
    store.add_many([Sample.create(i % 10, rng.random((28, 28)), c) for i, c in enumerate(canvases)])
    data = bytearray(path.read_bytes())
    heaps = [m.start() for m in re.finditer(b"GCOL", data)]
    start = heaps[1] + 2176  # inside the second heap collection, past its header
    data[start : start + 4096] = bytes(4096)
    path.write_bytes(bytes(data))


def test_a_store_that_hangs_libhdf5_is_set_aside_at_start(tmp_path):
    """Before: the app never started. Now the first read happens in a process that
    is abandoned, the file is kept aside and the person is told."""
    path = tmp_path / "my-digits.h5"
    heap_damaged_store(path)
    done = finishes(f"""
        from digitlab.core.personal import my_digits
        my_digits.FIRST_READ_SECONDS = 2.0  # the app waits 30 s
        store, problem = my_digits.open_store({str(path)!r})
        print(len(store), problem)
    """)
    assert done.stdout.startswith("0 your digits file"), done.stdout + done.stderr
    assert "is damaged: reading it did not finish within 2 s" in done.stdout
    assert "It was kept as" in done.stdout
    assert not path.exists() and list(tmp_path.glob("my-digits.corrupt-*.h5"))


def test_a_healthy_store_reads_the_same_in_its_own_process(tmp_path, rng):
    path = tmp_path / "my-digits.h5"
    MyDigitsStore(path).add(Sample.create(3, rng.random((28, 28)), np.ones((5, 7), np.uint8)))
    store, problem = open_store(path)
    assert problem is None and store.verified is True
    (sample,) = store.samples()
    assert sample.label == 3 and sample.canvas.shape == (5, 7)


def hostile_store(folder: Path, edit: str, checksums: bool) -> Path:
    path = folder / "my-digits.h5"
    copy_latest(STORE, path)
    with h5py.File(path, "r+", libver="latest") as f:
        if not checksums:
            strip_checksums(f)
        HOSTILE_STORE_EDITS[edit](f, folder)
    return path


REFUSED = {
    "a canvas of 65536 x 65536": "a canvas of 65536 x 65536 pixels",
    "canvas bombs": "does not match its size",
    "10**7 digits declared": "holds 10,000,000 digits",
    "external storage": "keeps its values in another file",
    "external link": "is a link",
}


@pytest.mark.parametrize("edit", sorted(REFUSED))
def test_a_hostile_store_is_refused_as_damaged(tmp_path, edit):
    path = hostile_store(tmp_path, edit, checksums=False)
    tracemalloc.start()
    try:
        with pytest.raises(MyDigitsError) as caught:
            MyDigitsStore(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.damaged
    assert REFUSED[edit] in str(caught.value)
    assert peak < 20_000_000  # canvas bombs cost 2.2 GB before


def test_a_changed_label_is_reported_through_the_checksum(tmp_path):
    path = hostile_store(tmp_path, "a label changed", checksums=True)
    with pytest.raises(MyDigitsError, match="does not match its checksum") as caught:
        MyDigitsStore(path)
    assert caught.value.damaged


def test_a_store_from_before_checksums_opens_unverified_and_gains_them(tmp_path, rng):
    path = hostile_store(tmp_path, "a label changed", checksums=False)
    store = MyDigitsStore(path)
    assert store.verified is False
    store.add(Sample.create(1, rng.random((28, 28))))
    assert MyDigitsStore(path).verified is True


def test_a_store_path_that_is_a_fifo_is_refused_without_blocking(tmp_path):
    path = tmp_path / "my-digits.h5"
    os.mkfifo(path)
    done = finishes(f"""
        from digitlab.core.personal.my_digits import MyDigitsError, MyDigitsStore
        try:
            MyDigitsStore({str(path)!r})
        except MyDigitsError as exc:
            print(exc.damaged, exc)
    """)
    assert done.stdout.startswith("False "), done.stdout + done.stderr
    assert "it is a FIFO (a named pipe), not a file" in done.stdout


def test_the_damaged_flag_survives_the_reading_process(tmp_path):
    path = tmp_path / "my-digits.h5"
    path.write_bytes(b"not a store at all")
    with pytest.raises(MyDigitsError) as caught:
        MyDigitsStore(path, read_timeout=60)
    assert caught.value.damaged and "not an HDF5 file" in str(caught.value)


def test_when_the_reading_process_cannot_start_the_file_is_read_here(tmp_path, rng, monkeypatch):
    """A reading process that gives no answer (no Python to start, in a frozen app)
    says nothing about the file: a healthy collection must not be set aside for it."""
    import subprocess as real

    path = tmp_path / "my-digits.h5"
    MyDigitsStore(path).add(Sample.create(4, rng.random((28, 28))))

    def no_python(*args, **kwargs):
        return real.CompletedProcess(args, 1, b"", b"python: not found")

    monkeypatch.setattr("digitlab.core.files.isolated.subprocess.run", no_python)
    store, problem = open_store(path)
    assert problem is None and [s.label for s in store.samples()] == [4]


def test_overlong_text_in_a_store_is_refused(tmp_path):
    path = hostile_store(tmp_path, "a label changed", checksums=False)
    with h5py.File(path, "r+") as f:
        names = f["model_name"].asstr()[()]
        names[0] = "x" * 1_001
        del f["model_name"]
        f.create_dataset("model_name", data=names.astype(object), dtype=h5py.string_dtype())
    with pytest.raises(MyDigitsError, match="longer than 1,000 characters") as caught:
        MyDigitsStore(path)
    assert caught.value.damaged


def test_a_store_on_which_libhdf5_crashes_is_set_aside_not_fatal(tmp_path):
    """A fuzz case (a mutated store) on which libhdf5 2.0 dies of SIGSEGV as the reader
    reads it: read in the app, the app would die at every start; now the reading
    process dies and the file is set aside."""
    from fuzz.targets_files import mutate

    path = tmp_path / "my-digits.h5"
    path.write_bytes(mutate(STORE, np.random.default_rng(200022)))
    done = finishes(f"""
        from digitlab.core.personal.my_digits import open_store
        store, problem = open_store({str(path)!r})
        print(len(store), problem)
    """)
    assert "is damaged: reading it crashed the reading process (SIGSEGV)" in done.stdout, (
        done.stdout + done.stderr
    )
    assert not path.exists()
