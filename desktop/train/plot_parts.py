"""The training plots' colours for each theme, and the text of their hover readout."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from digitlab.desktop.common.style import DARK, Colors
from digitlab.desktop.train.history import TrainingHistory


@dataclass(frozen=True)
class PlotColors:
    background: str
    axis: str
    text: str
    legend: str  # "#aarrggbb" as QColor reads it: the legend box, translucent
    raw: str  # "#aarrggbb" as QColor reads it: the faint per-batch loss
    train: str
    validation: str
    lr: str
    best: str


def plot_colors(colors: Colors) -> PlotColors:
    """The curve colours that read well on ``colors`` (light or dark theme)."""
    dark = colors == DARK
    muted = colors.muted.lstrip("#")
    surface = colors.surface.lstrip("#")
    return PlotColors(
        background=colors.surface,
        axis=colors.border,
        text=colors.muted,
        legend=f"#d0{surface}",
        raw=f"#{'70' if dark else '60'}{muted}",  # grey: the smoothed curve stands out
        train=colors.accent,
        # Orange against the blue accent: told apart with any common colour blindness.
        validation="#ff9f5a" if dark else "#e0701f",
        lr=colors.text,
        best="#4cc38a" if dark else "#1f9d55",
    )


def nearest_index(values: np.ndarray, x: float) -> int | None:
    """Index of the value in ascending ``values`` nearest to ``x``; None when empty."""
    if not values.size:
        return None
    i = int(np.searchsorted(values, x))
    if i == 0:
        return 0
    if i == len(values):
        return len(values) - 1
    return i - 1 if x - values[i - 1] <= values[i] - x else i


def hover_text(history: TrainingHistory, x: float) -> str:
    """What the plots show at ``x`` (in epochs), in two lines: the nearest batch, then
    the figures of the nearest finished epoch."""
    batch = nearest_index(history.batch_x, x)
    first = f"at epoch {x:.2f}"
    if batch is not None:
        first += (
            f": batch loss {history.batch_loss[batch]:.4f} "
            f"(smoothed {history.batch_smoothed[batch]:.4f})"
        )
    row = nearest_index(history.column("epoch"), x)
    if row is None:
        return first
    r = history.rows[row]
    second = (
        f"epoch {int(r['epoch'])}: loss {r['loss']:.4f} / val {r['val_loss']:.4f} · "
        f"accuracy {r['accuracy']:.2%} / val {r['val_accuracy']:.2%} · lr {r['lr']:.3g}"
    )
    return f"{first}\n{second}"
