"""Where the tests find the real MNIST files, for tests marked ``@pytest.mark.mnist``.

Import the fixtures into a test module: ``from mnist_data import mnist, mnist_dir``.
The folder is ``$DIGITLAB_TEST_MNIST`` if set, else ``../shared/datasets/mnist``
beside the repository; tests that need it skip, saying where they looked, when
the four files are not there.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

from digitlab.core.data.mnist import FILES, MNIST, load_mnist, locate_file

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MNIST_DIR = REPO_ROOT / ".." / "shared" / "datasets" / "mnist"


def real_mnist_dir() -> Path:
    """The folder the real MNIST files are expected in (they may be absent)."""
    env = os.environ.get("DIGITLAB_TEST_MNIST")
    return Path(env) if env else DEFAULT_MNIST_DIR.resolve()


def has_real_mnist() -> bool:
    folder = real_mnist_dir()
    return folder.is_dir() and all(locate_file(folder, name) for name in FILES.values())


@functools.cache
def _load_real_mnist(folder: Path) -> MNIST:
    # Loaded once per test run however many modules ask: the arrays are read-only.
    return load_mnist(folder)


@pytest.fixture
def mnist_dir() -> Path:
    """The folder holding the four real MNIST files; skips the test when absent."""
    if not has_real_mnist():
        pytest.skip(f"real MNIST not found at {real_mnist_dir()}; set DIGITLAB_TEST_MNIST")
    return real_mnist_dir()


@pytest.fixture
def mnist(mnist_dir: Path) -> MNIST:
    """The real MNIST, loaded once per test run; skips the test when absent."""
    return _load_real_mnist(mnist_dir)
