"""One exception family: every user error is a :class:`NoncustomersError`.

Messages are one sentence that names the file, column, row or rule, what was
found and what was expected, and a fix where one can be suggested.  The CLI
prints the message and exits with code 2; the app shows it as an error box.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

__all__ = ["NoncustomersError", "SchemaError", "RuleError", "DataError", "closest", "one_line"]


_LONG_RUN = re.compile(r"[^\s']{201,}")
_MAX_MESSAGE = 1000


def one_line(message: str) -> str:
    """A message fit for one line of a terminal or an error box.

    Line breaks are shown as ``\\n``; a name or value of more than 200 characters without
    a space (a 1 MB column name, a huge cell) is cut to its first 60 with its length
    given; a message still longer than 1,000 characters keeps its start and its end
    (where the suggested fix is).
    """
    message = message.replace("\r", "\\r").replace("\n", "\\n")
    message = _LONG_RUN.sub(lambda m: f"{m.group(0)[:60]}… ({len(m.group(0)):,} characters)",
                            message)
    if len(message) > _MAX_MESSAGE:
        message = message[:700] + " … " + message[-(_MAX_MESSAGE - 703):]
    return message


class NoncustomersError(Exception):
    """Base class of every error caused by the user's input.

    The message is made one line of reasonable length (:func:`one_line`), whatever
    names or values it quotes.
    """

    def __init__(self, message: object = "", *args: object) -> None:
        super().__init__(one_line(str(message)), *args)


class SchemaError(NoncustomersError):
    """The schema file is unreadable, incomplete or refers to absent columns."""


class RuleError(SchemaError):
    """A tier rule cannot be parsed or evaluated."""


class DataError(NoncustomersError):
    """The panel file is unreadable or its values break the schema."""


def closest(name: str, candidates: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest candidate, or ``""``."""
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""
