"""Honest confidence: temperature scaling, and the expected calibration error.

A network trained with cross-entropy is usually over-confident: of the answers it
gives at "99% sure", fewer than 99% are right. Dividing its logits by one number T > 1,
fitted on held-out data (Guo et al., "On Calibration of Modern Neural Networks",
2017), makes the probabilities mean what they say without changing any answer, since
it keeps the order of the logits. digitlab folds T into the last layer's weights, so
the model file, the layer view and every reader of the network see the calibrated
probabilities with nothing extra to store.
"""

from __future__ import annotations

import numpy as np

from digitlab.core.nn.losses import log_softmax
from digitlab.core.nn.network import Network

#: Bins of the expected calibration error, as in Guo et al.
ECE_BINS = 15


def logits(network: Network, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """The network's outputs (before softmax) for ``x``, in inference mode."""
    parts = [
        network.forward(x[i : i + batch_size], training=False) for i in range(0, len(x), batch_size)
    ]
    return np.concatenate(parts).astype(np.float64)


def fit_temperature(z: np.ndarray, labels: np.ndarray) -> float:
    """The T > 0 that minimises the mean negative log-likelihood of ``labels`` under
    softmax(z / T); z (N, classes). The NLL is convex in 1/T, so a golden-section
    search over log T finds it."""
    labels = np.asarray(labels, dtype=np.intp)

    def nll(log_t: float) -> float:
        scaled = log_softmax(z / np.exp(log_t))
        return float(-scaled[np.arange(len(labels)), labels].mean())

    low, high = np.log(0.05), np.log(20.0)
    golden = (np.sqrt(5) - 1) / 2
    a, b = high - golden * (high - low), low + golden * (high - low)
    fa, fb = nll(a), nll(b)
    for _ in range(80):
        if fa < fb:
            high, b, fb = b, a, fa
            a = high - golden * (high - low)
            fa = nll(a)
        else:
            low, a, fa = a, b, fb
            b = low + golden * (high - low)
            fb = nll(b)
    return float(np.exp((low + high) / 2))


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """ECE: over bins of the top probability, the gap between the mean confidence and
    the accuracy, weighted by the share of samples in the bin."""
    confidence = probabilities.max(axis=1)
    right = probabilities.argmax(axis=1) == np.asarray(labels)
    bins = np.minimum((confidence * ECE_BINS).astype(int), ECE_BINS - 1)
    error = 0.0
    for b in range(ECE_BINS):
        inside = bins == b
        if inside.any():
            error += inside.mean() * abs(confidence[inside].mean() - right[inside].mean())
    return float(error)


def fold_temperature(network: Network, temperature: float) -> None:
    """Divide the network's output by ``temperature`` for good: the last layer with
    weights must be the output layer (a Dense with ``kernel`` and ``bias``)."""
    last = network.layers[-1]
    if set(last.params) != {"kernel", "bias"}:
        raise ValueError(f"the last layer {last.name} is not a dense output layer")
    for key in ("kernel", "bias"):
        last.params[key][...] = last.params[key] / np.float32(temperature)
