"""Ready-made architectures."""

from __future__ import annotations

import numpy as np

from digitlab.core.nn.layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU
from digitlab.core.nn.network import Network

#: MNIST images: one grey channel of 28x28 pixels.
MNIST_SHAPE = (1, 28, 28)


def lenet5(
    seed: np.random.Generator | int | None = None,
    classes: int = 10,
    filters: tuple[int, int] = (6, 16),
) -> Network:
    """LeNet-5 as digitlab's design describes it, with ReLU and max-pooling.

    conv 6@5x5 (padding 2 keeps 28x28, as LeNet's 32x32 input did) -> ReLU -> max-pool 2
    -> conv 16@5x5 -> ReLU -> max-pool 2 -> flatten (16*5*5 = 400) -> dense 120 -> ReLU
    -> dense 84 -> ReLU -> dense 10, trained with softmax cross-entropy; He init drawn
    from ``seed`` (an int or a Generator; None: fresh entropy). ``filters`` widens the two
    convolutions (the paper's 6 and 16 by default) for a model with more to learn.
    """
    conv1, conv2 = filters
    layers = [
        Conv2D(conv1, 5, padding=2, name="conv1"),
        ReLU(name="relu1"),
        MaxPool2D(2, name="pool1"),
        Conv2D(conv2, 5, name="conv2"),
        ReLU(name="relu2"),
        MaxPool2D(2, name="pool2"),
        Flatten(name="flatten"),
        Dense(120, name="dense1"),
        ReLU(name="relu3"),
        Dense(84, name="dense2"),
        ReLU(name="relu4"),
        Dense(classes, name="dense3"),
    ]
    return Network(layers, MNIST_SHAPE, rng=seed)
