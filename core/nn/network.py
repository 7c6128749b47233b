"""A sequential network: layers applied in order, built for one input shape."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from digitlab.core.errors import ShapeError
from digitlab.core.nn.layers import LAYER_TYPES, Layer
from digitlab.core.nn.layers.base import Shape
from digitlab.core.nn.losses import LOSSES, Loss, SoftmaxCrossEntropy, softmax
from digitlab.core.nn.memory import keep_freed_memory
from digitlab.core.nn.parallel import available_cores, shard_spans, sharded_train_step
from digitlab.core.nn.plan import ExecutionPlan


class Network:
    """Layers in sequence, with the loss that trains them.

    Building infers every layer's output shape from ``input_shape`` (one sample,
    e.g. ``(1, 28, 28)``) and creates the weights from ``rng``; a layer that does not
    fit its input is refused here, with both shapes named. Parameters are exposed
    under ``"<layer>.<key>"`` names (``conv1.kernel``), which optimizers, model files
    and the layer views all share.

    ``plan`` is the order the training passes run the layers in (``ExecutionPlan``),
    made once here; the sharded training step runs replicas of it.
    """

    def __init__(
        self,
        layers: Sequence[Layer],
        input_shape: Shape,
        loss: Loss | None = None,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        if not layers:
            raise ValueError("a network needs at least one layer")
        self.layers = list(layers)
        self.input_shape = tuple(int(d) for d in input_shape)
        self.loss = loss if loss is not None else SoftmaxCrossEntropy()
        keep_freed_memory()  # training allocates the same large temporaries every batch
        rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        _assign_names(self.layers)
        self._build(rng)
        self.plan = ExecutionPlan.of(self.layers)

    def _build(self, rng: np.random.Generator) -> None:
        shape = self.input_shape
        for layer in self.layers:
            shape = layer.build(shape, rng)
        self.output_shape = shape

    # -- computing --------------------------------------------------------
    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """x (N, *input_shape) -> output (N, *output_shape), e.g. logits (N, 10)."""
        return self.plan.forward(self._check_input(x), training)

    def backward(self, grad: np.ndarray) -> None:
        """Back-propagate dLoss/doutput, filling every layer's ``grads``."""
        self.plan.backward(grad)

    def train_step(
        self,
        x: np.ndarray,
        targets: np.ndarray,
        shard_size: int | None = 64,
        threads: int | None = None,
    ) -> tuple[float, np.ndarray]:
        """Forward in training mode, loss, backward; fills ``grads``. Returns (loss, output).

        The batch runs in shards of at most ``shard_size`` samples, at least one per
        thread, on ``threads`` threads (default: the cores available), with the same
        result as one pass up to float rounding (see ``digitlab.core.nn.parallel``).
        ``shard_size=None`` runs it in one pass.
        """
        x = self._check_input(x)
        threads = available_cores() if threads is None else threads
        if shard_size is None or len(shard_spans(len(x), shard_size, threads)) == 1:
            output = self.forward(x, training=True)
            loss = self.loss.forward(output, targets)
            self.backward(self.loss.backward())
            return loss, output
        return sharded_train_step(self.plan, self.loss, x, np.asarray(targets), shard_size, threads)

    def predict_proba(self, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
        """Class probabilities (N, classes) in inference mode; caches nothing."""
        x = self._check_input(x)
        chunks = [
            softmax(self.forward(x[i : i + batch_size], training=False))
            for i in range(0, len(x), batch_size)
        ]
        return np.concatenate(chunks) if chunks else np.zeros((0, *self.output_shape), x.dtype)

    def predict(self, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
        """The most probable class of each sample, (N,) int."""
        return self.predict_proba(x, batch_size).argmax(axis=1)

    def activations(self, x: np.ndarray) -> list[tuple[str, np.ndarray]]:
        """Every layer's output for ``x`` in inference mode, as (layer name, array).

        Runs the layers in their declared order, so each output is that layer's own.
        """
        x = self._check_input(x)
        outputs = []
        for layer in self.layers:
            x = layer.forward(x, training=False)
            outputs.append((layer.name, x))
        return outputs

    def _check_input(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if x.shape[1:] != self.input_shape:
            raise ShapeError(
                f"the network takes input of shape (N, {', '.join(map(str, self.input_shape))})"
                f", got {x.shape}"
            )
        return x.astype(self.dtype, copy=False)

    # -- parameters -------------------------------------------------------
    @property
    def dtype(self) -> np.dtype:
        for layer in self.layers:
            for value in layer.params.values():
                return value.dtype
        return np.dtype(np.float32)

    def params(self) -> dict[str, np.ndarray]:
        """Every parameter array (not copies) under its ``layer.key`` name."""
        return {f"{l.name}.{k}": v for l in self.layers for k, v in l.params.items()}  # noqa: E741

    def grads(self) -> dict[str, np.ndarray]:
        """The gradients from the last ``backward``, named like ``params()``."""
        return {f"{l.name}.{k}": v for l in self.layers for k, v in l.grads.items()}  # noqa: E741

    def get_weights(self) -> dict[str, np.ndarray]:
        """Copies of every parameter: a snapshot that later training cannot change."""
        return {name: value.copy() for name, value in self.params().items()}

    def set_weights(self, weights: dict[str, np.ndarray]) -> None:
        """Copy ``weights`` into the parameters; names and shapes must match exactly."""
        params = self.params()
        missing, unknown = params.keys() - weights.keys(), weights.keys() - params.keys()
        if missing or unknown:
            raise ShapeError(
                f"weights do not match the network: missing {sorted(missing)}, "
                f"unknown {sorted(unknown)}"
            )
        for name, value in weights.items():
            if value.shape != params[name].shape:
                raise ShapeError(f"{name} expects shape {params[name].shape}, got {value.shape}")
        for name, value in weights.items():
            params[name][...] = value

    @property
    def num_params(self) -> int:
        return sum(layer.num_params for layer in self.layers)

    def cast(self, dtype: np.dtype | type) -> Network:
        """Convert every parameter to ``dtype`` in place (float64 for gradient checks)."""
        for layer in self.layers:
            layer.cast(dtype)
        return self

    def copy(self) -> Network:
        """An independent twin: the same architecture, dtype and weights, no array shared."""
        twin = type(self).from_config(self.get_config(), rng=0).cast(self.dtype)
        twin.set_weights(self.params())  # set_weights copies into the twin's own arrays
        return twin

    # -- description ------------------------------------------------------
    def summary(self) -> str:
        """A table of layers, output shapes and parameter counts, as Keras prints it."""
        return format_summary(self)

    def get_config(self) -> dict[str, Any]:
        """Everything needed to rebuild the architecture (not the weights)."""
        return {
            "input_shape": list(self.input_shape),
            "loss": type(self.loss).__name__,
            "layers": [
                {"class": type(layer).__name__, "config": layer.get_config()}
                for layer in self.layers
            ],
        }

    @classmethod
    def from_config(
        cls, config: dict[str, Any], rng: np.random.Generator | int | None = None
    ) -> Network:
        """Rebuild from ``get_config()``; only known layer and loss classes are made."""
        layers = []
        for entry in config["layers"]:
            name = entry["class"]
            if name not in LAYER_TYPES:
                raise ValueError(
                    f"unknown layer type {name!r}; known types: {', '.join(LAYER_TYPES)}"
                )
            layers.append(LAYER_TYPES[name].from_config(dict(entry["config"])))
        loss_name = config.get("loss", "SoftmaxCrossEntropy")
        if loss_name not in LOSSES:
            raise ValueError(f"unknown loss {loss_name!r}; known losses: {', '.join(LOSSES)}")
        return cls(layers, tuple(config["input_shape"]), LOSSES[loss_name](), rng)


def _assign_names(layers: Iterable[Layer]) -> None:
    """Name unnamed layers ``<prefix><n>`` (conv1, pool2, ...); names must be unique."""
    layers = list(layers)
    taken = [layer.name for layer in layers if layer.name]
    # Counted in one pass: list.count per name made 100,000 layers take minutes.
    duplicates = sorted(name for name, count in Counter(taken).items() if count > 1)
    if duplicates:
        more = f" and {len(duplicates) - 3:,} more" if len(duplicates) > 3 else ""
        raise ValueError(
            f"layer names must be unique, repeated: {', '.join(map(repr, duplicates[:3]))}{more}"
        )
    counters: dict[str, int] = {}
    used = set(taken)
    for layer in layers:
        if layer.name:
            continue
        prefix = layer.name_prefix
        while True:
            counters[prefix] = counters.get(prefix, 0) + 1
            candidate = f"{prefix}{counters[prefix]}"
            if candidate not in used:
                break
        layer.name = candidate
        used.add(candidate)


def format_summary(network: Network) -> str:
    rows = [("Layer (type)", "Output shape", "Params")]
    rows.append(("input", _shape_text(network.input_shape), ""))
    for layer in network.layers:
        rows.append(
            (
                f"{layer.name} ({type(layer).__name__})",
                _shape_text(layer.output_shape),
                f"{layer.num_params:,}",
            )
        )
    widths = [max(len(row[i]) for row in rows) + 3 for i in range(3)]
    rule = "-" * sum(widths)

    def line(row: tuple[str, str, str]) -> str:
        return f"{row[0]:<{widths[0]}}{row[1]:<{widths[1]}}{row[2]:>{widths[2] - 3}}"

    body = [line(rows[0]), rule.replace("-", "=")] + [line(r) for r in rows[1:]]
    return "\n".join(
        [*body, rule, f"Total params: {network.num_params:,}", f"Input: {network.input_shape}"]
    )


def _shape_text(shape: Shape | None) -> str:
    return "(None, " + ", ".join(str(d) for d in shape) + ")" if shape else "?"
