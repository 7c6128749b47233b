"""Small float64 networks and one drawn digit for the explanation tests."""

from __future__ import annotations

import numpy as np

from digitlab.core.files.model_file import load_model
from digitlab.core.nn.layers import (
    AvgPool2D,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    MaxPool2D,
    ReLU,
    Sigmoid,
    Tanh,
)
from digitlab.core.nn.network import Network
from digitlab.core.reading.render import render_digit
from digitlab.resources import bundled_model_path

#: A seven as a person draws it on the canvas: a top bar, then a long diagonal.
SEVEN = [[(0.0, 0.0), (60.0, 0.0), (25.0, 100.0)]]


def tiny_network(pool: str = "max", seed: int = 3) -> Network:
    """Every kind of layer on an 8x8 image, with random float64 weights and biases (so
    no gradient vanishes by construction): a padded conv, a strided padded conv, both
    poolings, three activations, Flatten, Dropout and two dense layers."""
    pooling = MaxPool2D(2) if pool == "max" else AvgPool2D(2)
    layers = [
        Conv2D(2, 3, padding=1),
        ReLU(),
        pooling,
        Conv2D(3, 3, stride=2, padding=1),
        Tanh(),
        Flatten(),
        Dense(6),
        Sigmoid(),
        Dropout(0.5),
        Dense(4),
    ]
    network = Network(layers, (1, 8, 8), rng=seed).cast(np.float64)
    rng = np.random.default_rng(seed)
    for value in network.params().values():
        value[...] = rng.standard_normal(value.shape)
    return network


def tiny_image(seed: int = 4) -> np.ndarray:
    """(1, 8, 8) float64 in [0, 1]."""
    return np.random.default_rng(seed).random((1, 8, 8))


def bundled_network() -> Network:
    return load_model(bundled_model_path()).network


def drawn_seven() -> np.ndarray:
    """The seven as the network sees it: (1, 28, 28) float32."""
    _, image = render_digit(SEVEN)
    return image[None]
