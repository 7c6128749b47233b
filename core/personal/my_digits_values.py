"""Checks of the values read from a "my digits" file, before they become samples.

Each raises DamagedError with the problem in words; ``my_digits_file`` adds the file
name and marks the file damaged, so it is set aside rather than used.
"""

from __future__ import annotations

import zlib

import numpy as np

from digitlab.core.files.limits import MAX_CANVAS_PIXELS_TOTAL, MAX_CANVAS_SIDE, elements
from digitlab.core.files.shown import shorten


class DamagedError(Exception):
    """A problem inside the file, in words."""


def check_canvas_sizes(shapes: list) -> None:
    """Each canvas within MAX_CANVAS_SIDE, all together within MAX_CANVAS_PIXELS_TOTAL,
    counted as Python ints (int32 arithmetic wrapped 65536 x 65536 round to 0)."""
    total = 0
    for height, width in shapes:
        height, width = int(height), int(width)
        if not (0 <= height <= MAX_CANVAS_SIDE and 0 <= width <= MAX_CANVAS_SIDE):
            raise DamagedError(
                f"it holds a canvas of {height} x {width} pixels; canvases are at most "
                f"{MAX_CANVAS_SIDE} on a side"
            )
        total += height * width
    if total > MAX_CANVAS_PIXELS_TOTAL:
        raise DamagedError(f"its canvases hold {total:,} pixels, more than digitlab reads")


def check_values(c: dict[str, list]) -> None:
    if not all(0 <= v <= 9 for v in c["label"]) or not all(-1 <= v <= 9 for v in c["model_answer"]):
        raise DamagedError("it holds labels or model answers that are not digits")
    if len(set(c["id"])) != len(c["id"]):
        raise DamagedError("two of its digits have the same id")
    if not all(np.isfinite(image).all() for image in c["image"]):
        raise DamagedError("it holds images with values that are not numbers")
    for sample_id, canvas, (height, width) in zip(
        c["id"], c["canvas"], c["canvas_shape"], strict=True
    ):
        if _unpacked_size(canvas, elements((height, width))) != elements((height, width)):
            shown = shorten(sample_id, 60)
            raise DamagedError(f"the canvas of digit {shown} does not match its size")


def _unpacked_size(packed: bytes, expected: int) -> int:
    """How many bytes ``packed`` unpacks to, unpacking at most one more than
    ``expected``: a small "zip bomb" costs no more than an honest canvas."""
    unpacker = zlib.decompressobj()
    size = len(unpacker.decompress(packed, expected + 1))
    if size <= expected and not unpacker.eof:
        raise DamagedError("a canvas is cut short")
    return size
