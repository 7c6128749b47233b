"""The layers a network is built from, and the table that rebuilds them from config.

Importing this package defines, and so registers, every built-in layer class:
``LAYER_TYPES`` lists them, then any layer class defined later.
"""

# isort: off
# In the order a network meets them, which is the order LAYER_TYPES (and so every
# "digitlab knows ..." message) lists them in.
from digitlab.core.nn.layers.base import LAYER_TYPES, Layer, OutputSign, forget_layer_type
from digitlab.core.nn.layers.conv import Conv2D
from digitlab.core.nn.layers.pool import AvgPool2D, MaxPool2D
from digitlab.core.nn.layers.flatten import Flatten
from digitlab.core.nn.layers.dense import Dense
from digitlab.core.nn.layers.activations import ReLU, Sigmoid, Tanh
from digitlab.core.nn.layers.dropout import Dropout
# isort: on

__all__ = [
    "LAYER_TYPES",
    "AvgPool2D",
    "Conv2D",
    "Dense",
    "Dropout",
    "Flatten",
    "Layer",
    "MaxPool2D",
    "OutputSign",
    "ReLU",
    "Sigmoid",
    "Tanh",
    "forget_layer_type",
]
