"""Real pen-written digits as stroke trajectories: the UCI "pendigits" data (UNIPEN).

Alpaydin and Alimoglu's 30 writers wrote about 250 digits each on a tablet that
sampled the pen every 100 ms, in a 500x500 box with y growing upwards. They are not
MNIST's writers and use styles MNIST rarely shows, so they measure how well a model
reads drawn digits; measured fairly only on writers it has never seen, hence
:func:`split_by_writer`.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitlab.core.errors import DatasetError

#: The file of the original (unnormalised) training part, as the UCI repository names it.
PENDIGITS_FILE = "pendigits-orig.tra"
#: A real file is 3.6 MB; anything far larger is not it, and is not read into memory.
MAX_BYTES = 64 * 2**20


@dataclass(frozen=True, eq=False)
class PenDigit:
    """One written digit: its label, its writer (1-30) and its strokes, each a (k, 2)
    float array of tablet points (x, y) with y growing upwards."""

    label: int
    writer: int
    strokes: tuple[np.ndarray, ...]


def load_pendigits(folder: str | Path) -> list[PenDigit]:
    """Every digit in ``folder``/pendigits-orig.tra (or .gz); DatasetError in words when
    the file is missing or is not UNIPEN text as the UCI repository gives it."""
    path = Path(folder) / PENDIGITS_FILE
    if not path.is_file() and path.with_suffix(".tra.gz").is_file():
        path = path.with_suffix(".tra.gz")
    if not path.is_file():
        raise DatasetError(f"no pen digits in {folder}: {PENDIGITS_FILE} is not there")
    if path.stat().st_size > MAX_BYTES:
        raise DatasetError(f"{path} is too large to be the pen-digits file")
    raw = _decompressed(path) if path.suffix == ".gz" else path.read_bytes()
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise DatasetError(f"{path} is not a UNIPEN text file (it is not ASCII)") from None
    digits = parse_unipen(text.splitlines(), str(path))
    if not digits:
        raise DatasetError(f"{path} holds no digits")
    return digits


def _decompressed(path: Path) -> bytes:
    """The gzipped file's content, read at most ``MAX_BYTES`` of it: a small file that
    expands to gigabytes (a zip bomb) is refused, not unpacked into memory."""
    try:
        with gzip.open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise DatasetError(f"{path} is not a readable gzip file: {error}") from None
    if len(data) > MAX_BYTES:
        raise DatasetError(f"{path} unpacks to more than a pen-digits file ever holds")
    return data


def parse_unipen(lines: Iterable[str], name: str = "the file") -> list[PenDigit]:
    """The digits of UNIPEN ``lines``: ``.SEGMENT DIGIT``, ``.COMMENT <label> <writer>
    <sample>``, then ``.PEN_DOWN`` / points / ``.PEN_UP`` once per stroke."""
    digits: list[PenDigit] = []
    label = writer = None
    strokes: list[np.ndarray] = []
    points: list[tuple[float, float]] | None = None

    def close_digit() -> None:
        if label is not None and strokes:
            digits.append(PenDigit(label, writer or 0, tuple(strokes)))

    for number, line in enumerate(lines, start=1):
        word = line.split(maxsplit=1)[0] if line.strip() else ""
        if word == ".SEGMENT":
            close_digit()
            label, writer, strokes = None, None, []
        elif word == ".COMMENT" and label is None:
            label, writer = _comment(line, number, name)
        elif word == ".PEN_DOWN":
            points = []
        elif word == ".PEN_UP" and points is not None:
            if points:
                strokes.append(np.array(points, dtype=np.float64))
            points = None
        elif points is not None and word and not word.startswith("."):
            points.append(_point(line, number, name))
    close_digit()
    return digits


def _comment(line: str, number: int, name: str) -> tuple[int, int]:
    parts = line.split()
    try:
        label, writer = int(parts[1]), int(parts[2])
    except (IndexError, ValueError):
        raise DatasetError(
            f"{name}, line {number}: expected '.COMMENT <digit> <writer> ...'"
        ) from None
    if not 0 <= label <= 9:
        raise DatasetError(f"{name}, line {number}: the label {label} is not a digit 0-9")
    return label, writer


def _point(line: str, number: int, name: str) -> tuple[float, float]:
    parts = line.split()
    try:
        x, y = float(parts[0]), float(parts[1])
    except (IndexError, ValueError):
        raise DatasetError(f"{name}, line {number}: expected a point 'x y', got {line!r}") from None
    if not (np.isfinite(x) and np.isfinite(y)):
        raise DatasetError(f"{name}, line {number}: the point {line.strip()!r} is not finite")
    return x, y


def writers(digits: Sequence[PenDigit]) -> list[int]:
    """The writers present, in order."""
    return sorted({d.writer for d in digits})


def split_by_writer(
    digits: Sequence[PenDigit], held_out: Iterable[int]
) -> tuple[list[PenDigit], list[PenDigit]]:
    """(the digits of every other writer, the digits of the ``held_out`` writers): no
    writer's digits on both sides, so the second part measures unseen people."""
    held = set(held_out)
    return [d for d in digits if d.writer not in held], [d for d in digits if d.writer in held]
