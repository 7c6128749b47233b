"""core.data.pendigits: the UNIPEN file as the UCI repository gives it, split by writer."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import pytest

from digitlab.core.data import pendigits
from digitlab.core.data.pendigits import (
    PENDIGITS_FILE,
    load_pendigits,
    parse_unipen,
    split_by_writer,
    writers,
)
from digitlab.core.errors import DatasetError

SAMPLE = """.INCLUDE dene.doc
.LEXICON "0" "1"
.SEGMENT DIGIT 0 ? "8"
.COMMENT 8 12 224
.PEN_DOWN
 267 333
 266 342
.PEN_UP
.PEN_DOWN
 10 20
.PEN_UP
.SEGMENT DIGIT 2 ? "1"
.COMMENT 1 5 3
.PEN_DOWN
 1 2
 3 4
 5 6
.PEN_UP
"""

SHARED = Path(__file__).resolve().parents[4] / "shared" / "datasets" / "pendigits"
REAL = Path(os.environ.get("DIGITLAB_TEST_PENDIGITS", SHARED))


def test_digits_labels_writers_and_strokes_are_read():
    eight, one = parse_unipen(SAMPLE.splitlines())
    assert (eight.label, eight.writer, len(eight.strokes)) == (8, 12, 2)
    assert np.array_equal(eight.strokes[0], [[267, 333], [266, 342]])
    assert np.array_equal(eight.strokes[1], [[10, 20]])
    assert (one.label, one.writer) == (1, 5) and one.strokes[0].shape == (3, 2)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (".COMMENT eight 12 3", "expected '.COMMENT <digit> <writer>"),
        (".COMMENT 12 12 3", "the label 12 is not a digit"),
    ],
)
def test_a_bad_comment_is_refused_with_its_line(bad, message):
    text = SAMPLE.replace(".COMMENT 8 12 224", bad)
    with pytest.raises(DatasetError, match=f"line 4: {message}"):
        parse_unipen(text.splitlines())


@pytest.mark.parametrize("point", [" 1 two", " nan 3", " 7"])
def test_a_bad_point_is_refused_with_its_line(point):
    with pytest.raises(DatasetError, match="line 6"):
        parse_unipen(SAMPLE.replace(" 267 333", point).splitlines())


def test_a_folder_without_the_file_is_refused_in_words(tmp_path):
    with pytest.raises(DatasetError, match=f"{PENDIGITS_FILE} is not there"):
        load_pendigits(tmp_path)


def test_the_file_may_be_gzipped(tmp_path):
    (tmp_path / f"{PENDIGITS_FILE}.gz").write_bytes(gzip.compress(SAMPLE.encode("ascii")))
    assert [d.label for d in load_pendigits(tmp_path)] == [8, 1]


def test_a_binary_or_empty_file_is_refused(tmp_path):
    (tmp_path / PENDIGITS_FILE).write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(DatasetError, match="not a UNIPEN text file"):
        load_pendigits(tmp_path)
    (tmp_path / PENDIGITS_FILE).write_text(".LEXICON\n", encoding="ascii")
    with pytest.raises(DatasetError, match="holds no digits"):
        load_pendigits(tmp_path)


def test_splitting_by_writer_never_shares_a_writer():
    digits = parse_unipen(SAMPLE.splitlines())
    rest, held = split_by_writer(digits, [12])
    assert [d.writer for d in held] == [12] and [d.writer for d in rest] == [5]
    assert writers(digits) == [5, 12]


@pytest.mark.skipif(not (REAL / PENDIGITS_FILE).is_file(), reason=f"pen digits not found at {REAL}")
def test_the_real_file_has_its_published_counts():
    digits = load_pendigits(REAL)
    assert len(digits) == 7494 and sum(len(d.strokes) for d in digits) == 9433
    counts = np.bincount([d.label for d in digits], minlength=10)
    assert counts.tolist() == [780, 779, 780, 719, 780, 720, 720, 778, 719, 719]
    assert writers(digits) == list(range(1, 31))


def test_a_gzip_bomb_or_a_broken_gzip_is_refused_in_bounded_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(pendigits, "MAX_BYTES", 1000)
    bomb = tmp_path / f"{PENDIGITS_FILE}.gz"
    bomb.write_bytes(gzip.compress(b" 1 2\n" * 10_000))  # 50 kB unpacked from a tiny file
    with pytest.raises(DatasetError, match="unpacks to more than"):
        load_pendigits(tmp_path)
    bomb.write_bytes(gzip.compress(SAMPLE.encode("ascii"))[:-12])  # cut short
    with pytest.raises(DatasetError, match="not a readable gzip file"):
        load_pendigits(tmp_path)
