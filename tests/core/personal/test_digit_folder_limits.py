"""Folders of digit pictures have limits on count and pixels, and an unreadable
subfolder is reported in words (issue 13, items 3 and 9)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from digitlab.core.cli.parser import main
from digitlab.core.errors import DatasetError
from digitlab.core.personal import digit_folder
from digitlab.core.personal.digit_folder import kept_picture, read_digit_folder, write_png


def bar(size: int = 30) -> np.ndarray:
    image = np.zeros((size, size), np.uint8)
    image[size // 5 : -size // 5, size // 2 - 2 : size // 2 + 2] = 255
    return image


def fill(folder, counts: dict[int, int], size: int = 30) -> None:
    for digit, count in counts.items():
        for index in range(count):
            write_png(folder / str(digit) / f"{index}.png", bar(size))


def test_more_pictures_than_the_limit_are_refused_before_any_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(digit_folder, "MAX_FOLDER_PICTURES", 5)
    monkeypatch.setattr(digit_folder, "load_image", lambda p: pytest.fail("decoded"))
    fill(tmp_path, {1: 3, 2: 3})
    with pytest.raises(DatasetError, match="more than 5 pictures"):
        read_digit_folder(tmp_path)


def test_too_many_pixels_in_all_are_refused_from_the_headers(tmp_path, monkeypatch):
    monkeypatch.setattr(digit_folder, "MAX_FOLDER_PIXELS", 2 * 30 * 30)
    monkeypatch.setattr(digit_folder, "load_image", lambda p: pytest.fail("decoded"))
    fill(tmp_path, {1: 3})
    with pytest.raises(DatasetError, match="more than 1,800 pixels in all"):
        read_digit_folder(tmp_path)


def test_a_folder_full_of_other_files_is_not_listed_to_the_end(tmp_path, monkeypatch):
    monkeypatch.setattr(digit_folder, "MAX_FOLDER_ENTRIES", 10)
    (tmp_path / "4").mkdir()
    for index in range(12):
        (tmp_path / "4" / f"{index}.txt").write_text("x", encoding="utf-8")
    with pytest.raises(DatasetError, match="more than 10 files"):
        read_digit_folder(tmp_path)


def test_the_limits_themselves_are_allowed(tmp_path, monkeypatch):
    monkeypatch.setattr(digit_folder, "MAX_FOLDER_PICTURES", 4)
    monkeypatch.setattr(digit_folder, "MAX_FOLDER_PIXELS", 4 * 30 * 30)
    fill(tmp_path, {1: 2, 7: 2})
    assert read_digit_folder(tmp_path).labels.tolist() == [1, 1, 7, 7]


def test_pictures_are_kept_small_as_bytes(tmp_path):
    fill(tmp_path, {1: 1}, size=1200)
    kept = read_digit_folder(tmp_path).pictures[0]
    assert kept.dtype == np.uint8 and kept.shape == (512, 512)
    assert kept_picture(np.ones((20, 10))).tolist() == np.full((20, 10), 255).tolist()


def unlistable(monkeypatch, folder):
    """Listing ``folder`` fails as a folder without read permission does (CI runs as
    root, which permissions do not stop, so the OS call is made to fail instead)."""
    real = os.scandir

    def scandir(path):
        if os.fspath(path) == os.fspath(folder):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(digit_folder.os, "scandir", scandir)


def test_an_unreadable_subfolder_is_reported_in_words(tmp_path, monkeypatch):
    fill(tmp_path, {2: 1, 5: 1})
    unlistable(monkeypatch, tmp_path / "5")
    with pytest.raises(DatasetError, match=r"the folder .*5 cannot be read: Permission denied"):
        read_digit_folder(tmp_path)


def test_teach_with_an_unreadable_folder_ends_without_a_traceback(tmp_path, monkeypatch, capsys):
    """It used to end in a PermissionError traceback."""
    fill(tmp_path / "mine", {2: 1, 5: 1})
    unlistable(monkeypatch, tmp_path / "mine" / "5")
    code = main(["teach", "--images", str(tmp_path / "mine"), "--data", str(tmp_path)])
    assert code == 2
    assert "cannot be read: Permission denied" in capsys.readouterr().err


def test_a_subfolder_that_cannot_be_searched_is_reported_in_words(tmp_path, monkeypatch):
    """stat() fails with EACCES in a folder without search permission."""
    fill(tmp_path, {2: 1})
    real = digit_folder.Path.is_dir

    def is_dir(self):
        if self.name == "6":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(digit_folder.Path, "is_dir", is_dir)
    with pytest.raises(DatasetError, match=r"the folder .*6 cannot be read: Permission denied"):
        read_digit_folder(tmp_path)
