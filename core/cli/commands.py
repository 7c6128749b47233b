"""What each ``digitlab`` subcommand does; ``digitlab.core.cli.parser`` parses the arguments."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from digitlab.core.cli.progress import LiveLine, TrainingProgress, bar
from digitlab.core.errors import DigitlabError, ModelFileError, SettingsError

if TYPE_CHECKING:
    from digitlab.core.reading.recognition import Recognition

TRAIN_OPTIONS = (
    "epochs", "batch_size", "optimizer", "lr", "schedule", "weight_decay", "patience",
    "validation_size", "augment", "conv1_filters", "conv2_filters", "pen_digits", "non_digits",
    "calibrate", "seed", "threads",
)  # fmt: skip


def train(args: argparse.Namespace) -> int:
    from digitlab.core.train.run import TrainingRun

    given = {k: getattr(args, k) for k in TRAIN_OPTIONS if getattr(args, k) is not None}
    try:
        run = TrainingRun.prepare(
            given,
            data_dir=args.data,
            resume=args.resume,
            out=args.out or "model.h5",
            pendigits_dir=args.pendigits,
        )
    except ValueError as error:
        raise SettingsError(str(error)) from None
    print(run.describe(), flush=True)
    try:
        outcome = run.execute(callbacks=[TrainingProgress(saver=run.saver)])
    except KeyboardInterrupt:
        LiveLine().clear()
        print(f"\nInterrupted. The best model so far is in {run.out}.", file=sys.stderr)
        return 130
    print(outcome.message)
    return 1 if outcome.diverged else 0


def evaluate_model(args: argparse.Namespace) -> int:
    from digitlab.core.data.mnist import load_mnist
    from digitlab.core.reading.suitability import check_usable
    from digitlab.core.train.evaluation import evaluate

    model = _load_default_model(args.model)
    check_usable(model.network, args.model)
    test = load_mnist(args.data).test
    result = evaluate(model.network, *test.for_network())
    if args.json:
        print(json.dumps({"model": str(args.model), **result.to_dict()}))
        return 0
    right = result.n - len(result.misclassified())
    print(f"{args.model}: test accuracy {result.accuracy:.2%} ({right:,}/{result.n:,} right), "
          f"loss {result.loss:.4f}")  # fmt: skip
    if result.can_decline:
        print(f"{result.declined:,} of the {result.n:,} test digits were answered "
              "\"not a digit\" (counted as wrong)")  # fmt: skip
    print("\ndigit  accuracy   count")
    counts = result.digit_confusion.sum(axis=1)
    for digit, (acc, count) in enumerate(zip(result.per_class_accuracy, counts, strict=False)):
        print(f"{digit:>5}  {acc:8.2%}  {count:6d}")
    _print_confusion(result)
    return 0


def _print_confusion(result) -> None:
    """Rows: the true digits; columns: the classes predicted, the last one "none" (not
    a digit) for a network that can decline."""
    names = [str(c) for c in range(result.confusion.shape[1])]
    if result.can_decline:
        names[-1] = "none"
    said = ", none: not a digit" if result.can_decline else ""
    print(f"\nconfusion matrix (rows: true digit, columns: predicted{said})")
    print("      " + "".join(f"{c:>6}" for c in names))
    for digit, row in enumerate(result.digit_confusion):
        print(f"{digit:>5} " + "".join(f"{v:>6}" for v in row))


def predict(args: argparse.Namespace) -> int:
    from digitlab.core.reading.image_io import load_image
    from digitlab.core.reading.recognition import recognise

    network = _load_usable_model(args.model).network
    failures = 0
    for file in args.images:
        try:
            result = recognise(network, load_image(file), with_activations=False)
        except DigitlabError as error:
            failures += 1
            _report_failure(args.json, file, str(error))
            continue
        if result.empty:  # an error, as it always was, that also says why in --json
            failures += 1
            message = f"{file} has no ink in it: nothing to read"
            _report_failure(args.json, file, message, digit=None, reason=result.reason)
            continue
        _report_prediction(args.json, file, result)
    return 1 if failures else 0


def _report_prediction(as_json: bool, file: str, result: Recognition) -> None:
    probabilities = result.probabilities
    if as_json:
        values = [round(float(p), 6) for p in probabilities]
        print(json.dumps({"file": file, "digit": result.digit, "reason": result.reason,
                          "probabilities": values}))  # fmt: skip
        return
    ranked = "  ".join(f"{d}:{p:.1%}" for d, p in enumerate(result.digit_probabilities))
    if result.can_decline:
        ranked += f"  not a digit:{result.not_a_digit_probability:.1%}"
    print(f"{file}: {_answer_text(result)}    {ranked}")


def _answer_text(result: Recognition) -> str:
    """ "7 (98.2%)", "3 or 5 (48.0% / 41.0%)" on a near tie, or "not a digit (84.0% sure)"."""
    if result.not_a_digit:
        return f"not a digit ({result.not_a_digit_probability:.1%} sure)"
    shares = " / ".join(f"{result.probabilities[d]:.1%}" for d in result.candidates)
    return f"{' or '.join(map(str, result.candidates))} ({shares})"


def _report_failure(as_json: bool, file: str, message: str, **extra: object) -> None:
    if as_json:
        print(json.dumps({"file": file, **extra, "error": message}))
    else:
        print(f"digitlab predict: error: {message}", file=sys.stderr)


def _load_default_model(path: str | None):
    """The model at ``path``, or the bundled one. A file of the person's own is read in
    a process that is abandoned if libhdf5 loops on it (``open_model``); the bundled
    model shipped with digitlab is read directly."""
    from digitlab.core.files.model_file import load_model, open_model
    from digitlab.resources import bundled_model_path

    if path is not None:
        return open_model(path)
    path = bundled_model_path()
    if not path.exists():
        raise ModelFileError(
            f"the bundled model is missing ({path}); pass --model FILE or train one "
            "with `digitlab train`"
        )
    return load_model(path)


def _load_usable_model(path: str | None):
    """``_load_default_model``, refused unless it can read digits."""
    from digitlab.core.reading.suitability import check_usable

    model = _load_default_model(path)
    check_usable(model.network, path or "the bundled model")
    return model


def summary(args: argparse.Namespace) -> int:
    from digitlab.core.files.summary import describe_model

    model = _load_default_model(args.model)
    print(describe_model(model, args.model or "the bundled model"))
    return 0


def teach(args: argparse.Namespace) -> int:
    from digitlab.core.data.mnist import load_mnist
    from digitlab.core.files.atomic import check_output
    from digitlab.core.personal.digit_folder import read_digit_folder
    from digitlab.core.personal.teach import FinetuneConfig, Finetuning, taught_name
    from digitlab.resources import bundled_model_path

    given = {k: getattr(args, k) for k in ("epochs", "replay", "lr", "seed")}
    try:
        config = FinetuneConfig(**{k: v for k, v in given.items() if v is not None})
    except ValueError as error:
        raise SettingsError(str(error)) from None
    out = Path(args.out or f"{taught_name(Path(args.model or bundled_model_path()).stem)}.h5")
    check_output(out)  # say so now, not after the digits are read and taught
    model = _load_usable_model(args.model)
    found = read_digit_folder(args.images)
    mnist = load_mnist(args.data)
    talk = sys.stderr if args.json else sys.stdout  # with --json, stdout is the JSON alone
    job = Finetuning(model, found.x, found.labels, mnist=mnist, config=config,
                     callbacks=[TrainingProgress(out=talk)])  # fmt: skip
    print(job.describe(), file=talk, flush=True)
    try:
        result = job.run()
    except KeyboardInterrupt:
        LiveLine().clear()
        print("\nInterrupted; no model was written.", file=sys.stderr)
        return 130
    result.save(out)
    print(f"{result.training.message}\n\n{result.table()}\n\nThe model is in {out}.", file=talk)
    if args.json:
        print(json.dumps({**result.figures(), "out": str(out)}))
    return 1 if result.training.stopped == "diverged" else 0


def download(args: argparse.Namespace) -> int:
    from digitlab.core.data.download import download_mnist

    line = LiveLine()

    def show(p) -> None:
        if p.cached:
            print(f"{p.file} is already there")
            return
        total = p.total_bytes or 0
        fraction = p.done_bytes / total if total else 0.0
        line.draw(
            f"{p.file} {bar(fraction)} {p.done_bytes / 1e6:5.1f}/{total / 1e6:.1f} MB "
            f"from {p.mirror}",
            force=p.done_bytes == total,
        )

    dest = download_mnist(args.dest, progress=show)
    line.clear()
    print(f"MNIST is ready in {Path(dest)}")
    return 0


def install_desktop_entry(args: argparse.Namespace) -> int:
    from digitlab.core.cli import desktop_entry

    files = desktop_entry.entry_files()
    if args.remove:
        removed = desktop_entry.remove(files)
        for path in removed:
            print(f"Removed {path}")
        if not removed:
            print(f"There was no desktop entry to remove ({files.entry}).")
        return 0
    command = desktop_entry.launch_command()
    changed = desktop_entry.install(files, command)
    state = "Installed" if changed else "Already installed, unchanged:"
    print(f"{state} {files.entry}\n  opens: {' '.join(command)}\n  icon: {files.icon}")
    print("digitlab is in your applications menu (`digitlab install-desktop-entry --remove` "
          "takes it out).")  # fmt: skip
    return 0
