"""One exception family: every user error is a :class:`NoncustomersError`.

Messages are one sentence that names the file, column, row or rule, what was
found and what was expected, and a fix where one can be suggested.  The CLI
prints the message and exits with code 2; the app shows it as an error box.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["NoncustomersError", "SchemaError", "RuleError", "DataError", "closest"]


class NoncustomersError(Exception):
    """Base class of every error caused by the user's input."""


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
