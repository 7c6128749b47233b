"""Fuzz targets for the readers of what people bring in: MNIST IDX files (gzipped or not),
pictures, and folders of digit pictures.

Protocol (shared with ``targets_files.py``, run by ``harness.py`` and ``bench/fuzz.py``):
each target builds one case inside an empty folder from the generator it is given and
runs the reader on it. Returning means the input was accepted; raising one of
``EXPECTED_ERRORS`` means it was refused well; anything else is a defect. Cases are
small seeded mutations of valid files plus hand-made hostile ones (gzip bombs, headers
that lie, huge declared sizes, truncation). Self-contained: the harness may load this
module by path in a child process.
"""

from __future__ import annotations

import gzip
import io
import struct
import zlib
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

from digitlab.core.data.idx import read_idx
from digitlab.core.data.mnist import FILES, load_mnist
from digitlab.core.errors import DigitlabError
from digitlab.core.personal.digit_folder import read_digit_folder
from digitlab.core.reading.image_io import load_image
from digitlab.core.reading.preprocess import preprocess_steps

EXPECTED_ERRORS: tuple[type[BaseException], ...] = (DigitlabError,)

Target = Callable[[np.random.Generator, Path], None]


# -- mutations ------------------------------------------------------------------------
def mutate(data: bytes, rng: np.random.Generator) -> bytes:
    """``data`` with 1-4 random edits: bit flips, byte runs, cuts, repeats, inserts."""
    out = bytearray(data)
    for _ in range(int(rng.integers(1, 5))):
        if not out:
            out += rng.bytes(int(rng.integers(1, 16)))
            continue
        at = int(rng.integers(0, len(out)))
        kind = int(rng.integers(0, 6))
        if kind == 0:  # flip one bit
            out[at] ^= 1 << int(rng.integers(0, 8))
        elif kind == 1:  # overwrite a short run with random or extreme bytes
            run = rng.bytes(int(rng.integers(1, 9)))
            if rng.random() < 0.5:
                run = bytes([int(rng.choice([0, 0x7F, 0x80, 0xFF]))]) * len(run)
            out[at : at + len(run)] = run
        elif kind == 2:  # truncate
            del out[at:]
        elif kind == 3:  # cut a piece out
            del out[at : at + int(rng.integers(1, 64))]
        elif kind == 4:  # repeat a piece
            piece = out[at : at + int(rng.integers(1, 64))]
            out[at:at] = piece * int(rng.integers(1, 4))
        else:  # insert random bytes
            out[at:at] = rng.bytes(int(rng.integers(1, 32)))
    return bytes(out)


def idx_bytes(dims: tuple[int, ...], body: bytes) -> bytes:
    header = struct.pack(">I", 0x0800 | len(dims)) + b"".join(struct.pack(">I", d) for d in dims)
    return header + body


def valid_idx(rng: np.random.Generator) -> bytes:
    """A small labels or images file, as MNIST's are."""
    n = int(rng.integers(1, 12))
    if rng.random() < 0.5:
        return idx_bytes((n,), rng.integers(0, 10, n, dtype=np.uint8).tobytes())
    return idx_bytes((n, 28, 28), rng.integers(0, 256, (n, 28, 28), dtype=np.uint8).tobytes())


@cache
def _zeros_member() -> bytes:
    """16 MB of zeros as one gzip member (about 16 KB); members join into bombs."""
    return gzip.compress(bytes(16 * 2**20), compresslevel=1)


def hostile_idx(rng: np.random.Generator) -> bytes:
    """A hand-made hostile IDX file: bombs, lying headers, broken gzip."""
    kind = int(rng.integers(0, 7))
    if kind == 0:  # a plausible header, then far more than it promises
        return gzip.compress(idx_bytes((1000,), b"")) + _zeros_member() * int(rng.integers(1, 5))
    if kind == 1:  # a header declaring gigabytes, little behind it
        dims = (int(rng.integers(10**5, 2**32)), 28, 28)
        return gzip.compress(idx_bytes(dims, bytes(4096)))
    if kind == 2:  # the largest dimensions a header can hold
        return idx_bytes((2**32 - 1, 2**32 - 1, 2**32 - 1), b"")
    if kind == 3:  # a gzip stream cut in the middle
        whole = gzip.compress(valid_idx(rng))
        return whole[: int(rng.integers(2, len(whole)))]
    if kind == 4:  # gzip magic, then garbage
        return b"\x1f\x8b" + rng.bytes(int(rng.integers(0, 200)))
    if kind == 5:  # a valid body inside a gzip with a damaged trailer
        whole = gzip.compress(valid_idx(rng))
        return whole[:-8] + rng.bytes(8)
    return rng.bytes(int(rng.integers(0, 64)))


# -- pictures -------------------------------------------------------------------------
FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP", "PPM", "ICO")
MODES = ("L", "RGB", "RGBA", "LA", "P", "1", "I;16", "I")


def picture_bytes(rng: np.random.Generator) -> bytes:
    """A small picture in a random format and mode (some not read by digitlab)."""
    h, w = (int(v) for v in rng.integers(1, 70, 2))
    grey = rng.integers(0, 256, (h, w), dtype=np.uint8)
    image = Image.fromarray(grey)
    mode = str(rng.choice(MODES))
    if mode in ("I;16", "I"):
        image = Image.fromarray(grey.astype(np.uint16) * 257)
    else:
        image = image.convert(mode)
    fmt = str(rng.choice(FORMATS))
    buffer = io.BytesIO()
    try:
        image.save(buffer, format=fmt)
    except (OSError, ValueError, KeyError):  # a mode this format cannot hold
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def hostile_picture(rng: np.random.Generator) -> bytes:
    """Headers declaring huge pictures, with little or no data behind them."""
    width, height = (int(v) for v in rng.integers(1, 2**31 - 1, 2))
    if rng.random() < 0.3:  # just above digitlab's limit, well below Pillow's
        width, height = 4097, 4096
    kind = int(rng.integers(0, 4))
    if kind == 0:
        ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
        idat = zlib.compress(bytes(min(width + 1, 1 << 16)))
        return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat)
                + _png_chunk(b"IEND", b""))  # fmt: skip
    if kind == 1:  # BMP: a 40-byte info header, 8 bits per pixel, no pixels
        info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 8, 0, 0, 0, 0, 0, 0)
        return b"BM" + struct.pack("<IHHI", 54 + len(info), 0, 0, 54) + info
    if kind == 2:  # GIF logical screen
        screen = struct.pack("<HH", width & 0xFFFF, height & 0xFFFF) + b"\x00\x00\x00"
        image = b"\x2c" + struct.pack("<HHHH", 0, 0, width & 0xFFFF, height & 0xFFFF) + b"\x00"
        return b"GIF89a" + screen + image + b"\x08\x02\x4c\x01\x00\x3b"
    sof = struct.pack(">BHHHB", 8, height & 0xFFFF, width & 0xFFFF, 1, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + b"\xff\xc0" + struct.pack(">H", len(sof) + 2) + sof + b"\xff\xd9"


def read_picture(path: Path) -> None:
    """What ``digitlab predict`` does before the network: load, then prepare."""
    preprocess_steps(load_image(path))


# -- targets --------------------------------------------------------------------------
def idx_mutated(rng: np.random.Generator, folder: Path) -> None:
    data = mutate(valid_idx(rng), rng)
    if rng.random() < 0.5:
        data = gzip.compress(data)
    if rng.random() < 0.3:
        data = mutate(data, rng)  # damage the gzip stream itself
    path = folder / "data-idx-ubyte.gz"
    path.write_bytes(data)
    read_idx(path)


def idx_hostile(rng: np.random.Generator, folder: Path) -> None:
    path = folder / "train-images-idx3-ubyte.gz"
    path.write_bytes(hostile_idx(rng))
    read_idx(path)


def mnist_folder(rng: np.random.Generator, folder: Path) -> None:
    """The four files, each valid, mutated or hostile, read as one dataset."""
    n = int(rng.integers(1, 8))
    parts = {
        "train_images": idx_bytes((n, 28, 28), rng.bytes(n * 784)),
        "train_labels": idx_bytes((n,), rng.integers(0, 10, n, dtype=np.uint8).tobytes()),
        "test_images": idx_bytes((n, 28, 28), rng.bytes(n * 784)),
        "test_labels": idx_bytes((n,), rng.integers(0, 12, n, dtype=np.uint8).tobytes()),
    }
    for key, data in parts.items():
        chance = rng.random()
        if chance < 0.25:
            data = mutate(data, rng)
        elif chance < 0.3:
            data = hostile_idx(rng)
        (folder / f"{FILES[key]}.gz").write_bytes(gzip.compress(data))
    load_mnist(folder)


def picture_mutated(rng: np.random.Generator, folder: Path) -> None:
    path = folder / "digit.png"
    path.write_bytes(mutate(picture_bytes(rng), rng))
    read_picture(path)


def picture_valid(rng: np.random.Generator, folder: Path) -> None:
    path = folder / "digit.png"
    path.write_bytes(picture_bytes(rng))
    read_picture(path)


def picture_hostile(rng: np.random.Generator, folder: Path) -> None:
    path = folder / "huge.png"
    data = hostile_picture(rng)
    path.write_bytes(mutate(data, rng) if rng.random() < 0.3 else data)
    read_picture(path)


def digit_folder(rng: np.random.Generator, folder: Path) -> None:
    """Subfolders 0-9 (and a few odd names) of valid, mutated and hostile pictures."""
    for index in range(int(rng.integers(0, 8))):
        name = str(rng.choice(["0", "3", "7", "9", "10", "x", "-1"]))
        sub = folder / name
        sub.mkdir(exist_ok=True)
        suffix = str(rng.choice([".png", ".jpg", ".bmp", ".PNG", ".txt", ""]))
        chance = rng.random()
        if chance < 0.5:
            data = picture_bytes(rng)
        elif chance < 0.8:
            data = mutate(picture_bytes(rng), rng)
        elif chance < 0.9:
            data = hostile_picture(rng)
        else:
            (sub / f"dir{index}{suffix}").mkdir(exist_ok=True)
            continue
        (sub / f"p{index}{suffix}").write_bytes(data)
    read_digit_folder(folder)


TARGETS: dict[str, Target] = {
    "idx_mutated": idx_mutated,
    "idx_hostile": idx_hostile,
    "mnist_folder": mnist_folder,
    "picture_valid": picture_valid,
    "picture_mutated": picture_mutated,
    "picture_hostile": picture_hostile,
    "digit_folder": digit_folder,
}
