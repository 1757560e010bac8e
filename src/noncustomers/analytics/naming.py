"""Segment names in words: what sets each segment apart, from its profile.

A segment is called ``refusing-2`` in the files (the id, a contract); people call it by
what sets it apart.  :func:`segment_names` reads the profile table
(:func:`~noncustomers.analytics.profiles.segment_profiles`) and names each segment from
the variables where it stands furthest from the whole sample:

1. **Candidates.**  The segment's basis rows (the answers it was built from), each with
   its index (100 = as in the whole sample).  A row counts as *high* at an index of at
   least :data:`HIGH` (115) and *low* at most :data:`LOW` (87, about 100/115, so that
   high and low are equally far on a log scale).  Only when no basis row passes either
   mark do the profile variables (age, gender...) take part, and then only those the
   weighted test flags as significant; a categorical profile variable counts by its
   levels' shares, high only, and a level held by fewer than :data:`MIN_SHARE` of the
   segment is left out (a rare level's index grows large on little).
2. **Extremeness** is ``|ln(index / 100)|``: a segment at half the average is as far as
   one at twice it.
3. **The name** takes the most extreme high row and the most extreme low row (what they
   want, and what leaves them cold), or the two most extreme rows of one side when the
   other has none; ties are broken by the variable's order in the table.  Each row is
   said in words by its role:

   ========================  ===============================  ==========================
   row                       high                             low
   ========================  ===============================  ==========================
   importance of attribute   ``<label>-driven`` (one word),   ``cool on <label>``
                             else ``values <label>``
   performance (perception)  ``finds it <label>``             ``finds it not <label>``
                                                              (``Not greasy`` -> greasy)
   other numeric             ``high <label>``                 ``low <label>``
   categorical level         ``<label>: <level>``             (not used)
   ========================  ===============================  ==========================

   Two parts with the same verb are joined with "and" (``finds it yummy and cheap``),
   others with a comma (a semicolon when a label holds a comma).  A name longer than
   ``max_length`` drops a leading "values", then keeps its first part only.
4. **Unique within a tier.**  When two segments of a tier get the same name, the first
   (by number) keeps it and the other tries its next candidates in turn as the second
   part until the names differ; failing that, its number is added (``values spa (2)``).

A segment with nothing beyond the marks is ``close to the average``; HDBSCAN's
unassigned respondents (``<tier>-noise``) are ``no clear segment``.  Names given by the
user (the schema's ``[segments.names]``, or the app) replace the automatic ones, which
then avoid the user's names within the tier.  Everything is deterministic: the same
profile table gives the same names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import tomli_w

from noncustomers.vocabulary import is_noise, segment_label, segment_tier

__all__ = ["AVERAGE_NAME", "HIGH", "LOW", "MAX_LENGTH", "MIN_SHARE", "NOISE_NAME",
           "schema_with_names", "segment_label", "segment_names"]

HIGH = 115.0
LOW = 87.0
MIN_SHARE = 0.25
MAX_LENGTH = 45
AVERAGE_NAME = "close to the average"
NOISE_NAME = "no clear segment"


@dataclass(frozen=True)
class _Part:
    verb: str  # "values", "cool on", "finds it", "" (a whole phrase)
    words: str
    strength: float
    rank: int  # position in the table: breaks ties

    @property
    def text(self) -> str:
        return f"{self.verb} {self.words}".strip()


def _lower(label: str) -> str:
    """``Low price`` -> ``low price``; an acronym (``ATM access``) keeps its capitals."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def _negated(label: str) -> str:
    """``Yummy`` -> ``not yummy``; ``Not greasy`` -> ``greasy``."""
    words = _lower(label)
    return words[4:] if words.lower().startswith("not ") else f"not {words}"


def _roles(attributes: Mapping | None) -> dict[str, tuple[str, str]]:
    """column -> (role, label) for the attributes' importance and performance columns."""
    out: dict[str, tuple[str, str]] = {}
    for name, attr in (attributes or {}).items():
        label = getattr(attr, "display", None) or name
        if getattr(attr, "importance", None):
            out[attr.importance] = ("importance", label)
        if getattr(attr, "performance", None):
            out[attr.performance] = ("performance", label)
    return out


def _part(row, role: tuple[str, str] | None, high: bool, strength: float, rank: int) -> _Part:
    level = row.level if isinstance(row.level, str) else ""
    label = row.label if isinstance(row.label, str) and row.label else str(row.variable)
    if label == row.variable:
        label = label.replace("_", " ")
    if role is not None and role[0] == "importance":
        words = _lower(role[1])
        if not high:
            return _Part("cool on", words, strength, rank)
        if " " not in words:
            return _Part("", f"{words}-driven", strength, rank)
        return _Part("values", words, strength, rank)
    if role is not None and role[0] == "performance":
        return _Part("finds it", _lower(role[1]) if high else _negated(role[1]), strength, rank)
    if level:
        return _Part("", f"{label}: {level}", strength, rank)
    return _Part("", f"{'high' if high else 'low'} {label}", strength, rank)


def _candidates(rows: pd.DataFrame, roles: dict[str, tuple[str, str]]) -> list[_Part]:
    """The segment's parts, most extreme first: high and low interleaved as named."""
    def parts(table: pd.DataFrame, categorical: bool) -> tuple[list[_Part], list[_Part]]:
        highs, lows = [], []
        for rank, row in enumerate(table.itertuples(index=False)):
            index = row.index
            if not isinstance(index, (int, float)) or not math.isfinite(index) or index <= 0:
                continue
            level = row.level if isinstance(row.level, str) else ""
            if level and (not categorical or row.value < MIN_SHARE):
                continue
            strength = abs(math.log(index / 100.0))
            if index >= HIGH:
                highs.append(_part(row, roles.get(row.variable), True, strength, rank))
            elif index <= LOW and not level:
                lows.append(_part(row, roles.get(row.variable), False, strength, rank))
        key = (lambda p: (-p.strength, p.rank))
        return sorted(highs, key=key), sorted(lows, key=key)

    basis = rows[rows["basis"].astype(bool)]
    highs, lows = parts(basis, categorical=True)
    if not highs and not lows:
        flagged = rows["significant"].map(lambda v: isinstance(v, (bool, np.bool_)) and bool(v))
        tested = rows[~rows["basis"].astype(bool) & flagged.astype(bool)]
        highs, lows = parts(tested, categorical=True)
    # What they want, then what leaves them cold; the rest after, most extreme first.
    first = highs[:1] + lows[:1]
    if len(first) < 2:
        first = (highs + lows)[:2]
    rest = sorted([p for p in highs + lows if p not in first],
                  key=lambda p: (-p.strength, p.rank))
    return first + rest


def _joined(parts: list[_Part]) -> str:
    if len(parts) == 1:
        return parts[0].text
    a, b = parts
    if a.verb and a.verb == b.verb:
        return f"{a.verb} {a.words} and {b.words}"
    separator = "; " if "," in a.text + b.text else ", "
    return a.text + separator + b.text


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _name(parts: list[_Part], max_length: int) -> str:
    if not parts:
        return _capital(AVERAGE_NAME)
    name = _joined(parts[:2])
    if len(name) > max_length and len(parts) > 1 and parts[0].verb == "values":
        # "values" is the first word to go: "personal trainers, cool on childcare"
        name = _joined([_Part("", parts[0].words, 0.0, 0), parts[1]])
    if len(name) > max_length:
        name = parts[0].text
        if len(name) > max_length:
            name = name[:max_length - 1].rsplit(" ", 1)[0].rstrip(",;") + "…"
    return _capital(name)


def segment_names(profiles: pd.DataFrame, attributes: Mapping | None = None,
                  fixed: Mapping[str, str] | None = None,
                  max_length: int = MAX_LENGTH) -> dict[str, str]:
    """A short name in words for every segment of a profile table.

    Parameters
    ----------
    profiles : DataFrame
        :func:`~noncustomers.analytics.profiles.segment_profiles` (``Analysis.profiles``):
        columns ``segment, variable, level, value, index, significant, basis, label``.
    attributes : mapping, optional
        The schema's attributes (``schema.attributes``): their importance and performance
        columns are said as wants (``values low price``) and perceptions (``finds it
        yummy``), with the attribute's label.  Without them every row is ``high/low
        <label>``.
    fixed : mapping, optional
        segment id -> name given by the user (``[segments.names]``): kept as given; the
        others' names avoid them.  Ids not in the table are ignored here (the analysis
        warns about them).
    max_length : int, default 45
        A two-part name longer than this keeps its first part.

    Returns
    -------
    dict
        segment id -> name, in the table's segment order.  See the module docstring for the
        rules.

    Examples
    --------
    >>> names = segment_names(analysis.profiles, schema.attributes)  # doctest: +SKIP
    >>> names["refusing-2"]                                          # doctest: +SKIP
    'Values personal trainers, cool on low price'
    """
    fixed = dict(fixed or {})
    roles = _roles(attributes)
    segments = list(dict.fromkeys(profiles["segment"])) if len(profiles) else []
    candidates: dict[str, list[_Part]] = {}
    names: dict[str, str] = {}
    for segment in segments:
        if segment in fixed:
            names[segment] = fixed[segment]
            continue
        if is_noise(str(segment)):
            names[segment] = _capital(NOISE_NAME)
            continue
        rows = profiles[profiles["segment"] == segment]
        candidates[segment] = _candidates(rows, roles)
        names[segment] = _name(candidates[segment], max_length)
    # Unique within a tier: a clash tries each segment's next candidates as second part.
    by_tier: dict[str, list[str]] = {}
    for segment in segments:
        by_tier.setdefault(segment_tier(str(segment)) or str(segment), []).append(segment)
    for members in by_tier.values():
        for i, segment in enumerate(members):
            if segment not in candidates:
                continue
            # the first of a clash keeps its name; given names are never taken
            taken = {names[s].casefold() for j, s in enumerate(members)
                     if j < i or (s in fixed and s != segment)}
            if names[segment].casefold() not in taken:
                continue
            parts = candidates[segment]
            for extra in parts[2:] if len(parts) > 2 else []:
                name = _name([parts[0], extra], max_length)
                if name.casefold() not in taken and name != _capital(parts[0].text):
                    names[segment] = name
                    break
            else:
                number = str(segment).rsplit("-", 1)[-1]
                names[segment] = f"{names[segment]} ({number})"
    return names


def schema_with_names(text: str, names: Mapping[str, str]) -> str:
    """The schema's TOML text with ``[segments.names]`` set to ``names`` (comments kept).

    An existing ``[segments.names]`` table is replaced; without one the table is appended.
    A schema that spells it another way (``[segments]`` with an inline ``names``) is
    rewritten as a whole (its comments are then lost).  Empty ``names`` removes the table.
    """
    import tomllib

    names = {str(k): str(v) for k, v in names.items()}
    block = tomli_w.dumps({"segments": {"names": names}}) if names else ""
    lines = text.splitlines(keepends=True)
    header = [i for i, line in enumerate(lines) if line.strip().split("#")[0].strip()
              .replace(" ", "") == "[segments.names]"]
    if header:
        start = header[0]
        end = next((i for i in range(start + 1, len(lines))
                    if lines[i].lstrip().startswith("[")), len(lines))
        out = "".join(lines[:start]) + block + ("\n" if block and end < len(lines) else "") \
            + "".join(lines[end:])
    elif "segments" not in tomllib.loads(text):
        out = text + ("" if not text or text.endswith("\n") else "\n") + (
            "\n" + block if block else "")
    else:
        raw = tomllib.loads(text)
        raw.setdefault("segments", {})["names"] = names
        if not names:
            raw["segments"].pop("names")
            if not raw["segments"]:
                raw.pop("segments")
        out = tomli_w.dumps(raw)
    if tomllib.loads(out).get("segments", {}).get("names", {}) != names:
        raise ValueError("the schema's [segments.names] could not be rewritten")  # a bug
    return out
