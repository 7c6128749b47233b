"""Read one digit image: preprocess it as MNIST was made, run the network once.

The desktop app calls :func:`recognise` on every stroke and ``digitlab predict`` on
each file, so both read a digit through exactly the same steps.

A network with eleven outputs can decline: its class ``NOT_A_DIGIT`` (10) stands for
dots, stray lines, scribbles, letters and symbols, and when that class is the most
likely one the reading has no digit. A ten-output network always names a digit,
except for an image without ink, which nothing can read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from digitlab.core.nn.losses import softmax
from digitlab.core.nn.network import Network
from digitlab.core.reading.preprocess import PreprocessSteps, preprocess_steps

DIGITS = 10  # classes 0-9 are the digits themselves
NOT_A_DIGIT = 10  # the eleventh class of a network that can decline
# Near tie: the runner-up digit has at least this fraction of the winner's probability.
# A ratio, not a gap in points, so 0.30 / 0.16 is a tie as much as 0.60 / 0.32: the
# second reading is more than half as likely as the first, too close to name one alone.
NEAR_TIE_RATIO = 0.5

Reason = Literal["empty", "not_a_digit"]


def can_decline(network: Network) -> bool:
    """True when ``network`` has the eleventh output, "not a digit"."""
    return int(np.prod(network.output_shape)) == DIGITS + 1


@dataclass(frozen=True, eq=False)
class Recognition:
    """What the network made of one image.

    ``probabilities`` is (classes,) float32 over all the network's classes (10, or 11
    with ``NOT_A_DIGIT``) and sums to 1, or all zeros when the image holds no ink.
    ``digit`` is the digit read, or None with ``reason`` saying why there is none:
    ``"empty"`` (no ink: nothing to read) or ``"not_a_digit"`` (the model's most likely
    class is ``NOT_A_DIGIT``); ``reason`` is None whenever a digit was read.
    ``activations`` holds every layer's output for this one image in declared order,
    batch dimension removed, e.g. ``("conv1", (6, 28, 28))``; empty when there is no
    ink or they were not asked for.
    """

    steps: PreprocessSteps
    probabilities: np.ndarray
    digit: int | None
    activations: list[tuple[str, np.ndarray]]
    reason: Reason | None = None

    @property
    def empty(self) -> bool:
        """True when there was no ink to read."""
        return self.reason == "empty"

    @property
    def not_a_digit(self) -> bool:
        """True when the model read the ink as something other than a digit."""
        return self.reason == "not_a_digit"

    @property
    def can_decline(self) -> bool:
        """True when the network had a "not a digit" output (11 classes)."""
        return len(self.probabilities) > NOT_A_DIGIT

    @property
    def confidence(self) -> float:
        """The probability of the digit read; 0.0 when there is none."""
        return 0.0 if self.digit is None else float(self.probabilities[self.digit])

    @property
    def digit_probabilities(self) -> np.ndarray:
        """(10,) float32: the probabilities of the digits 0-9 (not renormalised)."""
        return self.probabilities[:DIGITS]

    @property
    def not_a_digit_probability(self) -> float:
        """The probability of "not a digit"; 0.0 for a network that cannot decline."""
        return float(self.probabilities[NOT_A_DIGIT]) if self.can_decline else 0.0

    @property
    def runner_up(self) -> int | None:
        """The second most likely digit after the one read; None when none was read."""
        if self.digit is None:
            return None
        ranked = np.argsort(-self.digit_probabilities, kind="stable")
        return int(ranked[1] if ranked[0] == self.digit else ranked[0])

    @property
    def is_near_tie(self) -> bool:
        """A digit was read and the runner-up digit is at least ``NEAR_TIE_RATIO`` as
        likely: the honest answer names both ("3 or 5?")."""
        second = self.runner_up
        if second is None:
            return False
        return float(self.probabilities[second]) >= NEAR_TIE_RATIO * self.confidence

    @property
    def candidates(self) -> tuple[int, ...]:
        """The digits worth naming, most likely first: the digit read, with the
        runner-up on a near tie; () when no digit was read."""
        if self.digit is None:
            return ()
        return (self.digit, self.runner_up) if self.is_near_tie else (self.digit,)


def recognise(network: Network, image: np.ndarray, *, with_activations: bool = True) -> Recognition:
    """Preprocess ``image`` (H, W) in [0, 1], ink high, and classify it.

    The network runs once: with ``with_activations`` every layer's output is kept and
    the last one, the logits, gives the probabilities. Raises ShapeError for an image
    that is not 2-D or lies outside [0, 1] (see ``digitlab.core.reading.preprocess``).
    """
    steps = preprocess_steps(image)
    classes = int(np.prod(network.output_shape))
    if steps.empty:
        return Recognition(steps, np.zeros(classes, np.float32), None, [], "empty")
    x = steps.centred[None, None]  # (1, 1, 28, 28): one sample, one channel
    if with_activations:
        activations = [(name, output[0]) for name, output in network.activations(x)]
        logits = activations[-1][1][None]  # (1, classes)
    else:
        activations = []
        logits = network.forward(x, training=False)
    probabilities = softmax(logits)[0].astype(np.float32, copy=False)
    best = int(probabilities.argmax())
    if best == NOT_A_DIGIT and classes == DIGITS + 1:
        return Recognition(steps, probabilities, None, activations, "not_a_digit")
    return Recognition(steps, probabilities, best, activations)
