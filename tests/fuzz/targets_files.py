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

import json
import os
import zlib
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
#: 100 MB of zeros packed into about 100 KB, made once.
_BOMB = np.frombuffer(zlib.compress(bytes(100_000_000), 9), np.uint8)


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


# -- hand-made hostile model files ----------------------------------------------------
KERNEL = "model_weights/dense1/dense1/kernel:0"
BIAS = "model_weights/dense1/dense1/bias:0"


def _config_edit(change: Callable[[dict], None]) -> Callable[[h5py.File, Path], None]:
    def edit(f: h5py.File, folder: Path) -> None:
        config = json.loads(f.attrs["digitlab_config"])
        change(config)
        f.attrs["digitlab_config"] = json.dumps(config).encode()

    return edit


def _external_to(make_source: Callable[[Path], Path]) -> Callable[[h5py.File, Path], None]:
    def edit(f: h5py.File, folder: Path) -> None:
        source = make_source(folder)
        del f[BIAS]
        f["model_weights/dense1/dense1"].create_dataset(
            "bias:0", shape=(10,), dtype="f4", external=[(str(source), 0, 40)]
        )

    return edit


def _secret(folder: Path) -> Path:
    (folder / "secret").write_bytes(b"root:x:0:0:root:/root:/bin/bash\n" * 4)
    return folder / "secret"


def _fifo(folder: Path) -> Path:
    os.mkfifo(folder / "pipe")
    return folder / "pipe"


def _virtual(f: h5py.File, folder: Path) -> None:
    with h5py.File(folder / "other.h5", "w") as other:
        other["x"] = np.ones(10, np.float32)
    layout = h5py.VirtualLayout(shape=(10,), dtype="f4")
    layout[:] = h5py.VirtualSource(str(folder / "other.h5"), "x", shape=(10,))
    del f[BIAS]
    f["model_weights/dense1/dense1"].create_virtual_dataset("bias:0", layout)


def _external_link(f: h5py.File, folder: Path) -> None:
    with h5py.File(folder / "other.h5", "w") as other:
        other["bias"] = np.ones(10, np.float32)
    del f[BIAS]
    f[BIAS] = h5py.ExternalLink(str(folder / "other.h5"), "bias")


def _soft_link(f: h5py.File, folder: Path) -> None:
    del f[BIAS]
    f[BIAS] = h5py.SoftLink("/" + KERNEL)


def _huge_dense(config: dict) -> None:
    config["layers"][-1]["config"]["units"] = 10**6


def _huge_conv(config: dict) -> None:
    config["layers"][0]["config"]["filters"] = 10**6


def _huge_input(config: dict) -> None:
    config["input_shape"] = [10**9, 10**9, 10**9]


def _many_layers(f: h5py.File, folder: Path) -> None:
    layers = [{"class": "ReLU", "config": {"name": f"r{i}"}} for i in range(100_000)]
    text = json.dumps({"input_shape": [1, 28, 28], "layers": layers}).encode()
    del f.attrs["digitlab_config"]
    f.attrs["digitlab_config"] = np.bytes_(text)  # 3 MB: the file is opened with libver latest


def _sparse_history(f: h5py.File, folder: Path) -> None:
    del f["training_history/loss"]
    f["training_history"].create_dataset("loss", shape=(10**8,), dtype="f8", chunks=(10**5,))


def _chunk_bomb(f: h5py.File, folder: Path) -> None:
    """The bias as 10 values in one stored chunk of 100 MB, packed into 100 KB."""
    del f[BIAS]
    bias = f["model_weights/dense1/dense1"].create_dataset(
        "bias:0", shape=(10,), maxshape=(None,), chunks=(25_000_000,), dtype="f4",
        compression="gzip",
    )  # fmt: skip
    bias.id.write_direct_chunk((0,), _BOMB.tobytes())


def _metadata(value: str) -> Callable[[h5py.File, Path], None]:
    def edit(f: h5py.File, folder: Path) -> None:
        f.attrs["metadata"] = value.encode()

    return edit


def _escape_names(config: dict) -> None:
    config["layers"][0]["config"]["name"] = "conv\x1b[2J"


def _deep_json(f: h5py.File, folder: Path) -> None:
    f.attrs["metadata"] = ("[" * 100_000 + "]" * 100_000).encode()


def _changed_weight(f: h5py.File, folder: Path) -> None:
    kernel = f[KERNEL][()]
    kernel[0, 0] += 1.0
    f[KERNEL][...] = kernel


def _iterations_text(f: h5py.File, folder: Path) -> None:
    f["optimizer_weights"].attrs["iterations"] = b"many"


HOSTILE_MODEL_EDITS: dict[str, Callable[[h5py.File, Path], None]] = {
    "external storage: a readable file": _external_to(_secret),
    "external storage: a FIFO": _external_to(_fifo),
    "virtual dataset": _virtual,
    "external link": _external_link,
    "soft link": _soft_link,
    "Dense(10**6)": _config_edit(_huge_dense),
    "Conv2D with 10**6 filters": _config_edit(_huge_conv),
    "input of 10**27 values": _config_edit(_huge_input),
    "100,000 layers": _many_layers,
    "history of 10**8 epochs": _sparse_history,
    "chunks of 100 MB": _chunk_bomb,
    "NaN in metadata": _metadata('{"name": "x", "test_accuracy": NaN}'),
    "Infinity in metadata": _metadata('{"name": "x", "test_accuracy": Infinity}'),
    "1e999 in metadata": _metadata('{"name": "x", "test_accuracy": 1e999}'),
    "escape codes in metadata": _metadata('{"name": "\\u001b[2J\\u001b]0;owned\\u0007"}'),
    "escape codes in a layer name": _config_edit(_escape_names),
    "JSON nested 100,000 deep": _deep_json,
    "a weight changed": _changed_weight,
    "iterations as text": _iterations_text,
}


def model_hostile(rng: np.random.Generator, folder: Path) -> None:
    """One hand-made hostile edit, on a file with checksums or (half the time) on one
    from before checksums, whose other checks must hold alone."""
    names = sorted(HOSTILE_MODEL_EDITS)
    name = names[int(rng.integers(len(names)))]
    path = folder / "model.h5"
    _copy_latest(MODEL, path)
    with h5py.File(path, "r+", libver="latest") as f:
        if rng.random() < 0.5:
            strip_checksums(f)
        HOSTILE_MODEL_EDITS[name](f, folder)
    _use_model(path)


def _copy_latest(data: bytes, path: Path) -> None:
    """``data``'s file rewritten with HDF5's newest object headers, which hold
    attributes of any size (the 100,000-layer config is 3 MB)."""
    original = path.with_suffix(".original")
    original.write_bytes(data)
    with h5py.File(original, "r") as old, h5py.File(path, "w", libver="latest") as new:
        for name in old:
            old.copy(old[name], new, name)
        for key, value in old.attrs.items():
            new.attrs[key] = value
    original.unlink()


def strip_checksums(f: h5py.File) -> None:
    """Make ``f`` a file as written before checksums existed."""
    items: list = [f]
    f.visititems(lambda _, item: items.append(item))
    for item in items:
        for key in ("sha256", "checksums"):
            if key in item.attrs:
                del item.attrs[key]


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


# -- hand-made hostile stores ---------------------------------------------------------
def _canvas_shape(f: h5py.File, folder: Path) -> None:
    shapes = f["canvas_shape"][()]
    shapes[0] = (65536, 65536)
    f["canvas_shape"][...] = shapes


def _canvas_bomb(f: h5py.File, folder: Path) -> None:
    shapes = f["canvas_shape"][()]
    shapes[:] = (512, 512)
    f["canvas_shape"][...] = shapes
    canvases = f["canvas"][()]
    for i in range(len(canvases)):
        canvases[i] = _BOMB
    del f["canvas"]
    f.create_dataset("canvas", data=canvases, dtype=h5py.vlen_dtype(np.uint8))


def _many_samples(f: h5py.File, folder: Path) -> None:
    del f["id"]
    f.create_dataset("id", shape=(10**7,), dtype=h5py.string_dtype(), chunks=(10**4,))


def _store_external(f: h5py.File, folder: Path) -> None:
    source = _secret(folder)
    n = f["label"].shape[0]
    del f["label"]
    f.create_dataset("label", shape=(n,), dtype="i1", external=[(str(source), 0, n)])


def _store_link(f: h5py.File, folder: Path) -> None:
    with h5py.File(folder / "other.h5", "w") as other:
        other["label"] = np.zeros(f["label"].shape[0], np.int8)
    del f["label"]
    f["label"] = h5py.ExternalLink(str(folder / "other.h5"), "label")


def _store_relabel(f: h5py.File, folder: Path) -> None:
    labels = f["label"][()]
    labels[0] = (labels[0] + 1) % 10
    f["label"][...] = labels


HOSTILE_STORE_EDITS: dict[str, Callable[[h5py.File, Path], None]] = {
    "a canvas of 65536 x 65536": _canvas_shape,
    "canvas bombs": _canvas_bomb,
    "10**7 digits declared": _many_samples,
    "external storage": _store_external,
    "external link": _store_link,
    "a label changed": _store_relabel,
}


def store_hostile(rng: np.random.Generator, folder: Path) -> None:
    names = sorted(HOSTILE_STORE_EDITS)
    name = names[int(rng.integers(len(names)))]
    path = folder / "my-digits.h5"
    _copy_latest(STORE, path)
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
