"""The ``digitlab`` command line: subcommands that need no screen.

Each subcommand's work lives in ``digitlab.core.cli.commands``; this module only parses.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from digitlab.core.cli import commands
from digitlab.core.cli.arguments import AMOUNT, COUNT, DECAY, FILTERS, RATE, SEED, THREADS
from digitlab.core.cli.explain import add_explain
from digitlab.core.errors import DigitlabError
from digitlab.core.train.optimizers import OPTIMIZERS
from digitlab.core.train.schedules import SCHEDULES
from digitlab.core.train.types import TrainConfig
from digitlab.core.version import __version__

DEFAULTS = TrainConfig()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="digitlab",
        description=(
            "Handwrite digits and watch a convolutional network, written from scratch "
            "in NumPy, recognise them. Without a subcommand, opens the desktop app."
        ),
    )
    parser.add_argument("--version", action="version", version=f"digitlab {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_train(subparsers)
    _add_eval(subparsers)
    _add_predict(subparsers)
    add_explain(subparsers)
    _add_teach(subparsers)
    summary = subparsers.add_parser(
        "summary", help="show a model's layers, parameter counts and training metadata"
    )
    summary.add_argument(
        "model", nargs="?", metavar="MODEL", help="a model.h5 file (default: the bundled model)"
    )
    summary.set_defaults(run=commands.summary)
    download = subparsers.add_parser("download", help="download MNIST into the data cache")
    download.add_argument("--dest", metavar="DIR", help="where to put the files")
    download.set_defaults(run=commands.download)
    _add_install_desktop_entry(subparsers)
    # A bad option value (--seed -1) raises ArgumentError, which ``main`` reports in
    # one line as it reports every other user mistake.
    parser.exit_on_error = False
    for subparser in subparsers.choices.values():
        subparser.exit_on_error = False
    return parser


def _data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        metavar="DIR",
        help="folder with the four MNIST files (default: $DIGITLAB_DATA, then the cache "
        "that `digitlab download` fills)",
    )


def _add_train(subparsers: argparse._SubParsersAction) -> None:
    train = subparsers.add_parser("train", help="train LeNet-5 on MNIST")
    _data_option(train)
    d = DEFAULTS
    add = train.add_argument
    # Defaults are None so that --resume can tell the options given from those not given.
    add("--epochs", type=COUNT, metavar="N", help=f"most epochs to run (default {d.epochs})")
    add("--batch-size", type=COUNT, metavar="N", help=f"images per batch (default {d.batch_size})")
    add("--optimizer", choices=list(OPTIMIZERS), help=f"(default {d.optimizer})")
    add("--lr", type=RATE, metavar="X", help=f"learning rate (default {d.lr:g})")
    add("--schedule", choices=list(SCHEDULES), help=f"learning-rate schedule ({d.schedule})")
    add("--weight-decay", type=DECAY, metavar="X", help=f"L2 weight decay ({d.weight_decay:g})")
    add("--patience", type=COUNT, metavar="N", help=f"early-stopping patience ({d.patience})")
    add("--validation-size", type=COUNT, metavar="N", help=f"({d.validation_size})")
    add("--augment", action=argparse.BooleanOptionalAction, help="random shifts, rotations, "
        "scalings of the training images (default on)")  # fmt: skip
    add("--conv1-filters", type=FILTERS, metavar="N", help=f"kernels of conv1 ({d.conv1_filters})")
    add("--conv2-filters", type=FILTERS, metavar="N", help=f"kernels of conv2 ({d.conv2_filters})")
    add("--pen-digits", type=AMOUNT, metavar="N", help="mix in each pen digit of the training "
        "writers drawn N times (needs --pendigits; default 0: MNIST alone)")  # fmt: skip
    add("--pendigits", metavar="DIR", help="the folder holding pendigits-orig.tra")
    add("--non-digits", type=AMOUNT, metavar="N", help="mix in N drawings that are not digits, "
        "as an 11th class 'not a digit' (default 0)")  # fmt: skip
    add("--calibrate", action=argparse.BooleanOptionalAction, help="after training, make the "
        "probabilities honest on the validation set (by temperature; default off)")  # fmt: skip
    add("--seed", type=SEED, metavar="N", help=f"random seed (default {d.seed})")
    add("--threads", type=THREADS, metavar="N", help="threads (default: all cores)")
    add("--resume", metavar="FILE", help="continue training the model in FILE")
    add("--out", metavar="FILE", help="where to keep the best model (default model.h5)")
    train.set_defaults(run=commands.train)


def _add_eval(subparsers: argparse._SubParsersAction) -> None:
    evaluate = subparsers.add_parser("eval", help="accuracy of a model on the MNIST test set")
    evaluate.add_argument("model", metavar="MODEL", help="a model.h5 file")
    _data_option(evaluate)
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.set_defaults(run=commands.evaluate_model)


def _add_predict(subparsers: argparse._SubParsersAction) -> None:
    predict = subparsers.add_parser(
        "predict",
        help="recognise the digit in image files",
        description="Recognise the digit in each image. A close second is named too "
        '("3 or 5"); a model with a "not a digit" output may answer that instead.',
    )
    predict.add_argument("images", nargs="+", metavar="IMAGE", help="PNG, JPEG or BMP files")
    predict.add_argument("--model", metavar="FILE", help="default: the bundled model")
    predict.add_argument(
        "--json",
        action="store_true",
        help='one JSON object per image: "digit" (null when none was read), '
        '"reason" (null, "not_a_digit" or "empty") and "probabilities"',
    )
    predict.set_defaults(run=commands.predict)


def _add_teach(subparsers: argparse._SubParsersAction) -> None:
    teach = subparsers.add_parser(
        "teach",
        aliases=["finetune"],  # the name it had before "teach" became the one word
        help="teach a model your handwriting from pictures in DIR/<digit>/",
        description="Teach a model your handwriting: train it further on your own digit "
        "pictures (DIR/0/*.png .. DIR/9/*.png, any size or polarity), mixed with replayed "
        "MNIST images so it does not forget MNIST; prints accuracy before and after and "
        "writes the new model. `digitlab finetune` is the same command.",
    )
    add = teach.add_argument
    add("--model", metavar="FILE", help="the model to start from (default: the bundled model)")
    add("--images", metavar="DIR", required=True, help="folder with subfolders 0 to 9")
    _data_option(teach)
    add("--epochs", type=COUNT, metavar="N", help="most epochs to run (default 6)")
    add("--replay", type=AMOUNT, metavar="N", help="MNIST images mixed in (default: 10 per "
        "picture of yours, at least 3000)")  # fmt: skip
    add("--lr", type=RATE, metavar="X", help="learning rate (default 0.0002)")
    add("--seed", type=SEED, metavar="N", help="random seed (default 0)")
    add("--out", metavar="FILE", help="where to write the new model (default "
        "<model>-taught.h5 in the current folder)")  # fmt: skip
    add("--json", action="store_true", help="end with the figures as one JSON object")
    teach.set_defaults(run=commands.teach)


def _add_install_desktop_entry(subparsers: argparse._SubParsersAction) -> None:
    entry = subparsers.add_parser(
        "install-desktop-entry",
        help="add digitlab to your applications menu (--remove takes it out)",
        description="Write a freedesktop.org desktop entry and its icon for this "
        "installation of digitlab: $XDG_DATA_HOME/applications/digitlab.desktop and "
        "$XDG_DATA_HOME/icons/hicolor/scalable/apps/digitlab.svg ($XDG_DATA_HOME is "
        "~/.local/share unless set). Running it again updates them.",
    )
    entry.add_argument("--remove", action="store_true", help="delete those two files instead")
    entry.set_defaults(run=commands.install_desktop_entry)


def _tolerant_output() -> None:
    """Characters the terminal's encoding lacks ("→" in a Latin-1 locale, or in a
    Windows console) print as "?" instead of ending the command with a traceback."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")


def _argument_error(error: argparse.ArgumentError, argv: Sequence[str]) -> str:
    """ "digitlab train: error: --seed must be a whole number from 0 to ..., got -1"."""
    # The subcommand is the first word that is not an option (the top level has only options).
    command = next((word for word in argv if not word.startswith("-")), None)
    prog = f"digitlab {command}" if command else "digitlab"
    if not error.argument_name:
        return f"{prog}: error: {error.message}"
    # "--seed must be ..." reads as a sentence; argparse's own messages follow a colon.
    joint = " " if error.message.startswith("must ") else ": "
    return f"{prog}: error: {error.argument_name}{joint}{error.message}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run a subcommand; user mistakes give one line on stderr and exit code 2."""
    _tolerant_output()
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(argv)
    except argparse.ArgumentError as error:
        if not (error.argument_name or "").startswith("--"):
            parser.error(str(error))  # an unknown command: argparse's usage and exit 2
        print(_argument_error(error, argv), file=sys.stderr)
        return 2
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.run(args)
    except DigitlabError as error:
        print(f"digitlab {args.command}: error: {error}", file=sys.stderr)
        return 2
