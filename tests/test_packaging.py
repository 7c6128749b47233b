"""digitlab as it is installed: the package list, the package data, and a built wheel
that works in a fresh environment, run from another folder."""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitlab.core.files.model_file import load_model
from digitlab.resources import bundled_model_path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
FOLDERS = {
    "core": "digitlab.core",
    "desktop": "digitlab.desktop",
    "resources": "digitlab.resources",
}
# What the wheel needs from the checkout to build (the rest is tests, docs and benchmarks).
SOURCES = ("core", "desktop", "resources", "pyproject.toml", "README.md", "LICENSE")
# The installed dependencies the fresh environment borrows, by import name.
DEPENDENCIES = ("numpy", "h5py", "PySide6", "shiboken6", "pyqtgraph", "threadpoolctl", "PIL")
SLOW = 600  # seconds for any one step: generous, for a busy 2-core machine


def package_folders() -> dict[str, Path]:
    """Every folder under core/, desktop/ and resources/ that holds Python files, by
    the package name it is installed as."""
    found = {}
    for folder, package in FOLDERS.items():
        for source in (ROOT / folder).rglob("*.py"):
            relative = source.parent.relative_to(ROOT / folder)
            found[".".join([package, *relative.parts])] = source.parent
    return found


def data_files() -> list[str]:
    """The files under resources/ other than code, relative to it."""
    return sorted(
        path.relative_to(ROOT / "resources").as_posix()
        for path in (ROOT / "resources").rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"} and "__pycache__" not in path.parts
    )


# -- the package list and the package data ----------------------------------------
def test_the_package_list_names_every_folder_of_code():
    assert SETUPTOOLS["package-dir"] == {package: folder for folder, package in FOLDERS.items()}
    assert sorted(SETUPTOOLS["packages"]) == sorted(package_folders())


def test_every_folder_of_code_is_a_regular_package():
    # Only digitlab itself is a namespace; a folder without __init__.py would be one
    # too, and another distribution's folder of the same name could merge into it.
    missing = [str(f) for f in package_folders().values() if not (f / "__init__.py").exists()]
    assert not missing


def test_package_data_covers_every_file_the_code_reads():
    patterns = SETUPTOOLS["package-data"]["digitlab.resources"]
    uncovered = [f for f in data_files() if not any(fnmatch.fnmatch(f, p) for p in patterns)]
    assert not uncovered
    assert {"models/lenet5-mnist.h5", "icons/digitlab.svg", "digitlab.desktop"} <= set(data_files())


# -- a wheel in a fresh environment -----------------------------------------------
def _clean_env(home: Path) -> dict[str, str]:
    """The environment for the installed commands: no Python paths of ours, a private
    home (settings, the my-digits store, the data folder) and no screen."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_"))}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        QT_QPA_PLATFORM="offscreen",
        PYTHONNOUSERSITE="1",
    )
    return env


def _run(command: list, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=SLOW, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"{command}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    return done.stdout


def _build_wheel(work: Path) -> Path:
    """Build the sdist from a copy of the sources, then the wheel from the sdist (so the
    sdist is proved complete), with the setuptools of this environment: no network."""
    assert _setuptools_is_recent(), "the test extra installs setuptools>=77; reinstall it"
    source = work / "source"
    source.mkdir(parents=True)
    for name in SOURCES:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, source / name, **_ignore(name))
    dist = work / "dist"
    hook = f"from setuptools import build_meta; print(build_meta.build_sdist({str(dist)!r}))"
    sdist = dist / _run([sys.executable, "-c", hook], cwd=source).strip().splitlines()[-1]
    safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # Python >= 3.11.4
    with tarfile.open(sdist) as archive:
        archive.extractall(work / "unpacked", **safe)
    unpacked = next((work / "unpacked").iterdir())
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
          "--disable-pip-version-check", "-w", dist, unpacked], cwd=work)  # fmt: skip
    return next(dist.glob("digitlab-*.whl"))


def _ignore(name: str) -> dict:
    if not (ROOT / name).is_dir():
        return {}
    return {"ignore": shutil.ignore_patterns("__pycache__", "*.pyc")}


def _setuptools_is_recent() -> bool:
    return int(version("setuptools").split(".")[0]) >= 77  # 77: the SPDX licence field


def _fresh_venv(folder: Path) -> Path:
    """A virtual environment without digitlab that borrows this one's dependencies
    through a .pth file (so nothing is downloaded); returns its interpreter."""
    _run([sys.executable, "-m", "venv", "--without-pip", folder], cwd=folder.parent)
    python = folder / "bin" / "python"
    site = _run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                cwd=folder.parent).strip()  # fmt: skip
    borrowed = {
        str(Path(importlib.util.find_spec(name).origin).parents[1]) for name in DEPENDENCIES
    }
    pth = Path(site, "borrowed-dependencies.pth")
    pth.write_text("\n".join(sorted(borrowed)) + "\n", encoding="utf-8")
    return python


def _digit_picture(path: Path) -> Path:
    """A dark 7 on white, 80x80: what a photographed digit looks like."""
    image = np.full((80, 80), 255, dtype=np.uint8)
    image[15:23, 20:60] = 0  # the top bar
    for row in range(23, 68):  # the diagonal stroke
        column = 60 - (row - 23) * 25 // 45
        image[row, column - 4 : column + 4] = 0
    Image.fromarray(image).save(path)
    return path


WINDOW_SCRIPT = """
import json
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import digitlab.core
from digitlab.desktop import app as entry
from digitlab.desktop.window.main_window import MainWindow

qt = QApplication(sys.argv[:1])
seen = {}

def close():
    window = next(w for w in qt.topLevelWidgets() if isinstance(w, MainWindow))
    seen.update(title=window.windowTitle(), model=window.document.model_file is not None,
                visible=window.isVisible(), icon=not qt.windowIcon().isNull())
    window.close()

QTimer.singleShot(0, close)
code = entry.run_gui()
print(json.dumps(dict(seen, code=code, core=digitlab.core.__file__)))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="the virtual environment's layout is POSIX's")
def test_the_wheel_installs_and_runs_from_another_folder(tmp_path):
    wheel = _build_wheel(tmp_path / "build")
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {
        "digitlab",
        wheel.name.split("-py")[0] + ".dist-info",
    }
    assert all(f"digitlab/resources/{f}" in names for f in data_files())
    assert any(n.endswith("dist-info/licenses/LICENSE") for n in names)

    venv = tmp_path / "venv"
    python = _fresh_venv(venv)
    _run([python, "-m", "pip", "--isolated", "install", "--no-deps", "--no-index",
          "--ignore-installed", "--disable-pip-version-check", wheel], cwd=tmp_path)  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _clean_env(tmp_path / "home")

    origin = _run([python, "-I", "-c", "import digitlab.core; print(digitlab.core.__file__)"],
                  cwd=elsewhere, env=env)  # fmt: skip
    assert Path(origin.strip()).is_relative_to(venv)
    digitlab = venv / "bin" / "digitlab"
    summary = _run([digitlab, "summary"], cwd=elsewhere, env=env)
    params = load_model(bundled_model_path()).network.num_params  # the checkout's copy
    assert "Model: the bundled model" in summary and f"Total params: {params:,}" in summary
    picture = _digit_picture(elsewhere / "seven.png")
    predicted = json.loads(_run([digitlab, "predict", "--json", picture.name], cwd=elsewhere,
                                env=env))  # fmt: skip
    outputs = load_model(bundled_model_path()).network.output_shape[0]
    assert predicted["digit"] == 7 and len(predicted["probabilities"]) == outputs

    shown = _run([python, "-I", "-c", WINDOW_SCRIPT], cwd=elsewhere, env=env).strip()
    seen = json.loads(shown.splitlines()[-1])
    assert seen["code"] == 0 and seen["visible"] and seen["model"] and seen["icon"], seen
    assert seen["title"].startswith("lenet5-mnist.h5"), seen
    assert Path(seen["core"]).is_relative_to(venv)
    assert (venv / "bin" / "digitlab-gui").exists()
