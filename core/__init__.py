"""digitlab's core: a convolutional network written from scratch in NumPy.

Nothing in this package imports Qt; it runs on a machine without a screen.
"""

__version__ = "0.1.0"
