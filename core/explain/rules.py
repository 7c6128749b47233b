"""Each layer's forward and backward rule in one line, as a textbook writes them.

x is what the layer reads, y what it outputs, δ = dL/dy the gradient arriving from
above; ⋆ is cross-correlation (what a convolution layer computes), ∗ convolution.
"""

from __future__ import annotations

from digitlab.core.nn.layers import Layer

_RULES: dict[str, tuple[str, str]] = {
    "Conv2D": (
        "y[f] = Σ_c x[c] ⋆ K[f,c] + b[f]",
        "dK[f,c] = x[c] ⋆ δ[f] · db[f] = Σ δ[f] · dx[c] = Σ_f δ[f] ∗ rot180(K[f,c])",
    ),
    "MaxPool2D": (
        "y = the largest value of each {window} window",
        "δ goes to each window's winner; the others get 0",
    ),
    "AvgPool2D": (
        "y = the mean of each {window} window",
        "each value of a window gets δ / {size}",
    ),
    "ReLU": ("y = max(x, 0)", "dx = δ · [x > 0]"),
    "Sigmoid": ("y = 1 / (1 + e^−x)", "dx = δ · y (1 − y)"),
    "Tanh": ("y = tanh x", "dx = δ · (1 − y²)"),
    "Flatten": ("y = x laid out as one vector ({shape})", "dx = δ folded back to {shape}"),
    "Dense": ("y = x W + b", "dW = xᵀ δ · db = δ · dx = δ Wᵀ"),
    "Dropout": ("y = x when reading (drops values only in training)", "dx = δ"),
}

#: Softmax cross-entropy, the loss every classifier here is trained with.
LOSS_RULE = ("L = −log p[t], p = softmax(z)", "dL/dz = p − onehot(t)")


def rules_for(layer: Layer) -> tuple[str, str]:
    """(forward rule, backward rule) of ``layer``; a layer digitlab does not know gets
    its kind and the chain rule."""
    forward, backward = _RULES.get(type(layer).__name__, (layer.kind, "dx = δ · dy/dx"))
    size = getattr(layer, "pool_size", (1, 1))
    shape = "×".join(str(d) for d in layer.input_shape or ())
    fill = {"window": f"{size[0]}×{size[1]}", "size": size[0] * size[1], "shape": shape}
    return forward.format(**fill), backward.format(**fill)
