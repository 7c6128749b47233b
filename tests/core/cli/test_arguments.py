"""Numeric flags out of range are refused by the parser in one line, before any work
starts (issue 13, item 9: `--seed -1` and `--validation-size 0` ended in
tracebacks)."""

from __future__ import annotations

import pytest

from digitlab.core.cli import commands
from digitlab.core.cli.parser import build_parser, main

BAD_TRAIN_FLAGS = [
    ("--seed", "-1", "from 0 to 4,294,967,295, got -1"),
    ("--seed", "4294967296", "from 0 to 4,294,967,295"),
    ("--seed", "1.5", "must be a whole number"),
    ("--validation-size", "0", "must be a whole number >= 1, got 0"),
    ("--epochs", "0", ">= 1, got 0"),
    ("--epochs", "-3", ">= 1, got -3"),
    ("--batch-size", "0", ">= 1"),
    ("--patience", "0", ">= 1"),
    ("--threads", "0", "from 1 to 256"),
    ("--threads", "100000", "from 1 to 256"),
    ("--conv1-filters", "0", "from 1 to 256"),
    ("--conv2-filters", "1000", "from 1 to 256"),
    ("--pen-digits", "-1", ">= 0"),
    ("--non-digits", "-5", ">= 0"),
    ("--lr", "0", "must be a finite number > 0, got 0"),
    ("--lr", "-0.1", "> 0"),
    ("--lr", "nan", "finite number > 0"),
    ("--lr", "inf", "finite number > 0"),
    ("--lr", "fast", "must be a number > 0, got 'fast'"),
    ("--weight-decay", "-1", ">= 0"),
    ("--weight-decay", "inf", ">= 0"),
]


@pytest.mark.parametrize(("flag", "value", "words"), BAD_TRAIN_FLAGS)
def test_train_refuses_out_of_range_numbers_before_starting(
    flag, value, words, capsys, monkeypatch
):
    monkeypatch.setattr(commands, "train", lambda args: pytest.fail("the command ran"))
    assert main(["train", f"{flag}={value}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"digitlab train: error: {flag} must be") and words in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("flag", "value"), [("--seed", "-1"), ("--epochs", "0"), ("--replay", "-1"), ("--lr", "0")]
)
def test_teach_refuses_them_too(flag, value, capsys):
    assert main(["teach", "--images", "x", f"{flag}={value}"]) == 2
    assert capsys.readouterr().err.startswith(f"digitlab teach: error: {flag} must be")


def test_the_ends_of_each_range_are_accepted():
    args = build_parser().parse_args(
        ["train", "--seed", "0", "--validation-size", "1", "--threads", "256",
         "--conv1-filters", "256", "--pen-digits", "0", "--weight-decay", "0", "--lr", "1e-9"]
    )  # fmt: skip
    assert (args.seed, args.validation_size, args.threads, args.lr) == (0, 1, 256, 1e-9)
    assert build_parser().parse_args(["train", "--seed", "4294967295"]).seed == 2**32 - 1
