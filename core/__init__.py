"""digitlab's core: a convolutional network written from scratch in NumPy.

Nothing in this package imports Qt; it runs on a machine without a screen.
"""

from digitlab.core.version import __version__

__all__ = ["__version__"]
