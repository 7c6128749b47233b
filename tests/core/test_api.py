"""digitlab.core is the one place a script imports from."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import digitlab.core as api


@pytest.mark.parametrize("name", [n for n in api.__all__ if n != "__version__"])
def test_every_exported_name_resolves_to_what_its_module_defines(name):
    value = getattr(api, name)
    assert value is not None
    assert getattr(value, "__name__", name) == name


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'Trainerr'"):
        api.Trainerr  # noqa: B018


def test_dir_lists_the_exports():
    assert {"Trainer", "lenet5", "recognise", "load_model"} <= set(dir(api))


def test_importing_the_package_loads_no_file_libraries():
    # The command line imports digitlab.core.cli.parser for --help; the package's
    # __init__ runs first and must not drag in h5py or Pillow.
    code = "import json, sys, digitlab.core; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    modules = json.loads(out.stdout)
    assert not [m for m in modules if m.split(".")[0] in {"h5py", "PIL"}]
    assert "digitlab.core.train.trainer" not in modules
