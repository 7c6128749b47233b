"""digitlab's version, in one place: the package metadata and every saved file read it."""

__version__ = "0.1.0"
