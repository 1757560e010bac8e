"""A draft schema for any panel file: what each column is likely to be, with the reasons.

:func:`draft_schema` reads a table (and, for SPSS or Stata files, its labels) and guesses
every role of the schema (see the README, "The schema file"); :meth:`Draft.toml` writes
the guesses as a commented TOML file that runs as it is, so a user edits from a working
start.  ``noncustomers init PANEL`` is this function on a file (:func:`draft_from_file`).

Every guess carries its confidence and its reason:

``sure``
    the data leave little doubt (an id column that is unique, never empty and named like
    an id; a scale whose ends are labelled or answered);
``likely``
    a good bet from names, labels and answers together: check it;
``guess``
    a starting point from weaker evidence (a threshold, a code read as no answer because
    it sits outside the scale of the other ratings): check it.

What is looked for, and how:

- **id**: a column that is complete and unique, named like an id (``id``, ``respondent``,
  ``serial``...) or holding whole numbers or codes; else ``"@row"`` (the row number).
- **weight**: a column named like a weight (``weight``, ``wt``, ``weging``, ``factor``...),
  complete and positive; its mean says whether it is scaled to the sample (near 1) or
  grossed up to the population.
- **ratings**: whole-number answers on a scale of 3 to 11 points (after codes such as 9 or
  99 that lie apart from the scale, or whose value label says "don't know", are read as
  no answer), or text levels whose order can be read (agree/disagree words, numbers in
  the text).  Importance and performance ratings are paired by the rest of their names
  (``imp_price`` / ``perf_price``, ``importance price`` / ``rating_price``) or of their
  SPSS/Stata variable labels.
- **batteries**: runs of three or more yes/no (or 0/1) columns, or of ratings on one
  scale, split by shared name prefixes (``Q5_1``, ``Q5_2``...).
- **funnel**: yes/no columns about awareness, consideration, trial (ever/former), current
  use (member, customer, user...) and rejection, and how often people buy (a count, or
  text levels such as "Once a month", ordered by how often they mean); from them the
  tier rules.  A brand survey (a "current brand" column and awareness per brand) gets
  the tiers of its most common brand.  Nothing funnel-like: everyone is a customer, and
  a comment says the tiers must be written by hand.
- **barriers**: a battery named like reasons or barriers, or a multi-response column
  (codes such as ``1,4``) whose name or label says so.
- **basis**: the importance ratings; else a battery of ratings (labelled SPSS/Stata
  scales get their ``[order]``); else a yes/no perception battery.  **profile**:
  demographics (age, gender, income...), and the outcome below.
- **derived importance**: without importance ratings, a liking, satisfaction or intent
  column standing alone is offered as ``[importance] derived_from``, with the items of
  the largest perception battery as attributes rated for performance only (``reverse``
  where an item goes with less of the outcome).

The draft checks itself: it is read as :func:`noncustomers.panel.panel_from_frame`
reads a schema on the data; when it does not read, each part that does not read alone is
left out with a note.  The tier counts are those of :func:`noncustomers.tiers.assign_tiers`.

Examples
--------
>>> from noncustomers.draft import draft_from_file                    # doctest: +SKIP
>>> draft = draft_from_file("sample_data/gym_panel.csv")               # doctest: +SKIP
>>> draft.id.value, draft.weight.value                                # doctest: +SKIP
('respondent_id', 'weight')
>>> print(draft.toml())                                               # doctest: +SKIP
"""

from __future__ import annotations

import fnmatch
import re
import textwrap
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomli_w

from noncustomers.errors import DataError, NoncustomersError, one_line
from noncustomers.io import SurveyMeta, read_survey
from noncustomers.limits import MAX_WEIGHT, MIN_WEIGHT
from noncustomers.panel import NEGATIVE_LEVELS, POSITIVE_LEVELS, panel_from_frame
from noncustomers.rules import BoolOp, Column, Compare, Const, Literal, format_rule, parse_rule
from noncustomers.schema import Schema, parse_schema
from noncustomers.tiers import assign_tiers
from noncustomers.vocabulary import IMPORTANCE_METHODS, ROW_ID, TIERS

__all__ = ["AttributeGuess", "BarrierGuess", "Battery", "CONFIDENCE", "Draft", "Guess",
           "TierGuess", "draft_from_file", "draft_schema"]

#: Confidence levels of a guess, most certain first.
CONFIDENCE: tuple[str, ...] = ("sure", "likely", "guess")


# ---- the guesses -------------------------------------------------------------------------


@dataclass(frozen=True)
class Guess:
    """One inferred value with how sure the draft is of it and why."""

    value: Any
    confidence: str
    reason: str


@dataclass(frozen=True)
class AttributeGuess:
    """A competing factor: its importance and/or performance column, scale and no-answer codes.

    ``scale`` is None for ratings given as ordered text (scored from their ``[order]``).
    """

    name: str
    importance: str | None
    performance: str | None
    scale: tuple[float, float] | None
    missing: tuple[float, ...] = ()
    label: str | None = None
    confidence: str = "likely"
    reason: str = ""
    reverse: bool = False  # a negative perception, read the other way round

    @property
    def columns(self) -> list[str]:
        return [c for c in (self.importance, self.performance) if c is not None]


@dataclass(frozen=True)
class TierGuess:
    """A tier rule, why it was drafted and how many respondents it takes (first match wins)."""

    tier: str
    rule: str
    confidence: str
    reason: str
    count: int | None = None
    weighted_share: float | None = None


@dataclass(frozen=True)
class Battery:
    """Three or more columns asked alike: yes/no items (``binary``) or ratings on one scale."""

    name: str
    columns: tuple[str, ...]
    kind: str  # "binary" or "rating"
    role: str = "perception"  # perception, barrier, funnel


@dataclass(frozen=True)
class BarrierGuess:
    """``[barriers]``: yes/no columns (one per reason) and/or one multi-response column."""

    columns: tuple[str, ...] = ()
    multi: str | None = None
    separator: str = ";"
    labels: dict[str, str] = field(default_factory=dict)
    missing: tuple[float, ...] = ()
    confidence: str = "likely"
    reason: str = ""


@dataclass
class Draft:
    """Every guess of :func:`draft_schema`; :meth:`toml` writes them as a commented schema.

    Attributes
    ----------
    source : str
        The file (or name) the draft was made from, shown in its comments.
    rows, columns : int
        Size of the table.
    id, weight, missing : Guess
        ``id`` is a column or ``"@row"``; ``weight`` None without one; ``missing`` the
        top-level no-answer codes (a tuple), None without any.
    attributes : list of AttributeGuess
    tiers : list of TierGuess
        In the order they are tried; counts from the data.
    funnel : dict
        ``role -> columns`` found (awareness, consideration, trial, use, frequency,
        rejection, churn, intent, brand).
    order : dict
        ``column -> Guess`` whose value is the column's text levels, lowest first.
    basis, profile : Guess
        Lists of columns or patterns (possibly empty).
    batteries : list of Battery
    barriers : BarrierGuess or None
    importance : Guess or None
        An outcome column for ``[importance] derived_from``.
    derived : list of AttributeGuess
        Without attributes of its own, the items of a perception battery as attributes
        rated for performance only, for derived importance.
    notes : list of str
        What else the draft saw or left out.
    """

    source: str
    rows: int
    columns: int
    id: Guess
    sheet: str | None = None
    weight: Guess | None = None
    missing: Guess | None = None
    attributes: list[AttributeGuess] = field(default_factory=list)
    tiers: list[TierGuess] = field(default_factory=list)
    funnel: dict[str, list[str]] = field(default_factory=dict)
    order: dict[str, Guess] = field(default_factory=dict)
    basis: Guess = field(default_factory=lambda: Guess([], "guess", "no basis found"))
    profile: Guess = field(default_factory=lambda: Guess([], "guess", "no profile found"))
    batteries: list[Battery] = field(default_factory=list)
    barriers: BarrierGuess | None = None
    importance: Guess | None = None
    derived: list[AttributeGuess] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def schema(self) -> Schema:
        """The draft parsed by the schema reader."""
        return parse_schema(self.toml(), source=f"draft of {self.source}")

    def toml(self) -> str:
        """The draft as a commented schema file (TOML) that runs as it is."""
        return _render(self)


# ---- words -------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """Lower-case words of a name or label: ``VisitFrequency`` -> visit, frequency."""
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(text))
    return [w for w in re.split(r"[\W_]+", text.lower()) if w]


def _plain(text: str) -> str:
    """Text folded for comparing names: lower case, letters and digits only."""
    return "".join(_words(text))


# A name (or a word of it) like an id; the short or ambiguous ones only as the whole name.
ID_WORDS = {"id", "ids", "uuid", "guid", "respid", "respondentid", "caseid", "serial",
            "respondent", "responseid", "panelistid", "recordid", "interviewid", "userid",
            "identifier", "rowid"}
ID_NAMES = ID_WORDS | {"key", "case", "record", "nr", "no", "number", "resp", "rid", "pid",
                       "ident", "participant", "panelist", "interview", "serialno"}
WEIGHT_WORDS = {"weight", "weights", "weighting", "wt", "wgt", "wght", "weging", "gewicht",
                "gewichtung", "weegfactor", "weightfactor", "poids", "ponderacion",
                "ponderación", "ponderatore"}
WEIGHT_NAMES = WEIGHT_WORDS | {"w", "factor", "wfactor", "peso", "pond"}
IMPORTANCE_WORDS = {"imp", "importance", "important", "importancia", "belang", "belangrijk",
                    "belangrijkheid", "wichtig", "wichtigkeit", "importanza"}
PERFORMANCE_WORDS = {"perf", "performance", "rating", "rate", "rated", "score", "sat",
                     "satisfaction", "satisfied", "eval", "evaluation", "prestatie",
                     "tevreden", "tevredenheid", "leistung", "zufriedenheit", "delivery",
                     "perception", "perceived", "how", "well"}
ROLE_STOPWORDS = {"how", "is", "are", "the", "of", "to", "you", "your", "with", "for", "a", "an",
                  "in", "on", "it", "this", "please", "q", "question", "well", "does", "do",
                  "very", "much", "about", "when", "choosing", "rate", "rating"}
GENERIC_STEMS = {"", "overall", "total", "general", "all", "global", "summary"}
DEMOGRAPHIC_WORDS = {"age", "gender", "sex", "income", "education", "educ", "region", "state",
                     "city", "country", "occupation", "job", "employment", "work", "marital",
                     "married", "children", "kids", "household", "hh", "family", "ethnicity",
                     "race", "religion", "language", "urban", "rural", "postcode", "zip",
                     "generation", "leeftijd", "geslacht", "inkomen", "opleiding", "regio",
                     "provincie", "alter", "geschlecht", "einkommen", "edad", "sexo"}
OUTCOME_WORDS = {"like": 3, "liking": 3, "love": 3, "satisfaction": 3, "satisfied": 3,
                 "overall": 2, "recommend": 2, "recommendation": 2, "nps": 2, "loyalty": 2,
                 "intent": 1, "intention": 1, "likely": 1, "likelihood": 1, "usage": 1,
                 "preference": 1}
BARRIER_WORDS = {"barrier", "barriers", "reason", "reasons", "why", "whynot", "stop", "stops",
                 "prevent", "prevents", "obstacle", "obstacles", "hinder", "hindrance",
                 "drempel", "drempels", "reden", "redenen", "concern", "concerns", "worry",
                 "worries", "problem", "problems", "dislike", "dislikes", "deterrent"}
# Funnel roles, tried in this order (a column takes the first role whose words it has).
FUNNEL_WORDS: tuple[tuple[str, set[str]], ...] = (
    ("rejection", {"reject", "rejected", "rejects", "refuse", "refused", "refuses", "refusal"}),
    ("churn", {"cancel", "cancelling", "churn", "leave", "leaving", "switch", "switching",
               "quit", "lapse"}),
    ("intent", {"intent", "intention", "intend", "plan", "plans", "join", "likely"}),
    ("trial", {"ever", "tried", "trial", "former", "formerly", "previous", "previously",
               "past", "lapsed", "ex"}),
    ("consideration", {"consider", "considered", "considering", "consideration", "overwogen"}),
    ("awareness", {"aware", "awareness", "heard", "familiar", "know", "knows", "known",
                   "bekend", "bekendheid"}),
    ("use", {"current", "currently", "member", "membership", "customer", "client", "user",
             "users", "subscriber", "subscribed", "owner", "own", "owns", "uses", "use",
             "using", "buy", "buys", "buyer", "purchase", "purchased", "purchaser", "bought",
             "klant", "gebruik", "gebruiker", "lid"}),
    ("frequency", {"frequency", "freq", "visits", "visit", "often", "times", "trips",
                   "occasions", "frequently"}),
)
NOT_FUNNEL_WORDS = {"since", "last", "ago", "recency", "spend", "spent", "amount", "cost",
                    "price", "bill", "budget", "paid", "pay", "value", "income", "imp",
                    "importance", "perf", "performance", "satisfaction", "age"}
BRAND_NOW_WORDS = {"current", "currently", "main", "usual", "usually", "mostly", "now",
                   "with", "use", "uses", "using"}
BRAND_BEFORE_WORDS = {"previous", "previously", "former", "before", "past", "ever", "last"}
# Value labels meaning "no answer" (SPSS/Stata codes such as 9 = don't know).
NO_ANSWER = re.compile(r"\b(don[’'`]?t know|do not know|dont know|dk|refused|no answer|not "
                       r"applicable|n/?a|prefer not|can[’'`]?t say|cannot say|not sure|"
                       r"unknown|missing|weet niet|weiß nicht|ns/nc)\b", re.IGNORECASE)
# Codes that surveys use for "no answer" when they sit apart from the scale.
KNOWN_CODES = {9.0, 99.0, 98.0, 97.0, 96.0, 999.0, 998.0, 997.0, 996.0, 9999.0, -1.0, -2.0,
               -3.0, -7.0, -8.0, -9.0, -97.0, -98.0, -99.0, -999.0}
MAX_PROFILE = 12
MAX_PROFILE_LEVELS = 30


# ---- one column, looked at once ----------------------------------------------------------


@dataclass
class _Rating:
    lo: float
    hi: float
    codes: tuple[float, ...]   # read as no answer
    confidence: str
    reason: str                # why this scale
    code_reasons: tuple[str, ...] = ()  # why each code is read as no answer
    ordered_text: bool = False  # text levels scored from [order]: no scale is written


@dataclass
class _Col:
    name: str
    index: int
    label: str
    name_words: list[str]
    words: set[str]            # of the name and the label
    present: int
    kind: str                  # empty, binary, numeric, text, multi
    numbers: np.ndarray | None = None   # numeric answers (the codes of a labelled column)
    levels: list[str] = field(default_factory=list)  # text levels seen
    positive: Any = None       # binary: the value meaning yes, as the rules see it
    value_labels: dict[Any, str] = field(default_factory=dict)
    order: list[str] | None = None      # text levels, lowest first
    order_reason: str = ""
    per_year: dict[str, float] | None = None  # frequency levels: times a year
    rating: _Rating | None = None
    labelled: bool = False     # shown as its value labels, codes behind (SPSS/Stata)
    separator: str | None = None  # multi-response

    @property
    def referable(self) -> bool:
        """Whether a tier rule can name the column (backticks cannot hold a backtick)."""
        return bool(self.name) and "`" not in self.name

    def describe(self) -> str:
        return f"{self.name} ({self.label})" if self.label else self.name


def _numbers_of(raw: pd.Series, codes: pd.Series | None) -> np.ndarray | None:
    if codes is not None and len(codes) == len(raw):
        return codes.to_numpy(dtype=float, na_value=np.nan)
    if pd.api.types.is_bool_dtype(raw):
        return None
    if pd.api.types.is_numeric_dtype(raw):
        return pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    present = raw.notna()
    if not present.any():
        return None
    parsed = pd.to_numeric(raw[present].astype(str).str.strip(), errors="coerce")
    if parsed.isna().any():
        return None
    return pd.to_numeric(raw.astype("string").str.strip(), errors="coerce").to_numpy(
        dtype=float, na_value=np.nan)


def _yes_no_level(levels: Sequence[str]) -> str | None:
    """The "yes" level of a two-level yes/no text column as the panel reads it, else None."""
    score: dict[str, float] = {}
    for level in levels:
        key = " ".join(str(level).split()).casefold()
        if key in POSITIVE_LEVELS:
            score[level] = 1.0
        elif key in NEGATIVE_LEVELS:
            score[level] = 0.0
        else:
            return None
    positive = [lv for lv, s in score.items() if s == 1.0]
    negative = [lv for lv, s in score.items() if s == 0.0]
    if len(positive) > 1 or len(negative) > 1 or not positive:
        return None
    return positive[0]


def _look(frame: pd.DataFrame, meta: SurveyMeta) -> list[_Col]:
    cols = []
    for index, name in enumerate(frame.columns):
        raw = frame[name]
        label = str(meta.labels.get(name, "") or "")
        name_words = _words(name)
        col = _Col(name, index, label, name_words, set(name_words) | set(_words(label)),
                   int(raw.notna().sum()), "empty",
                   value_labels=dict(meta.value_labels.get(name) or {}))
        cols.append(col)
        if col.present == 0:
            continue
        codes = meta.codes.get(name)
        col.labelled = codes is not None
        numbers = _numbers_of(raw, codes)
        text = not pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw)
        if text:
            col.levels = sorted({str(v) for v in raw.dropna().tolist()})
        if pd.api.types.is_bool_dtype(raw) or (raw.dtype == object and all(
                isinstance(v, (bool, np.bool_)) for v in raw.dropna())):
            col.kind, col.positive = "binary", True
            continue
        if numbers is not None:
            seen = np.unique(numbers[~np.isnan(numbers)])
            if seen.size and np.isin(seen, (0.0, 1.0)).all():
                col.kind, col.numbers = "binary", numbers
                if col.labelled:
                    col.positive = col.value_labels.get(1.0, col.value_labels.get(1, "1"))
                    col.positive = str(col.positive) if str(col.positive) in col.levels else None
                elif not text:
                    col.positive = 1
                continue
        if text and (yes := _yes_no_level(col.levels)) is not None:
            col.kind, col.positive, col.numbers = "binary", yes, numbers
            continue
        if numbers is not None:
            # a labelled column reads as its labels (rules compare text), scored on its codes
            col.kind, col.numbers = ("text" if col.labelled and text else "numeric"), numbers
            continue
        separator = _multi_separator(raw, col)
        col.kind = "multi" if separator else "text"
        col.separator = separator
    return cols


# ---- ordered text ------------------------------------------------------------------------

_NUMBER_WORDS = {"once": 1, "one": 1, "twice": 2, "two": 2, "three": 3, "thrice": 3, "four": 4,
                 "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
                 "eleven": 11, "twelve": 12, "several": 3, "few": 3, "couple": 2}
_UNITS = {"day": 365, "daily": 365, "week": 52, "weekly": 52, "weekend": 52, "fortnight": 26,
          "fortnightly": 26, "month": 12, "monthly": 12, "quarter": 4, "quarterly": 4,
          "year": 1, "yearly": 1, "annually": 1, "annual": 1, "yr": 1, "wk": 52, "mth": 12}
_VAGUE = {"never": 0.0, "rarely": 0.5, "seldom": 0.5, "occasionally": 2.0, "sometimes": 6.0,
          "often": 24.0, "frequently": 36.0, "regularly": 24.0, "always": 365.0,
          "hardly": 0.3}


def _per_year(level: str) -> float | None:
    """How many times a year a frequency answer means ("Once a month" -> 12), else None."""
    words = _words(level)
    if not words:
        return None
    text = " ".join(words)
    if re.search(r"\b(never|not at all|none|no longer)\b", text) and "than" not in words:
        return 0.3 if {"almost", "hardly", "nearly"} & set(words) else 0.0
    unit = next((_UNITS[w.rstrip("s")] for w in words if w.rstrip("s") in _UNITS), None)
    numbers = [float(w) for w in words if re.fullmatch(r"\d+(\.\d+)?", w)]
    numbers += [_NUMBER_WORDS[w] for w in words if w in _NUMBER_WORDS]
    if unit is None:
        vague = [_VAGUE[w] for w in words if w in _VAGUE]
        if len(vague) == 1 and not numbers:
            value = vague[0]
            return value * (0.5 if "almost" in words or "hardly" in words else 1.0)
        return None
    if "every" in words and numbers and not re.search(r"\btimes?\b", text):
        value = unit / numbers[0]
    elif numbers:
        value = (sum(numbers[:2]) / len(numbers[:2])) * unit
    else:
        value = float(unit)
    if "more than" in text or "over" in words or "plus" in words:
        value *= 1.5
    elif "less than" in text or "under" in words or "fewer than" in text:
        value *= 0.5
    return value


_LIKERT_INTENSE = {"strongly", "very", "extremely", "completely", "totally", "absolutely",
                   "highly"}
_LIKERT_MILD = {"somewhat", "slightly", "little", "fairly", "rather", "mostly", "moderately",
                "quite"}
_LIKERT_NEGATIVE = {"disagree", "dissatisfied", "unsatisfied", "unlikely", "unimportant",
                    "poor", "bad", "terrible", "awful", "worse", "worst", "unhappy", "dislike",
                    "hate"}
_LIKERT_POSITIVE = {"agree", "satisfied", "likely", "important", "good", "excellent", "great",
                    "happy", "like", "love", "better", "best", "superior"}
_LIKERT_NEUTRAL = {"neither", "neutral", "undecided", "average", "fair", "ok", "okay",
                   "indifferent", "mixed"}


def _likert(level: str) -> float | None:
    """A position for an agreement/satisfaction/likelihood answer, else None."""
    words = _words(level)
    if not words:
        return None
    if any(w in _LIKERT_NEUTRAL for w in words):
        return 0.0
    negated = "not" in words or "no" in words
    if any(w in _LIKERT_NEGATIVE for w in words):
        sign = -1.0
    elif any(w in _LIKERT_POSITIVE for w in words):
        sign = -1.0 if negated else 1.0
    else:
        return None
    intense = {"excellent", "terrible"} | _LIKERT_INTENSE
    if (negated and bool({"all", "never"} & set(words))) or any(w in intense for w in words):
        strength = 2.0
    elif any(w in _LIKERT_MILD for w in words):
        strength = 0.5
    else:
        strength = 1.0
    return sign * strength


_EDGE_NUMBER = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\b|([+-]?\d+(?:\.\d+)?)\s*$")


def _text_order(levels: Sequence[str]) -> tuple[list[str], str, dict[str, float] | None] | None:
    """Levels lowest first when their order can be read, with the reason (and, for
    frequency answers, the times a year of each level); None when it cannot."""
    if len(levels) < 2:
        return None
    per_year = {lv: _per_year(lv) for lv in levels}
    if all(v is not None for v in per_year.values()) and len(set(per_year.values())) == len(levels):
        ordered = sorted(levels, key=lambda lv: per_year[lv])
        return ordered, "ordered by how often each answer means", per_year
    ends = [_EDGE_NUMBER.search(lv) for lv in levels]
    if all(ends):
        numbers = {lv: float(m.group(1) or m.group(2)) for lv, m in zip(levels, ends, strict=True)}
        if len(set(numbers.values())) == len(levels):
            return (sorted(levels, key=lambda lv: numbers[lv]),
                    "ordered by the number in each answer", None)
    scores = {lv: _likert(lv) for lv in levels}
    if (all(v is not None for v in scores.values()) and len(set(scores.values())) == len(levels)
            and len(levels) >= 3):
        return (sorted(levels, key=lambda lv: scores[lv]),
                "ordered from the negative to the positive answer", None)
    return None


# ---- codes, scales and ratings -----------------------------------------------------------


def _label_codes(col: _Col) -> tuple[set[float], set[float]]:
    """Labelled codes split into (answers, no-answer codes) by their labels."""
    answers, no_answer = set(), set()
    for code, label in col.value_labels.items():
        try:
            number = float(code)
        except (TypeError, ValueError):
            continue
        (no_answer if NO_ANSWER.search(str(label)) else answers).add(number)
    return answers, no_answer


def _fmt(value: float) -> str:
    return f"{value:g}"


def _codes_list(codes: Iterable[float]) -> str:
    codes = sorted(codes)
    return ", ".join(_fmt(c) for c in codes)


def _rating(col: _Col) -> _Rating | None:
    """The scale of a rating column, or None when its answers are not a rating scale."""
    if col.kind == "text" and col.levels and not col.labelled:
        found = _text_order(col.levels)
        if found is None or len(col.levels) < 3 or len(col.levels) > 11 or found[2] is not None:
            return None
        col.order, col.order_reason = found[0], found[1]
        return _Rating(0, len(found[0]) - 1, (), "likely", f"text answers {found[1]}",
                       ordered_text=True)
    if col.kind not in ("numeric", "text") or col.numbers is None:
        return None
    values = col.numbers[~np.isnan(col.numbers)]
    if values.size == 0 or not np.all(values == np.round(values)):
        return None
    labelled, labelled_missing = _label_codes(col)
    if not _ordinal_labels(col, labelled):
        return None  # codes of brands, regions...: categories, not a scale
    distinct, counts = np.unique(values, return_counts=True)
    share = dict(zip(distinct.tolist(), (counts / values.size).tolist(), strict=True))
    codes = {c for c in share if c in labelled_missing}
    why = []
    if codes:
        why.append(f"{_codes_list(codes)} labelled as no answer")
    rest = [c for c in sorted(share) if c not in codes]
    if labelled:
        lo_l, hi_l = min(labelled), max(labelled)
        stray = {c for c in rest if (c < lo_l or c > hi_l) and c not in labelled
                 and share[c] < 0.05}
        if stray and len(rest) - len(stray) >= 2:
            codes |= stray
            rest = [c for c in rest if c not in stray]
            why.append(f"{_codes_list(stray)} without a label, outside the labelled answers")
    gapped = set()
    while len(rest) > 3:  # codes such as 9 or 99 sitting apart above the scale
        top, below = rest[-1], rest[-2]
        if top in KNOWN_CODES and top - below >= 2 and share[top] < 0.3:
            gapped.add(top)
            rest.pop()
        else:
            break
    while len(rest) > 3 and rest[0] < 0 and rest[0] in KNOWN_CODES and share[rest[0]] < 0.3:
        gapped.add(rest.pop(0))
    if gapped:
        codes |= gapped
        why.append(f"{_codes_list(gapped)} set apart from the answers")
    if len(rest) < 3:
        return None
    lo, hi = rest[0], rest[-1]
    scale_from_labels = False
    if labelled:
        inside = [c for c in labelled if c not in codes]
        if inside and min(inside) >= lo - 1 and max(inside) <= hi + 1:
            scale_from_labels = min(inside) <= lo and max(inside) >= hi
            lo, hi = min(lo, min(inside)), max(hi, max(inside))
    if lo < -5 or not 2 <= hi - lo <= 10:
        return None
    if scale_from_labels:
        confidence, source = "sure", f"value labels run {_fmt(lo)}-{_fmt(hi)}"
    elif lo in (0.0, 1.0) and hi in (3, 4, 5, 6, 7, 9, 10, 11):
        confidence, source = "sure", f"answers run {_fmt(lo)}-{_fmt(hi)}"
    elif 1 < lo <= 3 and hi <= 11:
        confidence = "likely"
        source = f"answers run {_fmt(lo)}-{_fmt(hi)}, nobody below {_fmt(lo)}: taken from 1"
        lo = 1.0
    else:
        confidence, source = "likely", f"answers run {_fmt(lo)}-{_fmt(hi)}"
    if codes:
        confidence = "likely" if confidence == "sure" else confidence
    return _Rating(float(lo), float(hi), tuple(sorted(codes)), confidence, source, tuple(why))


def _ordinal_labels(col: _Col, answers: set[float]) -> bool:
    """Whether a column's value labels describe a scale: few of its points labelled (the
    ends of a 0-10 scale), or labels whose order follows their codes ("Strongly agree" 1
    ... "Strongly disagree" 5)."""
    if len(answers) < 3:
        return True
    labels = {}
    for code, label in col.value_labels.items():
        try:
            number = float(code)
        except (TypeError, ValueError):
            continue
        if number in answers:
            labels[number] = str(label)
    span = max(answers) - min(answers) + 1
    if len(labels) * 2 < span:
        return True
    by_code = [labels[c] for c in sorted(labels)]
    if len(set(by_code)) < len(by_code):
        return False
    found = _text_order(by_code)
    if found is None:
        return False
    ranks = [found[0].index(label) for label in by_code]
    return ranks == sorted(ranks) or ranks == sorted(ranks, reverse=True)


# ---- name stems --------------------------------------------------------------------------

def _role_pattern(words: set[str]) -> re.Pattern[str]:
    alternatives = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
    return re.compile(rf"^(?:{alternatives})(?:[\W_]+|(?-i:(?=[A-Z0-9])))(?P<rest>.+)$"
                      rf"|^(?P<head>.+?)(?:[\W_]+)(?:{alternatives})$", re.IGNORECASE)


_IMPORTANCE_NAME = _role_pattern(IMPORTANCE_WORDS)
_PERFORMANCE_NAME = _role_pattern(PERFORMANCE_WORDS - {"how", "well"})


def _name_stem(name: str, pattern: re.Pattern[str]) -> str | None:
    """The rest of a name once its role word is taken off (``imp_price`` -> ``price``)."""
    m = pattern.match(name.strip())
    if not m:
        return None
    rest = (m.group("rest") or m.group("head") or "").strip(" _-.:")
    return rest or None


def _label_stem(label: str, role_words: set[str]) -> tuple[str, str] | None:
    """(folded stem, readable rest) of a variable label holding a role word, else None."""
    words = _words(label)
    if not any(w in role_words for w in words):
        return None
    rest = [w for w in words if w not in role_words and w not in ROLE_STOPWORDS
            and not w.isdigit()]
    if not rest:
        return "", ""
    # the readable rest: the label's text after (or before) the role part
    parts = re.split(r"\s*[:\-–—]\s+|\?\s*", label)
    readable = next((p.strip() for p in parts if p.strip() and not any(
        w in role_words for w in _words(p))), " ".join(rest))
    return "_".join(rest), readable


def _attribute_key(stem: str) -> str:
    key = stem.strip(" _-.:;,`'\"()[]{}")
    return key if key else "attribute"


# ---- the inference -----------------------------------------------------------------------


def _pct(part: float, whole: float) -> str:
    return f"{part / whole:.0%}" if whole else "0%"


def _guess_id(frame: pd.DataFrame, cols: list[_Col]) -> Guess:
    n = len(frame)
    named, failed = [], []
    for col in cols:
        raw = frame[col.name]
        id_like = bool(set(col.name_words) & ID_WORDS) or _plain(col.name) in ID_NAMES
        if col.present < n or (raw.dtype != object and pd.api.types.is_string_dtype(raw)
                               and (raw.str.strip() == "").any()):
            if id_like:
                failed.append(f"'{col.name}' is empty in {n - col.present} rows")
            continue
        if raw.duplicated().any():
            if id_like:
                repeats = int(raw.duplicated(keep=False).sum())
                failed.append(f"'{col.name}' repeats values in {repeats:,} rows")
            continue
        whole = col.numbers is not None and col.kind in ("numeric", "binary") and np.all(
            col.numbers == np.round(col.numbers))
        if col.numbers is not None and not whole:
            continue  # unique measurements (a weight, an income) are not ids
        if col.kind == "text" and col.levels and (
                np.mean([(" " in lv.strip()) for lv in col.levels[:200]]) > 0.5):
            continue  # unique sentences are answers, not ids
        if id_like:
            named.append((0, col, "unique and never empty; named like an id", "sure"))
        elif col.rating is not None:
            continue  # a few answers on a scale can all differ; they are still answers
        elif whole:
            numbers = np.sort(col.numbers)
            steps = np.unique(np.diff(numbers))
            if steps.size == 1 and steps[0] == 1:
                named.append((1, col, (f"unique whole numbers {_fmt(numbers[0])} to "
                                      f"{_fmt(numbers[-1])}, no gaps, never empty"), "likely"))
            elif col.index == 0:
                named.append((2, col, "the first column: unique whole numbers, never empty",
                              "guess"))
        elif col.kind == "text" and len({len(v) for v in col.levels}) == 1 and all(
                re.fullmatch(r"[\w\-.:/#]+", v) for v in col.levels):
            named.append((2, col, "unique codes of one length, never empty", "guess"))
    if named:
        _rank, col, reason, confidence = min(named, key=lambda t: (t[0], t[1].index))
        return Guess(col.name, confidence, reason)
    why = "; ".join(failed[:3]) if failed else "no column is unique and never empty"
    return Guess(ROW_ID, "sure", f"{why}: respondents are numbered 1 to n")


def _guess_weight(cols: list[_Col], skip: set[str], notes: list[str]) -> Guess | None:
    for col in cols:
        if col.name in skip or col.kind not in ("numeric", "binary") or col.numbers is None:
            continue
        words = set(col.name_words)
        named = bool(words & WEIGHT_WORDS) or _plain(col.name) in WEIGHT_NAMES or any(
            w.startswith(("weight", "wgt", "weging", "gewicht")) or w.endswith("weight")
            for w in words)
        if not named:
            continue
        w = col.numbers
        with np.errstate(invalid="ignore"):
            bad = int((~((w >= MIN_WEIGHT) & (w <= MAX_WEIGHT))).sum())
        if bad:
            notes.append(f"'{col.name}' is named like a weight but {bad:,} rows are empty, zero, "
                         "negative or out of range: not used as the weight")
            continue
        mean = float(np.mean(w))
        spread = f"mean {mean:.2f}, {w.min():.2g} to {w.max():.3g}"
        if np.all(w == w[0]):
            notes.append(f"'{col.name}' is named like a weight but is {_fmt(w[0])} for "
                         "everyone: not used")
            continue
        if 0.8 <= mean <= 1.25:
            return Guess(col.name, "sure", f"positive numbers, {spread}; named like a weight")
        if mean > 1.25:
            return Guess(col.name, "likely", f"positive numbers, {spread}; named like a "
                                             "weight, grossed up to the population")
        return Guess(col.name, "guess", f"positive numbers, {spread}; named like a weight, "
                                        "but its mean is far below 1")
    return None


@dataclass
class _Pair:
    stem: str                  # the attribute's name as written
    via: str                   # "name" or "label"
    importance: _Col | None = None
    performance: _Col | None = None


def _role_stem(col: _Col, kind: str) -> tuple[str, str] | None:
    """(stem, via) when a rating's name or label says it is an importance or performance
    rating of a factor; ("", ...) when it says so of no factor (an overall rating)."""
    pattern, words = ((_IMPORTANCE_NAME, IMPORTANCE_WORDS) if kind == "importance"
                      else (_PERFORMANCE_NAME, PERFORMANCE_WORDS - {"how", "well"}))
    stem = _name_stem(col.name, pattern)
    if stem is not None:
        return stem, "name"
    if _plain(col.name) in words:
        return "", "name"
    if col.label:
        found = _label_stem(col.label, words)
        if found is not None:
            return ("" if found[0] in GENERIC_STEMS else found[1]), "label"
    return None


def _pair_ratings(cols: list[_Col], skip: set[str]) -> tuple[list[AttributeGuess], list[_Col]]:
    """Importance/performance pairs (and singles) from names, then from variable labels.

    Returns the attributes (no scale yet: see :func:`_scales`) and the outcome-like
    ratings that carry a role word but no factor (``satisfaction``, ``overall rating``).
    """
    pairs: dict[str, _Pair] = {}  # folded stem -> pair, in order of appearance
    outcomes: list[_Col] = []
    for col in cols:
        if col.rating is None or col.name in skip:
            continue
        for kind in ("importance", "performance"):
            found = _role_stem(col, kind)
            if found is None:
                continue
            stem, via = found
            folded = "_".join(_words(stem))
            if folded in GENERIC_STEMS:
                outcomes.append(col)
            else:
                pair = pairs.setdefault(folded, _Pair(stem, via))
                if getattr(pair, kind) is None:  # a second column for one role: keep the first
                    setattr(pair, kind, col)
            break
    # one question that mentions importance in its label is not a battery of them
    singles = Counter("importance" if p.importance else "performance" for p in pairs.values()
                      if p.via == "label" and (p.importance is None) != (p.performance is None))
    attributes = []
    for pair in pairs.values():
        imp, perf = pair.importance, pair.performance
        kind = "importance" if imp is not None else "performance"
        if pair.via == "label" and (imp is None or perf is None) and singles[kind] < 3:
            continue
        source = next((c for c in (imp, perf) if c is not None and c.label), None)
        label = None
        if source is not None:
            found = _label_stem(source.label, IMPORTANCE_WORDS | PERFORMANCE_WORDS)
            label = found[1] if found and found[1] else source.label
            if _plain(label) == _plain(pair.stem):
                label = None  # says no more than the attribute's name
        by = "names" if pair.via == "name" else "variable labels"
        if imp is not None and perf is not None:
            confidence = "sure" if pair.via == "name" else "likely"
            reason = f"importance {imp.name}, performance {perf.name}: paired by their {by}"
        else:
            other = "performance" if imp is not None else "importance"
            confidence = "likely"
            reason = (f"{kind} {(imp or perf).name} (by its {by[:-1]}); no {other} column "
                      "found for it")
        name = _attribute_key(pair.stem if pair.via == "name" else "_".join(_words(pair.stem)))
        attributes.append(AttributeGuess(name, imp.name if imp is not None else None,
                                         perf.name if perf is not None else None,
                                         None, (), label, confidence, reason))
    keys = Counter(a.name for a in attributes)
    seen: Counter[str] = Counter()
    numbered = []
    for a in attributes:  # two stems that fold to one key: number them
        seen[a.name] += 1
        numbered.append(replace(a, name=f"{a.name}_{seen[a.name]}") if keys[a.name] > 1 else a)
    return numbered, outcomes


def _scales(attributes: list[AttributeGuess], by_name: dict[str, _Col]) -> list[AttributeGuess]:
    """Each attribute's scale: its columns' scales, made to agree with the battery's."""
    ratings = [by_name[c].rating for a in attributes for c in a.columns
               if not by_name[c].rating.ordered_text]
    common = Counter((r.lo, r.hi) for r in ratings).most_common(1)
    battery = common[0][0] if common and common[0][1] >= 2 else None
    out = []
    for a in attributes:
        cols = [by_name[c] for c in a.columns]
        if all(c.rating.ordered_text for c in cols):
            reasons = "; ".join(f"{c.name}: {c.rating.reason}" for c in cols)
            out.append(replace(a, scale=None, confidence="likely" if a.confidence == "sure"
                               else a.confidence, reason=f"{a.reason}; {reasons}"))
            continue
        if any(c.rating.ordered_text for c in cols):
            # text levels on one side, numbers on the other: keep the numbers only
            keep = next(c for c in cols if not c.rating.ordered_text)
            a = replace(a, importance=keep.name if keep.name == a.importance else None,
                        performance=keep.name if keep.name == a.performance else None,
                        reason=f"{a.reason}; the text-rated column is left out")
            cols = [keep]
        lo = min(c.rating.lo for c in cols)
        hi = max(c.rating.hi for c in cols)
        codes = sorted({code for c in cols for code in c.rating.codes})
        confidence = min((c.rating.confidence for c in cols), key=CONFIDENCE.index)
        sources = list(dict.fromkeys(c.rating.reason for c in cols))
        source = sources[0] if len(sources) == 1 else "; ".join(
            f"{c.name}: {c.rating.reason}" for c in cols)
        why = [f"{text} in {c.name}" if len(cols) > 1 else text
               for c in cols for text in c.rating.code_reasons]
        if battery is not None and (lo, hi) != battery and battery[0] <= lo:
            blo, bhi = battery
            extra = set()
            for c in cols:
                values = c.numbers[~np.isnan(c.numbers)]
                values = values[~np.isin(values, codes)]
                above = values[values > bhi]
                if above.size and above.size / max(values.size, 1) < 0.15:
                    extra |= set(np.unique(above).tolist())
            if extra and all(c.rating.lo >= blo for c in cols):
                codes = sorted(set(codes) | extra)
                lo, hi = blo, bhi
                confidence = "guess"
                why.append(f"{_codes_list(extra)} above the {_fmt(blo)}-{_fmt(bhi)} scale of the "
                           "other ratings")
            elif hi < bhi and lo >= blo:
                lo, hi = blo, bhi
                source += f"; widened to the {_fmt(blo)}-{_fmt(bhi)} scale of the other ratings"
        reason = f"{a.reason}; scale [{_fmt(lo)}, {_fmt(hi)}]: {source}" + (
            f"; {'; '.join(why)}: read as no answer" if why else "")
        worst = max(a.confidence, confidence, key=CONFIDENCE.index)
        out.append(replace(a, scale=(lo, hi), missing=tuple(codes), confidence=worst,
                           reason=reason))
    return out


def _key(name: str) -> str | None:
    """The battery key of a column name: ``Q5_1`` -> ``q5``, ``imp_price`` -> ``imp``."""
    stripped = re.sub(r"[\W_]*\d+$", "", name)
    if stripped != name and re.fullmatch(r"[A-Za-z]{1,3}", stripped) and not re.search(
            r"[\W_]\d+$", name):
        return None  # q15, v7: question numbers, not a shared stem
    if stripped != name:
        stripped = re.sub(r"(?<=\d)[a-zA-Z]$", "", stripped)
        return stripped.lower() or None
    m = re.match(r"^([A-Za-z]+\d+)[a-zA-Z]$", name)  # q23a, q23b ...
    if m:
        return m.group(1).lower()
    words = re.split(r"[\W_]+", name)
    return words[0].lower() if len(words) > 1 and words[0] else None


def _batteries(cols: list[_Col], kind: str, skip: set[str]) -> list[Battery]:
    """Runs of three or more neighbouring columns of one kind, split by shared keys."""
    runs: list[list[_Col]] = []
    current: list[_Col] = []
    for col in cols:
        fits = col.name not in skip and (col.kind == "binary" if kind == "binary"
                                         else col.rating is not None)
        if fits and current and kind == "rating" and not col.rating.ordered_text and (
                (col.rating.lo, col.rating.hi) != (current[-1].rating.lo, current[-1].rating.hi)):
            runs.append(current)
            current = []
        if fits:
            current.append(col)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    out = []
    for run in runs:
        groups: list[list[_Col]] = []
        for col in run:
            key = _key(col.name)
            if groups and key is not None and key == _key(groups[-1][-1].name):
                groups[-1].append(col)
            else:
                groups.append([col])
        keyed = sum(len(g) for g in groups if len(g) > 1)
        parts = groups if keyed * 2 >= len(run) else [run]
        for part in parts:
            if len(part) >= 3:
                key = _key(part[0].name) if len(parts) > 1 or _key(part[0].name) == _key(
                    part[-1].name) else None
                out.append(Battery(key or f"{part[0].name} ... {part[-1].name}",
                                   tuple(c.name for c in part), kind))
    return out


def _multi_separator(raw: pd.Series, col: _Col) -> str | None:
    """The separator of a multi-response column (cells such as ``1,4``), else None."""
    cells = [str(v).strip() for v in raw.dropna().tolist() if str(v).strip()]
    if len(cells) < 5:
        return None
    best = None
    for sep in (",", ";", "|"):
        joined = [c for c in cells if sep in c]
        if len(joined) < 3:
            continue
        parts = {p.strip() for c in cells for p in c.split(sep) if p.strip()}
        if (2 <= len(parts) <= 60 and all(len(p) <= 40 for p in parts)
                and len(parts) < len(set(cells))
                and (best is None or len(joined) > best[1])):
            best = (sep, len(joined))
    return best[0] if best else None


def _multi_missing(raw: pd.Series, col: _Col) -> tuple[float, ...]:
    """Numeric answers of a multi-response column without a value label, when others have one."""
    if not col.value_labels or col.separator is None:
        return ()
    labelled = {f"{float(k):g}" for k in col.value_labels
                if re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", str(k))}
    if not labelled:
        return ()
    codes = set()
    for cell in raw.dropna().astype(str):
        for part in cell.split(col.separator):
            part = part.strip()
            if re.fullmatch(r"-?\d+(\.\d+)?", part) and f"{float(part):g}" not in labelled:
                codes.add(float(part))
    return tuple(sorted(codes))


NEGATIONS = {"not", "no", "never", "don", "dont", "doesn", "didn", "non", "un"}


def _funnel_role(col: _Col) -> str | None:
    words = col.words
    if words & NOT_FUNNEL_WORDS or not col.referable:
        return None
    for role, role_words in FUNNEL_WORDS:
        if words & role_words:
            if words & NEGATIONS and role in ("trial", "consideration", "awareness", "use"):
                return None  # "Don't know much about them" is not awareness
            return role
    return None


def _glob_escape(name: str) -> str:
    """A column name as a basis/profile entry: glob characters made literal."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def _patterns(columns: Sequence[str], every: Sequence[str]) -> list[str]:
    """``["imp_*"]`` when one prefix pattern matches exactly these columns, else the names."""
    if len(columns) >= 3:
        prefix = columns[0]
        for c in columns[1:]:
            while not c.startswith(prefix):
                prefix = prefix[:-1]
        if len(prefix) >= 2 and not re.search(r"[*?\[\]]", prefix):
            pattern = prefix + "*"
            if [c for c in every if fnmatch.fnmatchcase(c, pattern)] == list(columns):
                return [pattern]
    return [_glob_escape(c) for c in columns]


# ---- tier rules --------------------------------------------------------------------------


def _col(name: str) -> Column:
    return Column(name, 0)


def _equals(col: _Col, value: Any) -> Compare:
    return Compare("==", _col(col.name), Literal(value), 0)


def _any(nodes: list[Any]) -> Any:
    return nodes[0] if len(nodes) == 1 else BoolOp("or", tuple(nodes))


def _all(nodes: list[Any]) -> Any:
    return nodes[0] if len(nodes) == 1 else BoolOp("and", tuple(nodes))


def _literal(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    return value


def _yes(col: _Col) -> Compare:
    return _equals(col, _literal(col.positive))


def _frequency_threshold(col: _Col, users: np.ndarray) -> tuple[float, str]:
    words = set(col.name_words) | set(_words(col.label))
    if words & {"week", "weekly", "pw", "wk"}:
        return 1.0, "once a week or more"
    if words & {"month", "monthly", "pm", "mth"}:
        return 4.0, "4 or more a month (weekly)"
    if words & {"year", "yearly", "annual", "annually", "12m", "pa"}:
        return 12.0, "12 or more a year (monthly)"
    positive = users[users > 0]
    median = float(np.median(positive)) if positive.size else 1.0
    value = max(1.0, float(round(median)))
    return value, f"{_fmt(value)} or more (the median among those who buy at all)"


@dataclass
class _Tiers:
    rules: dict[str, tuple[Any, str, str]] = field(default_factory=dict)  # tier -> tree, conf, why
    order: dict[str, Guess] = field(default_factory=dict)
    funnel: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _category_tiers(frame: pd.DataFrame, roles: dict[str, list[_Col]]) -> _Tiers:
    """Tiers from the category's funnel: use and frequency make customers and soon-to-be,
    trial, consideration or rejection (else awareness) refusing, the rest unexplored."""
    out = _Tiers()
    use = next(iter(roles.get("use", [])), None)
    freq = next(iter(roles.get("frequency", [])), None)
    users = regular = None
    users_why = regular_why = ""
    if use is not None:
        users = _yes(use)
        users_why = f"{use.describe()} says who uses it"
    if freq is not None and freq.kind == "numeric":
        values = freq.numbers
        among = values[~np.isnan(values)]
        if use is not None:
            mask = (frame[use.name].to_numpy(dtype=object) == use.positive) & ~np.isnan(values)
            among = values[mask]
        threshold, words = _frequency_threshold(freq, among)
        regular = Compare(">=", _col(freq.name), Literal(_literal(threshold)), 0)
        regular_why = f"{freq.describe()} counts how often; {words} counts as a regular buyer"
        if users is None:
            users = Compare(">", _col(freq.name), Literal(0), 0)
            users_why = f"{freq.name} above 0 means they buy at all"
    elif freq is not None and freq.per_year is not None and freq.order is not None:
        out.order[freq.name] = Guess(list(freq.order), "likely", freq.order_reason)
        levels = freq.order
        buying = [lv for lv in levels if freq.per_year[lv] > 0]
        monthly = [lv for lv in levels if freq.per_year[lv] >= 12]
        if buying:
            if use is None:
                users = Compare(">=", _col(freq.name), Literal(buying[0]), 0)
                users_why = f"{freq.describe()}: '{buying[0]}' or more means they buy at all"
            if monthly and monthly[0] != buying[0]:
                regular = Compare(">=", _col(freq.name), Literal(monthly[0]), 0)
                regular_why = (f"{freq.describe()}: '{monthly[0]}' or more (monthly) counts as "
                               "a regular buyer")
    if users is None:
        return out
    if regular is not None:
        out.rules["customers"] = (_all([users, regular]) if use is not None else regular,
                                  "guess" if freq.kind == "numeric" else "likely",
                                  f"{users_why}; {regular_why}" if use is not None
                                  else regular_why)
        out.rules["soon-to-be"] = (users, "likely", (f"{users_why}, but less often than "
                                   "customers: they buy minimally, on the edge of the market"))
    else:
        out.rules["customers"] = (users, "likely", users_why)
    knows = [_yes(c) for role in ("trial", "consideration", "rejection")
             for c in roles.get(role, [])[:1]]
    named = [c.name for role in ("trial", "consideration", "rejection")
             for c in roles.get(role, [])[:1]]
    if knows:
        out.rules["refusing"] = (_any(knows), "likely", (f"{' or '.join(named)}: they tried or "
                                 "considered it and do not buy (now)"))
    elif roles.get("awareness"):
        aware = roles["awareness"][0]
        out.rules["refusing"] = (_yes(aware), "guess", (f"{aware.describe()}: they know it and "
                                 "do not buy"))
    elif freq is not None and freq.order is not None and freq.per_year is not None:
        never = [lv for lv in freq.order if freq.per_year[lv] == 0]
        if never:
            out.rules["refusing"] = (_equals(freq, never[0]), "guess",
                                     (f"'{never[0]}': they answered about it, so they know it, "
                                     "and do not buy (no awareness column to tell otherwise)"))
    elif freq is not None and freq.kind == "numeric":
        out.rules["refusing"] = (Compare("==", _col(freq.name), Literal(0), 0), "guess",
                                 f"{freq.name} is 0: they know it and do not buy")
    out.rules["unexplored"] = (Const(True), "likely", "everyone else: never considered it")
    return out


def _brand_of(col: _Col, role_words: set[str]) -> str | None:
    """The brand a per-brand column is about: the end of its label ("Unaided awareness:
    Vodafone") or the rest of its name (``aware_vodafone``)."""
    if col.label:
        parts = re.split(r"\s*(?::|\s-\s|\s–\s)\s*", col.label)
        if len(parts) > 1:
            return parts[-1].strip()
    rest = [w for w in col.name_words if w not in role_words and not w.isdigit()]
    return " ".join(rest) or None


def _brand_tiers(frame: pd.DataFrame, cols: list[_Col], skip: set[str]) -> _Tiers | None:
    """Tiers of one brand: a "current brand" column and yes/no awareness per brand."""
    aware_words = dict(FUNNEL_WORDS)["awareness"]
    aware = [c for c in cols if c.kind == "binary" and c.positive is not None
             and _funnel_role(c) == "awareness" and c.name not in skip]
    for current in cols:
        if (current.kind != "text" or not current.referable or current.name in skip
                or not current.words & BRAND_NOW_WORDS or current.words & BRAND_BEFORE_WORDS
                or not 3 <= len(current.levels) <= 40):
            continue
        levels = {_plain(lv): lv for lv in current.levels}
        by_brand: dict[str, list[_Col]] = {}
        for col in aware:
            brand = _brand_of(col, aware_words)
            if brand and _plain(brand) in levels:
                by_brand.setdefault(levels[_plain(brand)], []).append(col)
        if len(by_brand) < 2:
            continue
        counts = frame[current.name].value_counts()
        focal = max(by_brand, key=lambda b: (int(counts.get(b, 0)), b))
        out = _Tiers()
        out.funnel["brand"] = [current.name] + [c.name for c in by_brand[focal]]
        n = int(counts.get(focal, 0))
        out.rules["customers"] = (_equals(current, focal), "guess",
                                  (f"{current.describe()} names each respondent's brand; the "
                                  f"draft takes the most common one, '{focal}' ({n:,}): put "
                                  "your own"))
        before = [c for c in cols if c.kind == "text" and c.referable and c.name != current.name
                  and c.words & BRAND_BEFORE_WORDS and focal in c.levels]
        knows = [_yes(c) for c in by_brand[focal]] + [_equals(c, focal) for c in before]
        named = [c.name for c in by_brand[focal]] + [c.name for c in before]
        out.rules["refusing"] = (_any(knows), "guess",
                                 f"{', '.join(named)}: they know '{focal}'"
                                 + (" or were with it before" if before else "")
                                 + " and are with another brand")
        out.rules["unexplored"] = (Const(True), "likely", (f"everyone else: '{focal}' is not "
                                   "on their map"))
        out.notes.append(f"brand survey: {current.name} holds each respondent's brand and "
                         f"{len(by_brand)} brands have awareness columns; the tiers are drafted "
                         f"for '{focal}' (soon-to-be needs a rule of your own, e.g. customers "
                         "who might leave)")
        return out
    return None


# ---- the public functions ----------------------------------------------------------------


def draft_schema(frame: pd.DataFrame, meta: SurveyMeta | None = None,
                 source: str = "panel") -> Draft:
    """Guess a schema for a table: id, weight, attributes, tiers, basis, profile, barriers.

    Parameters
    ----------
    frame : DataFrame
        The panel as read (:func:`noncustomers.io.read_survey`).
    meta : SurveyMeta, optional
        Variable and value labels of an SPSS or Stata file.
    source : str
        The file's name, shown in the draft's comments.

    Returns
    -------
    Draft
        Every guess with its confidence and reason; ``draft.toml()`` is a schema that
        :func:`noncustomers.panel.panel_from_frame` accepts on ``frame``.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"imp_price": [1, 5, 3, 4], "perf_price": [2, 4, 3, 5]})
    >>> draft = draft_schema(frame)
    >>> draft.id.value, [(a.name, a.scale) for a in draft.attributes]
    ('@row', [('price', (1.0, 5.0))])
    """
    meta = meta if meta is not None else SurveyMeta()
    frame = frame.reset_index(drop=True)
    notes: list[str] = []
    cols = _look(frame, meta)
    by_name = {c.name: c for c in cols}
    for col in cols:
        col.rating = _rating(col)
        if col.kind == "text" and col.order is None and 2 <= len(col.levels) <= 30:
            found = _text_order(col.levels)
            if found is not None:
                col.order, col.order_reason, col.per_year = found

    id_guess = _guess_id(frame, cols)
    if id_guess.value == ROW_ID and ROW_ID in frame.columns:
        raise DataError(f"{source}: no column identifies each respondent (unique, never "
                        f"empty), and the column named '{ROW_ID}' hides the row number that "
                        f"id = \"{ROW_ID}\" would use; rename that column")
    weight = _guess_weight(cols, {id_guess.value}, notes)
    used = {id_guess.value} | ({weight.value} if weight else set())
    attributes, outcomes = _pair_ratings(cols, used)
    attributes = _scales(attributes, by_name)
    for col in cols:
        if col.rating is None and col.kind in ("numeric", "text") and col.name not in used and (
                _name_stem(col.name, _IMPORTANCE_NAME) or _name_stem(col.name,
                                                                     _PERFORMANCE_NAME)):
            odd = [lv for lv in col.levels if not re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", lv)]
            notes.append(f"{col.name} is named like a rating, but its answers are not on a "
                         "scale" + (f" (text such as '{odd[0]}')" if odd else "")
                         + ": not used as an attribute")
    used |= {c for a in attributes for c in a.columns}

    binary = _batteries(cols, "binary", used)
    tiers, funnel = _guess_tiers(frame, cols, by_name, binary, used)
    notes.extend(tiers.notes)
    order = dict(tiers.order)
    rule_columns = {name for tree, _, _ in tiers.rules.values()
                    for name in parse_rule(format_rule(tree)).columns}
    batteries = ([replace(b, role=_battery_role(b, by_name, binary, rule_columns))
                  for b in binary] + _batteries(cols, "rating", used | rule_columns))
    barrier_battery = next((b for b in batteries if b.role == "barrier"), None)
    barriers = _guess_barriers(frame, cols, barrier_battery, used | rule_columns)
    taken = used | rule_columns | set(barriers.columns if barriers else ()) | (
        {barriers.multi} if barriers and barriers.multi else set())

    importance, outcome = None, None
    if not any(a.importance for a in attributes):
        outcome = _guess_outcome(cols, outcomes, batteries, taken)
    if outcome is not None:
        importance = Guess(outcome.name, "guess",
                           f"{outcome.describe()} looks like an outcome (liking, satisfaction, "
                           "usage or intent) that importance can be derived from")
        if outcome.kind == "text" and outcome.order is not None:
            order.setdefault(outcome.name, Guess(list(outcome.order), "likely",
                                                 outcome.order_reason))

    derived = []
    if importance is not None and not any(a.performance for a in attributes):
        derived = _perception_attributes(frame, outcome, batteries, by_name)

    basis, missing, basis_order = _guess_basis(attributes, batteries, by_name, taken)
    order.update(basis_order)
    basis_columns = {c.name for c in cols if any(_matches(e, c.name) for e in basis.value)}
    profile = _guess_profile(cols, taken | basis_columns, outcome)
    notes.extend(_unused(cols, batteries, taken | basis_columns))

    draft = Draft(source=source, rows=len(frame), columns=frame.shape[1], id=id_guess,
                  weight=weight, missing=missing, attributes=attributes,
                  tiers=[TierGuess(t, format_rule(tree), conf, why)
                         for t in TIERS if t in tiers.rules
                         for tree, conf, why in [tiers.rules[t]]],
                  funnel=funnel, order=order, basis=basis, profile=profile,
                  batteries=batteries, barriers=barriers, importance=importance,
                  derived=derived, notes=notes)
    return _checked(draft, frame, meta)


def draft_from_file(path: str | Path, sheet: str | None = None) -> Draft:
    """:func:`draft_schema` on a panel file (any type :func:`~noncustomers.io.read_survey`
    reads); raises :class:`~noncustomers.errors.DataError` when it cannot be read."""
    path = Path(path)
    frame, meta = read_survey(path, sheet=sheet)
    draft = draft_schema(frame, meta, source=path.name)
    draft.sheet = sheet
    return draft


# ---- helpers of draft_schema -------------------------------------------------------------


def _short_list(names: Sequence[str], most: int = 4) -> str:
    shown = ", ".join(names[:most])
    return shown + (f" ... ({len(names)} in all)" if len(names) > most else "")


def _matches(entry: str, name: str) -> bool:
    if any(ch in entry for ch in "*?["):
        return fnmatch.fnmatchcase(name, entry)
    return entry == name


def _item_of(col: _Col, by_name: dict[str, _Col], batteries: list[Battery]) -> str | None:
    """Whether a yes/no column with a funnel word is one item of a battery that is not the
    category's funnel: ``"brand"`` when most items share its role (awareness of each
    brand), ``"perception"`` when most items have none (``cosiness/familiar atmosphere``)."""
    battery = next(b for b in batteries if col.name in b.columns)
    roles = [_funnel_role(by_name[c]) for c in battery.columns]
    same = roles.count(_funnel_role(col))
    if same >= 3 and same * 2 >= len(roles):
        return "brand"
    if sum(r is not None for r in roles) * 2 < len(roles):
        return "perception"
    return None


_BINARY_ROLES = ("use", "trial", "consideration", "awareness", "rejection")


def _guess_tiers(frame: pd.DataFrame, cols: list[_Col], by_name: dict[str, _Col],
                 binary: list[Battery], used: set[str]) -> tuple[_Tiers, dict[str, list[str]]]:
    """Tier rules from the category's funnel, else from one brand's, else everyone a
    customer; and the funnel columns found (``role -> columns``)."""
    in_ratings = {c for b in _batteries(cols, "rating", used) for c in b.columns}
    in_binary = {c for b in binary for c in b.columns}
    roles: dict[str, list[_Col]] = {}
    for col in cols:
        if col.name in used or col.name in in_ratings:
            continue  # one item of a battery of ratings is not a funnel question
        role = _funnel_role(col)
        if role is None:
            continue
        if role in _BINARY_ROLES:
            usable = col.kind == "binary" and col.positive is not None
        elif role == "frequency":
            usable = col.kind == "numeric" or col.per_year is not None
        else:
            usable = col.rating is not None
        if usable and not (col.name in in_binary and _item_of(col, by_name, binary)):
            roles.setdefault(role, []).append(col)
    tiers = _category_tiers(frame, roles)
    if "customers" not in tiers.rules:
        tiers = _brand_tiers(frame, cols, used) or tiers
    funnel = {role: [c.name for c in found] for role, found in roles.items()}
    funnel.update(tiers.funnel)
    if "customers" not in tiers.rules:
        tiers.rules = {"customers": (Const(True), "guess",
                                     ("no awareness, use or frequency column was found, so "
                                     "everyone is a customer: write the tiers by hand "
                                     "(see \"The schema file\" in the README)"))}
    return tiers, funnel


def _battery_role(battery: Battery, by_name: dict[str, _Col], binary: list[Battery],
                  rule_columns: set[str]) -> str:
    """``funnel`` (awareness per brand, or read by a tier rule), ``barrier`` or
    ``perception``."""
    columns = [by_name[c] for c in battery.columns]
    if set(battery.columns) & rule_columns or (
            _funnel_role(columns[0]) and _item_of(columns[0], by_name, binary) != "perception"):
        return "funnel"
    if _barrier_words(battery, columns):
        return "barrier"
    return "perception"


def _guess_outcome(cols: list[_Col], outcomes: list[_Col], batteries: list[Battery],
                   taken: set[str]) -> _Col | None:
    """A liking, satisfaction or intent column standing alone (not one item of a battery)."""
    in_battery = {c for b in batteries for c in b.columns}
    candidates = [c for c in cols if c.name not in taken | in_battery and _outcome_score(c) > 0
                  and (c.rating is not None or c.order is not None or c.kind == "numeric")]
    candidates += [c for c in outcomes if c not in candidates and c.name not in taken]
    return max(candidates, key=lambda c: (_outcome_score(c), -c.index), default=None)


def _scores(col: _Col, frame: pd.DataFrame) -> np.ndarray:
    """A column as numbers: yes/no as 0/1, ordered text as its positions, else its numbers."""
    raw = frame[col.name]
    if col.kind == "binary":
        return np.where(raw.isna(), np.nan, (raw == col.positive).astype(float))
    if col.order is not None and not col.labelled:
        rank = {level: float(i) for i, level in enumerate(col.order)}
        return raw.map(lambda v: rank.get(str(v), np.nan)).to_numpy(dtype=float)
    return col.numbers if col.numbers is not None else np.full(len(raw), np.nan)


def _perception_attributes(frame: pd.DataFrame, outcome: _Col, batteries: list[Battery],
                           by_name: dict[str, _Col]) -> list[AttributeGuess]:
    """The largest perception battery as performance-only attributes; an item that goes
    with less of the outcome (``greasy`` with liking) is reversed."""
    perceptions = [b for b in batteries if b.role == "perception"]
    if not perceptions:
        return []
    battery = max(perceptions, key=lambda b: (len(b.columns), b.kind == "binary"))
    target = _scores(outcome, frame)
    out = []
    for column in battery.columns:
        values = _scores(by_name[column], frame)
        both = ~np.isnan(values) & ~np.isnan(target)
        r = (float(np.corrcoef(values[both], target[both])[0, 1])
             if both.sum() > 2 and values[both].std() > 0 and target[both].std() > 0 else 0.0)
        out.append(AttributeGuess(_attribute_key(column), None, column, None, (), None, "guess",
                                  f"{column}: r = {r:+.2f} with {outcome.name}", reverse=r < 0))
    return out


def _unused(cols: list[_Col], batteries: list[Battery], taken: set[str]) -> list[str]:
    """Notes on batteries and multi-response columns the draft does not use."""
    notes = []
    for battery in batteries:
        if battery.role == "perception" and not set(battery.columns) & taken:
            notes.append(f"{battery.kind} battery {battery.name} ({len(battery.columns)} "
                         f"columns: {_short_list(battery.columns)}) is not used; add it to the "
                         "basis or profile if it helps")
    for col in cols:
        if col.kind == "multi" and col.name not in taken:
            notes.append(f"{col.describe()} looks like a multi-response column "
                         f"(answers separated by '{col.separator}'); it is not used")
    empty = [c.name for c in cols if c.kind == "empty"]
    if empty:
        notes.append(f"{len(empty)} column(s) nobody answered: {_short_list(empty)}")
    return notes


def _barrier_words(battery: Battery, columns: list[_Col]) -> bool:
    hits = sum(bool(c.words & BARRIER_WORDS) for c in columns)
    return hits * 2 >= len(columns) or bool(set(_words(battery.name)) & BARRIER_WORDS)


def _outcome_score(col: _Col) -> int:
    return max((OUTCOME_WORDS.get(w, 0) for w in col.words), default=0)


def _labels_from_names(names: Sequence[str]) -> dict[str, str]:
    """Readable reasons from column names less their shared prefix (``barrier_no_time`` ->
    ``No time``)."""
    prefix = names[0] if len(names) > 1 else ""
    for name in names[1:]:
        while not name.startswith(prefix):
            prefix = prefix[:-1]
    prefix = re.sub(r"[^\W_]+$", "", prefix)  # back to a word boundary
    labels = {}
    for name in names:
        text = " ".join(re.split(r"[_\s]+", name[len(prefix):])).strip(" -.:;,[]()") or name
        labels[name] = text[:1].upper() + text[1:]
    return labels


def _guess_barriers(frame: pd.DataFrame, cols: list[_Col], battery: Battery | None,
                    skip: set[str]) -> BarrierGuess | None:
    columns: tuple[str, ...] = ()
    labels: dict[str, str] = {}
    reasons = []
    confidence = "likely"
    if battery is not None:
        names = [c for c in battery.columns if c not in skip]
        every = list(frame.columns)
        columns = tuple(_patterns(names, every))
        by_name = {c.name: c for c in cols}
        unlabelled = [c for c in names if not by_name[c].label]  # SPSS labels show as they are
        labels = _labels_from_names(unlabelled) if unlabelled else {}
        reasons.append(f"{len(names)} yes/no columns ({_short_list(names)}) named like "
                       "reasons for not buying")
    multi = separator = None
    missing: tuple[float, ...] = ()
    for col in cols:
        if col.kind == "multi" and col.name not in skip and col.words & BARRIER_WORDS:
            multi, separator = col.name, col.separator
            missing = _multi_missing(frame[col.name], col)
            reasons.append(f"{col.describe()} lists reasons separated by '{separator}'"
                           + (f"; {_codes_list(missing)} have no value label: read as no "
                              "answer" if missing else ""))
            confidence = "guess" if battery is None else confidence
            break
    if not columns and multi is None:
        return None
    return BarrierGuess(columns, multi, separator or ";", labels, missing, confidence,
                        "; ".join(reasons))


def _labelled_order(col: _Col, codes: set[float]) -> list[str] | None:
    """Text levels of a labelled rating, lowest code first (agreement made high)."""
    numbers = col.numbers
    if numbers is None:
        return None
    seen = {float(v) for v in np.unique(numbers[~np.isnan(numbers)])} - codes
    labelled = {}
    for code, label in col.value_labels.items():
        try:
            number = float(code)
        except (TypeError, ValueError):
            continue
        if number not in codes and not NO_ANSWER.search(str(label)):
            labelled[number] = str(label)
    levels = []
    for number in sorted(seen | set(labelled)):
        text = labelled.get(number, f"{number:g}")
        if text not in levels:
            levels.append(text)
    if not levels or not set(col.levels) - {None} <= set(levels) | {
            str(col.value_labels.get(c, f"{c:g}")) for c in codes}:
        return None
    first, last = _likert(levels[0]), _likert(levels[-1])
    if first is not None and last is not None and first > last:
        levels.reverse()
    return levels


def _guess_basis(attributes: list[AttributeGuess], batteries: list[Battery],
                 by_name: dict[str, _Col], skip: set[str]
                 ) -> tuple[Guess, Guess | None, dict[str, Guess]]:
    """The basis, the top-level missing codes and the [order] entries the basis needs."""
    every = list(by_name)
    order: dict[str, Guess] = {}
    attribute_codes = Counter(code for a in attributes for code in a.missing)
    scales = [a.scale for a in attributes if a.scale is not None]
    lifted = sorted(code for code, n in attribute_codes.items()
                    if n >= 2 and n * 2 >= len(attributes)
                    and not any(lo <= code <= hi for lo, hi in scales))
    importance = [a.importance for a in attributes if a.importance]
    basis_codes: set[float] = set()
    if len(importance) >= 2:
        basis = Guess(_patterns(importance, every), "likely",
                      f"the {len(importance)} importance ratings: what each group values "
                      "(benefit segmentation)")
    else:
        rating = [b for b in batteries if b.kind == "rating" and not set(b.columns) & skip]
        binary = [b for b in batteries if b.kind == "binary" and b.role == "perception"
                  and not set(b.columns) & skip]
        if rating:
            battery = max(rating, key=lambda b: (len(b.columns), -by_name[b.columns[0]].index))
            columns = [by_name[c] for c in battery.columns]
            basis_codes = {code for c in columns for code in c.rating.codes}
            for c in columns:
                if c.rating.ordered_text:
                    order[c.name] = Guess(list(c.order), "likely", c.order_reason)
                elif c.labelled:
                    levels = _labelled_order(c, basis_codes)
                    if levels is not None:
                        order[c.name] = Guess(levels, "likely", "the value labels in the "
                                              "order of their codes")
            scale = columns[0].rating
            basis = Guess(_patterns(list(battery.columns), every), "likely",
                          f"a battery of {len(columns)} ratings "
                          f"({_short_list(battery.columns)}), "
                          f"{_fmt(scale.lo)}-{_fmt(scale.hi)}: how people see the category")
        elif binary:
            battery = max(binary, key=lambda b: (len(b.columns), -by_name[b.columns[0]].index))
            basis = Guess(_patterns(list(battery.columns), every), "likely",
                          f"a battery of {len(battery.columns)} yes/no items "
                          f"({_short_list(battery.columns)}): how people see the offering")
        else:
            basis = Guess([], "guess", "no importance ratings or batteries of items were "
                                       "found: add the columns to segment on")
    codes = sorted(set(lifted) | {c for c in basis_codes
                                  if not any(lo <= c <= hi for lo, hi in scales)})
    missing = None
    if codes:
        what = []
        if lifted:
            what.append(f"{_codes_list(lifted)} sits apart from the scale of "
                        f"{max(attribute_codes[c] for c in lifted)} attributes")
        if set(codes) - set(lifted):
            what.append(f"{_codes_list(set(codes) - set(lifted))} in the basis ratings "
                        "(labelled as no answer, or outside the labelled answers)")
        missing = Guess(tuple(codes), "likely", "; ".join(what) + ": read as no answer in "
                        "attribute and basis columns")
    return basis, missing, order


def _guess_profile(cols: list[_Col], skip: set[str], outcome: _Col | None) -> Guess:
    chosen = []
    for col in cols:
        if col.name in skip or col.kind in ("empty", "multi"):
            continue
        if col.kind == "text" and len(col.levels) > MAX_PROFILE_LEVELS:
            continue
        demographic = bool(set(col.name_words) & DEMOGRAPHIC_WORDS) or (
            bool(col.label) and bool(set(_words(col.label)) & DEMOGRAPHIC_WORDS)
            and len(_words(col.label)) <= 4)
        if demographic or (outcome is not None and col.name == outcome.name):
            chosen.append(col.name)
    chosen = chosen[:MAX_PROFILE]
    if not chosen:
        return Guess([], "guess", "no demographic column was recognised")
    return Guess([_glob_escape(c) for c in chosen], "likely",
                 "demographics" + (" and the outcome" if outcome is not None
                                   and outcome.name in chosen else "")
                 + ", described per segment (not clustered)")


# ---- checking the draft on the data ------------------------------------------------------


def _problem(draft: Draft, frame: pd.DataFrame, meta: SurveyMeta) -> str | None:
    """The first problem the panel reader finds with the draft on the data, else None."""
    try:
        schema = draft.schema()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            panel_from_frame(frame, schema, source=draft.source, meta=meta)
    except NoncustomersError as exc:
        problems = getattr(exc, "problems", None) or [exc]
        return one_line(str(problems[0]))
    return None


def _part(draft: Draft, **parts: Any) -> Draft:
    """The draft with only the given parts beside its id and a customers-only tier."""
    bare = replace(draft, weight=None, missing=draft.missing, attributes=[],
                   tiers=[TierGuess("customers", "true", "guess", "")], order={},
                   basis=Guess([], "guess", ""), profile=Guess([], "guess", ""),
                   barriers=None, importance=None, derived=[], notes=[])
    return replace(bare, **parts)


def _checked(draft: Draft, frame: pd.DataFrame, meta: SurveyMeta) -> Draft:
    """The draft as the panel reader accepts it on the data: when the whole does not read,
    each part that does not read alone is left out with a note; then the tiers are counted."""
    if _problem(draft, frame, meta) is None:
        return _counted(draft, frame, meta)
    notes = list(draft.notes)

    def fails(**parts: Any) -> str | None:
        return _problem(_part(draft, **parts), frame, meta)

    if draft.weight is not None and (problem := fails(weight=draft.weight)):
        notes.append(f"the weight '{draft.weight.value}' was left out: {problem}")
        draft = replace(draft, weight=None)
    if draft.importance is not None and (problem := fails(
            importance=draft.importance, derived=draft.derived, order=draft.order)):
        notes.append(f"[importance] derived_from '{draft.importance.value}' was left out: "
                     f"{problem}")
        draft = replace(draft, importance=None, derived=[])
    if draft.attributes and fails(attributes=draft.attributes):
        kept = []
        for a in draft.attributes:
            if problem := fails(attributes=[a]):
                notes.append(f"attribute '{a.name}' was left out: {problem}")
            else:
                kept.append(a)
        draft = replace(draft, attributes=kept)
    if draft.basis.value and (problem := fails(basis=draft.basis, order=draft.order)):
        notes.append(f"the basis ({_short_list(draft.basis.value)}) was left out: {problem}")
        draft = replace(draft, basis=Guess([], "guess", "the drafted basis did not read: "
                                           "add the columns to segment on"))
    if draft.barriers is not None and (problem := fails(barriers=draft.barriers)):
        notes.append(f"[barriers] was left out: {problem}")
        draft = replace(draft, barriers=None)
    if draft.profile.value and (problem := fails(profile=draft.profile)):
        notes.append(f"the profile was left out: {problem}")
        draft = replace(draft, profile=Guess([], "guess", "the drafted profile did not read"))
    if problem := fails(tiers=draft.tiers, order=draft.order):
        notes.append(f"the drafted tier rules were left out: {problem}")
        draft = replace(draft, tiers=[TierGuess(
            "customers", "true", "guess", "the drafted rules did not run on the data, so "
            "everyone is a customer: write the tiers by hand")])
    draft = replace(draft, notes=notes)
    if problem := _problem(draft, frame, meta):  # the parts read alone, not together
        notes.append(f"the draft did not read as a whole ({problem}); the basis, profile and "
                     "barriers were left out")
        draft = replace(draft, basis=Guess([], "guess", "left out"),
                        profile=Guess([], "guess", "left out"), barriers=None)
    return _counted(draft, frame, meta)


def _counted(draft: Draft, frame: pd.DataFrame, meta: SurveyMeta) -> Draft:
    """Tier counts from the tier assignment itself; empty non-customer tiers are dropped."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = panel_from_frame(frame, draft.schema(), source=draft.source, meta=meta)
    tiers = assign_tiers(panel).to_numpy()
    weights = panel.weights
    total = float(weights.sum())
    kept = []
    for guess in draft.tiers:
        hit = tiers == guess.tier
        count = int(hit.sum())
        if count == 0 and guess.tier != "customers":
            draft.notes.append(f"tier '{guess.tier}' ({guess.rule}) would hold nobody: left out")
            continue
        kept.append(replace(guess, count=count, weighted_share=float(weights[hit].sum()) / total))
    draft.tiers = kept
    return draft


# ---- writing the TOML --------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    """One TOML value (strings escaped, lists on one line)."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}"
                                for k, v in value.items()) + " }"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return tomli_w.dumps({"v": value})[4:].rstrip("\n")


def _toml_key(key: str) -> str:
    return tomli_w.dumps({key: 0}).rsplit(" = ", 1)[0]


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def _comment(text: str, width: int = 96) -> list[str]:
    """Comment lines (TOML comments take no control characters)."""
    text = _CONTROL.sub(" ", text)
    return ["# " + line for line in textwrap.wrap(text, width=width, break_long_words=False,
                                                  break_on_hyphens=False)] or ["#"]


def _because(guess: Any) -> list[str]:
    return _comment(f"{guess.confidence}: {guess.reason}")


def _tier_line(guess: TierGuess, rows: int) -> list[str]:
    count = ""
    if guess.count is not None:
        count = f" -> {guess.count:,} respondents ({_pct(guess.count, rows)}"
        share = guess.weighted_share
        if share is not None and abs(share * rows - guess.count) > 0.5:
            count += f"; {guess.weighted_share:.0%} weighted"
        count += ")"
    return (_comment(f"{guess.confidence}: {guess.reason}{count}")
            + [f"{_toml_key(guess.tier)} = {_toml_value(guess.rule)}"])


def _render(draft: Draft) -> str:
    lines = [(f"# Draft schema for {_CONTROL.sub(' ', draft.source)} ({draft.rows:,} rows, "
             f"{draft.columns:,} columns), written by `noncustomers init`."),
             *_comment("Each guess says why it was made and how sure it is: 'sure' (the data "
                       "leave little doubt), 'likely' (a good bet: check it) or 'guess' (a "
                       "starting point: check it). The draft runs as it is (noncustomers "
                       "analyze PANEL --schema THIS.toml --out DIR); edit it from there, see "
                       "\"The schema file\" in the README."),
             ""]
    if draft.sheet is not None:
        lines += ["# the sheet the draft was made from", f"sheet = {_toml_value(draft.sheet)}"]
    lines += _because(draft.id) + [f"id = {_toml_value(draft.id.value)}"]
    if draft.weight is not None:
        lines += _because(draft.weight) + [f"weight = {_toml_value(draft.weight.value)}"]
    else:
        lines += [("# no weight column was found: every respondent counts 1 "
                  "(add weight = \"column\")")]
    if draft.missing is not None:
        lines += _because(draft.missing) + [f"missing = {_toml_value(list(draft.missing.value))}"]

    lines += ["", "[tiers]",
              ("# Tried top to bottom; the first rule that matches wins. Counts are rows of "
              "this file.")]
    for guess in draft.tiers:
        lines += _tier_line(guess, draft.rows)
    absent = [t for t in TIERS if t not in {g.tier for g in draft.tiers}]
    if absent and len(draft.tiers) > 1:
        lines.append(f"# no rule for {', '.join(absent)}: add one if the data can tell them")
    if draft.funnel:
        found = "; ".join(f"{role}: {', '.join(names)}" for role, names in draft.funnel.items())
        lines += _comment(f"funnel columns found: {found}")

    if draft.attributes:
        lines += ["", "[attributes]",
                  ("# The competing factors: importance and/or performance column, scale "
                  "[low, high], no-answer codes.")]
        shared = draft.missing.value if draft.missing is not None else ()
        for a in draft.attributes:
            lines += [*_comment(f"{a.confidence}: {a.reason}"), _attribute_line(a, shared)]
    elif draft.importance is None:
        lines += ["", ("# [attributes]: no importance or performance ratings were recognised; "
                  "map them by hand, e.g."),
                  ("# price = { importance = \"imp_price\", performance = \"perf_price\", "
                  "scale = [1, 5] }")]

    if draft.importance is not None:
        lines += [""] + _derived_block(draft)

    lines += ["", "[segmentation]"]
    lines += _because(draft.basis) + [f"basis = {_toml_value(draft.basis.value)}"]
    lines += _because(draft.profile) + [f"profile = {_toml_value(draft.profile.value)}"]
    lines += ["k = \"auto\"                          # segments per tier, chosen from the data"]

    if draft.order:
        lines += ["", "[order]", ("# Text levels, lowest first: rules compare them and ratings "
                  "score them 0, 1, 2, ...")]
        reasons = Counter(g.reason for g in draft.order.values())
        common = reasons.most_common(1)[0][0]
        if len(draft.order) > 1:
            lines += _comment(f"likely, unless said otherwise: {common}")
        for column, guess in draft.order.items():
            if guess.reason != common or len(draft.order) == 1:
                lines += _because(guess)
            lines.append(f"{_toml_key(column)} = {_toml_value(list(guess.value))}")

    if draft.barriers is not None:
        b = draft.barriers
        lines += ["", "[barriers]"] + _comment(f"{b.confidence}: {b.reason}")
        if b.columns:
            lines.append(f"columns = {_toml_value(list(b.columns))}")
        if b.multi:
            lines.append(f"multi = {_toml_value(b.multi)}")
            lines.append(f"separator = {_toml_value(b.separator)}")
        if b.labels:
            lines += [("# labels made from the column names: write the reasons as they were "
                      "asked"), f"labels = {_toml_value(b.labels)}"]
        lines.append(f"missing = {_toml_value(list(b.missing))}"
                     + ("" if b.missing else "                         # no codes here "
                        "(the top-level ones do not apply)"))

    if draft.notes:
        lines += ["", "# Notes"]
        for note in draft.notes:
            lines += _comment(f"- {note}")
    return "\n".join(lines) + "\n"


def _attribute_line(a: AttributeGuess, shared: tuple[float, ...] = ()) -> str:
    spec: dict[str, Any] = {}
    if a.importance:
        spec["importance"] = a.importance
    if a.performance:
        spec["performance"] = a.performance
    if a.scale is not None:
        spec["scale"] = list(a.scale)
    own = [c for c in a.missing if c not in shared]
    if own:
        spec["missing"] = own
    if a.reverse:
        spec["reverse"] = True
    if a.label:
        spec["label"] = a.label
    return f"{_toml_key(a.name)} = {_toml_value(spec)}"


def _derived_block(draft: Draft) -> list[str]:
    """``[importance] derived_from`` with the perceptions as performance-only attributes."""
    guess = draft.importance
    lines = _comment(f"{guess.confidence}: no importance ratings were found; {guess.reason}: "
                     "each attribute's importance is derived from how strongly its "
                     "performance drives it (see [importance] in the README). Check the "
                     "outcome; delete this table and [attributes] to leave importance out.")
    lines += ["[importance]", f"derived_from = {_toml_value(guess.value)}",
              f"method = {_toml_value(IMPORTANCE_METHODS[0])}"]
    if draft.derived and not draft.attributes:
        reversed_ = [a.name for a in draft.derived if a.reverse]
        lines += [""] + _comment(
            f"the {len(draft.derived)} perception items as its attributes, rated for "
            "performance only" + (f"; reverse = true where an item goes with less "
                                  f"{guess.value} ({', '.join(reversed_)}): give those a "
                                  "positive label" if reversed_ else ""))
        lines += ["[attributes]"] + [_attribute_line(a) for a in draft.derived]
    return lines
