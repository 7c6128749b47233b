"""The ``digitlab`` command: subcommands that need no screen, and its help."""

import subprocess
import sys
from pathlib import Path

import pytest

from desktop.app import main

ROOT = Path(__file__).resolve().parents[1]


def test_summary_prints_lenet5(capsys):
    assert main(["summary"]) == 0
    out = capsys.readouterr().out
    assert "conv1 (Conv2D)" in out
    assert "(None, 16, 5, 5)" in out
    assert "dense3 (Dense)" in out
    assert "Total params: 61,706" in out


def test_no_arguments_prints_help(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: digitlab")
    assert "summary" in out


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == "digitlab 0.1.0"


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["fly"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'fly'" in capsys.readouterr().err


def test_python_m_desktop_summary():
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "summary"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Total params: 61,706" in result.stdout
