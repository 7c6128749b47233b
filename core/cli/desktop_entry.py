"""``digitlab install-desktop-entry``: put digitlab in the user's applications menu.

Follows the freedesktop.org specifications (Linux and other free desktops): the
entry goes to ``$XDG_DATA_HOME/applications/digitlab.desktop`` and the icon to
``$XDG_DATA_HOME/icons/hicolor/scalable/apps/digitlab.svg``. Both are named after
the app's id, ``digitlab``: the name the app gives ``setDesktopFileName`` and its
window class, so the desktop matches the running window to the entry and its icon.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from digitlab.core.errors import DigitlabError

APP_ID = "digitlab"

# Characters that make the Desktop Entry spec require an Exec argument to be quoted.
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


class DesktopEntryError(DigitlabError):
    """The desktop entry or its icon could not be written or removed."""


@dataclass(frozen=True)
class EntryFiles:
    """The two files the command writes, and nothing else."""

    entry: Path
    icon: Path


def entry_files(data_home: Path | None = None) -> EntryFiles:
    """Where the entry and the icon go, under ``data_home`` (default: ``xdg_data_home()``)."""
    home = data_home or xdg_data_home()
    return EntryFiles(
        entry=home / "applications" / f"{APP_ID}.desktop",
        icon=home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg",
    )


def xdg_data_home() -> Path:
    """``$XDG_DATA_HOME``, or ``~/.local/share`` when it is unset or relative (the
    XDG Base Directory spec says to ignore a relative value)."""
    value = os.environ.get("XDG_DATA_HOME", "")
    if value and Path(value).is_absolute():
        return Path(value)
    return Path.home() / ".local" / "share"


def launch_command() -> list[str]:
    """The installed command that opens the window, as an absolute path.

    The scripts sit beside the interpreter in a virtual environment or a pipx
    install, and in the scheme's scripts folder otherwise (``pip install --user``).
    Without either, the interpreter itself runs the app's module.
    """
    folders = [Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))]
    user_scheme = f"{os.name}_user"
    if user_scheme in sysconfig.get_scheme_names():
        folders.append(Path(sysconfig.get_path("scripts", user_scheme)))
    for folder in folders:
        for name in ("digitlab-gui", "digitlab"):
            script = folder / name
            if script.is_file() and os.access(script, os.X_OK):
                return [str(script.absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "digitlab.desktop"]


def exec_line(command: list[str]) -> str:
    """``command`` as the value of an Exec key: arguments with reserved characters
    quoted, then backslashes doubled as every string value needs."""
    quoted = " ".join(_quote_argument(argument) for argument in command)
    return quoted.replace("\\", "\\\\")


def _quote_argument(argument: str) -> str:
    argument = argument.replace("%", "%%")  # a lone % starts a field code such as %f
    if not _RESERVED.intersection(argument):
        return argument
    for special in ("\\", '"', "`", "$"):  # the backslash first: the others add one
        argument = argument.replace(special, "\\" + special)
    return f'"{argument}"'


def entry_text(template: str, command: list[str]) -> str:
    """The packaged entry with its Exec line pointing at ``command``."""
    lines = [
        f"Exec={exec_line(command)}" if line.startswith("Exec=") else line
        for line in template.splitlines()
    ]
    return "\n".join(lines) + "\n"


def install(files: EntryFiles, command: list[str]) -> bool:
    """Write the entry and the icon; returns False when both were already as written.
    Running it again is harmless: it rewrites the same two files."""
    from digitlab.resources import desktop_entry_path, icon_path

    text = entry_text(desktop_entry_path().read_text(encoding="utf-8"), command)
    icon = icon_path(f"{APP_ID}.svg").read_bytes()
    changed = _write_if_different(files.entry, text.encode("utf-8"))
    changed = _write_if_different(files.icon, icon) or changed
    _refresh_menu(files.entry.parent)
    return changed


def remove(files: EntryFiles) -> list[Path]:
    """Delete the entry and the icon (only those two files); returns those deleted."""
    removed = []
    for path in (files.entry, files.icon):
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as error:
            raise DesktopEntryError(f"could not remove {path}: {error.strerror}") from None
        removed.append(path)
    if removed:
        _refresh_menu(files.entry.parent)
    return removed


def _write_if_different(path: Path, content: bytes) -> bool:
    try:
        if path.is_file() and path.read_bytes() == content:
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    except OSError as error:
        raise DesktopEntryError(f"could not write {path}: {error.strerror}") from None
    return True


def _refresh_menu(applications: Path) -> None:
    """Menus watch the folder themselves; some also read the cache that this tool
    rebuilds. Without the tool there is nothing to refresh, so no error."""
    tool = shutil.which("update-desktop-database")
    if tool is None or not applications.is_dir():
        return
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        subprocess.run([tool, str(applications)], capture_output=True, timeout=30, check=False)
