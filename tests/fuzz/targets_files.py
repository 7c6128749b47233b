"""Fuzz targets for digitlab's HDF5 files: model files and the "my digits" store.

Each case starts from a real small file (built once, when the module is imported)
and either mutates its bytes (flips, zeroed blocks as a crash or a bad disk leaves
them, truncation, copied ranges) or applies one hand-made hostile edit from the
issue that asked for this (external storage, virtual datasets, links, declared
sizes far beyond the limits, NaN in metadata, control characters, special files).
The readers run as the app and the command line run them. See fuzz/harness.py for
the protocol.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np

from digitlab.core.errors import ModelFileError
from digitlab.core.files.model_file import open_model, save_model
from digitlab.core.files.summary import describe_model
from digitlab.core.nn.layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU
from digitlab.core.nn.network import Network
from digitlab.core.personal.my_digits import MyDigitsError, MyDigitsStore, Sample, open_store
from digitlab.core.train.optimizers import Adam
from fuzz.hostile_files import (
    HOSTILE_MODEL_EDITS,
    HOSTILE_STORE_EDITS,
    copy_latest,
    strip_checksums,
)

EXPECTED_ERRORS: tuple[type[BaseException], ...] = (ModelFileError, MyDigitsError)
#: Reading a file gives up after this long here (the app allows 30 s for the store and
#: 60 s for a model). The reading process is forked, as the app's cannot be (see
#: digitlab.core.files.isolated), so a case costs milliseconds; healthy files read in
#: well under 0.1 s.
READ_SECONDS = 2.0


# -- the real files every case starts from -------------------------------------------
def _model_bytes() -> bytes:
    layers = [Conv2D(2, 3, name="conv1"), ReLU(name="relu1"), MaxPool2D(2, name="pool1"),
              Flatten(name="flatten"), Dense(10, name="dense1")]  # fmt: skip
    network = Network(layers, (1, 28, 28), rng=0)
    optimizer = Adam(lr=0.001)
    network.train_step(np.zeros((2, 1, 28, 28), np.float32), np.array([1, 2]), shard_size=None)
    optimizer.step(network.params(), network.grads())
    folder = Path(os.environ.get("TMPDIR", "/tmp"))
    path = folder / f"digitlab-fuzz-template-{os.getpid()}.h5"
    try:
        save_model(path, network, metadata={"name": "tiny", "test_accuracy": 0.5},
                   history={"loss": [2.3, 1.1], "val_accuracy": [0.4, 0.5]},
                   optimizer_state=optimizer.state_dict(),
                   training_state={"epoch": 2, "config": {"epochs": 3}})  # fmt: skip
        return path.read_bytes()
    finally:
        path.unlink(missing_ok=True)


def _store_bytes() -> bytes:
    rng = np.random.default_rng(0)
    folder = Path(os.environ.get("TMPDIR", "/tmp"))
    path = folder / f"digitlab-fuzz-store-{os.getpid()}.h5"
    try:
        store = MyDigitsStore(path)
        canvases = [(rng.random((40, 40)) * 255).astype(np.uint8) for _ in range(4)]
        store.add_many([Sample.create(i, rng.random((28, 28)), c) for i, c in enumerate(canvases)])
        return path.read_bytes()
    finally:
        path.unlink(missing_ok=True)


MODEL, STORE = _model_bytes(), _store_bytes()


# -- byte mutations -----------------------------------------------------------------
def mutate(data: bytes, rng: np.random.Generator) -> bytes:
    """One to three random mutations of ``data``, as damage and downloads make them."""
    out = bytearray(data)
    for _ in range(int(rng.integers(1, 4))):
        kind = int(rng.integers(5))
        at = int(rng.integers(len(out)))
        if kind == 0:  # flip a few bits
            for spot in rng.integers(len(out), size=int(rng.integers(1, 9))):
                out[spot] ^= 1 << int(rng.integers(8))
        elif kind == 1:  # a zeroed block, as a crash or a bad sector leaves it
            start = at - at % 4096 if rng.random() < 0.5 else at
            out[start : start + int(rng.integers(1, 4097))] = bytes(len(out[start : start + 4096]))
        elif kind == 2:  # cut short
            del out[max(at, 8) :]
        elif kind == 3:  # a range copied over another
            size = int(rng.integers(1, 257))
            source = int(rng.integers(len(out)))
            out[at : at + size] = out[source : source + size][: len(out[at : at + size])]
        else:  # random bytes
            size = int(rng.integers(1, 65))
            out[at : at + size] = rng.bytes(len(out[at : at + size]))
    return bytes(out)


def model_bytes(rng: np.random.Generator, folder: Path) -> None:
    path = folder / "model.h5"
    path.write_bytes(mutate(MODEL, rng))
    _use_model(path)


def store_bytes(rng: np.random.Generator, folder: Path) -> None:
    path = folder / "my-digits.h5"
    path.write_bytes(mutate(STORE, rng))
    _open_store(path)


def _use_model(path: Path) -> None:
    """What opening a model in the window leads to: loading it in a process that is
    abandoned after a while (libhdf5 loops forever on some damaged files), describing
    it, and reading with it."""
    model = open_model(path, READ_SECONDS, fork=True)
    text = describe_model(model, str(path))
    if any(ord(ch) < 32 and ch != "\n" for ch in text):
        raise AssertionError("a control character from the file was printed raw")
    model.network.predict_proba(np.zeros((1, *model.network.input_shape), np.float32))


def _open_store(path: Path) -> None:
    """As the app opens it at start: a damaged file is set aside, which is a refusal."""
    store, problem = open_store(path, read_timeout=READ_SECONDS, fork=True)
    for sample in store.samples():
        sample.canvas  # noqa: B018 (unpacking every canvas is part of using the store)
    if problem is not None:
        raise MyDigitsError(problem)


def model_hostile(rng: np.random.Generator, folder: Path) -> None:
    """One hand-made hostile edit, on a file with checksums or (half the time) on one
    from before checksums, whose other checks must hold alone."""
    names = sorted(HOSTILE_MODEL_EDITS)
    name = names[int(rng.integers(len(names)))]
    path = folder / "model.h5"
    copy_latest(MODEL, path)
    with h5py.File(path, "r+", libver="latest") as f:
        if rng.random() < 0.5:
            strip_checksums(f)
        HOSTILE_MODEL_EDITS[name](f, folder)
    _use_model(path)


def special_paths(rng: np.random.Generator, folder: Path) -> None:
    """A model or store path that is a FIFO, a device, a folder or a link to one."""
    kind = int(rng.integers(4))
    path = folder / "thing.h5"
    if kind == 0:
        os.mkfifo(path)
    elif kind == 1:
        path.symlink_to("/dev/zero")
    elif kind == 2:
        path.mkdir()
    else:
        os.mkfifo(folder / "pipe")
        path.symlink_to(folder / "pipe")
    if rng.random() < 0.5:
        _use_model(path)
    else:
        _open_store(path)


def store_hostile(rng: np.random.Generator, folder: Path) -> None:
    names = sorted(HOSTILE_STORE_EDITS)
    name = names[int(rng.integers(len(names)))]
    path = folder / "my-digits.h5"
    copy_latest(STORE, path)
    with h5py.File(path, "r+", libver="latest") as f:
        if rng.random() < 0.5:
            strip_checksums(f)
        HOSTILE_STORE_EDITS[name](f, folder)
    _open_store(path)


TARGETS: dict[str, Callable[[np.random.Generator, Path], None]] = {
    "model_bytes": model_bytes,
    "model_hostile": model_hostile,
    "store_bytes": store_bytes,
    "store_hostile": store_hostile,
    "special_paths": special_paths,
}
