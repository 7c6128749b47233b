"""digitlab's core: a convolutional network written from scratch in NumPy.

Nothing in this package imports Qt; it runs on a machine without a screen. The names
a script needs are all here, so one import does::

    from digitlab.core import TrainConfig, Trainer, lenet5, load_mnist, recognise

Each name is imported on first use (PEP 562), so ``import digitlab.core`` stays
cheap: the command line's ``--help`` must not wait for h5py or Pillow to load.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from digitlab.core.version import __version__

# name -> the module that defines it, grouped as the package is.
_EXPORTS: dict[str, str] = {
    # the network and its parts
    **dict.fromkeys(
        (
            "Layer",
            "Conv2D",
            "MaxPool2D",
            "AvgPool2D",
            "Flatten",
            "Dense",
            "ReLU",
            "Sigmoid",
            "Tanh",
            "Dropout",
        ),
        "digitlab.core.nn.layers",
    ),
    "Network": "digitlab.core.nn.network",
    "lenet5": "digitlab.core.nn.architectures",
    # training
    "TrainConfig": "digitlab.core.train.types",
    "Callback": "digitlab.core.train.types",
    "BatchProgress": "digitlab.core.train.types",
    "EpochResult": "digitlab.core.train.types",
    "TrainResult": "digitlab.core.train.types",
    "Trainer": "digitlab.core.train.trainer",
    "RunControl": "digitlab.core.train.control",
    "SaveBestModel": "digitlab.core.train.save_best",
    "evaluate": "digitlab.core.train.evaluation",
    "Evaluation": "digitlab.core.train.evaluation",
    # data
    "load_mnist": "digitlab.core.data.mnist",
    "MNIST": "digitlab.core.data.mnist",
    "Split": "digitlab.core.data.mnist",
    "split_validation": "digitlab.core.data.mnist",
    "to_network_input": "digitlab.core.data.mnist",
    # model files
    "save_model": "digitlab.core.files.model_file",
    "load_model": "digitlab.core.files.model_file",
    "ModelFile": "digitlab.core.files.model_file",
    "bundled_model_path": "digitlab.resources",
    # reading a digit
    "load_image": "digitlab.core.reading.image_io",
    "recognise": "digitlab.core.reading.recognition",
    "Recognition": "digitlab.core.reading.recognition",
    "NOT_A_DIGIT": "digitlab.core.reading.recognition",
    # what goes wrong, in words
    "DigitlabError": "digitlab.core.errors",
    "ShapeError": "digitlab.core.errors",
    "ModelFileError": "digitlab.core.errors",
    "DatasetError": "digitlab.core.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next lookup finds it without coming here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # what type checkers and editors see; at run time __getattr__ serves
    from digitlab.core.data.mnist import (
        MNIST,
        Split,
        load_mnist,
        split_validation,
        to_network_input,
    )
    from digitlab.core.errors import DatasetError, DigitlabError, ModelFileError, ShapeError
    from digitlab.core.files.model_file import ModelFile, load_model, save_model
    from digitlab.core.nn.architectures import lenet5
    from digitlab.core.nn.layers import (
        AvgPool2D,
        Conv2D,
        Dense,
        Dropout,
        Flatten,
        Layer,
        MaxPool2D,
        ReLU,
        Sigmoid,
        Tanh,
    )
    from digitlab.core.nn.network import Network
    from digitlab.core.reading.image_io import load_image
    from digitlab.core.reading.recognition import NOT_A_DIGIT, Recognition, recognise
    from digitlab.core.train.control import RunControl
    from digitlab.core.train.evaluation import Evaluation, evaluate
    from digitlab.core.train.save_best import SaveBestModel
    from digitlab.core.train.trainer import Trainer
    from digitlab.core.train.types import (
        BatchProgress,
        Callback,
        EpochResult,
        TrainConfig,
        TrainResult,
    )
    from digitlab.resources import bundled_model_path
