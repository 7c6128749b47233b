"""digitlab's bundled files: the pretrained model, the icons and the desktop entry.

They are package data of ``digitlab.resources``, found through ``importlib.resources``,
so an installed wheel, ``pipx install`` and an editable install all find them,
whatever the working directory.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

#: The pretrained LeNet-5 that ``digitlab predict`` and the app use by default.
BUNDLED_MODEL_NAME = "lenet5-mnist.h5"


def _resource(*parts: str) -> Path:
    # digitlab is installed as plain files (never zipped: h5py needs a real path),
    # so the package's Traversable is a real folder.
    return Path(str(files(__name__).joinpath(*parts)))


def bundled_model_path() -> Path:
    """The pretrained model shipped with digitlab (it may be absent in a bare checkout)."""
    return _resource("models", BUNDLED_MODEL_NAME)


def icon_path(name: str) -> Path:
    """An icon file by file name, e.g. ``"digitlab.svg"``."""
    return _resource("icons", name)


def desktop_entry_path() -> Path:
    """The freedesktop ``.desktop`` file that ``digitlab install-desktop-entry`` installs."""
    return _resource("digitlab.desktop")
