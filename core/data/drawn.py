"""Drawn digits as training and test data: pen trajectories rendered as the canvas would.

MNIST's digits were written on paper by American census workers and students; people
drawing on a screen write in many more styles (a crossed 7, a 1 with a flag and a
base, a 9 with a curled tail, open 4s). The UCI pen digits of 30 other writers, drawn
through :func:`digitlab.core.reading.render.render_digit` with the pen widths and
sizes people use on the canvas, teach a model those styles. Writers in
``TEST_WRITERS`` are never trained on: they measure how the model reads people it has
never seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from digitlab.core.data.mnist import Split
from digitlab.core.data.pendigits import PenDigit, split_by_writer
from digitlab.core.reading.render import render_digit

#: Ten of the 30 writers, spread over the numbering, kept out of every training run.
TEST_WRITERS = tuple(range(3, 31, 3))
#: The range of pen width / drawing height seen on the canvas: a 16 px pen on digits
#: from 120 px (a small hand) to 500 px tall, and pens from 8 to 24 px.
PEN_RATIO = (0.02, 0.16)
#: Rendering at this height with the pen scaled to match gives the same 28x28 image as
#: a full-size drawing to within rounding, about eight times faster.
RENDER_HEIGHT = 80.0
#: Most slant a rendering adds (x moves by this fraction of y), either way.
MAX_SLANT = 0.25


def render_pen_digits(
    digits: Sequence[PenDigit], seed: int, renderings: int = 1, workers: int = 1
) -> Split:
    """Every digit drawn ``renderings`` times, each with its own pen width and slant:
    a Split of uint8 (N, 28, 28) images (ink high, like MNIST) and labels, in order
    (digit by digit, renderings together). The same seed gives the same images,
    whatever ``workers`` (processes) render them."""
    jobs = [(d.strokes, seed, i, r) for i, d in enumerate(digits) for r in range(renderings)]
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(workers) as pool:
            images = list(pool.map(_render_job, jobs, chunksize=64))
    else:
        images = [_render_job(job) for job in jobs]
    labels = np.repeat([d.label for d in digits], renderings).astype(np.uint8)
    return Split(np.stack(images) if images else np.zeros((0, 28, 28), np.uint8), labels)


def _render_job(job: tuple[tuple[np.ndarray, ...], int, int, int]) -> np.ndarray:
    strokes, seed, index, rendering = job
    rng = np.random.default_rng([seed, index, rendering])  # one stream per image
    slant = rng.uniform(-MAX_SLANT, MAX_SLANT)
    # y grows upwards in tablet data; slant leans the tops right for slant > 0
    leaned = [s + np.stack([slant * s[:, 1], np.zeros(len(s))], axis=1) for s in strokes]
    ratio = np.exp(rng.uniform(*np.log(PEN_RATIO)))
    _, image = render_digit(leaned, pen=RENDER_HEIGHT * ratio, height=RENDER_HEIGHT, y_up=True)
    return np.round(image * 255).astype(np.uint8)


def pen_split(
    digits: Sequence[PenDigit], test_writers: Sequence[int] = TEST_WRITERS
) -> tuple[list[PenDigit], list[PenDigit]]:
    """(digits of the writers a model may learn from, digits of ``test_writers``)."""
    return split_by_writer(digits, test_writers)


def concat(*splits: Split) -> Split:
    """One Split holding every image and label of ``splits``, in order."""
    return Split(
        np.concatenate([s.images for s in splits]), np.concatenate([s.labels for s in splits])
    )


def _as_split(images: np.ndarray, label: int) -> Split:
    """Float images in [0, 1] as a Split of uint8 images, all labelled ``label``."""
    pixels = np.round(np.clip(images, 0.0, 1.0) * 255).astype(np.uint8)
    return Split(pixels, np.full(len(pixels), label, np.uint8))


def drawn_data(
    digits: Sequence[PenDigit] | None,
    pen_renderings: int,
    non_digits: int,
    seed: int,
    validation_share: float = 0.1,
    workers: int = 1,
) -> tuple[Split, Split]:
    """(extra training data, extra validation data) to mix with MNIST's.

    Pen digits: the digits of every writer not in ``TEST_WRITERS``, a
    ``validation_share`` of them (whole digits, never renderings of one digit on both
    sides) drawn once for validation and the rest ``pen_renderings`` times for
    training. Non-digits: ``non_digits`` drawings of the training family of kinds,
    labelled 10, and a tenth as many for validation.
    """
    rng = np.random.default_rng([seed, 1])
    train: list[Split] = []
    validation: list[Split] = []
    if pen_renderings and digits:
        learnable, _ = pen_split(digits)
        order = rng.permutation(len(learnable))
        cut = round(len(order) * validation_share)
        held = [learnable[i] for i in np.sort(order[:cut])]
        rest = [learnable[i] for i in np.sort(order[cut:])]
        train.append(render_pen_digits(rest, seed, pen_renderings, workers))
        validation.append(render_pen_digits(held, seed + 1, 1, workers))
    if non_digits:
        from digitlab.core.data.non_digits import render_non_digits

        train.append(_as_split(render_non_digits(non_digits, np.random.default_rng([seed, 2])), 10))
        count = max(1, non_digits // 10)
        validation.append(_as_split(render_non_digits(count, np.random.default_rng([seed, 3])), 10))
    empty = Split(np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8))
    return concat(empty, *train), concat(empty, *validation)
