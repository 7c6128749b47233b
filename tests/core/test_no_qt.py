"""core runs without a screen: importing all of it loads no Qt module."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Every module under core/, found on disk so a new one is checked without a test change.
CORE_MODULES = sorted(
    "digitlab." + ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    for path in (ROOT / "core").rglob("*.py")
)
QT_PREFIXES = ("PySide6", "shiboken6", "pyqtgraph")

PROBE = f"""
import importlib, json, sys
for name in {CORE_MODULES!r}:
    importlib.import_module(name)
print(json.dumps(sorted(sys.modules)))
"""


def loaded_modules(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; it prints sys.modules."""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_core_imports_no_qt():
    modules = loaded_modules(PROBE)
    # the walk found the package
    assert {"digitlab.core.train.trainer", "digitlab.core.cli.parser"} <= set(CORE_MODULES)
    assert set(CORE_MODULES) <= set(modules)  # the probe really imported core
    assert [m for m in modules if m.startswith(QT_PREFIXES)] == []


def test_the_probe_would_see_qt():
    # The check can fail: a module that does load Qt shows up in the same list
    code = PROBE.replace("import importlib", "import importlib, PySide6.QtCore")
    modules = loaded_modules(code)
    assert any(m.startswith("PySide6") for m in modules)
