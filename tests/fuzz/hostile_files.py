"""Hand-made hostile edits of model files and stores, from issue 13's findings.

Each edit takes the open file (written with HDF5's newest object headers, see
``copy_latest``) and the case's folder, where it may put other files to point to.
fuzz/targets_files.py applies them at random; tests apply each by name.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np

#: 100 MB of zeros packed into about 100 KB, made once.
BOMB = np.frombuffer(zlib.compress(bytes(100_000_000), 9), np.uint8)


# -- model files ---------------------------------------------------------------------
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
    bias.id.write_direct_chunk((0,), BOMB.tobytes())


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


# -- stores ----------------------------------------------------------------------------
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
        canvases[i] = BOMB
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


def copy_latest(data: bytes, path: Path) -> None:
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
