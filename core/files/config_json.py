"""The JSON inside model files: what may be written, and rebuilding a network from it.

Text attributes of model.h5 hold strict JSON (no NaN or Infinity) in ASCII, so any
JSON parser reads them. Loading builds layers only from the registered layer classes,
``digitlab.core.nn.layers.LAYER_TYPES``, and losses only from
``digitlab.core.nn.losses.LOSSES``: a file names classes, it never chooses code.

Problems raise ModelFileError with a reason phrased to follow "cannot load X: ...";
``digitlab.core.files.model_file`` adds the file name.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import h5py
import numpy as np

from digitlab.core.errors import ModelFileError
from digitlab.core.files.architecture_limits import check_architecture
from digitlab.core.files.h5_guard import attribute_bytes
from digitlab.core.files.limits import MAX_LAYERS, MAX_TEXT_ATTRIBUTE
from digitlab.core.files.shown import shorten
from digitlab.core.nn.layers import LAYER_TYPES, Layer
from digitlab.core.nn.losses import LOSSES
from digitlab.core.nn.network import Network


def to_plain(value: Any, where: str) -> Any:
    """A JSON-ready copy of ``value``, or ModelFileError naming the bad entry.

    Accepts dicts with string keys, lists and tuples (which become lists), strings,
    bools, None and finite numbers; NumPy scalars become Python numbers. ``where``
    names ``value`` in messages, e.g. ``metadata`` gives ``metadata['lr'] is nan``.
    """
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        value = value.item()
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ModelFileError(f"{where} is {value}; model files store only finite numbers")
        return value
    if isinstance(value, Mapping):
        bad_keys = [k for k in value if not isinstance(k, str)]
        if bad_keys:
            raise ModelFileError(f"{where} has the key {bad_keys[0]!r}; keys must be strings")
        return {k: to_plain(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise ModelFileError(
        f"{where} is a {type(value).__name__}, which a model file cannot store "
        "(use numbers, strings, lists and dicts)"
    )


def json_bytes(value: Any, where: str) -> bytes:
    """``value`` as strict ASCII JSON, the way every text attribute is stored."""
    return json.dumps(to_plain(value, where), allow_nan=False).encode("ascii")


def read_text(attrs: h5py.AttributeManager, key: str) -> str:
    """The text attribute ``key``; h5py gives str or bytes depending on how it was stored."""
    if key not in attrs:
        raise ModelFileError(f"it has no {key} attribute")
    size = attribute_bytes(attrs, key)
    if size > MAX_TEXT_ATTRIBUTE:  # checked before it is read into memory
        raise ModelFileError(
            f"its {key} attribute holds {size:,} bytes; digitlab reads at most "
            f"{MAX_TEXT_ATTRIBUTE:,}"
        )
    value = attrs[key]
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise ModelFileError(f"its {key} attribute is not UTF-8 text") from None
    if not isinstance(value, str):
        raise ModelFileError(f"its {key} attribute is not text")
    return value


def read_json(attrs: h5py.AttributeManager, key: str) -> Any:
    """The JSON attribute ``key``, parsed strictly: ``NaN``, ``Infinity`` and numbers
    too large for a float (``1e999``) are refused, since digitlab never writes them
    and they would show as "inf%"."""
    text = read_text(attrs, key)
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except _NotFiniteError as exc:
        raise ModelFileError(
            f"its {key} attribute holds {exc}, which is not a number JSON allows"
        ) from None
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        reason = shorten(str(exc) or type(exc).__name__, 100)
        raise ModelFileError(f"its {key} attribute is not valid JSON ({reason})") from None


class _NotFiniteError(ValueError):
    """NaN, Infinity or a float that overflows, met while parsing JSON."""


def _refuse_constant(name: str) -> Any:
    raise _NotFiniteError(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFiniteError(shorten(text, 40))
    return value


def read_json_object(attrs: h5py.AttributeManager, key: str) -> dict[str, Any]:
    value = read_json(attrs, key)
    if not isinstance(value, dict):
        raise ModelFileError(f"its {key} attribute is not a JSON object")
    return value


def check_keras_config(config: Any) -> None:
    """The Keras view need only have Keras's shape; loading never uses it."""
    inner = config.get("config") if isinstance(config, dict) else None
    if not (
        isinstance(inner, dict)
        and isinstance(config.get("class_name"), str)
        and isinstance(inner.get("layers"), list)
    ):
        raise ModelFileError(
            'its model_config is not a Keras model config {"class_name": ..., '
            '"config": {"layers": [...]}}'
        )


def network_from_config(config: Any) -> Network:
    """A built Network (float32, fresh weights) from ``Network.get_config()`` as read back.

    Checks the structure itself, so every message names the part that is wrong.
    """
    if not isinstance(config, dict):
        raise ModelFileError("its digitlab_config is not a JSON object")
    input_shape = config.get("input_shape")
    if not (isinstance(input_shape, list) and input_shape and all(map(_is_size, input_shape))):
        raise ModelFileError(
            f"its digitlab_config has input_shape {shorten(repr(input_shape), 80)}, "
            "not a list of positive whole numbers"
        )
    entries = config.get("layers")
    if not isinstance(entries, list) or not entries:
        raise ModelFileError("its digitlab_config has no list of layers")
    if len(entries) > MAX_LAYERS:
        raise ModelFileError(
            f"its network has {len(entries):,} layers; digitlab reads at most {MAX_LAYERS:,}"
        )
    layers = [_layer(entry, index) for index, entry in enumerate(entries, 1)]
    loss = config.get("loss", "SoftmaxCrossEntropy")
    if not isinstance(loss, str) or loss not in LOSSES:
        loss_text = shorten(repr(loss), 60)
        raise ModelFileError(f"its loss {loss_text} is unknown; digitlab knows {', '.join(LOSSES)}")
    check_architecture(layers, tuple(input_shape))  # before a single weight is allocated
    try:
        # The seed only fills weights that loading overwrites (and Dropout's mask stream).
        return Network(layers, tuple(input_shape), LOSSES[loss](), rng=0)
    except (ValueError, MemoryError) as exc:  # ShapeError is a ValueError
        raise ModelFileError(f"its layers do not fit together: {shorten(str(exc))}") from None


def _layer(entry: Any, index: int) -> Layer:
    if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict):
        raise ModelFileError(
            f'layer {index} of its digitlab_config is not {{"class": ..., "config": {{...}}}}'
        )
    class_name, config = entry.get("class"), entry["config"]
    name = config.get("name")
    label = f"layer {shorten(name, 60)}" if isinstance(name, str) else f"layer {index}"
    if not isinstance(class_name, str) or class_name not in LAYER_TYPES:
        type_text = shorten(repr(class_name), 60)
        raise ModelFileError(
            f"{label} has the unknown type {type_text}; digitlab knows {', '.join(LAYER_TYPES)}"
        )
    if not isinstance(name, str):
        raise ModelFileError(f"layer {index} ({class_name}) has no name")
    try:
        return LAYER_TYPES[class_name].from_config(dict(config))
    except (TypeError, ValueError, OverflowError) as exc:
        reason = shorten(str(exc), 120)
        raise ModelFileError(
            f"{label} ({class_name}) has settings digitlab cannot use: {reason}"
        ) from None


def _is_size(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
