"""Optimizers that update parameters in place, with state keyed by parameter name.

``params`` and ``grads`` are dicts with the same keys (``"conv1.kernel"``, ...).
Update rules follow PyTorch's documented definitions. Weight decay is L2 added to
the gradient, ``g + weight_decay * p``, and only for names ending in ``"kernel"``:
biases are few, and pulling them toward zero adds bias without curbing overfitting.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Real
from typing import Any, ClassVar

import numpy as np

Arrays = dict[str, np.ndarray]

# Each rule names itself in the error, e.g. "lr must be > 0, got -0.1".
_RULES = {"> 0": lambda v: v > 0, ">= 0": lambda v: v >= 0, "in [0, 1)": lambda v: 0 <= v < 1}


def _check(name: str, value: Any, rule: str) -> float:
    """``float(value)`` if it is a number obeying ``rule``; NaN fails every rule."""
    if isinstance(value, bool) or not isinstance(value, Real) or not _RULES[rule](value):
        raise ValueError(f"{name} must be {rule}, got {value!r}")
    return float(value)


def _ema_square(s: np.ndarray, x: np.ndarray, rho: float, tmp: np.ndarray) -> None:
    """``s = rho * s + (1 - rho) * x**2`` in place, with ``tmp`` as scratch."""
    np.square(x, out=tmp)
    tmp *= 1 - rho
    s *= rho
    s += tmp


def _scaled_step(
    p: np.ndarray, g: np.ndarray, s: np.ndarray, lr: float, eps: float, tmp: np.ndarray
) -> None:
    """``p -= lr * g / (sqrt(s) + eps)`` in place, with ``tmp`` as scratch."""
    np.sqrt(s, out=tmp)
    tmp += eps
    np.divide(g, tmp, out=tmp)
    tmp *= lr
    p -= tmp


class Optimizer:
    """Base class: weight decay, lazily created per-parameter slots, config and state.

    ``lr`` may be overwritten between steps (by a schedule); ``iterations`` counts
    ``step`` calls. Slots are zeros of the parameter's shape and dtype at its first step.
    """

    config_keys: ClassVar[tuple[str, ...]] = ("lr", "weight_decay")
    slot_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self, lr: float, weight_decay: float = 0.0) -> None:
        self.lr = _check("lr", lr, "> 0")
        self.weight_decay = _check("weight_decay", weight_decay, ">= 0")
        self.iterations = 0
        self._slots: dict[str, Arrays] = {kind: {} for kind in self.slot_names}
        self._shapes: dict[str, tuple[int, ...]] = {}  # every parameter step() has seen

    def step(self, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]) -> None:
        """Update each array of ``params`` in place; ``grads`` is never modified."""
        self._check_step(params, grads)  # check all first, so a bad call changes nothing
        self.iterations += 1
        for name, p in params.items():
            g = grads[name]
            if self.weight_decay and name.endswith("kernel"):
                decayed = np.multiply(p, self.weight_decay)  # a new array, not the caller's g
                decayed += g
                g = decayed
            self._update(name, p, g)

    def _update(self, name: str, p: np.ndarray, g: np.ndarray) -> None:
        raise NotImplementedError

    def _check_step(self, params: Mapping[str, np.ndarray], grads: Mapping) -> None:
        if params.keys() != grads.keys():
            diff = sorted(set(params) ^ set(grads))
            raise ValueError(f"params and grads must have the same names; they differ in {diff}")
        for name, p in params.items():
            if grads[name].shape != p.shape:
                raise ValueError(
                    f"gradient {name!r} has shape {grads[name].shape}, the parameter has {p.shape}"
                )
            for kind, slots in self._slots.items():
                if name in slots and slots[name].shape != p.shape:
                    raise ValueError(
                        f"optimizer state {kind!r} for {name!r} has shape "
                        f"{slots[name].shape}, the parameter has {p.shape}"
                    )
        self._shapes.update((name, p.shape) for name, p in params.items())

    def _slot(self, kind: str, name: str, p: np.ndarray) -> np.ndarray:
        """State ``kind`` of parameter ``name``: zeros at first use, a loaded array as is."""
        s = self._slots[kind].get(name)
        if s is None or s.dtype != p.dtype:
            s = np.zeros(p.shape, p.dtype) if s is None else s.astype(p.dtype)
            self._slots[kind][name] = s
        return s

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, so ``type(opt)(**opt.get_config())`` rebuilds it."""
        return {key: getattr(self, key) for key in self.config_keys}

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume exactly; the arrays are copies."""
        slots = {kind: {n: a.copy() for n, a in s.items()} for kind, s in self._slots.items()}
        return {
            "class": type(self).__name__,
            "config": self.get_config(),
            "iterations": self.iterations,
            "slots": slots,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore hyperparameters, ``iterations`` and slots saved by ``state_dict()``.

        Raises ValueError naming the bad key or shape, and then changes nothing.
        """
        if not isinstance(state, Mapping):
            raise ValueError(f"optimizer state must be a dict, got {type(state).__name__}")
        missing = [k for k in ("class", "config", "iterations", "slots") if k not in state]
        if missing:
            raise ValueError(f"optimizer state lacks {missing}")
        if state["class"] != type(self).__name__:
            raise ValueError(
                f"optimizer state is for {state['class']!r}, not {type(self).__name__!r}"
            )
        fresh = _build(type(self), state["config"])  # validates the hyperparameters
        it = state["iterations"]
        if isinstance(it, bool) or not isinstance(it, int | np.integer) or it < 0:
            raise ValueError(f"iterations must be an integer >= 0, got {it!r}")
        slots = self._checked_slots(state["slots"])
        for key in self.config_keys:
            setattr(self, key, getattr(fresh, key))
        self.iterations, self._slots = int(it), slots

    def _checked_slots(self, slots: Any) -> dict[str, Arrays]:
        if not isinstance(slots, Mapping) or not all(
            isinstance(s, Mapping) for s in slots.values()
        ):
            raise ValueError("optimizer state 'slots' must map slot names to dicts of arrays")
        unknown = sorted(set(slots) - set(self.slot_names))
        if unknown:
            raise ValueError(
                f"unknown slots {unknown} for {type(self).__name__}, "
                f"which has {list(self.slot_names)}"
            )
        out: dict[str, Arrays] = {kind: {} for kind in self.slot_names}
        shapes = dict(self._shapes)  # grows with unseen names so all slots of one name agree
        for kind, arrays in slots.items():
            for name, value in arrays.items():
                if self._shapes and name not in self._shapes:
                    raise ValueError(f"optimizer state {kind!r} names unknown parameter {name!r}")
                a = np.array(value)  # a copy: later changes to `state` cannot leak in
                if a.dtype.kind != "f" or a.shape != shapes.setdefault(name, a.shape):
                    raise ValueError(
                        f"optimizer state {kind!r} for {name!r} has shape "
                        f"{a.shape} ({a.dtype}), expected {shapes[name]} (floats)"
                    )
                out[kind][name] = a
        names = set().union(*out.values())
        for kind, arrays in out.items():
            if names - arrays.keys():  # a fresh zero slot beside loaded ones breaks the resume
                raise ValueError(f"optimizer state {kind!r} lacks {sorted(names - arrays.keys())}")
        return out


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum.

    Plain: ``p -= lr * g``. Momentum (PyTorch, dampening 0): ``v = momentum * v + g``
    (v starts at 0, so the first step gives v = g), ``p -= lr * v``.
    Nesterov: v as above, ``p -= lr * (g + momentum * v)``.
    """

    config_keys = ("lr", "momentum", "nesterov", "weight_decay")
    slot_names = ("velocity",)

    def __init__(
        self,
        lr: float = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(lr, weight_decay)
        self.momentum = _check("momentum", momentum, "in [0, 1)")
        if not isinstance(nesterov, bool | np.bool_):
            raise ValueError(f"nesterov must be True or False, got {nesterov!r}")
        if nesterov and self.momentum == 0:
            raise ValueError(f"nesterov=True requires momentum > 0, got {momentum!r}")
        self.nesterov = bool(nesterov)

    def _update(self, name: str, p: np.ndarray, g: np.ndarray) -> None:
        if self.momentum == 0:
            p -= self.lr * g
            return
        v = self._slot("velocity", name, p)
        v *= self.momentum
        v += g
        if self.nesterov:
            step = np.multiply(v, self.momentum)
            step += g
            step *= self.lr
        else:
            step = np.multiply(v, self.lr)
        p -= step


class MomentumSGD(SGD):
    """SGD with momentum, 0.9 by default (registry name ``"momentum"``)."""

    config_keys = ("lr", "momentum", "weight_decay")

    def __init__(self, lr: float = 0.01, momentum: float = 0.9, weight_decay: float = 0.0) -> None:
        super().__init__(lr, momentum, False, weight_decay)


class NesterovSGD(SGD):
    """SGD with Nesterov momentum, 0.9 by default (registry name ``"nesterov"``)."""

    config_keys = ("lr", "momentum", "weight_decay")

    def __init__(self, lr: float = 0.01, momentum: float = 0.9, weight_decay: float = 0.0) -> None:
        super().__init__(lr, momentum, True, weight_decay)


class Adam(Optimizer):
    """Adam: ``m = b1*m + (1-b1)*g``, ``v = b2*v + (1-b2)*g**2``, t = iterations,
    ``p -= lr * (m / (1 - b1**t)) / (sqrt(v / (1 - b2**t)) + eps)``.
    """

    config_keys = ("lr", "beta1", "beta2", "eps", "weight_decay")
    slot_names = ("m", "v")

    def __init__(
        self,
        lr: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(lr, weight_decay)
        self.beta1 = _check("beta1", beta1, "in [0, 1)")
        self.beta2 = _check("beta2", beta2, "in [0, 1)")
        self.eps = _check("eps", eps, "> 0")

    def _update(self, name: str, p: np.ndarray, g: np.ndarray) -> None:
        m, v = self._slot("m", name, p), self._slot("v", name, p)
        tmp = np.multiply(g, 1 - self.beta1, dtype=p.dtype)  # the one scratch array
        m *= self.beta1
        m += tmp
        _ema_square(v, g, self.beta2, tmp)
        # PyTorch's arrangement of the same formula: sqrt(v) / sqrt(bc2), then lr / bc1.
        t = self.iterations
        np.sqrt(v, out=tmp)
        tmp /= math.sqrt(1 - self.beta2**t)
        tmp += self.eps
        np.divide(m, tmp, out=tmp)
        tmp *= self.lr / (1 - self.beta1**t)
        p -= tmp


class RMSprop(Optimizer):
    """RMSprop: ``s = rho*s + (1-rho)*g**2``, ``p -= lr * g / (sqrt(s) + eps)``."""

    config_keys = ("lr", "rho", "eps", "weight_decay")
    slot_names = ("square_avg",)

    def __init__(
        self, lr: float = 0.001, rho: float = 0.9, eps: float = 1e-8, weight_decay: float = 0.0
    ) -> None:
        super().__init__(lr, weight_decay)
        self.rho, self.eps = _check("rho", rho, "in [0, 1)"), _check("eps", eps, "> 0")

    def _update(self, name: str, p: np.ndarray, g: np.ndarray) -> None:
        s, tmp = self._slot("square_avg", name, p), np.empty_like(p)
        _ema_square(s, g, self.rho, tmp)
        _scaled_step(p, g, s, self.lr, self.eps, tmp)


class Adagrad(Optimizer):
    """Adagrad: ``s += g**2``, ``p -= lr * g / (sqrt(s) + eps)``."""

    config_keys = ("lr", "eps", "weight_decay")
    slot_names = ("accum",)

    def __init__(self, lr: float = 0.01, eps: float = 1e-10, weight_decay: float = 0.0) -> None:
        super().__init__(lr, weight_decay)
        self.eps = _check("eps", eps, "> 0")

    def _update(self, name: str, p: np.ndarray, g: np.ndarray) -> None:
        s, tmp = self._slot("accum", name, p), np.square(g, dtype=p.dtype)
        s += tmp
        _scaled_step(p, g, s, self.lr, self.eps, tmp)


class Adadelta(Optimizer):
    """Adadelta: ``s = rho*s + (1-rho)*g**2``, ``d = sqrt(u + eps) / sqrt(s + eps) * g``,
    ``u = rho*u + (1-rho)*d**2``, ``p -= lr * d``.
    """

    config_keys = ("lr", "rho", "eps", "weight_decay")
    slot_names = ("square_avg", "acc_delta")

    def __init__(
        self, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0.0
    ) -> None:
        super().__init__(lr, weight_decay)
        self.rho, self.eps = _check("rho", rho, "in [0, 1)"), _check("eps", eps, "> 0")

    def _update(self, name: str, p: np.ndarray, g: np.ndarray) -> None:
        s, u = self._slot("square_avg", name, p), self._slot("acc_delta", name, p)
        tmp = np.empty_like(p)
        _ema_square(s, g, self.rho, tmp)
        d = np.add(u, self.eps)
        np.sqrt(d, out=d)
        np.add(s, self.eps, out=tmp)
        np.sqrt(tmp, out=tmp)
        d /= tmp
        d *= g  # d = sqrt(u + eps) / sqrt(s + eps) * g
        _ema_square(u, d, self.rho, tmp)
        d *= self.lr
        p -= d


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "momentum": MomentumSGD,
    "nesterov": NesterovSGD,
    "adam": Adam,
    "rmsprop": RMSprop,
    "adagrad": Adagrad,
    "adadelta": Adadelta,
}
# Class names as state_dict() stores them: the only way a saved name becomes a class.
_CLASSES: dict[str, type[Optimizer]] = {cls.__name__: cls for cls in OPTIMIZERS.values()}


def _build(cls: type[Optimizer], config: Any) -> Optimizer:
    if not isinstance(config, Mapping):
        raise ValueError(f"optimizer config must be a dict, got {type(config).__name__}")
    unknown = sorted(str(k) for k in config if k not in cls.config_keys)
    if unknown:
        raise ValueError(
            f"unknown arguments {unknown} for {cls.__name__}; "
            f"expected some of {list(cls.config_keys)}"
        )
    return cls(**config)


def make_optimizer(name: str, **kwargs: Any) -> Optimizer:
    """Build an optimizer by registry name (case-insensitive), e.g. ``("adam", lr=1e-3)``."""
    cls = OPTIMIZERS.get(name.lower()) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(f"unknown optimizer {name!r}; known: {', '.join(OPTIMIZERS)}")
    return _build(cls, kwargs)


def optimizer_from_state(state: Mapping[str, Any]) -> Optimizer:
    """Rebuild an optimizer, slots and iterations included, from ``state_dict()``."""
    name = state.get("class") if isinstance(state, Mapping) else None
    cls = _CLASSES.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(f"unknown optimizer class {name!r}; known: {', '.join(_CLASSES)}")
    opt = _build(cls, state.get("config"))
    opt.load_state_dict(state)
    return opt
