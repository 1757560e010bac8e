"""The shared words of the toolkit, at the bottom of the house: tiers and segment names.

Every module that speaks of tiers or segments takes the words from here (the schema
reader, the analytics, the charts, the app), so a name is defined once and nothing
needs the schema reader just to say "unexplored".

Segments are named ``<tier>-<n>``, ``n`` from 1 by descending weighted size, and
``<tier>-noise`` for respondents a density method leaves unassigned: the id, in every file.
People also see a name in words (:mod:`noncustomers.analytics.naming`), shown with the id
as ``Name (refusing-2)`` (:func:`segment_label`).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["IMPORTANCE_METHODS", "NON_CUSTOMER_TIERS", "NOISE_SUFFIX", "ROW_ID", "ROW_ID_COLUMN", "TIERS", "UNCLASSIFIED", "is_noise",
           "segment_label", "segment_name", "segment_order", "segment_tier"]

#: The tiers of Kim & Mauborgne, customers first, then the three non-customer tiers
#: from nearest to farthest.
TIERS: tuple[str, ...] = ("customers", "soon-to-be", "refusing", "unexplored")
NON_CUSTOMER_TIERS: tuple[str, ...] = TIERS[1:]
#: The tier (and segment) of a respondent that no tier rule matches: reported, never dropped.
UNCLASSIFIED = "unclassified"
NOISE_SUFFIX = "noise"
#: ``id = "@row"`` in a schema: the row number (1 to n) identifies each respondent, for
#: files without a unique id column; outputs call that column ``row``.
ROW_ID = "@row"
#: How ``[importance] derived_from`` derives importance from an outcome
#: (:mod:`noncustomers.analytics.importance`); the first is the default.
IMPORTANCE_METHODS: tuple[str, ...] = ("relative-weights", "shapley")
ROW_ID_COLUMN = "row"


def segment_name(tier: str, number: int | None) -> str:
    """``<tier>-<number>``, or ``<tier>-noise`` for ``number=None``.

    >>> segment_name("refusing", 2), segment_name("refusing", None)
    ('refusing-2', 'refusing-noise')
    """
    return f"{tier}-{NOISE_SUFFIX if number is None else number}"


def segment_label(segment: str, names: Mapping[str, str] | None) -> str:
    """How a segment is shown to people: ``Name (refusing-2)``, its name in words (the
    analysis's ``segment_names``) with its id; the bare id when it has no name.

    >>> segment_label("refusing-2", {"refusing-2": "Price-driven"}), segment_label("all", {})
    ('Price-driven (refusing-2)', 'all')
    """
    name = (names or {}).get(segment)
    return f"{name} ({segment})" if name and name != segment else str(segment)


def segment_tier(segment: str, tiers: tuple[str, ...] | list[str] = TIERS) -> str | None:
    """The tier of a segment name (``refusing-2`` -> ``refusing``); None for any other name.

    >>> segment_tier("soon-to-be-10"), segment_tier("soon-to-be"), segment_tier("all")
    ('soon-to-be', None, None)
    """
    for tier in tiers:
        suffix = segment[len(tier) + 1:] if segment.startswith(f"{tier}-") else ""
        if suffix.isdigit() or suffix == NOISE_SUFFIX:
            return tier
    return None


def segment_order(segment: str, tier: str) -> tuple[int, int, str]:
    """Sort key of a segment within its tier: ``<tier>-1, <tier>-2, ...``, then
    ``<tier>-noise``, then any other name (the inverse of :func:`segment_name`, kept
    beside it so the naming convention lives in one place).

    >>> sorted(["refusing-noise", "refusing-10", "refusing-2"],
    ...        key=lambda s: segment_order(s, "refusing"))
    ['refusing-2', 'refusing-10', 'refusing-noise']
    """
    suffix = segment[len(tier) + 1:] if segment.startswith(f"{tier}-") else None
    if suffix is not None and suffix.isdigit():
        return (0, int(suffix), "")
    return (1, 0, "") if suffix == NOISE_SUFFIX else (2, 0, segment)


def is_noise(segment: str) -> bool:
    """True for a ``<tier>-noise`` segment."""
    return segment.endswith(f"-{NOISE_SUFFIX}")
