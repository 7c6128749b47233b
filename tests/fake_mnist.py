"""A tiny MNIST look-alike written as real IDX files, for tests of everything that reads a
data folder (the CLI, training runs, the app's training panel)."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
from conftest import make_digits


def write_idx(path: Path, array: np.ndarray) -> None:
    """``array`` (uint8) as an IDX file; gzipped when ``path`` ends in .gz."""
    magic = 0x0800 | array.ndim
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape)
    data = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)


def write_fake_mnist(folder: Path, n_train: int = 300, n_test: int = 100, seed: int = 7) -> Path:
    """Seven-segment digits in MNIST's four files in ``folder``; returns ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for prefix, n, offset in (("train", n_train, 0), ("t10k", n_test, 1)):
        images, labels = make_digits(n, seed=seed + offset)
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", (images[:, 0] * 255).round())
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return folder
