"""The contract every layer follows.

A layer is built once for a per-sample input shape (e.g. ``(1, 28, 28)``), which
creates its parameters and fixes its output shape. After that:

- ``forward(x, training=True)`` maps a batch ``(N, *input_shape)`` to
  ``(N, *output_shape)``. Only in training does it cache what ``backward`` needs.
- ``backward(grad_out)`` takes dLoss/d(output), fills ``self.grads`` with one
  array per key of ``self.params`` and returns dLoss/d(input).

Parameters live in ``self.params`` under Keras's names (``kernel``, ``bias``);
the network prefixes them with the layer's name (``conv1.kernel``).

A layer also says what it is, in class attributes (``kind``, ``output_sign``,
``image_weights``, ...), so that views and the network ask it instead of testing
its class. And every concrete layer class registers itself, by class name, in
``LAYER_TYPES`` when it is defined: the table model files are rebuilt from.
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np

from digitlab.core.errors import ShapeError

Shape = tuple[int, ...]


class OutputSign(enum.Enum):
    """The sign of a layer's output, given the sign of its input."""

    #: Never negative, whatever the input (ReLU, Sigmoid).
    NON_NEGATIVE = "non-negative"
    #: Never negative where the input is never negative, and may be negative otherwise:
    #: the layer moves, keeps, averages or positively scales values, or keeps their sign
    #: (pooling, Flatten, Dropout, Tanh).
    FOLLOWS_INPUT = "follows input"
    #: May be negative even for a non-negative input (Conv2D and Dense: signed weights).
    SIGNED = "signed"

    def nonnegative_after(self, input_nonnegative: bool) -> bool:
        """Whether the output can never be negative, given whether the input can."""
        if self is OutputSign.FOLLOWS_INPUT:
            return input_nonnegative
        return self is OutputSign.NON_NEGATIVE


_REGISTRY: dict[str, type[Layer]] = {}

#: Class name -> class, for every concrete layer class defined so far (read-only).
#: Model files name layers by these keys and nothing else is ever looked up, so a
#: file cannot make us construct arbitrary objects.
LAYER_TYPES: Mapping[str, type[Layer]] = MappingProxyType(_REGISTRY)


class Layer:
    """Base class: parameters, gradients, shape inference, config and self-description.

    A subclass registers itself in ``LAYER_TYPES`` under its class name when it is
    defined; a base class that is never built itself says so with
    ``class _Pool2D(Layer, abstract=True)``.
    """

    #: Prefix for automatic names (``conv`` gives ``conv1``, ``conv2``, ...).
    name_prefix: ClassVar[str] = "layer"

    # -- what the layer is (class attributes; views read them, core draws nothing) --
    #: What the layer does, in a word or two for people ("Convolution", "Max pooling").
    #: A class that does not set it gets its class name.
    kind: ClassVar[str] = "Layer"
    #: The sign of the output given the input's. SIGNED, the default, is always true.
    output_sign: ClassVar[OutputSign] = OutputSign.SIGNED
    #: Key of a parameter shaped (filters, channels, kh, kw) whose (kh, kw) slices are
    #: small images worth looking at, as a conv's kernels are; None when none is.
    image_weights: ClassVar[str | None] = None
    #: True when the output is the input's values in the same row-major order, only
    #: shaped differently (Flatten): output unit i is input value i.
    only_reshapes: ClassVar[bool] = False
    #: True for an element-wise, non-decreasing function that float arithmetic keeps
    #: exact (ReLU), so that running it after a max-pool instead of before gives the
    #: same values and gradients. A subclass that changes the function must reset it.
    commutes_with_max_pool: ClassVar[bool] = False
    #: True for a layer that keeps the largest value of each window (MaxPool2D): the
    #: one a ``commutes_with_max_pool`` layer may be moved past.
    keeps_window_max: ClassVar[bool] = False
    #: True for a layer that acts only while training and is the identity when reading
    #: (Dropout): explaining one drawing passes values and gradients straight through it.
    only_in_training: ClassVar[bool] = False

    def __init_subclass__(cls, abstract: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" not in cls.__dict__:
            cls.kind = cls.__name__
        if not abstract:
            _register(cls)

    def __init__(self, name: str | None = None) -> None:
        if name is not None and (not name or "/" in name or "." in name):
            raise ValueError(f"layer name must be non-empty without '/' or '.', got {name!r}")
        self.name = name
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.input_shape: Shape | None = None
        self.output_shape: Shape | None = None

    # -- building ---------------------------------------------------------
    def build(self, input_shape: Shape, rng: np.random.Generator) -> Shape:
        """Create parameters for ``input_shape`` (one sample) and return the output shape.

        Raises ShapeError, naming the layer and the shapes, when the input does not fit.
        """
        input_shape = tuple(int(d) for d in input_shape)
        output_shape = self.compute_output_shape(input_shape)
        self.input_shape, self.output_shape = input_shape, output_shape
        self.init_params(rng)
        return output_shape

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        """The per-sample output shape for ``input_shape``; layers override it."""
        return input_shape

    def init_params(self, rng: np.random.Generator) -> None:
        """Create ``self.params`` from ``rng``; parameter-free layers keep the default."""

    def shape_error(self, input_shape: Shape, needs: str) -> ShapeError:
        """A ShapeError that names this layer, what it needs and what it got."""
        return ShapeError(
            f"layer {self.display_name} needs {needs}, but its input has shape {input_shape}"
        )

    @property
    def display_name(self) -> str:
        return f"'{self.name}' ({type(self).__name__})" if self.name else type(self).__name__

    # -- computing --------------------------------------------------------
    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad_out: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Fill ``self.grads``; return dLoss/dx, or None when ``input_grad`` is False.

        The network passes ``input_grad=False`` to its first trainable layer: nothing
        consumes the gradient of the images, and for conv1 it is the costliest part.
        """
        raise NotImplementedError

    def _cached(self, value: Any) -> Any:
        """Return a value cached by ``forward``, or explain why it is missing."""
        if value is None:
            raise RuntimeError(
                f"{self.display_name}: backward() called before forward(training=True)"
            )
        return value

    def replica(self) -> Layer:
        """A copy that shares this layer's parameter arrays but has its own caches and
        gradients, for one shard of a batch."""
        twin = copy.copy(self)
        twin.grads = {}
        return twin

    # -- parameters and config -------------------------------------------
    @property
    def num_params(self) -> int:
        return sum(int(p.size) for p in self.params.values())

    def cast(self, dtype: np.dtype | type) -> None:
        """Convert the parameters to ``dtype`` (float64 for gradient checks)."""
        self.params = {k: v.astype(dtype) for k, v in self.params.items()}
        self.grads = {}

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, so ``type(layer)(**config)`` rebuilds the layer."""
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _register(cls: type[Layer]) -> None:
    """Add ``cls`` to LAYER_TYPES; a second class with the same name is an error, since
    files could not tell them apart. The same class defined again (a module reloaded)
    replaces the first."""
    name = cls.__name__
    known = _REGISTRY.get(name)
    if known is not None and _where(known) != _where(cls):
        raise TypeError(
            f"a layer class named {name!r} already exists ({_where(known)}); model files "
            f"name layers by class name, so {_where(cls)} needs another name"
        )
    _REGISTRY[name] = cls


def forget_layer_type(cls: type[Layer]) -> None:
    """Remove ``cls`` from LAYER_TYPES, for a class defined only for a while (in a test).

    Does nothing when ``cls`` is not the registered class of its name.
    """
    if _REGISTRY.get(cls.__name__) is cls:
        del _REGISTRY[cls.__name__]


def _where(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def as_pair(value: int | tuple[int, int] | list[int], what: str) -> tuple[int, int]:
    """Accept ``5`` or ``(5, 3)`` for a 2-D size; reject anything else with the value."""
    if isinstance(value, int | np.integer):
        pair: tuple = (value, value)
    elif isinstance(value, tuple | list):
        pair = tuple(value)
    else:
        raise ValueError(f"{what} must be an int or a pair of ints, got {value!r}")
    if len(pair) != 2 or not all(isinstance(v, int | np.integer) for v in pair):
        raise ValueError(f"{what} must be an int or a pair of ints, got {value!r}")
    return int(pair[0]), int(pair[1])


def he_normal(
    rng: np.random.Generator, shape: Shape, fan_in: int, dtype: type = np.float32
) -> np.ndarray:
    """He initialisation, N(0, 2/fan_in): keeps activation variance steady through ReLUs."""
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(dtype)


def glorot_uniform(
    rng: np.random.Generator, shape: Shape, fan_in: int, fan_out: int, dtype: type = np.float32
) -> np.ndarray:
    """Glorot/Xavier uniform initialisation, suited to tanh and sigmoid."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, shape).astype(dtype)


def init_kernel(
    kind: str, rng: np.random.Generator, shape: Shape, fan_in: int, fan_out: int
) -> np.ndarray:
    if kind == "he_normal":
        return he_normal(rng, shape, fan_in)
    if kind == "glorot_uniform":
        return glorot_uniform(rng, shape, fan_in, fan_out)
    raise ValueError(f"kernel_init must be 'he_normal' or 'glorot_uniform', got {kind!r}")


KERNEL_INITS = ("he_normal", "glorot_uniform")
