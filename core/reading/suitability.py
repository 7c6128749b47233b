"""Whether a network can be used to read digits: the one check every command and view makes.

A model file may hold any network the layers can build (``load_model`` reads them all,
so ``digitlab summary`` can describe them). Reading, scoring, teaching and continuing
need more: one grey 28x28 picture in, and one score per class out, for the ten digits
or the ten digits and "not a digit" (``NOT_A_DIGIT``). Anything else is refused here,
in words, before it reaches code that would fail on it with an index or type error.
"""

from __future__ import annotations

from digitlab.core.errors import ModelFileError
from digitlab.core.nn.network import Network
from digitlab.core.reading.recognition import DIGITS

#: What every network digitlab reads with takes: (channels, height, width).
INPUT_SHAPE = (1, 28, 28)
#: Class scores a usable network gives: the digits, or the digits and "not a digit".
CLASS_COUNTS = (DIGITS, DIGITS + 1)


class UnsuitableModelError(ModelFileError):
    """A network that loads, but is not a digit classifier digitlab can use."""


def why_unusable(network: Network) -> str | None:
    """In words, why ``network`` cannot read digits; None when it can."""
    if tuple(network.input_shape) != INPUT_SHAPE:
        shown = " x ".join(map(str, network.input_shape))
        return (
            f"it takes input of shape {shown}, but digitlab gives it grey 28x28 pictures "
            f"(1 x 28 x 28)"
        )
    output = tuple(network.output_shape)
    if len(output) != 1:
        shown = " x ".join(map(str, output))
        return f"its output has shape {shown}, not one score per class"
    if output[0] not in CLASS_COUNTS:
        return (
            f"it gives {output[0]} class scores; digitlab needs {DIGITS} (the digits 0-9) or "
            f'{DIGITS + 1} (the digits and "not a digit")'
        )
    return None


def check_usable(network: Network, source: object) -> None:
    """Raise UnsuitableModelError, naming ``source`` (a path or a name), unless
    ``network`` can read digits."""
    reason = why_unusable(network)
    if reason is not None:
        raise UnsuitableModelError(f"cannot use the model in {source}: {reason}")
