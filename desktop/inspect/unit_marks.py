"""Outlines for one explained unit in the backward view's maps: the unit itself, what
it reads (its receptive field in the image and in every layer below), and the units
of the layer above that sent it its gradient."""

from __future__ import annotations

from collections.abc import Sequence

from digitlab.core.explain.regions import Region
from digitlab.core.explain.unit_gradients import UnitGradient
from digitlab.core.explain.units import UnitExplanation
from digitlab.desktop.inspect.layer_maps import HoverCells, MapGrid

#: The units of the layer above that sent a unit its gradient, outlined (the largest
#: terms first): enough to see the pattern, few enough to see each one.
SOURCES_MARKED = 25


def cell_mark(unit: tuple[int, ...]) -> tuple:
    """A mark for one unit: ``(index,)`` in a strip, one pixel of a map in a grid."""
    if len(unit) == 3:
        c, y, x = unit
        return (c, (y, y + 1), (x, x + 1))
    return unit


def region_marks(cells: HoverCells, region: Region | None) -> list[tuple]:
    """The blocks of ``region`` in each of its channels; none when it is all of them
    (a dense unit reads everything: outlining it all would say nothing)."""
    if region is None or not isinstance(cells, MapGrid):
        return []
    if region == Region.whole(cells.values_shape):
        return []
    return [(c, region.rows, region.cols) for c in range(*region.channels)]


def mark_unit(
    image: HoverCells,
    layers: Sequence[HoverCells],
    forward: UnitExplanation,
    backward: UnitGradient,
    index: int,
) -> None:
    """Outline unit ``forward.unit`` of layer ``index`` in ``layers`` (each layer's
    gradient cells, in order) and ``image``; first clear every earlier mark."""
    clear_marks([image, *layers])
    layers[index].set_marks([cell_mark(forward.unit)])
    fields = forward.fields  # [the image, the output of layer 0, 1, ...]
    if fields:
        image.set_marks(region_marks(image, fields[0]))
    for k in range(1, len(fields)):
        layers[k - 1].set_marks(region_marks(layers[k - 1], fields[k]))
    if index + 1 < len(layers):  # where its gradient came from, above it
        sources = [t.unit for t in backward.terms if t.weight != 0][:SOURCES_MARKED]
        layers[index + 1].set_marks([cell_mark(u) for u in sources])


def clear_marks(cells: Sequence[HoverCells]) -> None:
    for grid in cells:
        if grid.marks:
            grid.set_marks([])
