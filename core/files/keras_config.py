"""The Keras view of a network: the ``model_config`` JSON that viewers such as Netron read.

It describes the architecture as a Keras ``Sequential`` model would, so a file opened
in Netron shows the layers, their settings and their weights. It is a *view*:
digitlab loads networks from its own ``digitlab_config``, and this module never reads.

Where digitlab and Keras differ, the view says what digitlab computes:

- tensors are ``(N, C, H, W)``, so conv and pool layers say ``channels_first``;
- digitlab's ``Flatten`` is a plain row-major reshape of ``(C, H, W)``. Keras's
  ``Flatten(data_format="channels_first")`` would first move channels last, so the
  view says ``channels_last``, which is the plain reshape;
- a conv's padding is a number of zero pixels on every side. Keras has only
  ``"valid"`` (no padding) and ``"same"``; padding that neither describes exactly is
  written ``"same"`` with the real amount beside it as ``digitlab_padding``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Config = dict[str, Any]

_INITIALIZERS = {"he_normal": "HeNormal", "glorot_uniform": "GlorotUniform"}


def keras_model_config(network_config: Mapping[str, Any], name: str) -> Config:
    """``{"class_name": "Sequential", "config": {"name", "layers"}}`` for a network.

    ``network_config`` is ``Network.get_config()``. The layers are an ``InputLayer``
    with ``batch_input_shape`` ``[None, *input_shape]``, then one entry per layer,
    in order and under the same names as in ``model_weights``.
    """
    entries = network_config["layers"]
    layers = [_input_layer(network_config["input_shape"], {e["config"]["name"] for e in entries})]
    layers += [keras_layer(entry["class"], entry["config"]) for entry in entries]
    return {"class_name": "Sequential", "config": {"name": name, "layers": layers}}


def keras_layer(class_name: str, config: Mapping[str, Any]) -> Config:
    """One layer as Keras describes it: ``{"class_name": ..., "config": {...}}``."""
    convert = _CONVERTERS.get(class_name)
    if convert is None:  # a layer class this table does not convert: show it as digitlab has it
        return {"class_name": class_name, "config": dict(config)}
    keras_class, settings = convert(config)
    common = {"name": config["name"], "trainable": True, "dtype": "float32"}
    return {"class_name": keras_class, "config": {**common, **settings}}


def _input_layer(input_shape: list[int], taken: set[str]) -> Config:
    name = "input"
    while name in taken:  # Keras requires unique names
        name += "_"
    shape = [None, *input_shape]
    config = {"batch_input_shape": shape, "dtype": "float32", "sparse": False, "ragged": False}
    return {"class_name": "InputLayer", "config": {**config, "name": name}}


def _conv(config: Mapping[str, Any]) -> tuple[str, Config]:
    padding, extra = _padding(config["padding"], config["kernel_size"], config["stride"])
    settings = {
        "filters": config["filters"],
        "kernel_size": list(config["kernel_size"]),
        "strides": [config["stride"], config["stride"]],
        "padding": padding,
        "data_format": "channels_first",
        "dilation_rate": [1, 1],
        "groups": 1,
        "activation": "linear",
        "use_bias": True,
        "kernel_initializer": _initializer(config["kernel_init"]),
        "bias_initializer": {"class_name": "Zeros", "config": {}},
    }
    return "Conv2D", {**settings, **extra}


def _padding(pad: int, kernel_size: list[int], stride: int) -> tuple[str, Config]:
    """Keras's padding word, plus ``digitlab_padding`` when the word is not exact.

    Keras "same" keeps the size at stride 1, which is exactly ``pad = (k - 1) / 2``
    on both axes; at other strides Keras pads unevenly, which digitlab never does.
    """
    if pad == 0:
        return "valid", {}
    if stride == 1 and all(k == 2 * pad + 1 for k in kernel_size):
        return "same", {}
    return "same", {"digitlab_padding": [pad, pad]}


def _initializer(kind: str) -> Config:
    return {"class_name": _INITIALIZERS.get(kind, kind), "config": {"seed": None}}


def _pool(keras_class: str) -> Callable[[Mapping[str, Any]], tuple[str, Config]]:
    def convert(config: Mapping[str, Any]) -> tuple[str, Config]:
        return keras_class, {
            "pool_size": list(config["pool_size"]),
            "padding": "valid",  # digitlab pools never pad
            "strides": [config["stride"], config["stride"]],
            "data_format": "channels_first",
        }

    return convert


def _dense(config: Mapping[str, Any]) -> tuple[str, Config]:
    return "Dense", {
        "units": config["units"],
        "activation": "linear",
        "use_bias": True,
        "kernel_initializer": _initializer(config["kernel_init"]),
        "bias_initializer": {"class_name": "Zeros", "config": {}},
    }


def _activation(function: str) -> Callable[[Mapping[str, Any]], tuple[str, Config]]:
    return lambda config: ("Activation", {"activation": function})


_CONVERTERS: dict[str, Callable[[Mapping[str, Any]], tuple[str, Config]]] = {
    "Conv2D": _conv,
    "MaxPool2D": _pool("MaxPooling2D"),
    "AvgPool2D": _pool("AveragePooling2D"),
    "Flatten": lambda config: ("Flatten", {"data_format": "channels_last"}),  # see module doc
    "Dense": _dense,
    "ReLU": _activation("relu"),
    "Sigmoid": _activation("sigmoid"),
    "Tanh": _activation("tanh"),
    "Dropout": lambda config: ("Dropout", {"rate": config["rate"], "noise_shape": None}),
}
