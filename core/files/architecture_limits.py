"""A network declared in a file, checked against digitlab's limits before it is built.

Building allocates every weight, so a 1 KB file declaring ``Dense(10**6)`` would cost
gigabytes before anything else could refuse it. Here the declared layers are walked
with ``compute_output_shape`` alone (no arrays) and their parameters counted from
their settings; ``digitlab.core.files.limits`` says why each limit is what it is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from digitlab.core.errors import ModelFileError
from digitlab.core.files.limits import MAX_LAYER_OUTPUT, MAX_PARAMETERS, elements
from digitlab.core.files.shown import listed, shorten
from digitlab.core.nn.layers import Conv2D, Dense, Layer


def declared_parameters(layer: Layer, input_shape: tuple[int, ...]) -> int:
    """How many parameters ``layer`` will create for one input of ``input_shape``,
    computed from its settings: building would allocate them."""
    if isinstance(layer, Conv2D):
        kh, kw = layer.kernel_size
        return layer.filters * input_shape[0] * kh * kw + layer.filters
    if isinstance(layer, Dense):
        return elements(input_shape) * layer.units + layer.units
    return 0


def check_architecture(layers: Sequence[Layer], input_shape: tuple[int, ...]) -> None:
    """Refuse, in words, a network whose layers repeat a name, do not fit together,
    output too many values or hold too many parameters. Linear in the layer count."""
    repeated = [name for name, count in Counter(l.name for l in layers).items() if count > 1]  # noqa: E741
    if repeated:
        raise ModelFileError(f"its layer names repeat: {listed(repeated)}")
    if elements(input_shape) > MAX_LAYER_OUTPUT:
        raise ModelFileError(
            f"its input holds {elements(input_shape):,} values per image; digitlab reads "
            f"networks of at most {MAX_LAYER_OUTPUT:,} values per layer"
        )
    shape, total = input_shape, 0
    for layer in layers:
        total += declared_parameters(layer, shape)
        try:
            shape = tuple(int(side) for side in layer.compute_output_shape(shape))
        except (ValueError, OverflowError) as exc:  # ShapeError is a ValueError
            raise ModelFileError(f"its layers do not fit together: {shorten(str(exc))}") from None
        if elements(shape) > MAX_LAYER_OUTPUT:
            raise ModelFileError(
                f"its layer {shorten(layer.name, 60)} outputs {elements(shape):,} values per "
                f"image; digitlab reads networks of at most {MAX_LAYER_OUTPUT:,} per layer"
            )
        if total > MAX_PARAMETERS:
            raise ModelFileError(
                f"its network has more than {MAX_PARAMETERS:,} parameters (from layer "
                f"{shorten(layer.name, 60)} on); digitlab reads at most {MAX_PARAMETERS:,}"
            )
