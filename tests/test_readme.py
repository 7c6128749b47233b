"""The README tells the truth: its Python example runs, and its layout section
names every feature folder of core/ and desktop/ and no folder that is gone."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
from conftest import make_digits
from fake_mnist import write_fake_mnist

from digitlab.core.reading.image_io import save_png

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(heading: str) -> str:
    """The README's text under ``## heading``, up to the next ``## `` heading."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, f"the README has no '## {heading}' section"
    return match.group(1)


def python_example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", section("Use it from Python"), re.S)
    assert len(blocks) == 1, "the Python section should hold exactly one example"
    return blocks[0]


def test_the_python_example_is_short_enough_to_copy():
    lines = [line for line in python_example().splitlines() if line.strip()]
    assert len(lines) <= 16


def test_the_python_example_runs(tmp_path):
    # A small MNIST look-alike (5,300 training images so the example's 5,000 can be
    # held out) where the example looks for MNIST, and a picture of a seven.
    data = write_fake_mnist(tmp_path / "mnist", n_train=5300, n_test=50)
    images, labels = make_digits(200, seed=3)
    seven = images[int(np.flatnonzero(labels == 7)[0]), 0]
    save_png(tmp_path / "seven.png", np.round(255 * (1 - seven)).astype(np.uint8))
    env = {**os.environ, "DIGITLAB_DATA": str(data)}
    result = subprocess.run(
        [sys.executable, "-c", python_example()],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    trained, read = result.stdout.strip().splitlines()
    assert trained.startswith(("Finished all 2 epochs.", "Stopped early"))
    assert re.fullmatch(r"\d \(\d{1,3}\.\d% sure\)", read), read
    assert (tmp_path / "model.h5").is_file()


def feature_folders(top: str) -> set[str]:
    return {p.parent.name for p in (ROOT / top).glob("*/__init__.py")}


def test_the_layout_section_names_every_feature_folder_and_only_real_ones():
    layout = section("What is inside")
    for top in ("core", "desktop"):
        named = set(re.findall(rf"`{top}/(\w+)/`", layout))
        assert named == feature_folders(top), top
