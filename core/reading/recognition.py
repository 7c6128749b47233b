"""Read one digit image: preprocess it as MNIST was made, run the network once.

The desktop app calls :func:`recognise` on every stroke and ``digitlab predict`` on
each file, so both read a digit through exactly the same steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from digitlab.core.nn.losses import softmax
from digitlab.core.nn.network import Network
from digitlab.core.reading.preprocess import PreprocessSteps, preprocess_steps


@dataclass(frozen=True, eq=False)
class Recognition:
    """What the network made of one image.

    ``probabilities`` is (classes,) float32 and sums to 1, or all zeros when the image
    holds no ink (then ``digit`` is None: there is nothing to read). ``activations``
    holds every layer's output for this one image in declared order, batch dimension
    removed, e.g. ``("conv1", (6, 28, 28))``; empty when there is no ink or they
    were not asked for.
    """

    steps: PreprocessSteps
    probabilities: np.ndarray
    digit: int | None
    activations: list[tuple[str, np.ndarray]]

    @property
    def empty(self) -> bool:
        """True when there was no ink to read."""
        return self.digit is None

    @property
    def confidence(self) -> float:
        """The probability of the predicted digit; 0.0 when there is none."""
        return 0.0 if self.digit is None else float(self.probabilities[self.digit])


def recognise(network: Network, image: np.ndarray, *, with_activations: bool = True) -> Recognition:
    """Preprocess ``image`` (H, W) in [0, 1], ink high, and classify it.

    The network runs once: with ``with_activations`` every layer's output is kept and
    the last one, the logits, gives the probabilities. Raises ShapeError for an image
    that is not 2-D or lies outside [0, 1] (see ``digitlab.core.reading.preprocess``).
    """
    steps = preprocess_steps(image)
    classes = int(np.prod(network.output_shape))
    if steps.empty:
        return Recognition(steps, np.zeros(classes, np.float32), None, [])
    x = steps.centred[None, None]  # (1, 1, 28, 28): one sample, one channel
    if with_activations:
        activations = [(name, output[0]) for name, output in network.activations(x)]
        logits = activations[-1][1][None]  # (1, classes)
    else:
        activations = []
        logits = network.forward(x, training=False)
    probabilities = softmax(logits)[0].astype(np.float32, copy=False)
    return Recognition(steps, probabilities, int(probabilities.argmax()), activations)
