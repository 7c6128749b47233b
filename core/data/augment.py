"""Random small rotations, scalings and shifts of training images.

A digit written a little tilted, larger or off-centre is still the same digit; showing
the network such variants teaches it so, and it generalises better to digits drawn on
the canvas, whose preprocessing leaves a little of each.

Each image gets its own affine map, applied by inverse mapping: for every output pixel
we find where it came from in the input and sample there bilinearly; samples from
outside the frame are background (0). The whole batch is done at once with array
operations, no Python loop over images or pixels.

Sign conventions, with row 0 at the top as images are shown: a positive angle turns
the digit counter-clockwise, as ``np.rot90`` does; a positive shift moves it down
(rows) and right (columns), as ``np.roll`` does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

import numpy as np

from digitlab.core.errors import ShapeError


@dataclass(frozen=True)
class AugmentConfig:
    """The range each random transform is drawn from, uniformly."""

    max_shift: float = 2.0  # pixels each axis; MNIST's centring already varies by +-0.5
    max_rotation: float = 10.0  # degrees; much more and a 6 starts to pass for a 9
    scale_range: tuple[float, float] = (0.9, 1.1)  # isotropic, about the image centre

    def __post_init__(self) -> None:
        if not (_is_number(self.max_shift) and self.max_shift >= 0):
            raise ValueError(f"max_shift must be a number >= 0, got {self.max_shift!r}")
        if not (_is_number(self.max_rotation) and 0 <= self.max_rotation <= 180):
            raise ValueError(f"max_rotation must be in [0, 180] degrees, got {self.max_rotation!r}")
        low_high = self.scale_range
        if not (
            isinstance(low_high, tuple | list)
            and len(low_high) == 2
            and all(_is_number(s) for s in low_high)
            and 0 < low_high[0] <= low_high[1]
        ):
            raise ValueError(
                f"scale_range must be (low, high) with 0 < low <= high, got {self.scale_range!r}"
            )


def _is_number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


def augment_batch(
    x: np.ndarray, rng: np.random.Generator, config: AugmentConfig = AugmentConfig()
) -> np.ndarray:
    """x (N, C, H, W) float -> a new array of the same shape and dtype, each image
    rotated, scaled and shifted at random within ``config``. Deterministic given ``rng``."""
    n = _checked_batch(x).shape[0]
    angles = rng.uniform(-config.max_rotation, config.max_rotation, n)
    scales = rng.uniform(*config.scale_range, n)
    shifts = rng.uniform(-config.max_shift, config.max_shift, (n, 2))
    return affine_batch(x, angles, scales, shifts)


def affine_batch(
    x: np.ndarray, angles: np.ndarray, scales: np.ndarray, shifts: np.ndarray
) -> np.ndarray:
    """Transform image i of x (N, C, H, W) by its own map: turn by ``angles[i]`` degrees
    counter-clockwise and scale by ``scales[i]``, both about the image centre, then
    shift by ``shifts[i]`` = (down, right) pixels. angles, scales (N,), shifts (N, 2).

    Bilinear sampling; pixels whose source lies outside the frame are 0.
    """
    x = _checked_batch(x)
    n = x.shape[0]
    angles, scales = _per_image(angles, (n,), "angles"), _per_image(scales, (n,), "scales")
    shifts = _per_image(shifts, (n, 2), "shifts")
    if not (scales > 0).all():
        raise ValueError(f"scales must all be > 0, got {scales[scales <= 0][:5]!r}")
    src_rows, src_cols = _source_coordinates(x.shape[2:], angles, scales, shifts)
    return _bilinear(x, src_rows, src_cols)


def _source_coordinates(
    size: tuple[int, int], angles: np.ndarray, scales: np.ndarray, shifts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Where each output pixel comes from: (rows, cols), each (N, H*W) float32.

    With u, v an output pixel's offset from the centre (down, right), the forward map
    is out = scale * R(angle) @ in + shift, so in = R(-angle) @ (out - shift) / scale.
    """
    height, width = size
    # Pixel i's centre is at i, so the centre of the frame is at (size - 1) / 2.
    centre_row, centre_col = (height - 1) / 2, (width - 1) / 2
    rows, cols = np.mgrid[:height, :width].astype(np.float32)
    u = rows.reshape(1, -1) - centre_row - shifts[:, :1].astype(np.float32)  # (N, H*W)
    v = cols.reshape(1, -1) - centre_col - shifts[:, 1:].astype(np.float32)
    radians = np.deg2rad(angles)
    # Row-down axes flip the sense of turning: this R(angle) turns counter-clockwise
    # on screen, e.g. at 90 degrees the source of (u, v) is (v, -u), as in np.rot90.
    cos = (np.cos(radians) / scales).astype(np.float32)[:, None]  # (N, 1)
    sin = (np.sin(radians) / scales).astype(np.float32)[:, None]
    return centre_row + cos * u + sin * v, centre_col - sin * u + cos * v


def _bilinear(x: np.ndarray, src_rows: np.ndarray, src_cols: np.ndarray) -> np.ndarray:
    """Sample every image of x (N, C, H, W) at its own (N, H*W) source points."""
    n, channels, height, width = x.shape
    # Zeros around each image: one row/column above and left, two below and right, so
    # every corner of a point clamped into [-1, size] reads a real pixel or a zero.
    flat = np.pad(x, ((0, 0), (0, 0), (1, 2), (1, 2))).reshape(-1)  # (N*C*(H+3)*(W+3),)
    pad_w, plane = width + 3, (height + 3) * (width + 3)
    # A point beyond the ring moves onto it: it reads zeros there as it would outside.
    # (np.clip is fast on floats and slow on integer arrays, hence clip before floor.)
    src_rows, src_cols = np.clip(src_rows, -1, height), np.clip(src_cols, -1, width)
    row0, col0 = np.floor(src_rows), np.floor(src_cols)
    row_frac, col_frac = (src_rows - row0)[:, None], (src_cols - col0)[:, None]  # (N, 1, H*W)
    # Flat index of each top-left corner; whole numbers below 2**24, so exact in float32.
    corner = ((row0 + 1) * pad_w + (col0 + 1)).astype(np.intp)[:, None]  # (N, 1, H*W)
    corner = corner + (np.arange(n * channels) * plane).reshape(n, channels, 1)  # (N, C, H*W)
    top_left, top_right = np.take(flat, corner), np.take(flat, corner + 1)
    bottom_left, bottom_right = np.take(flat, corner + pad_w), np.take(flat, corner + pad_w + 1)
    upper = top_left + col_frac * (top_right - top_left)
    lower = bottom_left + col_frac * (bottom_right - bottom_left)
    out = upper + row_frac * (lower - upper)
    return out.reshape(x.shape).astype(x.dtype, copy=False)


def _checked_batch(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 4:
        raise ShapeError(f"augmentation needs a batch (N, C, H, W), got shape {x.shape}")
    if not np.issubdtype(x.dtype, np.floating):
        raise ShapeError(f"augmentation needs float images, got {x.dtype}")
    if (x.shape[2] + 3) * (x.shape[3] + 3) >= 2**24:
        raise ShapeError(f"augmentation is for small images, got {x.shape[2]}x{x.shape[3]}")
    return x


def _per_image(values: np.ndarray, shape: tuple[int, ...], what: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.shape != shape:
        raise ShapeError(f"{what} must have shape {shape} (one per image), got {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{what} must be finite numbers, got {array!r}")
    return array
