"""The optimizer state in model.h5: ``optimizer_weights/``.

It holds what ``Optimizer.state_dict()`` returns: the class and config and the
iteration count as attributes, and each slot array of parameter ``conv1.kernel`` at
``optimizer_weights/<slot>/conv1/kernel``. Reading checks every array against the
network and lets ``digitlab.core.train.optimizers`` rebuild the optimizer before
returning the state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import h5py
import numpy as np

from digitlab.core.errors import ModelFileError
from digitlab.core.files.checksums import attrs_digest, has_checksum, verify
from digitlab.core.files.config_json import json_bytes, read_json_object, to_plain
from digitlab.core.files.h5_arrays import checked_values, member, read_array, walk, write_array
from digitlab.core.train.optimizers import optimizer_from_state

OPTIMIZER = "optimizer_weights"
_ATTRS = ("class", "config", "iterations")  # the group's attributes its checksum covers


def check_optimizer_state(state: Any, params: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """A checked copy of ``Optimizer.state_dict()`` output, slots as float32 arrays.

    Every slot must name a parameter of the network and have its shape, and
    ``digitlab.core.train.optimizers`` must be able to rebuild the optimizer from it.
    """
    if not isinstance(state, Mapping) or not isinstance(state.get("slots"), Mapping):
        raise ModelFileError("the optimizer state is not a dict with 'slots'")
    slots: dict[str, dict[str, np.ndarray]] = {}
    for kind, arrays in state["slots"].items():
        if not isinstance(kind, str) or not isinstance(arrays, Mapping):
            raise ModelFileError(f"optimizer slot {kind!r} is not a dict of arrays")
        slots[kind] = {
            name: _slot_array(kind, name, value, params) for name, value in arrays.items()
        }
    checked = {key: state.get(key) for key in ("class", "config", "iterations")}
    checked["slots"] = slots
    try:
        optimizer_from_state(checked)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"the optimizer state is unusable: {exc}") from None
    checked["config"] = to_plain(checked["config"], "the optimizer config")
    checked["iterations"] = int(checked["iterations"])
    return checked


def write_optimizer_state(f: h5py.File, state: Mapping[str, Any]) -> None:
    group = f.create_group(OPTIMIZER)
    group.attrs["class"] = state["class"].encode("ascii")
    group.attrs["config"] = json_bytes(state["config"], "the optimizer config")
    group.attrs["iterations"] = np.int64(state["iterations"])
    group.attrs["sha256"] = attrs_digest(group.attrs, _ATTRS)
    for kind, arrays in state["slots"].items():
        kind_group = group.create_group(kind)  # also when empty: the kind is part of the state
        for name, value in arrays.items():
            parent, _, key = name.replace(".", "/").rpartition("/")
            write_array(kind_group.require_group(parent), key, value)


def read_optimizer_state(f: h5py.File, params: Mapping[str, np.ndarray]) -> dict[str, Any] | None:
    """What ``Optimizer.state_dict()`` returned when saved, or None if none was."""
    group = member(f, OPTIMIZER, h5py.Group)
    if group is None:
        return None
    items = walk(group)
    slots: dict[str, dict[str, Any]] = {}
    for path, item in items.items():
        parts = path.split("/")
        if len(parts) == 1 and isinstance(item, h5py.Group):
            slots.setdefault(path, {})
        elif len(parts) == 3 and isinstance(item, h5py.Dataset):
            name = f"{parts[1]}.{parts[2]}"
            if name not in params:
                raise ModelFileError(f"optimizer slot {parts[0]} names unknown parameter {name}")
            owner = f"optimizer slot {parts[0]}"
            slots.setdefault(parts[0], {})[name] = read_array(item, owner, name, params[name].shape)
        elif not (len(parts) == 2 and isinstance(item, h5py.Group)):
            raise ModelFileError(f"{OPTIMIZER}/{path} is not part of an optimizer state")
    iterations = group.attrs.get("iterations")
    state = {
        "class": group.attrs.get("class"),
        "config": read_json_object(group.attrs, "config"),
        "iterations": int(iterations) if _is_whole(iterations) else iterations,
        "slots": slots,
    }
    if has_checksum(group):
        verify(group, attrs_digest(group.attrs, _ATTRS), f"{OPTIMIZER}'s attributes")
    if isinstance(state["class"], bytes):
        state["class"] = state["class"].decode("utf-8", "replace")
    return check_optimizer_state(state, params)


def _slot_array(kind: str, name: Any, value: Any, params: Mapping[str, np.ndarray]) -> np.ndarray:
    if name not in params:
        raise ModelFileError(f"optimizer slot {kind} names unknown parameter {name}")
    array = np.asarray(value)
    return checked_values(array, f"optimizer slot {kind}", name, params[name].shape)


def _is_whole(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)
