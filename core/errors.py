"""Exceptions that core raises for problems a user can act on.

Each message is a sentence a user understands; the desktop app shows it as is.
"""


class DigitlabError(Exception):
    """Base of every error digitlab reports to a user."""


class ShapeError(DigitlabError, ValueError):
    """Layers that do not fit together, or data of the wrong shape."""


class ModelFileError(DigitlabError):
    """A model file that cannot be read or written."""


class DatasetError(DigitlabError):
    """Training or test data that is missing or malformed."""


class SettingsError(DigitlabError, ValueError):
    """A setting out of range, such as a learning rate of zero."""
