"""Where one unit's gradient comes from, and what it adds to its layer's weight gradient.

The chain rule, one unit at a time: a unit u is read by some units v of the next
layer, so ``dL/du = sum over v of dL/dv * dv/du``. For a convolution that reads u,
``dv/du`` is the kernel weight that met u (the kernel "rotated by 180 degrees" is
just this sum written as a convolution); for a dense layer it is the weight joining
them; for max pooling 1 when u won its window and 0 otherwise; for an activation its
derivative at u. The last layer gets its gradient from the loss: for softmax
cross-entropy ``p - t``, the probability minus the target.

A unit of a layer with weights then adds ``dL/du * (its inputs)`` to the gradient of
its kernel and ``dL/du`` to its bias: summed over every unit of a channel, that is the
kernel gradient, the cross-correlation of the input with the error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from digitlab.core.explain.backprop import Backprop
from digitlab.core.explain.regions import window_of
from digitlab.core.explain.units import ACTIVATIONS, Unit, explain_unit, layer_index
from digitlab.core.nn.layers import AvgPool2D, Conv2D, Dense, Layer, MaxPool2D
from digitlab.core.nn.losses import SoftmaxCrossEntropy
from digitlab.core.nn.network import Network


@dataclass(frozen=True)
class GradientTerm:
    """One path of the chain rule: ``unit`` of the next layer, dL/d that unit
    (``grad``) and d that unit / d ours (``weight``)."""

    unit: Unit
    grad: float
    weight: float

    @property
    def term(self) -> float:
        return self.grad * self.weight


@dataclass(frozen=True, eq=False)
class UnitGradient:
    """dL/d(unit ``unit`` of ``layer``) for the explained image, and where it came from.

    ``via`` names the next layer, or is ``"loss"`` for the last layer; ``terms`` are the
    chain rule's terms, largest first, and they sum to ``grad`` (``total``). For the last
    layer, ``from_loss`` is (probability, target) and, for softmax cross-entropy, ``grad``
    is their difference. ``kernel_share`` (the shape of one kernel, or of one dense
    column) and ``bias_share`` are what this unit adds to its layer's weight gradients.
    """

    layer: str
    unit: Unit
    grad: float
    via: str
    terms: tuple[GradientTerm, ...] = ()
    from_loss: tuple[float, float] | None = None
    kernel_share: np.ndarray | None = None
    bias_share: float | None = None

    @property
    def total(self) -> float:
        """The sum a person can redo: the terms, or p - t at the loss."""
        if self.from_loss is not None:
            probability, target = self.from_loss
            return probability - target
        return float(sum(t.term for t in self.terms))


def explain_gradient(
    network: Network, result: Backprop, layer: str | int, unit: Unit
) -> UnitGradient:
    """How ``unit`` of ``layer`` got its gradient in ``result`` (``backprop(...)``)."""
    index = layer_index(network, layer)
    forward = explain_unit(network, result, index, unit)  # checks the unit, gives inputs
    unit, entry = forward.unit, result.layers[index]
    grad = float(entry.output_grad[unit])
    shares = {}
    if network.layers[index].params:
        shares = dict(kernel_share=grad * forward.inputs, bias_share=grad)
    if index + 1 == len(network.layers):
        return UnitGradient(
            entry.name, unit, grad, "loss", from_loss=_from_loss(network, result, unit), **shares
        )
    following = network.layers[index + 1]
    terms = _terms(following, result, index + 1, unit)
    terms = tuple(sorted(terms, key=lambda t: -abs(t.term)))
    return UnitGradient(entry.name, unit, grad, following.name, terms, **shares)


def _from_loss(network: Network, result: Backprop, unit: Unit) -> tuple[float, float] | None:
    if not isinstance(network.loss, SoftmaxCrossEntropy):
        return None
    (k,) = unit
    return float(result.probabilities[k]), float(k == result.target)


def _terms(following: Layer, result: Backprop, index: int, unit: Unit) -> list[GradientTerm]:
    """The chain rule's terms for ``unit`` of layer index - 1, read by ``following``."""
    grad_next = result.layers[index].output_grad
    if isinstance(following, Conv2D):
        return _conv_terms(following, grad_next, unit)
    if isinstance(following, Dense):
        weights = following.params["kernel"][unit[0]]  # (units,): row i joins input i
        return [
            GradientTerm((j,), float(g), float(w))
            for j, (g, w) in enumerate(zip(grad_next, weights, strict=True))
        ]
    if isinstance(following, MaxPool2D | AvgPool2D):
        return _pool_terms(following, result, index, unit)
    flat = np.ravel_multi_index(unit, result.layers[index - 1].output.shape)
    target = tuple(int(i) for i in np.unravel_index(flat, grad_next.shape))
    weight = 1.0
    if isinstance(following, ACTIVATIONS):
        weight = _derivative(following, result.layers[index - 1].output[unit])
    return [GradientTerm(target, float(grad_next[target]), weight)]


def _conv_terms(conv: Conv2D, grad_next: np.ndarray, unit: Unit) -> list[GradientTerm]:
    """Every (kernel f, output position) whose window covers ``unit``: the weight that
    met it is kernel[f, c, i, j] with (i, j) its place in the window."""
    c, y, x = unit
    kh, kw, stride, pad = window_of(conv)
    _, h_out, w_out = grad_next.shape
    kernel = conv.params["kernel"]
    terms = []
    for i in range(kh):
        for j in range(kw):
            oy, ry = divmod(y + pad - i, stride)
            ox, rx = divmod(x + pad - j, stride)
            if ry or rx or not (0 <= oy < h_out and 0 <= ox < w_out):
                continue
            for f in range(kernel.shape[0]):
                terms.append(
                    GradientTerm(
                        (f, oy, ox), float(grad_next[f, oy, ox]), float(kernel[f, c, i, j])
                    )
                )
    return terms


def _pool_terms(pool: Layer, result: Backprop, index: int, unit: Unit) -> list[GradientTerm]:
    """Every window holding ``unit``: max pooling passes the window's gradient to its
    winner alone (weight 1, else 0); average pooling gives each value 1/(kh*kw)."""
    c, y, x = unit
    kh, kw, stride, _ = window_of(pool)
    grad_next = result.layers[index].output_grad
    _, h_out, w_out = grad_next.shape
    terms = []
    for oy in range(h_out):
        for ox in range(w_out):
            if not (oy * stride <= y < oy * stride + kh and ox * stride <= x < ox * stride + kw):
                continue
            if isinstance(pool, AvgPool2D):
                weight = 1.0 / (kh * kw)
            else:
                winner = explain_unit_winner(pool, result, index, (c, oy, ox))
                weight = float(winner == (y - oy * stride, x - ox * stride))
            terms.append(GradientTerm((c, oy, ox), float(grad_next[c, oy, ox]), weight))
    return terms


def explain_unit_winner(pool: Layer, result: Backprop, index: int, unit: Unit) -> Unit:
    """The place, in its window, of the value max-pooling unit ``unit`` kept."""
    c, oy, ox = unit
    kh, kw, stride, _ = window_of(pool)
    x = result.input_of(index)
    window = x[c, oy * stride : oy * stride + kh, ox * stride : ox * stride + kw]
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(window)), window.shape))


def _derivative(activation: Layer, value: float) -> float:
    """The activation's own derivative at ``value``, from its own backward pass."""
    twin = activation.replica()
    twin.forward(np.full((1, 1), value), training=True)
    return float(twin.backward(np.ones((1, 1)))[0, 0])
