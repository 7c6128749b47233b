"""The arrays of model.h5: layer weights and the training history, and the checks
that every array read from a model file goes through (``digitlab.core.files.optimizer_state`` reads
the optimizer slots with them).

Writers take inputs that ``check_*`` has already accepted. Readers trust nothing:
they refuse links, check every name, shape, dtype and value against the network,
and raise ModelFileError with a reason phrased to follow "cannot load X: ...".

Names: parameter ``conv1.kernel`` is ``model_weights/conv1/conv1/kernel:0`` (Keras's
layout).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import h5py
import numpy as np

from digitlab.core.errors import ModelFileError
from digitlab.core.files.checksums import array_digest, verify
from digitlab.core.files.h5_guard import attribute_bytes, foreign_storage
from digitlab.core.files.limits import (
    MAX_HISTORY_EPOCHS,
    MAX_HISTORY_SERIES,
    MAX_ITEMS,
    MAX_TEXT_ATTRIBUTE,
)
from digitlab.core.files.shown import listed, shorten
from digitlab.core.nn.network import Network

WEIGHTS, HISTORY = "model_weights", "training_history"
_MAX_DEPTH = 3  # <slot>/<layer>/<key> and <layer>/<layer>/<key>:0 are the deepest items


# -- weights ---------------------------------------------------------------
def weight_path(layer: str, key: str) -> str:
    """Where Keras puts a weight, relative to ``model_weights``: ``conv1/conv1/kernel:0``."""
    return f"{layer}/{layer}/{key}:0"


def write_weights(f: h5py.File, network: Network, keras_attrs: Mapping[str, Any]) -> None:
    group = f.create_group(WEIGHTS)
    group.attrs.update(keras_attrs)  # Keras repeats backend and version here
    group.attrs["layer_names"] = _names_attr(layer.name for layer in network.layers)
    for layer in network.layers:
        layer_group = group.create_group(layer.name)
        layer_group.attrs["weight_names"] = _names_attr(f"{layer.name}/{k}:0" for k in layer.params)
        for key, value in layer.params.items():
            write_array(layer_group, f"{layer.name}/{key}:0", np.asarray(value, dtype=np.float32))


def write_array(group: h5py.Group, name: str, data: np.ndarray) -> None:
    """Dataset ``name`` holding ``data``, with its checksum (``checksums.array_digest``)."""
    group.create_dataset(name, data=data).attrs["sha256"] = array_digest(data)


def check_weights(network: Network) -> None:
    """Refuse to save weights that loading would refuse."""
    for name, value in network.params().items():
        if not np.isfinite(value).all():
            raise ModelFileError(f"parameter {name} contains NaN or infinity (training diverged)")


def read_weights(f: h5py.File, network: Network) -> dict[str, np.ndarray]:
    """``{"conv1.kernel": float32 array, ...}``, exactly the network's parameters."""
    group = member(f, WEIGHTS, h5py.Group)
    if group is None:
        raise ModelFileError(f"it has no {WEIGHTS} group")
    items = walk(group)
    _check_names(group, "layer_names", [layer.name for layer in network.layers])
    expected, weights = set(), {}
    for layer in network.layers:
        if layer.name in items:
            names = [f"{layer.name}/{key}:0" for key in layer.params]
            _check_names(items[layer.name], "weight_names", names)
        expected |= {layer.name, f"{layer.name}/{layer.name}"}
        for key, param in layer.params.items():
            path = weight_path(layer.name, key)
            expected.add(path)
            weights[f"{layer.name}.{key}"] = read_array(
                items.get(path), f"layer {layer.name}", key, param.shape
            )
    _refuse_unknown(items, expected, WEIGHTS)
    return weights


# -- training history ------------------------------------------------------
def check_history(history: Mapping[str, Sequence[float]]) -> dict[str, np.ndarray]:
    """``{"loss": float64 (epochs,), ...}``; NaN is allowed (a diverged epoch is a fact)."""
    checked = {}
    for name, values in history.items():
        if not isinstance(name, str) or not name or "/" in name or name == ".":
            raise ModelFileError(f"history series name {name!r} must be text without '/'")
        try:
            array = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            array = None
        if array is None or array.ndim != 1:
            raise ModelFileError(f"history[{name!r}] is not a list of numbers")
        checked[name] = array
    return checked


def write_history(f: h5py.File, history: Mapping[str, np.ndarray]) -> None:
    group = f.create_group(HISTORY)
    for name, values in history.items():
        write_array(group, name, values)


def read_history(f: h5py.File) -> dict[str, list[float]]:
    group = member(f, HISTORY, h5py.Group)
    if group is None:
        return {}
    items = walk(group)
    if len(items) > MAX_HISTORY_SERIES:
        raise ModelFileError(
            f"its {HISTORY} has {len(items):,} series; digitlab reads at most {MAX_HISTORY_SERIES}"
        )
    history = {}
    for name, item in items.items():
        where = f"{HISTORY}/{shorten(name, 60)}"
        if not (isinstance(item, h5py.Dataset) and item.ndim == 1 and item.dtype.kind in "fiu"):
            raise ModelFileError(f"{where} is not a list of numbers")
        if item.shape[0] > MAX_HISTORY_EPOCHS:  # the declared length, before reading
            raise ModelFileError(
                f"{where} holds {item.shape[0]:,} epochs; digitlab reads at most "
                f"{MAX_HISTORY_EPOCHS:,}"
            )
        history[name] = np.asarray(checked_read(item), dtype=np.float64).tolist()
    return history


# -- shared helpers --------------------------------------------------------
def read_array(item: Any, owner: str, key: str, shape: tuple[int, ...]) -> np.ndarray:
    """A float32 copy of dataset ``item``: checked for kind and shape before reading,
    for finite values after."""
    if not isinstance(item, h5py.Dataset):
        raise ModelFileError(f"{owner} has no {key} in the file")
    if problem := foreign_storage(item):
        raise ModelFileError(problem)
    if item.dtype.kind != "f":
        raise ModelFileError(f"{owner} {key} holds {_kind_of(item.dtype)}, not floats")
    if item.shape != shape:
        raise ModelFileError(f"{owner} expects {key} {shape}, the file has {item.shape}")
    return checked_values(checked_read(item), owner, key, shape)


def checked_read(item: h5py.Dataset) -> np.ndarray:
    """The values of ``item`` (checked by the caller for kind and size), compared with
    its checksum when it has one (``checksums.verify`` raises on a mismatch)."""
    array = np.asarray(item[()])
    verify(item, array_digest(array), item.name.lstrip("/"))
    return array


def checked_values(array: np.ndarray, owner: str, key: str, shape: tuple) -> np.ndarray:
    if array.dtype.kind != "f":
        raise ModelFileError(f"{owner} {key} holds {_kind_of(array.dtype)}, not floats")
    if array.shape != shape:
        raise ModelFileError(f"{owner} expects {key} {shape}, the file has {array.shape}")
    array = array.astype(np.float32)  # a copy; float64 beyond float32's range becomes inf
    if not np.isfinite(array).all():
        problem = "NaN" if np.isnan(array).any() else "infinity"
        raise ModelFileError(f"{owner} {key} contains {problem}")
    return array


def _kind_of(dtype: np.dtype) -> str:
    is_text = dtype.kind in "SU" or h5py.check_string_dtype(dtype) is not None
    return "text" if is_text else f"{dtype} values"


def walk(group: h5py.Group, prefix: str = "", depth: int = 1) -> dict[str, Any]:
    """Every group and dataset under ``group`` by relative path.

    Refuses soft and external links (an external link would open another file),
    datasets whose values live outside the file (``h5_guard.foreign_storage``), more
    than MAX_ITEMS items and anything deeper than the layout ever goes, which also
    stops hard-link cycles. Nothing is read from a dataset here.
    """
    found: dict[str, Any] = {}
    _walk_into(group, prefix, depth, found)
    return found


def _walk_into(group: h5py.Group, prefix: str, depth: int, found: dict[str, Any]) -> None:
    where = shorten(group.name.lstrip("/"), 80)
    if len(found) + len(group) > MAX_ITEMS:
        raise ModelFileError(f"{where} holds more than {MAX_ITEMS:,} items, more than any model")
    for name in group:
        shown = f"{where}/{shorten(name, 60)}"
        if not isinstance(group.get(name, getlink=True), h5py.HardLink):
            raise ModelFileError(f"{shown} is a link, which model files never hold")
        if depth > _MAX_DEPTH:
            raise ModelFileError(f"{shown} is nested deeper than the format allows")
        found[f"{prefix}{name}"] = item = group[name]
        if isinstance(item, h5py.Dataset) and (problem := foreign_storage(item)):
            raise ModelFileError(problem)
        if isinstance(item, h5py.Group):
            _walk_into(item, f"{prefix}{name}/", depth + 1, found)


def member(f: h5py.File, name: str, kind: type) -> Any:
    """Top-level item ``name`` if present; refuses links and the wrong kind of item."""
    if name not in f:
        return None
    if not isinstance(f.get(name, getlink=True), h5py.HardLink):
        raise ModelFileError(f"{name} is a link, which model files never hold")
    item = f[name]
    if not isinstance(item, kind):
        raise ModelFileError(f"its {name} is not a {kind.__name__.lower()}")
    return item


def _refuse_unknown(items: Mapping[str, Any], expected: set[str], where: str) -> None:
    unknown = sorted(set(items) - expected)
    if unknown:
        names = listed([f"{where}/{path}" for path in unknown])
        raise ModelFileError(f"it holds weights this network does not have: {names}")


def _names_attr(names: Iterable[str]) -> np.ndarray:
    """A list of names as Keras stores it: an array of byte strings."""
    encoded = [name.encode("utf-8") for name in names]
    return np.array(encoded) if encoded else np.array([], dtype="S1")


def _check_names(group: h5py.Group, attr: str, expected: list[str]) -> None:
    where = shorten(group.name.lstrip("/"), 80)
    if attr in group.attrs and attribute_bytes(group.attrs, attr) > MAX_TEXT_ATTRIBUTE:
        raise ModelFileError(f"{where} has a {attr} attribute larger than any model's")
    value = group.attrs.get(attr)
    names = None
    if isinstance(value, np.ndarray) and value.ndim == 1:
        names = [v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in value]
    if names != expected:
        found = "nothing" if names is None else _names_text(names)
        raise ModelFileError(
            f"{where} lists {attr} {found}, but the network has {_names_text(expected)}"
        )


def _names_text(names: list[Any]) -> str:
    """``['conv1', 'relu1', 'pool1' and 9 more]``: short however many names there are."""
    return f"[{listed([repr(name) for name in names])}]"
