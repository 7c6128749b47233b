"""The limits are documented, and the parameter count made before building is exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from digitlab.core.files import limits
from digitlab.core.files.architecture_limits import declared_parameters
from digitlab.core.nn.layers import (
    LAYER_TYPES,
    AvgPool2D,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    MaxPool2D,
    ReLU,
    Sigmoid,
    Tanh,
)

DOCS = Path(__file__).resolve().parents[3] / "docs"
NAMES = [name for name in dir(limits) if name.startswith("MAX_")]
#: One layer of each type and an input it fits.
LAYERS = {
    "Conv2D": (lambda: Conv2D(4, (3, 2), stride=2, padding=1), (3, 12, 12)),
    "MaxPool2D": (lambda: MaxPool2D(2), (3, 12, 12)),
    "AvgPool2D": (lambda: AvgPool2D(3, stride=1), (3, 12, 12)),
    "Dense": (lambda: Dense(7), (75,)),
    "Flatten": (lambda: Flatten(), (3, 12, 12)),
    "ReLU": (lambda: ReLU(), (75,)),
    "Sigmoid": (lambda: Sigmoid(), (75,)),
    "Tanh": (lambda: Tanh(), (75,)),
    "Dropout": (lambda: Dropout(0.5), (75,)),
}


@pytest.mark.parametrize("name", NAMES)
def test_every_limit_is_stated_in_the_docs(name):
    text = (DOCS / "model-format.md").read_text() + (DOCS / "my-digits-format.md").read_text()
    assert f"{getattr(limits, name):,}" in text


def test_every_layer_type_has_a_case():
    """A layer class added later with parameters must be counted by
    declared_parameters too, or a file could declare it huge and be built first."""
    assert set(LAYERS) == set(LAYER_TYPES)


@pytest.mark.parametrize("class_name", sorted(LAYERS))
def test_the_declared_parameter_count_is_what_building_creates(class_name):
    make, shape = LAYERS[class_name]
    layer = make()
    expected = declared_parameters(layer, shape)
    layer.build(shape, np.random.default_rng(0))
    assert expected == layer.num_params
