"""The layers a network is built from, and the table that rebuilds them from config."""

from digitlab.core.nn.layers.activations import ReLU, Sigmoid, Tanh
from digitlab.core.nn.layers.base import Layer
from digitlab.core.nn.layers.conv import Conv2D
from digitlab.core.nn.layers.dense import Dense
from digitlab.core.nn.layers.dropout import Dropout
from digitlab.core.nn.layers.flatten import Flatten
from digitlab.core.nn.layers.pool import AvgPool2D, MaxPool2D

#: Class name -> class. Model files name layers by these keys and nothing else is
#: ever looked up, so a file cannot make us construct arbitrary objects.
LAYER_TYPES: dict[str, type[Layer]] = {
    cls.__name__: cls
    for cls in (Conv2D, MaxPool2D, AvgPool2D, Flatten, Dense, ReLU, Sigmoid, Tanh, Dropout)
}

__all__ = [
    "LAYER_TYPES",
    "AvgPool2D",
    "Conv2D",
    "Dense",
    "Dropout",
    "Flatten",
    "Layer",
    "MaxPool2D",
    "ReLU",
    "Sigmoid",
    "Tanh",
]
