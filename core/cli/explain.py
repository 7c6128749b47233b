"""``digitlab explain IMAGE``: the loss of one picture and how large each gradient is.

For scripting and teaching notebooks: the text is a table of gradient norms per
layer, ``--json`` one object with every array's summary (shape, min, max, mean, norm).
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from digitlab.core.errors import DigitlabError, ShapeError


def add_explain(subparsers: argparse._SubParsersAction) -> None:
    explain = subparsers.add_parser(
        "explain",
        help="the backward pass of one picture: the loss and every gradient's size",
        description="Read IMAGE as `digitlab predict` does, then back-propagate the loss "
        "toward the target class: print the loss and, for every layer, the norm of the "
        "gradient of its output and of its kernel and bias.",
    )
    explain.add_argument("image", metavar="IMAGE", help="a PNG, JPEG or BMP file")
    explain.add_argument("--model", metavar="FILE", help="default: the bundled model")
    explain.add_argument(
        "--target", type=int, metavar="D", help="the class to learn toward (default: the "
        "model's own answer; 10 is \"not a digit\" for a model that has it)",
    )  # fmt: skip
    explain.add_argument("--json", action="store_true", help="print one JSON object")
    explain.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from digitlab.core.cli.commands import _load_usable_model
    from digitlab.core.explain.backprop import backprop
    from digitlab.core.reading.image_io import load_image
    from digitlab.core.reading.preprocess import preprocess_steps

    network = _load_usable_model(args.model).network
    steps = preprocess_steps(load_image(args.image))
    if steps.empty:
        raise DigitlabError(f"{args.image} has no ink in it: nothing to explain")
    x = steps.centred[None]  # (1, 28, 28): one channel
    answer = int(network.predict(x[None])[0])
    target = answer if args.target is None else args.target
    classes = int(np.prod(network.output_shape))
    if not 0 <= target < classes:
        raise ShapeError(f"--target must be a class of the model, 0 to {classes - 1}, got {target}")
    result = backprop(network, x, target)
    print(
        json.dumps(_as_json(args.image, answer, result))
        if args.json
        else _as_text(args.image, answer, result)
    )
    return 0


def summary(array: np.ndarray) -> dict[str, object]:
    """Shape, min, max, mean and L2 norm of ``array``, as plain JSON numbers."""
    values = np.asarray(array, dtype=np.float64)
    return {
        "shape": list(values.shape),
        "min": float(values.min()),
        "max": float(values.max()),
        "mean": float(values.mean()),
        "norm": float(np.linalg.norm(values)),
    }


def _as_json(image: str, answer: int, result) -> dict[str, object]:
    layers = []
    for entry in result.layers:
        layers.append(
            {
                "name": entry.name,
                "kind": entry.kind,
                "output": summary(entry.output),
                "output_grad": summary(entry.output_grad),
                "param_grads": {k: summary(g) for k, g in entry.param_grads.items()},
            }
        )
    return {
        "file": image,
        "answer": answer,
        "target": result.target,
        "loss": result.loss,
        "probabilities": [round(float(p), 6) for p in result.probabilities],
        "input_grad": summary(result.input_grad),
        "layers": layers,
    }


def _as_text(image: str, answer: int, result) -> str:
    p = result.probabilities
    lines = [
        f"{image}: read as {answer} ({p[answer]:.1%}); target {result.target} "
        f"({p[result.target]:.1%}); loss {result.loss + 0.0:.4f}",
        "",
        f"{'layer':<10}{'kind':<18}{'|dL/doutput|':>14}{'|dL/dkernel|':>14}{'|dL/dbias|':>12}",
    ]
    for entry in result.layers:
        grads = entry.param_grads
        kernel = f"{np.linalg.norm(grads['kernel']):.4g}" if "kernel" in grads else ""
        bias = f"{np.linalg.norm(grads['bias']):.4g}" if "bias" in grads else ""
        norm = f"{np.linalg.norm(entry.output_grad):.4g}"
        lines.append(f"{entry.name:<10}{entry.kind:<18}{norm:>14}{kernel:>14}{bias:>12}".rstrip())
    lines.append(f"{'image':<10}{'(the input)':<18}{np.linalg.norm(result.input_grad):>14.4g}")
    return "\n".join(lines)
