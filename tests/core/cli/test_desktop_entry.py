"""``digitlab install-desktop-entry``: the entry and icon it writes, and their removal."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from digitlab.core.cli import desktop_entry
from digitlab.core.cli.parser import main
from digitlab.resources import desktop_entry_path, icon_path


@pytest.fixture
def data_home(tmp_path, monkeypatch) -> Path:
    """A private $HOME and $XDG_DATA_HOME, so nothing lands in the real menu."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data"


def read_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    return dict(parser["Desktop Entry"])


def test_the_packaged_entry_names_the_app_as_qt_does():
    entry = read_entry(desktop_entry_path())
    assert entry["Type"] == "Application"
    assert entry["Terminal"] == "false"
    assert entry["Icon"] == desktop_entry.APP_ID == "digitlab"
    # The window's class is the application name, and setDesktopFileName is the id:
    # both must be the entry's file name for the desktop to match window and entry.
    assert entry["StartupWMClass"] == "digitlab"
    assert desktop_entry_path().name == "digitlab.desktop"
    for key in ("Name", "GenericName", "Comment", "Exec", "Categories", "Keywords"):
        assert entry[key], key


def test_install_writes_the_entry_and_icon_under_xdg_data_home(data_home, capsys):
    assert main(["install-desktop-entry"]) == 0
    entry_file = data_home / "applications" / "digitlab.desktop"
    icon_file = data_home / "icons" / "hicolor" / "scalable" / "apps" / "digitlab.svg"
    entry = read_entry(entry_file)
    assert entry["Exec"] == desktop_entry.exec_line(desktop_entry.launch_command())
    assert icon_file.read_bytes() == icon_path("digitlab.svg").read_bytes()
    out = capsys.readouterr().out
    assert f"Installed {entry_file}" in out and "--remove" in out


def test_without_xdg_data_home_it_uses_local_share_in_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert desktop_entry.xdg_data_home() == tmp_path / ".local" / "share"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/path")  # the spec says: ignore it
    assert desktop_entry.xdg_data_home() == tmp_path / ".local" / "share"


def test_installing_twice_changes_nothing_and_says_so(data_home, capsys):
    assert main(["install-desktop-entry"]) == 0
    first = (data_home / "applications" / "digitlab.desktop").read_bytes()
    capsys.readouterr()
    assert main(["install-desktop-entry"]) == 0
    assert "Already installed, unchanged" in capsys.readouterr().out
    assert (data_home / "applications" / "digitlab.desktop").read_bytes() == first


def test_remove_deletes_exactly_the_two_files_it_wrote(data_home, capsys):
    neighbour = data_home / "applications" / "other.desktop"
    neighbour.parent.mkdir(parents=True)
    neighbour.write_text("[Desktop Entry]\n", encoding="utf-8")
    assert main(["install-desktop-entry"]) == 0
    written = desktop_entry.entry_files(data_home)
    assert main(["install-desktop-entry", "--remove"]) == 0
    assert not written.entry.exists() and not written.icon.exists()
    assert neighbour.exists()
    assert "Removed" in capsys.readouterr().out
    assert main(["install-desktop-entry", "--remove"]) == 0  # again: nothing to do, no error
    assert "no desktop entry to remove" in capsys.readouterr().out


def test_an_unwritable_folder_is_one_error_line(data_home, capsys):
    data_home.mkdir()
    (data_home / "applications").write_text("a file, not a folder", encoding="utf-8")
    assert main(["install-desktop-entry"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "could not write" in err[0], err


def test_the_launch_command_prefers_the_script_beside_the_interpreter(tmp_path, monkeypatch):
    bin_dir = tmp_path / "env" / "bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "digitlab-gui"
    script.write_text("#!/bin/sh\n", encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(bin_dir / "python"))
    assert desktop_entry.launch_command() == [str(script)]


def test_without_a_script_the_interpreter_runs_the_module(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setattr(desktop_entry.sysconfig, "get_path", lambda *a, **k: str(tmp_path))
    assert desktop_entry.launch_command() == [str(tmp_path / "python"), "-m", "digitlab.desktop"]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["/opt/env/bin/digitlab-gui"], "/opt/env/bin/digitlab-gui"),
        (["/home/a b/bin/digitlab-gui"], '"/home/a b/bin/digitlab-gui"'),
        (["/x/$HOME/100%"], '"/x/\\\\$HOME/100%%"'),
        (["/py thon", "-m", "digitlab.desktop"], '"/py thon" -m digitlab.desktop'),
    ],
)
def test_exec_quotes_arguments_as_the_spec_says(command, expected):
    assert desktop_entry.exec_line(command) == expected


@pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None,
    reason="desktop-file-validate (desktop-file-utils) is not installed",
)
def test_the_installed_entry_is_valid(data_home):
    assert main(["install-desktop-entry"]) == 0
    for path in (desktop_entry_path(), data_home / "applications" / "digitlab.desktop"):
        checked = subprocess.run(
            ["desktop-file-validate", str(path)], capture_output=True, text=True, check=False
        )
        assert checked.returncode == 0 and not checked.stdout.strip(), checked.stdout
