"""Shared fixtures: a seeded rng and tiny synthetic digit-like images."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from mnist_data import mnist, mnist_dir  # noqa: F401 (real-MNIST fixtures for every test)

from digitlab.core.nn.architectures import lenet5
from digitlab.core.nn.layers import LAYER_TYPES, Layer, OutputSign, forget_layer_type
from digitlab.core.nn.network import Network

# The XDG base directories and where the spec puts them by default, under $HOME.
XDG_FOLDERS = {
    "XDG_DATA_HOME": ".local/share",
    "XDG_CONFIG_HOME": ".config",
    "XDG_CACHE_HOME": ".cache",
    "XDG_STATE_HOME": ".local/state",
}
SEED = 1998  # the year of LeCun et al.'s LeNet-5 paper; any fixed value would do

# Seven-segment digits: which of the segments a..g each digit lights.
#   aaa
#  f   b
#   ggg
#  e   c
#   ddd
_SEGMENTS = {
    0: "abcdef",
    1: "bc",
    2: "abdeg",
    3: "abcdg",
    4: "bcfg",
    5: "acdfg",
    6: "acdefg",
    7: "abc",
    8: "abcdefg",
    9: "abcdfg",
}


def _draw_segments(image: np.ndarray, digit: int, top: int, left: int) -> None:
    """Light the segments of ``digit`` in a 14x8 box at (top, left), 2 pixels thick."""
    h, w, t = 14, 8, 2
    boxes = {  # segment: (row0, row1, col0, col1)
        "a": (0, t, 0, w),
        "g": (h // 2 - 1, h // 2 + 1, 0, w),
        "d": (h - t, h, 0, w),
        "f": (0, h // 2, 0, t),
        "b": (0, h // 2, w - t, w),
        "e": (h // 2, h, 0, t),
        "c": (h // 2, h, w - t, w),
    }
    for segment in _SEGMENTS[digit]:
        r0, r1, c0, c1 = boxes[segment]
        image[top + r0 : top + r1, left + c0 : left + c1] = 1.0


def make_digits(
    n: int, seed: int = SEED, size: int = 28, jitter: int = 3, noise: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` seven-segment digit images (n, 1, size, size) float32 in [0, 1] and their
    labels (n,) int64: each digit near the centre, as MNIST's are, shifted by up to
    ``jitter`` pixels each way, plus a little noise."""
    assert size >= 14 + 2 * jitter, "the image must hold the 14x8 digit and its jitter"
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    images = np.zeros((n, 1, size, size), dtype=np.float32)
    for image, digit in zip(images, labels, strict=True):
        top, left = (size - 14) // 2, (size - 8) // 2
        dy, dx = rng.integers(-jitter, jitter + 1, 2)
        _draw_segments(image[0], int(digit), int(top + dy), int(left + dx))
    images += noise * rng.random(images.shape, dtype=np.float32)
    return np.clip(images, 0.0, 1.0), labels


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory, monkeypatch) -> Path:
    """Every test gets its own empty home: the user's files (settings, the my-digits
    store, a downloaded MNIST) can neither change a result nor be changed. Tests that
    want MNIST name it (DIGITLAB_TEST_MNIST, or DIGITLAB_DATA set by the test)."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for name, folder in XDG_FOLDERS.items():
        monkeypatch.setenv(name, str(home / folder))
    monkeypatch.delenv("DIGITLAB_DATA", raising=False)
    return home


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(SEED)


@pytest.fixture
def digits() -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    """The ``make_digits`` factory: ``digits(n, seed=..., size=...)``."""
    return make_digits


@pytest.fixture
def forget_new_layer_types() -> Iterator[None]:
    """Layer classes that a test defines register themselves; forget them after the
    test, so LAYER_TYPES is the same for every test whatever ran before it."""
    before = dict(LAYER_TYPES)
    yield
    for name, cls in list(LAYER_TYPES.items()):
        if before.get(name) is not cls:
            forget_layer_type(cls)


@pytest.fixture
def absolute_layer(forget_new_layer_types) -> type[Layer]:
    """A layer class digitlab does not have, |x|, defined (so registered) for one test:
    nothing in core or desktop knows it beyond what it says about itself."""

    class Absolute(Layer):
        """|x| element-wise; its gradient is sign(x) (0 at x = 0)."""

        name_prefix = "abs"
        kind = "Absolute value"
        output_sign = OutputSign.NON_NEGATIVE

        def __init__(self, name: str | None = None) -> None:
            super().__init__(name)
            self._x: np.ndarray | None = None

        def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
            self._x = x if training else None
            return np.abs(x)

        def backward(self, grad_out: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
            return grad_out * np.sign(self._cached(self._x))

    return Absolute


def forced_network(classes: int, logits: dict[int, float]) -> Network:
    """A LeNet-5 whose answer is its last bias, whatever the image: the last kernel is
    zero, so the logits are the bias (0 for the classes not in ``logits``). With 11
    classes and ``{10: 5.0}`` it answers "not a digit" to everything."""
    network = lenet5(0, classes=classes)
    dense = network.layers[-1]
    dense.params["kernel"][...] = 0.0
    for c, value in logits.items():
        dense.params["bias"][c] = value
    return network
