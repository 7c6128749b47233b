"""The order a network runs its layers in, and its forward and backward passes.

``Network`` makes one ``ExecutionPlan`` when it is built and runs every training
pass through it; a sharded training step (``digitlab.core.nn.parallel``) runs one
replica of the plan per shard. So parallel needs the plan and the loss, never the
network, and the imports go one way: network -> parallel -> plan -> layers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from digitlab.core.nn.layers import Layer


@dataclass(frozen=True)
class ExecutionPlan:
    """Layers in the order ``forward`` runs them, and where ``backward`` stops.

    ``first_trainable`` is the position, in ``layers``, of the first layer with
    weights: nothing below it needs a gradient, and it needs none for its input.
    """

    layers: tuple[Layer, ...]
    first_trainable: int

    @classmethod
    def of(cls, layers: Sequence[Layer]) -> ExecutionPlan:
        """The plan for ``layers`` given in declared order (see ``execution_order``)."""
        order = execution_order(layers)
        first = next((i for i, layer in enumerate(order) if layer.params), len(order))
        return cls(tuple(order), first)

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """x (N, *input_shape) -> (N, *output_shape), through every layer."""
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    def backward(self, grad: np.ndarray) -> None:
        """Back-propagate dLoss/doutput down to the first trainable layer, filling
        every trainable layer's ``grads``."""
        layers, first = self.layers, self.first_trainable
        for i in range(len(layers) - 1, first - 1, -1):
            grad = layers[i].backward(grad, input_grad=i > first)

    def replica(self) -> ExecutionPlan:
        """The same plan over replicas of the layers (``Layer.replica``): they share
        the parameter arrays but keep their own caches and gradients. The replicas
        are made in plan order, so any random streams they split off are too."""
        return ExecutionPlan(tuple(layer.replica() for layer in self.layers), self.first_trainable)


def execution_order(layers: Sequence[Layer]) -> list[Layer]:
    """The layers in the order ``forward`` runs them: a layer that commutes with max
    pooling (ReLU) followed by one that keeps each window's max (MaxPool2D) runs
    after it instead.

    The result is the same: ReLU never reorders values, so the max of the ReLUs is
    the ReLU of the max, and the gradient reaches the same winning input (or is
    zero where the max is not positive, either way). But the ReLU then touches a
    quarter of the values for a 2x2 pool, and the pool reads the conv output as is.
    ``Network.activations`` still runs the declared order, so every layer shows its
    own output.
    """
    order = list(layers)
    for i in range(len(order) - 1):
        if order[i].commutes_with_max_pool and order[i + 1].keeps_window_max:
            order[i], order[i + 1] = order[i + 1], order[i]
    return order
