"""Text from a file, made fit to show in a message, a terminal or a window.

Whatever a file holds (names, values, lists) can reach a user's terminal or screen
through an error message or a summary: it is cut short and stripped of control
characters on the way.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

#: The longest message part that repeats what a file holds (names, lists).
MAX_SHOWN = 200

#: Unicode categories never shown as they are: controls (the terminal's escape codes,
#: newlines), format characters (right-to-left overrides), surrogates, private use.
_HIDDEN = ("Cc", "Cf", "Cs", "Co")


def printable(text: str) -> str:
    """``text`` with every control or format character written as its escape
    (``\\x1b``, ``\\u202e``), so text from a file can neither drive a terminal nor
    disguise itself; other characters, accents and all, are kept."""
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) in _HIDDEN else ch
        for ch in text
    )


def shorten(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` cut to ``limit`` characters with "..." when longer, for messages."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def listed(names: Sequence[str], shown: int = 3) -> str:
    """A list in a message that stays short however long it is: ``a, b, c and 5 more``."""
    head = ", ".join(shorten(str(name), 60) for name in names[:shown])
    more = len(names) - shown
    return f"{head} and {more:,} more" if more > 0 else head
