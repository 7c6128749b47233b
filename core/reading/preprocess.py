"""Turn a drawn or loaded digit into the 28x28 image the network sees, as MNIST was made.

LeCun, Cortes and Burges built MNIST from NIST's scans in two steps: each digit was
scaled, keeping its aspect ratio and with anti-aliasing, to fit a 20x20 box, then placed
in a 28x28 frame so that its centre of mass sits at the centre. A digit prepared the same
way looks to the network like the digits it learnt from, wherever and however large it
was drawn. Everything here is plain NumPy and takes well under a millisecond for a
280x280 canvas, so the desktop app can run it on every stroke.

Images are 2-D float arrays, ink high: 1 is ink, 0 is background (MNIST's pixel / 255).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from digitlab.core.errors import ShapeError

#: The side of the frame the network sees.
FRAME = 28
#: The longer side of the digit after scaling; MNIST leaves a 4-pixel margin each way.
BOX = 20
#: Where the centre of mass lands, in pixel-index coordinates (pixel i's centre is i).
#: Measured on MNIST's 60,000 training images: rows 14.00 +- 0.29, columns 14.01 +- 0.29,
#: always within [13.48, 14.50], i.e. a whole-pixel shift that rounds it to 14.
CENTRE = 14.0
#: Pixels brighter than this count as ink when finding the digit's bounding box. Not
#: zero: the faint fringe of an anti-aliased brush, JPEG ringing or a speck of scanner
#: dust would otherwise stretch the box, and the digit would shrink off-centre in it.
INK_THRESHOLD = 0.05
#: Values this far outside [0, 1] are refused as a mistake (an 8-bit image not divided
#: by 255); anything closer is rounding and is clipped.
_RANGE_SLACK = 1e-3


@dataclass(frozen=True, eq=False)
class PreprocessSteps:
    """Every stage of :func:`preprocess_steps`, for showing the pipeline.

    ``bbox`` is ``(top, left, bottom, right)`` in the drawn image, half-open, so
    ``drawn[top:bottom, left:right]`` is ``cropped``; None when there is no ink.
    ``shift`` is the whole-pixel move ``(dy, dx)`` that brought the centre of mass to
    the frame's centre after the scaled box was centred in the frame.
    """

    drawn: np.ndarray  # (H, W) float32, the input clipped to [0, 1]
    cropped: np.ndarray  # (h, w) float32, the bounding box of the ink
    scaled: np.ndarray  # (h', w') float32, longer side 20, brightest pixel 1
    centred: np.ndarray  # (28, 28) float32, what the network sees
    bbox: tuple[int, int, int, int] | None
    shift: tuple[int, int]

    @property
    def empty(self) -> bool:
        """True when the image holds no ink at all."""
        return self.bbox is None


def preprocess_steps(image: np.ndarray) -> PreprocessSteps:
    """Crop, scale and centre ``image`` (H, W) in [0, 1], ink high, keeping every stage.

    Raises ShapeError for an array that is not 2-D, holds NaN or infinity, or lies
    outside [0, 1]. An image without ink gives zero arrays and ``empty`` True.
    """
    drawn = _checked_image(image)
    bbox = ink_bbox(drawn)
    if bbox is None:
        nothing = np.zeros((0, 0), np.float32)
        return PreprocessSteps(
            drawn, nothing, nothing, np.zeros((FRAME, FRAME), np.float32), None, (0, 0)
        )
    top, left, bottom, right = bbox
    cropped = drawn[top:bottom, left:right]
    scaled = _fit_box(cropped)
    centred, shift = _centre_by_mass(scaled)
    return PreprocessSteps(drawn, cropped, scaled, centred, bbox, shift)


def to_mnist(image: np.ndarray) -> np.ndarray:
    """``image`` (H, W) in [0, 1], ink high -> (28, 28) float32 in [0, 1], ready as x.

    All zeros when the image holds no ink.
    """
    return preprocess_steps(image).centred


def _checked_image(image: np.ndarray) -> np.ndarray:
    array = np.asarray(image)
    if array.ndim != 2:
        raise ShapeError(
            f"a digit image must be 2-D (height, width), but this one has shape {array.shape}"
        )
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise ShapeError(f"a digit image must hold numbers, but this one holds {array.dtype}")
    array = array.astype(np.float32)
    if array.size and not np.isfinite(array).all():
        raise ShapeError("a digit image must not contain NaN or infinite values")
    if array.size and (array.min() < -_RANGE_SLACK or array.max() > 1 + _RANGE_SLACK):
        raise ShapeError(
            f"a digit image must have values in [0, 1], but this one spans "
            f"[{array.min():g}, {array.max():g}]; divide 8-bit pixels by 255"
        )
    return np.clip(array, 0.0, 1.0, out=array)


def ink_bbox(
    image: np.ndarray, threshold: float = INK_THRESHOLD
) -> tuple[int, int, int, int] | None:
    """The half-open box ``(top, left, bottom, right)`` of pixels above ``threshold``,
    or None when there are none."""
    ink = image > threshold
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if rows.size == 0:
        return None
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def box_size(height: int, width: int, box: int = BOX) -> tuple[int, int]:
    """The (height, width) that brings the longer side to ``box`` and keeps the aspect
    ratio, rounded to whole pixels; never less than one pixel."""
    scale = box / max(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


def area_weights(size_in: int, size_out: int) -> np.ndarray:
    """(size_out, size_in) float32: row j holds the fraction of output pixel j that each
    input pixel covers, when ``size_in`` pixels are stretched onto ``size_out``.

    Each row sums to 1, so ``weights @ column`` averages over exactly the area an
    output pixel covers: an anti-aliased shrink, and a blocky but exact enlargement.
    """
    step = size_in / size_out  # input pixels per output pixel
    edges = np.arange(size_out + 1) * step  # output pixel j spans [edges[j], edges[j+1])
    start, stop = edges[:-1, None], edges[1:, None]  # (size_out, 1)
    pixel = np.arange(size_in)[None, :]  # input pixel i spans [i, i+1)
    overlap = np.minimum(stop, pixel + 1) - np.maximum(start, pixel)
    return (np.clip(overlap, 0.0, None) / step).astype(np.float32)


def area_resample(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resample ``image`` (h, w) to (height, width) by exact area averaging:
    (height, h) @ image @ (w, width)."""
    rows = area_weights(image.shape[0], height)
    cols = area_weights(image.shape[1], width).T
    # Shrink the longer side first, so the second product works on the smaller array.
    if image.shape[0] * width >= image.shape[1] * height:
        return (rows @ image) @ cols
    return rows @ (image @ cols)


def _fit_box(cropped: np.ndarray) -> np.ndarray:
    """Scale to the 20-pixel box, then stretch so the brightest pixel is 1.

    Every MNIST digit reaches full intensity (its maximum is 254 or 255). A stroke
    much thinner than a box pixel averages down to a faint grey, and this keeps it,
    like the grey of a light pen, as visible as a thick dark one.
    """
    scaled = area_resample(cropped, *box_size(*cropped.shape))
    return scaled / scaled.max()  # > 0: the crop holds a pixel above the threshold


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of the intensity-weighted mean position, pixel i's centre at i."""
    mass = image.sum(dtype=np.float64)
    row = image.sum(axis=1, dtype=np.float64) @ np.arange(image.shape[0]) / mass
    col = image.sum(axis=0, dtype=np.float64) @ np.arange(image.shape[1]) / mass
    return float(row), float(col)


def _centre_by_mass(scaled: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """Centre the box in the frame, then shift it by whole pixels to bring its centre
    of mass within half a pixel of (14, 14). Parts pushed outside are clipped."""
    top, left = (FRAME - scaled.shape[0]) // 2, (FRAME - scaled.shape[1]) // 2
    row, col = centre_of_mass(scaled)
    dy, dx = _round_half_up(CENTRE - (top + row)), _round_half_up(CENTRE - (left + col))
    return _paste(scaled, top + dy, left + dx), (dy, dx)


def _round_half_up(value: float) -> int:
    """Round to the nearest integer, halves up. A symmetric digit's mass sits exactly
    half-way between pixels, and the tolerance keeps float noise in the sums from
    deciding which way it goes (NumPy's round would also send halves to even)."""
    return int(np.floor(value + 0.5 + 1e-6))


def _paste(box: np.ndarray, top: int, left: int) -> np.ndarray:
    """A zero frame with ``box`` placed at (top, left), clipped to the frame."""
    frame = np.zeros((FRAME, FRAME), np.float32)
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + box.shape[0], FRAME), min(left + box.shape[1], FRAME)
    if y0 < y1 and x0 < x1:
        frame[y0:y1, x0:x1] = box[y0 - top : y1 - top, x0 - left : x1 - left]
    return np.clip(frame, 0.0, 1.0, out=frame)
