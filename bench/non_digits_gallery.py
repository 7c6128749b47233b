"""A picture of the generated non-digits, to look at: one row per kind, as the network sees them.

Rows follow ``NON_DIGIT_KINDS_TRAIN`` then ``NON_DIGIT_KINDS_TEST``, each sample a
28x28 image (after the app's preprocessing) shown enlarged, white ink on black, with a
grey bar between the families. Also times the rendering of ``--count`` train-family
images (wall and CPU seconds) and prints one JSON object on the last line.

    python bench/non_digits_gallery.py --out non_digits.png --per-kind 16 --zoom 3
"""

from __future__ import annotations

import json
import time
from argparse import ArgumentParser

import numpy as np

from digitlab.core.data.non_digits import (
    NON_DIGIT_KINDS_TEST,
    NON_DIGIT_KINDS_TRAIN,
    render_non_digits,
)
from digitlab.core.reading.image_io import save_png

GAP = 2  # pixels between tiles


def gallery(kinds: tuple[str, ...], per_kind: int, rng: np.random.Generator) -> np.ndarray:
    """(rows * 30, per_kind * 30) uint8: ``per_kind`` samples of each kind in a row."""
    side = 28 + GAP
    grid = np.zeros((len(kinds) * side, per_kind * side), np.uint8)
    for row, kind in enumerate(kinds):
        images = render_non_digits(per_kind, rng, kinds=(kind,))
        for col, image in enumerate(images):
            grid[row * side : row * side + 28, col * side : col * side + 28] = image * 255
    return grid


def main() -> None:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="non_digits.png", help="where to write the PNG")
    parser.add_argument("--per-kind", type=int, default=16, help="samples in each row")
    parser.add_argument("--zoom", type=int, default=3, help="screen pixels per image pixel")
    parser.add_argument("--count", type=int, default=2000, help="images to time")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    train = gallery(NON_DIGIT_KINDS_TRAIN, args.per_kind, rng)
    test = gallery(NON_DIGIT_KINDS_TEST, args.per_kind, rng)
    bar = np.full((6, train.shape[1]), 128, np.uint8)  # between the families
    picture = np.vstack([train, bar, test])
    save_png(args.out, np.kron(picture, np.ones((args.zoom, args.zoom), np.uint8)))
    # CPU time as well as wall time: on a busy machine the wall clock overstates the cost.
    wall, cpu = time.perf_counter(), time.process_time()
    render_non_digits(args.count, rng)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{len(NON_DIGIT_KINDS_TRAIN)} train kinds, {len(NON_DIGIT_KINDS_TEST)} test kinds")
    print(f"wrote {args.out}; {args.count} images in {wall:.1f} s ({cpu:.1f} s of CPU)")
    figures = {"images": args.count, "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2)}
    print(json.dumps({**figures, "out": args.out}))


if __name__ == "__main__":
    main()
