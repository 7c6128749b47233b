"""Pictures are refused from their header when they are too large, of a format not
read, or not regular files: nothing is decoded first (issue 13, items 3 and 9)."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFile

from digitlab.core.reading import image_io
from digitlab.core.reading.image_io import (
    MAX_IMAGE_PIXELS,
    ImageFileError,
    image_pixels,
    load_image,
)


def png_header_only(path, width: int, height: int) -> None:
    """A PNG whose IHDR declares ``width`` x ``height`` grey pixels, with one tiny IDAT:
    a few dozen bytes that a reader decoding first would expand to width x height."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(bytes(width + 1))  # one row
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("size", [(9000, 9000), (4097, 4096), (200_000, 100)])
def test_a_picture_declaring_too_many_pixels_is_refused_before_decoding(tmp_path, size):
    path = tmp_path / "huge.png"
    png_header_only(path, *size)
    decoded = []
    original = ImageFile.ImageFile.load
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(1) or original(self))
        with pytest.raises(ImageFileError, match=f"more than the {MAX_IMAGE_PIXELS:,} pixels"):
            load_image(path)
    assert decoded == []
    with pytest.raises(ImageFileError, match="pixels"):
        image_pixels(path)


def test_the_pixel_limit_itself_is_allowed(tmp_path, monkeypatch):
    monkeypatch.setattr(image_io, "MAX_IMAGE_PIXELS", 12 * 10)
    path = tmp_path / "ok.png"
    Image.fromarray(np.full((10, 12), 255, np.uint8)).save(path)
    assert image_pixels(path) == 120
    assert load_image(path).shape == (10, 12)
    Image.fromarray(np.full((11, 12), 255, np.uint8)).save(path)
    with pytest.raises(ImageFileError, match="12 x 11 pixels, more than the 120"):
        load_image(path)


def test_a_file_larger_than_the_limit_is_not_opened(tmp_path, monkeypatch):
    monkeypatch.setattr(image_io, "MAX_IMAGE_FILE_BYTES", 50)
    path = tmp_path / "big.bmp"
    Image.fromarray(np.zeros((20, 20), np.uint8)).save(path)
    monkeypatch.setattr(Image, "open", lambda *a, **k: pytest.fail("opened"))
    with pytest.raises(ImageFileError, match=r"bytes, larger than the 50 bytes"):
        load_image(path)


def test_formats_other_than_png_jpeg_bmp_and_gif_are_not_opened(tmp_path):
    path = tmp_path / "digit.tiff"
    Image.fromarray(np.zeros((20, 20), np.uint8)).save(path, format="TIFF")
    with pytest.raises(ImageFileError, match="is not an image digitlab can read"):
        load_image(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_predict_on_a_fifo_says_so_instead_of_waiting_forever(tmp_path):
    """The old reader opened the pipe and waited for a writer that never came."""
    fifo = tmp_path / "digit.png"
    os.mkfifo(fifo)
    command = "from digitlab.core.cli.parser import main; raise SystemExit(main())"
    child = subprocess.run(
        [sys.executable, "-c", command, "predict", str(fifo)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == 1
    assert "is not a regular file" in child.stderr and "Traceback" not in child.stderr
