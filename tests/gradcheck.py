"""Float64 central-difference gradient checks: the outside reference every backward
pass is held to.

For a layer, the scalar is ``f = sum(forward(x) * G)`` for a random upstream
gradient ``G``, so ``df/dx`` is exactly what ``backward(G)`` must return and
``df/dparam`` what it must leave in ``layer.grads``. For a network, the scalar is
the loss itself.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from digitlab.core.nn.layers import Layer
from digitlab.core.nn.network import Network

#: Central differences have truncation error ~EPS**2 and rounding error ~1e-16/EPS;
#: 1e-6 keeps both far below TOL for the smooth and the piecewise-linear layers here.
EPS = 1e-6
TOL = 1e-6


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """max|a - n| / max(1e-8, max|a| + max|n|): scale-free, and 0 when both vanish."""
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    assert a.shape == n.shape, f"gradient shape {a.shape}, expected {n.shape}"
    return float(np.max(np.abs(a - n)) / max(1e-8, np.max(np.abs(a)) + np.max(np.abs(n))))


def numerical_gradient(f: Callable[[], float], array: np.ndarray, eps: float = EPS) -> np.ndarray:
    """df/darray by central differences, perturbing ``array`` in place one entry at a time.

    ``f`` must read ``array`` afresh on every call; each entry is restored afterwards.
    """
    assert array.dtype == np.float64, "gradient checks need float64"
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        old = array[index]
        array[index] = old + eps
        plus = f()
        array[index] = old - eps
        minus = f()
        array[index] = old
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def built(layer: Layer, input_shape: tuple[int, ...], seed: int = 0) -> Layer:
    """``layer`` built for ``input_shape`` with float64 parameters drawn N(0, 1).

    Random (not zero) biases make the check independent of the initialiser.
    """
    rng = np.random.default_rng(seed)
    layer.build(input_shape, rng)
    layer.cast(np.float64)
    for value in layer.params.values():
        value[...] = rng.standard_normal(value.shape)
    return layer


def layer_gradient_errors(
    layer: Layer,
    x: np.ndarray,
    grad_out: np.ndarray,
    before_forward: Callable[[], None] = lambda: None,
) -> dict[str, float]:
    """Relative error of ``backward`` ("input") and of every ``grads[key]``.

    ``before_forward`` runs before every forward, e.g. to reseed a dropout mask.
    Forward in training mode caches state, so it is re-run right before backward.
    """

    def f() -> float:
        before_forward()
        return float(np.sum(layer.forward(x, training=True) * grad_out))

    before_forward()
    out = layer.forward(x, training=True)
    assert out.shape == grad_out.shape, f"output {out.shape}, expected {grad_out.shape}"
    dx = layer.backward(grad_out)
    assert set(layer.grads) == set(layer.params), "grads must have the keys of params"
    analytic = {"input": dx, **{key: g.copy() for key, g in layer.grads.items()}}
    numeric = {"input": numerical_gradient(f, x)}
    numeric |= {key: numerical_gradient(f, p) for key, p in layer.params.items()}
    return {key: relative_error(analytic[key], numeric[key]) for key in analytic}


def assert_layer_gradients(
    layer: Layer,
    x: np.ndarray,
    grad_out: np.ndarray,
    before_forward: Callable[[], None] = lambda: None,
    tol: float = TOL,
) -> None:
    errors = layer_gradient_errors(layer, x, grad_out, before_forward)
    bad = {key: err for key, err in errors.items() if not err < tol}
    assert not bad, f"{layer!r} on x{x.shape}: relative gradient errors above {tol}: {bad}"


def network_numerical_grads(
    network: Network, x: np.ndarray, targets: np.ndarray
) -> dict[str, np.ndarray]:
    """d loss / d parameter for every ``network.params()`` entry, by central differences."""

    def loss() -> float:
        return network.loss.forward(network.forward(x, training=False), targets)

    return {name: numerical_gradient(loss, p) for name, p in network.params().items()}
