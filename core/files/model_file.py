"""Saving and loading ``model.h5``: a network, its weights and how it was trained.

The layout follows Keras's legacy HDF5 files so that viewers such as Netron show
the architecture; docs/model-format.md describes every attribute and dataset.
Saving writes a temporary file beside the target and renames it over the target,
so a failed save leaves the previous file as it was. Loading checks everything and
returns only a complete network; every problem is a ModelFileError naming the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from digitlab.core.errors import ModelFileError
from digitlab.core.files.atomic import os_reason, write_atomically
from digitlab.core.files.checksums import (
    ChecksumError,
    attrs_digest,
    has_checksum,
    is_checked,
    mark_checked,
    verify,
)
from digitlab.core.files.config_json import (
    check_keras_config,
    json_bytes,
    network_from_config,
    read_json,
    read_json_object,
    read_text,
    to_plain,
)
from digitlab.core.files.h5_arrays import (
    check_history,
    check_weights,
    read_history,
    read_weights,
    write_history,
    write_weights,
)
from digitlab.core.files.h5_guard import not_a_file
from digitlab.core.files.isolated import ReadCrashedError, ReadTimedOutError, call_isolated
from digitlab.core.files.keras_config import keras_model_config
from digitlab.core.files.optimizer_state import (
    check_optimizer_state,
    read_optimizer_state,
    write_optimizer_state,
)
from digitlab.core.files.shown import printable, shorten
from digitlab.core.nn.network import Network
from digitlab.core.version import __version__

FORMAT_NAME = "digitlab-model"
FORMAT_VERSION = 1
#: Netron recognises a Keras file by this attribute and shows "Keras v2.15.0".
KERAS_VERSION = "2.15.0"
BACKEND = "numpy"
#: How long ``open_model`` waits: a healthy file of the largest size digitlab reads
#: loads in a few seconds.
OPEN_SECONDS = 60.0
#: The root attributes the root's checksum covers.
_ROOT_ATTRS = (
    "format", "format_version", "digitlab_version", "backend", "keras_version",
    "model_config", "digitlab_config", "metadata", "training_state",
)  # fmt: skip


@dataclass(frozen=True)
class ModelFile:
    """Everything a model file holds, checked."""

    network: Network  # complete, built, float32, weights loaded
    metadata: dict[str, Any]  # free keys from the caller plus the keys save_model adds
    history: dict[str, list[float]]  # per-epoch series ("loss", "val_accuracy", ...); {} if none
    optimizer_state: dict[str, Any] | None  # as Optimizer.state_dict() returned it
    training_state: dict[str, Any] | None  # the trainer's own JSON, returned as saved
    #: True: read from a file whose checksums all matched; False: read from a file
    #: written before checksums existed (unverified); None: not read from a file.
    verified: bool | None = None


def save_model(
    path: str | Path,
    network: Network,
    *,
    metadata: Mapping[str, Any] | None = None,
    history: Mapping[str, Sequence[float]] | None = None,
    optimizer_state: Mapping[str, Any] | None = None,
    training_state: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write ``network`` and what is given to ``path`` atomically; return the metadata
    as written (the caller's plus the keys every file records, as ``load_model`` reads it).

    ``metadata``, ``training_state`` and the optimizer's config must be JSON-able
    (NumPy scalars are accepted); ``optimizer_state`` is ``Optimizer.state_dict()``.
    Weights are stored as float32. Raises ModelFileError ("could not save model to
    X: reason") for bad inputs and failed writes; the previous file is then untouched.
    """
    path = Path(path)
    try:
        attrs = _root_attrs(network, metadata, training_state)
        check_weights(network)
        series = check_history(history or {})
        optimizer = None
        if optimizer_state is not None:
            optimizer = check_optimizer_state(optimizer_state, network.params())
    except ModelFileError as exc:
        raise ModelFileError(f"could not save model to {path}: {exc}") from None

    def write(f: h5py.File) -> None:
        f.attrs.update(attrs)
        f.attrs["sha256"] = attrs_digest(f.attrs, _ROOT_ATTRS)
        mark_checked(f)
        write_weights(f, network, {"backend": attrs["backend"], "keras_version": KERAS_VERSION})
        if series:
            write_history(f, series)
        if optimizer is not None:
            write_optimizer_state(f, optimizer)

    write_atomically(path, write)
    return json.loads(attrs["metadata"])


def load_model(path: str | Path) -> ModelFile:
    """Read a model file written by ``save_model``; ModelFileError says what is wrong."""
    path = Path(path)
    with _reading(path) as f:
        metadata = _check_root(f)
        check_keras_config(read_json(f.attrs, "model_config"))
        network = network_from_config(read_json(f.attrs, "digitlab_config"))
        network.set_weights(read_weights(f, network))
        training_state = None
        if "training_state" in f.attrs:
            training_state = read_json_object(f.attrs, "training_state")
        return ModelFile(
            network=network,
            metadata=metadata,
            history=read_history(f),
            optimizer_state=read_optimizer_state(f, network.params()),
            training_state=training_state,
            verified=is_checked(f),  # every checksum was compared on the way here
        )


def open_model(path: str | Path, timeout: float | None = None, *, fork: bool = False) -> ModelFile:
    """``load_model`` run in a separate process that is abandoned after ``timeout``
    seconds (default OPEN_SECONDS): libhdf5 loops forever on some damaged files, and
    the caller must not hang with it. ``fork``: see ``isolated.call_isolated``."""
    path = Path(path)
    timeout = OPEN_SECONDS if timeout is None else timeout
    try:
        return call_isolated(f"{__name__}:load_model", (path,), timeout, fork=fork)
    except (ReadTimedOutError, ReadCrashedError) as exc:  # libhdf5 looping or crashing on it
        raise ModelFileError(f"cannot load {path}: the file is damaged: {exc}") from None
    except RuntimeError:  # no answer at all (see my_digits._read): read it here
        return load_model(path)


def read_metadata(path: str | Path) -> dict[str, Any]:
    """Only the ``metadata`` of a model file, after the same format and version checks."""
    path = Path(path)
    with _reading(path) as f:
        return _check_root(f)


def default_input_normalization(input_shape: Sequence[int]) -> str:
    """How images must be prepared for the network, in words."""
    return f"pixels / 255, ink = 1, background = 0, shape (N, {', '.join(map(str, input_shape))})"


# -- saving ----------------------------------------------------------------
def _root_attrs(
    network: Network, metadata: Mapping[str, Any] | None, training_state: Any
) -> dict[str, Any]:
    full = _full_metadata(network, metadata)
    name = full.get("name") if isinstance(full.get("name"), str) else "digitlab_model"
    config = network.get_config()
    attrs = {
        "format": FORMAT_NAME.encode("ascii"),
        "format_version": np.int64(FORMAT_VERSION),
        "digitlab_version": __version__.encode("ascii"),
        "backend": BACKEND.encode("ascii"),
        "keras_version": KERAS_VERSION.encode("ascii"),
        "model_config": json_bytes(keras_model_config(config, name), "model_config"),
        "digitlab_config": json_bytes(config, "the network's config"),
        "metadata": json_bytes(full, "metadata"),
    }
    if training_state is not None:
        if not isinstance(training_state, Mapping):
            raise ModelFileError("training_state must be a dict")
        attrs["training_state"] = json_bytes(training_state, "training_state")
    return attrs


def _full_metadata(network: Network, metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """The caller's metadata plus what every file records (these win, except that a
    caller's ``input_normalization`` is kept)."""
    given = to_plain(metadata if metadata is not None else {}, "metadata")
    if not isinstance(given, dict):
        raise ModelFileError("metadata must be a dict")
    return {
        **given,
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "digitlab_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "input_shape": list(network.input_shape),
        "input_normalization": given.get(
            "input_normalization", default_input_normalization(network.input_shape)
        ),
        "num_params": network.num_params,
    }


# -- loading ---------------------------------------------------------------
@contextmanager
def _reading(path: Path) -> Iterator[h5py.File]:
    """The open file; any problem while it is read becomes one ModelFileError whose
    reason is at most a few hundred characters, whatever the file holds."""
    problem = not_a_file(path)  # before h5py opens it: opening a FIFO would block
    if problem == "it is a folder, not a file":
        problem = "it is a folder, not a model file"
    if problem:
        raise ModelFileError(f"cannot load {path}: {problem}")
    try:
        is_hdf5 = h5py.is_hdf5(path)
    except OSError as exc:
        raise ModelFileError(f"cannot load {path}: {os_reason(exc)}") from exc
    if not is_hdf5:
        raise ModelFileError(f"cannot load {path}: it is not an HDF5 file, as model files are")
    try:
        with h5py.File(path, "r", locking=False) as f:
            yield f
    except (ModelFileError, ChecksumError) as exc:
        # Names and values from the file may be in the reason: never control characters.
        raise ModelFileError(f"cannot load {path}: {printable(shorten(str(exc), 300))}") from None
    except (OSError, KeyError, ValueError, TypeError, RuntimeError, MemoryError) as exc:
        reason = printable(shorten(str(exc) or type(exc).__name__, 200))
        raise ModelFileError(
            f"cannot load {path}: the file is damaged or incomplete ({reason})"
        ) from exc


def _check_root(f: h5py.File) -> dict[str, Any]:
    """The metadata, once the file says it is a digitlab model this version can read."""
    if "format" not in f.attrs:
        keras = " (it looks like a Keras model, which digitlab cannot read)"
        hint = keras if "model_config" in f.attrs and "digitlab_config" not in f.attrs else ""
        raise ModelFileError(f"it is an HDF5 file but not a digitlab model{hint}")
    name = read_text(f.attrs, "format")
    if name != FORMAT_NAME:
        raise ModelFileError(f"it is a {name!r} file, not a digitlab model")
    version = f.attrs.get("format_version")
    if not isinstance(version, int | np.integer) or isinstance(version, bool | np.bool_):
        raise ModelFileError(f"its format_version {version!r} is not a whole number")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"it was written by a newer digitlab (format {version}); "
            f"this version reads format {FORMAT_VERSION} — update digitlab"
        )
    if version < 1:
        raise ModelFileError(f"its format_version {version} is not one digitlab has written")
    metadata = read_json_object(f.attrs, "metadata")
    if has_checksum(f):  # a file from before checksums gets every other check alone
        verify(f, attrs_digest(f.attrs, _ROOT_ATTRS), "its attributes")
    return metadata
