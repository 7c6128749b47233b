"""Where digitlab's bundled files live: the pretrained model and the icons.

``resources/`` sits beside ``core/`` in the source tree, which is where an editable
install (the README's Quick start) and a source checkout both find it.
"""

from __future__ import annotations

from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parent.parent / "resources"

#: The pretrained LeNet-5 that ``digitlab predict`` and the app use by default.
BUNDLED_MODEL_NAME = "lenet5-mnist.h5"


def bundled_model_path() -> Path:
    """The pretrained model shipped with digitlab (it may be absent in a bare checkout)."""
    return RESOURCES_DIR / "models" / BUNDLED_MODEL_NAME


def icon_path(name: str) -> Path:
    """An icon file under ``resources/icons`` by file name, e.g. ``"digitlab.svg"``."""
    return RESOURCES_DIR / "icons" / name
