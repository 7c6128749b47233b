"""The backward pass for one image and one target, every intermediate kept.

Training only needs the parameter gradients, so ``Network.train_step`` throws the
gradient of each layer's output away as soon as the layer below has used it. To
*show* backpropagation we keep them all: :func:`backprop` runs the very same layer
``forward`` and ``backward`` methods the training step runs, in the layers' declared
order, on replicas that share the network's weights (``Layer.replica``), so the
network's own caches and gradients are left untouched and the numbers are the core's.

Dropout acts only in training; for one drawing it is what reading does, the identity,
so values and gradients pass through it unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from digitlab.core.errors import ShapeError
from digitlab.core.nn.losses import Loss, softmax
from digitlab.core.nn.network import Network


@dataclass(frozen=True, eq=False)
class LayerGradient:
    """One layer for one image, batch dimension removed.

    ``output`` and ``output_grad`` (dLoss/d output) have the layer's output shape,
    e.g. (6, 28, 28); ``param_grads`` holds dLoss/d parameter under the keys of
    ``layer.params`` (``kernel``, ``bias``), empty for a layer without weights.
    """

    name: str
    kind: str
    output: np.ndarray
    output_grad: np.ndarray
    param_grads: dict[str, np.ndarray]


@dataclass(frozen=True, eq=False)
class Backprop:
    """Forward and backward pass of one image ``x`` (C, H, W) toward class ``target``.

    ``layers`` follow the network's declared order; ``input_grad`` is dLoss/dx, the
    image's own gradient (which pixels would change the loss most).
    """

    x: np.ndarray
    target: int
    loss: float
    probabilities: np.ndarray  # (classes,) softmax of the last layer's output
    layers: tuple[LayerGradient, ...]
    input_grad: np.ndarray

    def layer(self, name: str) -> LayerGradient:
        for entry in self.layers:
            if entry.name == name:
                return entry
        raise KeyError(f"no layer named {name!r}; the layers are {[e.name for e in self.layers]}")

    def grads(self) -> dict[str, np.ndarray]:
        """Every parameter gradient, named like ``Network.grads()`` (``conv1.kernel``)."""
        return {
            f"{entry.name}.{key}": grad
            for entry in self.layers
            for key, grad in entry.param_grads.items()
        }

    def input_of(self, index: int) -> np.ndarray:
        """What layer ``index`` read: the image for the first layer."""
        return self.x if index == 0 else self.layers[index - 1].output

    def input_grad_of(self, index: int) -> np.ndarray:
        """dLoss/d(what layer ``index`` read)."""
        return self.input_grad if index == 0 else self.layers[index - 1].output_grad


def backprop(network: Network, x: np.ndarray, target: int) -> Backprop:
    """The loss of ``x`` (one sample, ``network.input_shape``) for class ``target``,
    with every layer's output, output gradient and parameter gradients.

    Raises ShapeError for an input of the wrong shape or a target the network has no
    output for.
    """
    classes = int(np.prod(network.output_shape))
    if not 0 <= int(target) < classes or int(target) != target:
        raise ShapeError(f"the target must be a class in 0..{classes - 1}, got {target!r}")
    x = np.asarray(x)
    if x.shape != network.input_shape:
        raise ShapeError(
            f"the network reads one image of shape {network.input_shape}, got {x.shape}"
        )
    batch = x[None].astype(network.dtype, copy=False)  # (1, C, H, W): a batch of one
    layers = [layer.replica() for layer in network.layers]  # shared weights, own caches
    outputs, value = [], batch
    for layer in layers:
        if not layer.only_in_training:
            value = layer.forward(value, training=True)
        outputs.append(value)
    loss_fn: Loss = type(network.loss)()
    onehot = np.zeros((1, classes), dtype=value.dtype)  # both losses take a distribution
    onehot[0, int(target)] = 1
    loss = loss_fn.forward(value.reshape(1, classes), onehot)
    grad = loss_fn.backward().reshape(value.shape)
    entries = []
    for layer, output in zip(reversed(layers), reversed(outputs), strict=True):
        output_grad = grad
        if not layer.only_in_training:
            grad = layer.backward(grad, input_grad=True)
        param_grads = dict(layer.grads)  # each backward makes new arrays: ours to keep
        entries.append(
            LayerGradient(layer.name, layer.kind, output[0], output_grad[0], param_grads)
        )
    return Backprop(
        x=batch[0],
        target=int(target),
        loss=loss,
        probabilities=softmax(outputs[-1].reshape(1, classes))[0],
        layers=tuple(reversed(entries)),
        input_grad=grad[0],
    )


def gradient_norms(result: Backprop) -> dict[str, float]:
    """The L2 norm of every output gradient (``<layer>``) and parameter gradient
    (``<layer>.<key>``), in the layers' order: how much signal reaches each place."""
    norms: dict[str, float] = {}
    for entry in result.layers:
        norms[entry.name] = float(np.linalg.norm(entry.output_grad))
        for key, grad in entry.param_grads.items():
            norms[f"{entry.name}.{key}"] = float(np.linalg.norm(grad))
    return norms
