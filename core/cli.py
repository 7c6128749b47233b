"""The ``digitlab`` command line: subcommands that need no screen."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from core import __version__
from core.errors import DigitlabError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="digitlab",
        description=(
            "Handwrite digits and watch a convolutional network, written from scratch "
            "in NumPy, recognise them. Without a subcommand, opens the desktop app."
        ),
    )
    parser.add_argument("--version", action="version", version=f"digitlab {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    summary = commands.add_parser(
        "summary", help="print the layers, output shapes and parameter counts of LeNet-5"
    )
    summary.set_defaults(run=_run_summary)
    return parser


def _run_summary(args: argparse.Namespace) -> int:
    from core.models import lenet5

    print(lenet5(0).summary())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run a subcommand; user mistakes give one line on stderr and exit code 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.run(args)
    except DigitlabError as error:
        print(f"digitlab: error: {error}", file=sys.stderr)
        return 2
