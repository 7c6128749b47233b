"""The layers a network is built from, and the table that rebuilds them from config."""

from core.layers.activations import ReLU, Sigmoid, Tanh
from core.layers.base import Layer
from core.layers.conv import Conv2D
from core.layers.dense import Dense
from core.layers.dropout import Dropout
from core.layers.flatten import Flatten
from core.layers.pool import AvgPool2D, MaxPool2D

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
