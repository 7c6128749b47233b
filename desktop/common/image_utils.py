"""NumPy arrays to QImages, and the colour maps the layer view paints with.

Values become 8-bit indices into a 256-entry colour table (``QImage.Format_Indexed8``):
the per-update work is one scaled NumPy pass, and the colours, which depend on the
light or dark palette, are chosen only when painting.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtGui import QColor, QImage, QPalette


@dataclass(frozen=True)
class ColorMap:
    """A colour map from evenly spaced anchor colours, interpolated to 256 entries."""

    name: str
    anchors: str  # "#rrggbb #rrggbb ...", from the lowest value to the highest
    lut: np.ndarray = field(init=False, repr=False, compare=False)  # (256, 3) uint8
    table: list[int] = field(init=False, repr=False, compare=False)  # QImage colour table

    def __post_init__(self) -> None:
        rgb = np.array([_hex_rgb(a) for a in self.anchors.split()], dtype=np.float64)  # (A, 3)
        stops = np.linspace(0.0, 1.0, len(rgb))
        t = np.linspace(0.0, 1.0, 256)
        lut = np.stack([np.interp(t, stops, rgb[:, i]) for i in range(3)], axis=1)
        lut = np.round(lut).astype(np.uint8)
        object.__setattr__(self, "lut", lut)
        table = [0xFF000000 | (int(r) << 16) | (int(g) << 8) | int(b) for r, g, b in lut]
        object.__setattr__(self, "table", table)

    def gradient(self, width: int) -> QImage:
        """The map as a (1, width) image, lowest value on the left (for legends)."""
        rgb = np.ascontiguousarray(self.lut[np.linspace(0, 255, width).round().astype(int)])
        return QImage(rgb.tobytes(), width, 1, 3 * width, QImage.Format.Format_RGB888).copy()

    def color(self, t: float) -> QColor:
        """The colour at ``t`` in [0, 1] (clipped)."""
        r, g, b = self.lut[round(min(max(t, 0.0), 1.0) * 255)]
        return QColor(int(r), int(g), int(b))


def _hex_rgb(text: str) -> tuple[int, int, int]:
    value = int(text.lstrip("#"), 16)
    return (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF


#: Perceptually uniform (matplotlib's viridis): for outputs that are never negative.
VIRIDIS = ColorMap(
    "viridis",
    "#440154 #472d7b #3b528b #2c728e #21918c #28ae80 #5ec962 #addc30 #fde725",
)
#: Diverging blue-white-red (ColorBrewer RdBu): signed values on a light background.
DIVERGING_LIGHT = ColorMap(
    "blue-white-red",
    "#053061 #2166ac #4393c3 #92c5de #d1e5f0 #f7f7f7 #fddbc7 #f4a582 #d6604d #b2182b #67001f",
)
#: Diverging with a dark centre (after Crameri's "berlin"): a white zero would glare
#: on a dark background, so there zero is near-black and magnitude is brightness.
DIVERGING_DARK = ColorMap(
    "blue-black-red",
    "#b9c8ff #6fb0f0 #3a84bd #1d4a6a #151515 #5a2414 #9a4128 #d7765c #ffb4a8",
)


def is_dark(palette: QPalette) -> bool:
    """True when the palette draws light text on a dark window."""
    return palette.color(QPalette.ColorRole.Window).lightnessF() < 0.5


def diverging_map(palette: QPalette) -> ColorMap:
    """The diverging colour map that suits ``palette``."""
    return DIVERGING_DARK if is_dark(palette) else DIVERGING_LIGHT


def colour_map(centred: bool, palette: QPalette) -> ColorMap:
    """Diverging (zero in the middle) for signed values, viridis otherwise."""
    return diverging_map(palette) if centred else VIRIDIS


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """The opaque colour ``t`` of the way from ``a`` to ``b``.

    Used instead of a translucent pen: Qt strokes translucent outlines on a slow path,
    which made a grid's frames cost ten times its images.
    """
    (r0, g0, b0), (r1, g1, b1) = a.getRgbF()[:3], b.getRgbF()[:3]
    return QColor.fromRgbF(r0 + t * (r1 - r0), g0 + t * (g1 - g0), b0 + t * (b1 - b0))


def frame_colour(palette: QPalette, strength: float = 0.18) -> QColor:
    """A faint outline that separates a map from the base colour in either palette."""
    base = palette.color(QPalette.ColorRole.Base)
    return mix(base, palette.color(QPalette.ColorRole.WindowText), strength)


def value_range(values: np.ndarray, centred: bool) -> tuple[float, float]:
    """The (lo, hi) colour scale for ``values``; never empty, never NaN.

    centred: symmetric around zero, so zero always gets the map's middle colour.
    Otherwise from min(0, min) to max, so zero stays the darkest colour.
    """
    if values.size == 0:
        return (-1.0, 1.0) if centred else (0.0, 1.0)
    if centred:
        m = float(np.max(np.abs(values)))
        m = m if np.isfinite(m) and m > 0 else 1.0
        return -m, m
    lo, hi = min(0.0, float(values.min())), float(values.max())
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return 0.0, 1.0
    return lo, (hi if hi > lo else lo + 1.0)


def to_indices(values: np.ndarray, lo: float, hi: float, out: np.ndarray) -> np.ndarray:
    """Write ``values`` scaled from [lo, hi] to uint8 colour indices 0..255 into ``out``.

    ``out`` has the shape of ``values`` (often a view into a padded image buffer).
    NaN becomes index 0 rather than an undefined cast.
    """
    scaled = (values - np.float32(lo)) * np.float32(255.0 / (hi - lo))
    np.fmax(scaled, 0.0, out=scaled)  # fmax, unlike clip, also turns NaN into 0
    np.minimum(scaled, 255.0, out=scaled)
    out[...] = scaled + np.float32(0.5)  # round to nearest
    return out


class IndexedImage:
    """A (height, width) array of colour indices and the QImage that shows it.

    Write indices into ``pixels``; ``view(table)`` returns the image in that colour
    table's colours. The QImage wraps the array (no copy) and is rebuilt only when
    the table changes, since setting 256 colours from Python costs more than a paint.
    """

    def __init__(self, height: int, width: int) -> None:
        # QImage wants 8-bit scan lines padded to 4 bytes.
        self._buffer = np.zeros((height, (width + 3) // 4 * 4), dtype=np.uint8)
        self.pixels = self._buffer[:, :width]  # (height, width) uint8 view
        self._table: list[int] | None = None
        self._image = QImage()

    def view(self, table: list[int]) -> QImage:
        """The current pixels in ``table``'s colours, as a 32-bit image for fast drawing."""
        if table is not self._table:
            height, width = self.pixels.shape
            buffer = self._buffer
            fmt = QImage.Format.Format_Indexed8
            self._image = QImage(buffer.data, width, height, buffer.strides[0], fmt)
            self._image.setColorTable(table)
            self._table = table
        return self._image.convertToFormat(QImage.Format.Format_RGB32)


def format_value(value: float) -> str:
    """A value as text with a true minus sign (U+2212): ``-0.4213`` -> ``"\u22120.42"``."""
    if not np.isfinite(value):
        return str(value)
    text = f"{value:.2f}" if abs(value) < 1000 else f"{value:.3g}"
    if float(text) == 0:
        text = text.lstrip("-")  # -0.001 reads as 0.00, not as minus 0.00
    return text.replace("-", "\u2212")


def format_small(value: float) -> str:
    """A value that may be tiny (a gradient) with three significant digits and a true
    minus sign: ``-0.000634`` -> ``"\u22120.000634"``, ``2.1e-07`` -> ``"2.1e\u221207"``."""
    if not np.isfinite(value):
        return str(value)
    return f"{float(value):.3g}".replace("-", "\u2212")
