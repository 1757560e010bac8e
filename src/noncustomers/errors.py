"""One exception family: every user error is a :class:`NoncustomersError`.

Messages are one sentence that names the file, column, row or rule, what was
found and what was expected, and a fix where one can be suggested.  The CLI
prints the message and exits with code 2; the app shows it as an error box.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

__all__ = ["DataError", "NoncustomersError", "Problems", "RuleError", "SchemaError", "closest",
           "collect_problems", "one_line"]


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


class Problems(SchemaError, DataError):
    """Several independent problems of one input, reported together (pandera's "lazy"
    validation): ``problems`` holds one :class:`NoncustomersError` per problem, each one
    sentence naming its file, column, row or rule.  A single problem is never wrapped:
    it is raised as itself.  (A subclass of both SchemaError and DataError, so code that
    catches either still catches it.)"""

    def __init__(self, problems: list[NoncustomersError]) -> None:
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} problems: " + " | ".join(
            str(p) for p in self.problems[:3]) + (" | ..." if len(self.problems) > 3 else ""))


class collect_problems:  # noqa: N801 - used as a verb: ``with problems.check(): ...``
    """Gather the problems of independent checks, then raise them all at once.

    >>> problems = collect_problems()
    >>> with problems.check():
    ...     raise SchemaError("s.toml: one")
    >>> with problems.check():
    ...     raise SchemaError("s.toml: two")
    >>> problems.raise_if_any()
    Traceback (most recent call last):
    noncustomers.errors.Problems: 2 problems: s.toml: one | s.toml: two
    """

    def __init__(self) -> None:
        self.problems: list[NoncustomersError] = []

    def check(self) -> "_Check":
        return _Check(self)

    def raise_if_any(self) -> None:
        if len(self.problems) == 1:
            raise self.problems[0]
        if self.problems:
            raise Problems(self.problems)


class _Check:
    def __init__(self, owner: collect_problems) -> None:
        self.owner = owner

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, tb) -> bool:  # noqa: ANN001
        if isinstance(exc, Problems):
            self.owner.problems.extend(exc.problems)
            return True
        if isinstance(exc, NoncustomersError):
            self.owner.problems.append(exc)
            return True
        return False


def closest(name: str, candidates: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest candidate, or ``""``."""
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""
