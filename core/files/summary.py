"""A model file described in words: architecture, parameters and how it was trained."""

from __future__ import annotations

from typing import Any

from digitlab.core.files.model_file import ModelFile
from digitlab.core.files.shown import printable


def checksum_state(model: ModelFile) -> str:
    """Whether the file's checksums were compared, in words."""
    if model.verified is None:
        return "not read from a file"
    if model.verified:
        return "verified (every checksum matched)"
    return "unverified (written before digitlab kept checksums)"


# (metadata key, label, how to show it)
_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name", "name", "text"),
    ("dataset", "dataset", "text"),
    ("test_accuracy", "test accuracy", "percent"),
    ("val_accuracy", "validation accuracy", "percent"),
    ("epochs", "epochs trained", "text"),
    ("created", "created", "text"),
    ("digitlab_version", "digitlab version", "text"),
    ("input_normalization", "input", "text"),
)


def _show(value: Any, kind: str) -> str:
    if kind == "percent" and isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:.2%}"
    return str(value)


def personalisation(metadata: dict[str, Any]) -> str | None:
    """How a model was taught someone's handwriting, in one line, or None if it was not:
    "your handwriting (24 of your digits, 6 held out), from lenet5-mnist; MNIST test
    99.29% → 99.27%". (The metadata keys keep their first names, so old files read alike.)"""
    if metadata.get("personalised") is not True:
        return None
    samples, held = metadata.get("personal_samples"), metadata.get("personal_held_out")
    text = f"{samples} of your digits" if isinstance(samples, int) else ""
    if isinstance(held, int) and held > 0:
        text += f", {held} held out" if text else f"{held} of your digits held out"
    text = f"your handwriting ({text})" if text else "your handwriting"
    if metadata.get("base_model"):
        text += f", from {metadata['base_model']}"
    before, after = metadata.get("base_test_accuracy"), metadata.get("test_accuracy")
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in (before, after)):
        text += f"; MNIST test {before:.2%} → {after:.2%}"
    return text


def describe_model(model: ModelFile, label: str) -> str:
    """The Keras-style layer table followed by the training metadata that is present."""
    lines = [f"Model: {label}", model.network.summary(), ""]
    metadata = model.metadata
    for key, title, kind in _FIELDS:
        if key in metadata:
            lines.append(f"{title + ':':<21}{_show(metadata[key], kind)}")
    taught = personalisation(metadata)
    if taught:
        lines.append(f"{'taught:':<21}{taught}")
    config = metadata.get("train_config")
    if isinstance(config, dict):
        lines.append(
            f"{'training:':<21}{config.get('optimizer')} lr {config.get('lr')}, "
            f"batch {config.get('batch_size')}, augmentation "
            f"{'on' if config.get('augment') else 'off'}, seed {config.get('seed')}"
        )
    lines.append(f"{'file:':<21}{checksum_state(model)}")
    # Line by line: the lines are ours, what is inside them may come from the file.
    return "\n".join(printable(line) for line in "\n".join(lines).split("\n"))
