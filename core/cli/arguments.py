"""Argument types for the ``digitlab`` parser: numbers checked for form and range, so a
flag such as ``--seed -1`` is refused with a usage line, never a traceback later on."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from digitlab.core.train.types import MAX_SEED, MAX_THREADS

#: The most kernels a convolution of LeNet-5 may have (TrainConfig checks the same).
MAX_FILTERS = 256


def whole(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type for a whole number from ``low`` (to ``high`` when given)."""
    span = f"from {low:,} to {high:,}" if high is not None else f">= {low:,}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be a whole number {span}, got {text!r}"
            ) from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be a whole number {span}, got {value}")
        return value

    parse.__name__ = "whole number"  # argparse names the type in some messages
    return parse


def number(*, positive: bool) -> Callable[[str], float]:
    """An argparse type for a finite number, > 0 (``positive``) or >= 0."""
    span = "> 0" if positive else ">= 0"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number {span}, got {text!r}") from None
        if not math.isfinite(value) or value < 0 or (positive and value == 0):
            raise argparse.ArgumentTypeError(f"must be a finite number {span}, got {text}")
        return value

    parse.__name__ = "number"
    return parse


COUNT = whole(1)  # epochs, batch size, patience
AMOUNT = whole(0)  # how many extra images; 0 is none
SEED = whole(0, MAX_SEED)
THREADS = whole(1, MAX_THREADS)
FILTERS = whole(1, MAX_FILTERS)
RATE = number(positive=True)
DECAY = number(positive=False)
