"""My digits: the person's own labelled drawings, kept in one HDF5 file.

Each sample holds the 28x28 image the network saw, the canvas it was drawn on, the
label the person gave, when, and what the model had answered. The collection is
small (hundreds), so every change rewrites the whole file: a temporary file beside
it, flushed to disk, renamed over it. A crash leaves the previous collection or the
new one, never half of one. docs/my-digits-format.md describes the layout.
A damaged file is reported (``MyDigitsError`` with ``damaged`` True) and never
emptied: ``set_aside_corrupt`` renames it so a fresh collection can start.
"""

from __future__ import annotations

import os
import threading
import uuid
import zlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from digitlab.core.data.mnist import default_cache_dir
from digitlab.core.files.atomic import os_reason
from digitlab.core.files.isolated import ReadCrashedError, ReadTimedOutError, call_isolated
from digitlab.core.files.limits import MAX_CANVAS_SIDE
from digitlab.core.personal.digit_folder import (
    export_path,
    export_stem,
    read_digit_folder,
    write_png,
)
from digitlab.core.personal.my_digits_file import MyDigitsError, read_store, write_columns
from digitlab.core.reading.preprocess import area_resample

__all__ = ["MyDigitsError", "MyDigitsStore", "Sample", "open_store", "set_aside_corrupt"]

# MAX_CANVAS_SIDE: a canvas (or imported picture) larger than this on a side is shrunk
# to fit it; the reader refuses larger ones (digitlab.core.files.limits).

#: How long the first reading of the file at start-up may take before the file is
#: taken for damaged (libhdf5 can loop forever on some damaged files); a healthy
#: collection of thousands of digits reads in well under a second.
FIRST_READ_SECONDS = 30.0


@dataclass(frozen=True, eq=False)
class Sample:
    """One labelled digit. Build new ones with ``Sample.create``."""

    id: str  # a UUID
    label: int  # 0..9, what the person says it is
    image: np.ndarray  # (28, 28) float32 in [0, 1], ink high: what the network saw
    canvas_zlib: bytes  # the canvas, uint8 ink high, row-major, zlib-compressed
    canvas_shape: tuple[int, int]  # (height, width); (0, 0) when there is none
    created: str  # ISO-8601 UTC
    model_answer: int  # what the model said when it was stored; -1 if unknown
    model_name: str  # which model said it; "" if unknown

    @classmethod
    def create(
        cls,
        label: int,
        image: np.ndarray,
        canvas: np.ndarray | None = None,
        *,
        model_answer: int = -1,
        model_name: str = "",
    ) -> Sample:
        """A new sample stamped now. ``canvas`` (H, W) is uint8, or float in [0, 1]."""
        canvas = _canvas_uint8(canvas)
        return cls(
            id=str(uuid.uuid4()), label=_digit(label, "label"), image=_read_only(_image(image)),
            canvas_zlib=zlib.compress(canvas.tobytes()), canvas_shape=canvas.shape,
            created=datetime.now(UTC).isoformat(timespec="seconds"),
            model_answer=_digit(model_answer, "model_answer", allow_unknown=True),
            model_name=str(model_name),
        )  # fmt: skip

    @property
    def canvas(self) -> np.ndarray:
        """(H, W) uint8, ink high, read-only; (0, 0) when none was kept."""
        flat = np.frombuffer(zlib.decompress(self.canvas_zlib), np.uint8)
        return flat.reshape(self.canvas_shape)

    @property
    def wrong(self) -> bool:
        """The model's answer at the time was known and not the label."""
        return self.model_answer not in (-1, self.label)


def default_store_path() -> Path:
    """``my-digits.h5`` in digitlab's folder in the user's data directory."""
    return default_cache_dir().parent / "my-digits.h5"


class MyDigitsStore:
    """The collection in ``path``; a missing file is an empty collection.

    Safe to use from several threads: changes are serialised by a lock, and each
    builds a new list, so a reader's list never changes under it. Samples are frozen
    and their images read-only.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        read_timeout: float | None = None,
        fork: bool = False,
    ) -> None:
        """``read_timeout``: read the file in a separate process that is abandoned after
        that many seconds (MyDigitsError, damaged), so a file on which libhdf5 loops
        cannot hang the caller; None reads it here. ``fork``: see
        ``digitlab.core.files.isolated.call_isolated``."""
        self.path = Path(path) if path is not None else default_store_path()
        self._lock = threading.Lock()
        #: True: its checksums matched; False: written before checksums (unverified);
        #: None: there was no file. The next change writes checksums.
        self.verified: bool | None = None
        self._samples: list[Sample] = []
        if self.path.exists():
            columns, self.verified = _read(self.path, read_timeout, fork)
            self._samples = _from_columns(columns)

    def __len__(self) -> int:
        return len(self._samples)

    def samples(self) -> list[Sample]:
        return list(self._samples)

    def get(self, sample_id: str) -> Sample:
        for sample in self._samples:
            if sample.id == sample_id:
                return sample
        raise MyDigitsError(f"there is no digit with id {sample_id} in {self.path}")

    def add(self, sample: Sample) -> Sample:
        """Store ``sample``; it is on disk when this returns."""
        self.add_many([sample])
        return sample

    def add_many(self, samples: list[Sample]) -> None:
        with self._lock:
            known = {s.id for s in self._samples}
            if any(s.id in known for s in samples):
                raise MyDigitsError("a digit with that id is already in the collection")
            self._commit([*self._samples, *samples])

    def delete(self, sample_id: str) -> None:
        self.delete_many([sample_id])

    def delete_many(self, sample_ids: list[str]) -> None:
        """Remove every digit in ``sample_ids`` with one write: all of them or, when
        one id is unknown or the write fails, none."""
        with self._lock:
            doomed = self._known_ids(sample_ids)
            self._commit([s for s in self._samples if s.id not in doomed])

    def relabel(self, sample_id: str, label: int) -> Sample:
        return self.relabel_many([sample_id], label)[0]

    def relabel_many(self, sample_ids: list[str], label: int) -> list[Sample]:
        """Give every digit in ``sample_ids`` the label ``label`` with one write, all
        or none; returns the relabelled samples in the order of ``sample_ids``."""
        label = _digit(label, "label")
        with self._lock:
            chosen = self._known_ids(sample_ids)
            samples = [replace(s, label=label) if s.id in chosen else s for s in self._samples]
            self._commit(samples)
            by_id = {s.id: s for s in samples}
            return [by_id[i] for i in sample_ids]

    def _known_ids(self, sample_ids: list[str]) -> set[str]:
        """``sample_ids`` as a set, after checking each is in the collection."""
        known = {s.id for s in self._samples}
        for sample_id in sample_ids:
            if sample_id not in known:
                raise MyDigitsError(f"there is no digit with id {sample_id} in {self.path}")
        return set(sample_ids)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """x (N, 1, 28, 28) float32 and labels (N,) int64, in the collection's order."""
        samples = self._samples
        x = np.zeros((len(samples), 1, 28, 28), np.float32)
        for row, sample in zip(x, samples, strict=True):
            row[0] = sample.image
        return x, np.array([s.label for s in samples], np.int64)

    def export_pngs(self, folder: str | Path) -> int:
        """Write ``folder/<label>/<id>.png`` for every sample: the canvas (or, without
        one, the 28x28 image) as dark ink on white. Returns how many were written.

        Ids and labels come from a file that may have been edited, so they become
        paths only through ``export_path``: nothing is written outside ``folder``."""
        root = Path(folder).resolve()
        for sample in self._samples:
            picture = sample.canvas if sample.canvas.size else _to_uint8(sample.image)
            write_png(export_path(root, sample.label, sample.id), 255 - picture)
        return len(self._samples)

    def import_pngs(self, folder: str | Path) -> int:
        """Add every image in ``folder/<digit>/`` (PNG, JPEG, BMP; any size or polarity),
        prepared as ``digitlab predict`` prepares it. Files named by the id of a digit
        already here are skipped, so an export imports back without duplicates.
        All or nothing: an unreadable file raises before anything is added."""
        found = read_digit_folder(folder)
        known = {export_stem(s.id) for s in self._samples}
        new = [
            Sample.create(int(label), image[0], canvas)
            for image, label, canvas, file in zip(
                found.x, found.labels, found.pictures, found.files, strict=True
            )
            if file.stem not in known
        ]
        if new:
            self.add_many(new)
        return len(new)

    def _commit(self, samples: list[Sample]) -> None:
        """Write ``samples`` to disk, then make them the collection (lock held)."""
        write_columns(self.path, _to_columns(samples))
        self._samples = samples


def _read(path: Path, timeout: float | None, fork: bool) -> tuple[dict[str, list], bool]:
    if timeout is None:
        return read_store(path)
    try:
        return call_isolated(f"{read_store.__module__}:read_store", (path,), timeout, fork=fork)
    except (ReadTimedOutError, ReadCrashedError) as exc:  # libhdf5 looping or crashing on it
        raise MyDigitsError(f"your digits file {path} is damaged: {exc}", damaged=True) from None
    except RuntimeError:
        # The reading process gave no answer: it may not start at all (a frozen app has no
        # Python to start). That says nothing about the file, which is read here then.
        return read_store(path)


def set_aside_corrupt(path: str | Path) -> Path:
    """Rename a damaged collection to ``<name>.corrupt-<UTC time>.h5`` beside it and
    return the new path, so it is kept for rescue while a fresh one starts."""
    path = Path(path)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.corrupt-{stamp}{path.suffix}")
    count = 1
    while target.exists():
        count += 1
        target = path.with_name(f"{path.stem}.corrupt-{stamp}-{count}{path.suffix}")
    try:
        os.replace(path, target)
    except OSError as exc:
        raise MyDigitsError(f"could not set {path} aside: {os_reason(exc)}") from exc
    return target


def open_store(
    path: str | Path | None = None, read_timeout: float | None = None, *, fork: bool = False
) -> tuple[MyDigitsStore, str | None]:
    """The collection, and None; or, when the file was damaged, a fresh one and a
    sentence for the person saying what happened and where the old file was kept.

    The file is read in a separate process abandoned after ``read_timeout`` seconds
    (default FIRST_READ_SECONDS; see ``MyDigitsStore``), so a damaged file never hangs
    the app at start."""
    read_timeout = FIRST_READ_SECONDS if read_timeout is None else read_timeout
    try:
        return MyDigitsStore(path, read_timeout=read_timeout, fork=fork), None
    except MyDigitsError as error:
        if not error.damaged:
            raise
        kept = set_aside_corrupt(Path(path) if path is not None else default_store_path())
        store = MyDigitsStore(path)
        return store, f"{error}. It was kept as {kept} and a new collection was started."


# -- checking values -----------------------------------------------------------------
def _digit(value: int, what: str, allow_unknown: bool = False) -> int:
    low = -1 if allow_unknown else 0
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not low <= value <= 9:
        raise MyDigitsError(f"{what} must be a digit {low} to 9, got {value!r}")
    return int(value)


def _image(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image, np.float32)
    if image.shape != (28, 28) or not np.isfinite(image).all():
        raise MyDigitsError(f"a digit's image must be 28x28 finite values, got {image.shape}")
    return np.clip(image, 0.0, 1.0)


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _to_uint8(image: np.ndarray) -> np.ndarray:
    return np.round(np.clip(image, 0.0, 1.0) * 255).astype(np.uint8)


def _canvas_uint8(canvas: np.ndarray | None) -> np.ndarray:
    """The canvas as uint8 (H, W), shrunk to MAX_CANVAS_SIDE; (0, 0) for None."""
    if canvas is None:
        return np.zeros((0, 0), np.uint8)
    canvas = np.asarray(canvas)
    if canvas.ndim != 2:
        raise MyDigitsError(f"a canvas image must be 2-D, got shape {canvas.shape}")
    picture = canvas / 255.0 if canvas.dtype == np.uint8 else canvas.astype(np.float64)
    if max(canvas.shape) > MAX_CANVAS_SIDE:
        scale = MAX_CANVAS_SIDE / max(canvas.shape)
        size = [max(1, round(side * scale)) for side in canvas.shape]
        picture = area_resample(picture.astype(np.float32), *size)
    elif canvas.dtype == np.uint8:
        return np.ascontiguousarray(canvas)
    return _to_uint8(picture)


# -- samples <-> the file's columns ----------------------------------------------------
_FIELDS = ("id", "label", "image", "canvas_zlib", "canvas_shape", "created", "model_answer",
           "model_name")  # fmt: skip
_COLUMN_OF = {"canvas_zlib": "canvas"}  # field name -> column name, where they differ


def _to_columns(samples: list[Sample]) -> dict[str, list]:
    return {_COLUMN_OF.get(f, f): [getattr(s, f) for s in samples] for f in _FIELDS}


def _from_columns(columns: dict[str, list]) -> list[Sample]:
    rows = zip(*(columns[_COLUMN_OF.get(f, f)] for f in _FIELDS), strict=True)
    return [
        Sample(str(i), int(label), _read_only(np.asarray(image, np.float32)), bytes(canvas),
               (int(shape[0]), int(shape[1])), str(created), int(answer), str(name))
        for i, label, image, canvas, shape, created, answer, name in rows
    ]  # fmt: skip
