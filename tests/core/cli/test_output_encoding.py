"""The command line in a terminal whose encoding lacks some of digitlab's characters."""

from __future__ import annotations

import io
import sys

from digitlab.core.cli.parser import main
from digitlab.core.files.model_file import save_model
from digitlab.core.nn.architectures import lenet5


def test_a_latin1_terminal_gets_a_question_mark_not_a_crash(tmp_path, monkeypatch):
    taught = {"personalised": True, "base_test_accuracy": 0.9929, "test_accuracy": 0.9917}
    save_model(tmp_path / "mine.h5", lenet5(0), metadata=taught)
    raw = io.BytesIO()
    terminal = io.TextIOWrapper(raw, encoding="latin-1")  # a Latin-1 locale's stdout
    monkeypatch.setattr(sys, "stdout", terminal)
    assert main(["summary", str(tmp_path / "mine.h5")]) == 0
    terminal.flush()
    out = raw.getvalue().decode("latin-1")
    assert "MNIST test 99.29% ? 99.17%" in out  # "→" has no Latin-1 code
