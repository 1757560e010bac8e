"""The guided start: a survey file's proposed schema as an editable column mapping.

The proposal is ``noncustomers init``'s (:func:`noncustomers.draft.draft_schema`).  The app
shows it as one row per column (its role, attribute, scale, a few answers) and one tier
rule per tier; :func:`build` lays the edits over the :class:`~noncustomers.draft.Draft`,
writes it with :meth:`Draft.toml` and reads it back with
:func:`~noncustomers.schema.parse_schema`: the mapping *is* a schema file, never a second
format, and the download is that file.

:func:`proposal_table`, :func:`build` and :func:`count_tiers` are plain pandas (the rules
of the mapping); :func:`prepare` reads an upload once per file (cached) and :func:`render`
draws the set-up (the Set up page).
"""

from __future__ import annotations

import fnmatch
import hashlib
import logging
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from noncustomers.draft import AttributeGuess, BarrierGuess, Draft, Guess, TierGuess, draft_schema
from noncustomers.errors import NoncustomersError
from noncustomers.io import SurveyMeta, read_survey
from noncustomers.rules import parse_rule
from noncustomers.schema import Schema, parse_schema
from noncustomers.vocabulary import ROW_ID, TIERS

__all__ = ["ROLES", "ROLE_MEANING", "SOURCE", "TIER_LABELS", "Built", "Prepared", "TierCount",
           "Upload", "analysed_toml", "build", "count_tiers", "current_upload", "digest",
           "just_analysed", "orders", "prepare", "proposal_table", "remember_upload", "render",
           "rule_sentence", "set_analysed", "setting_up"]

log = logging.getLogger("noncustomers.app")

#: The schema's name in messages and in the sidebar.
SOURCE = "column mapping"

ROLE_ID = "Respondent id"
ROLE_WEIGHT = "Survey weight"
ROLE_FUNNEL = "Funnel (tier rules)"
ROLE_IMPORTANCE = "Importance rating"
ROLE_PERFORMANCE = "Performance rating"
ROLE_OUTCOME = "Outcome (derives importance)"
ROLE_BASIS = "Segmentation basis"
ROLE_PROFILE = "Profile (describes segments)"
ROLE_BARRIER = "Barrier (reason not to buy)"
ROLE_IGNORED = "Ignored"
ROLES: tuple[str, ...] = (ROLE_ID, ROLE_WEIGHT, ROLE_FUNNEL, ROLE_IMPORTANCE, ROLE_PERFORMANCE,
                          ROLE_OUTCOME, ROLE_BASIS, ROLE_PROFILE, ROLE_BARRIER, ROLE_IGNORED)
ROLE_MEANING = {
    ROLE_ID: "Identifies each respondent (unique, never empty). With none, respondents are "
             "numbered 1 to n.",
    ROLE_WEIGHT: "The survey weight of each respondent; every share and average uses it. "
                 "With none, everyone counts once.",
    ROLE_FUNNEL: "Says who buys, how often, who tried or considered it: the tier rules below "
                 "are written over these columns.",
    ROLE_IMPORTANCE: "How much a respondent values a factor (price, location...). Pair it with "
                     "its performance rating by giving both the same attribute name.",
    ROLE_PERFORMANCE: "How well the industry delivers a factor today, in the respondent's eyes.",
    ROLE_OUTCOME: "Without importance ratings: an overall liking, satisfaction or intent "
                  "answer; each factor's importance is derived from how strongly it drives "
                  "this one.",
    ROLE_BASIS: "Respondents are grouped into segments by these answers (tick 'Segment on' "
                "to add ratings too).",
    ROLE_PROFILE: "Described per segment (age, gender...), not used to form the segments.",
    ROLE_BARRIER: "A reason for not buying: one yes/no column per reason, or one column "
                  "listing each respondent's reasons.",
    ROLE_IGNORED: "Not used.",
}

COLUMN, QUESTION, ROLE, ATTRIBUTE, SCALE = "Column", "Question", "Role", "Attribute", "Scale"
SEGMENT, EXAMPLES, SURE, WHY = "Segment on", "Examples", "How sure", "Why"

#: Tier names in people's words, with who they are.
TIER_LABELS = {
    "customers": ("Customers", "buy from the industry today"),
    "soon-to-be": ("Soon-to-be non-customers", "buy minimally and reluctantly, ready to leave"),
    "refusing": ("Refusing non-customers",
                 "know the offering, tried or considered it, and chose against it"),
    "unexplored": ("Unexplored non-customers", "never thought of the offering as an option"),
}

_FUNNEL_WORDS = {"awareness": "awareness", "consideration": "consideration",
                 "trial": "ever bought or tried", "use": "current use",
                 "frequency": "how often they buy", "rejection": "rejection",
                 "churn": "likely to leave", "intent": "intent to buy", "brand": "brand"}
_TEXT_SCALE = "answers in order"
_YES_NO_SCALE = "yes/no"
_CHOSEN = "chosen"  # the confidence written beside what the user chose in the app


# ---- reading an upload -------------------------------------------------------------------


@dataclass
class Prepared:
    """An uploaded survey file, read, with the draft schema proposed for it."""

    name: str
    frame: pd.DataFrame
    meta: SurveyMeta
    draft: Draft
    table: pd.DataFrame  # the proposal: one row per column


# A resource, not data: each rerun (every keystroke in a rule) gets the same objects, never a
# copy of the table; nothing here changes them.
@st.cache_resource(show_spinner="Reading the file and proposing how to use each column…",
                   max_entries=4)
def prepare(panel_bytes: bytes, panel_name: str) -> tuple[Prepared | None, str | None]:
    """Read an upload and draft its schema; ``(None, one sentence)`` when it cannot be read.

    The upload lives in a private folder (mode 0700) removed when reading ends.
    """
    name = Path(panel_name).name
    with tempfile.TemporaryDirectory(prefix="noncustomers-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(panel_bytes)
        try:
            frame, meta = read_survey(path)
            draft = draft_schema(frame, meta, source=name)
        except NoncustomersError as exc:
            return None, str(exc).replace(str(path), name).replace(tmp, "upload")
        except Exception as exc:  # input the toolkit did not foresee: the log has the details
            log.exception("reading %s failed", name)
            return None, (f"{name}: the file could not be read ({exc.__class__.__name__}); "
                          "the details are in the server's log.")
    return Prepared(name, frame, meta, draft, proposal_table(frame, meta, draft)), None


def digest(panel_bytes: bytes) -> str:
    return hashlib.sha256(panel_bytes).hexdigest()[:16]


_UPLOAD = "noncustomers.upload"
_ANALYSED = "noncustomers.mapping.analysed"
_GO = "noncustomers.mapping.go"


@dataclass(frozen=True)
class Upload:
    """A survey file uploaded without a schema: the Set up page maps it."""

    name: str
    data: bytes
    digest: str


def remember_upload(upload: Upload | None) -> bool:
    """Keep the upload for the Set up page; True when it is a new file."""
    previous = st.session_state.get(_UPLOAD)
    if upload is None:
        st.session_state.pop(_UPLOAD, None)
        return False
    st.session_state[_UPLOAD] = upload
    return previous is None or previous.digest != upload.digest


def current_upload() -> Upload | None:
    return st.session_state.get(_UPLOAD)


def analysed_toml(upload: Upload) -> str | None:
    """The schema text the upload was last analysed with (Analyse on the Set up page)."""
    analysed = st.session_state.get(_ANALYSED)
    return analysed[1] if analysed and analysed[0] == upload.digest else None


def set_analysed(upload: Upload, toml: str) -> None:
    """Analyse was clicked: the sidebar analyses the upload with ``toml`` from the next run."""
    st.session_state[_ANALYSED] = (upload.digest, toml)
    st.session_state[_GO] = True


def setting_up() -> bool:
    """A survey file was uploaded without a schema and is not analysed (yet, or its
    analysis failed): the app shows its set-up alone."""
    from noncustomers.ui import state

    loaded = state.current()
    return current_upload() is not None and (loaded is None or loaded.failed)


def just_analysed() -> bool:
    """True once, in the run right after Analyse, when the analysis succeeded."""
    return bool(st.session_state.pop(_GO, False)) and not setting_up()


# ---- the proposal as a table -------------------------------------------------------------


def _expand(entries: Sequence[str], columns: Sequence[str]) -> list[str]:
    """Columns matched by names or glob patterns, in the table's order."""
    def hit(entry: str, name: str) -> bool:
        if any(ch in entry for ch in "*?["):
            return fnmatch.fnmatchcase(name, entry)
        return entry == name

    return [c for c in columns if any(hit(e, c) for e in entries)]


def _glob_escape(name: str) -> str:
    """A column name as a basis, profile or barrier entry: glob characters made literal."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def _number(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.4g}"


def scale_text(scale: tuple[float, float] | None, column: str, draft: Draft,
               frame: pd.DataFrame) -> str:
    if scale is not None:
        return f"{_number(scale[0])} to {_number(scale[1])}"
    if column in draft.order:
        return _TEXT_SCALE
    if frame[column].dropna().nunique() == 2:
        return _YES_NO_SCALE
    return ""


def _examples(values: pd.Series, most: int = 3, room: int = 32) -> str:
    """A few answers of a column in words, in about ``room`` characters: ``yes, no``;
    ``18 to 80``; ``a, b, c …``; with the share left blank."""
    present = values.dropna()
    if len(present) == 0:
        return "(all blank)"
    blank = 1 - len(present) / len(values)
    suffix = f" ({blank:.0%} blank)" if blank >= 0.005 else ""
    distinct = pd.unique(present)
    numeric = pd.api.types.is_numeric_dtype(present) and not pd.api.types.is_bool_dtype(present)
    if numeric and len(distinct) > 6:
        return f"{_number(float(present.min()))} to {_number(float(present.max()))}{suffix}"
    room -= len(suffix)
    shown: list[str] = []
    for value in distinct[:most]:
        word = _number(float(value)) if numeric else str(value)
        if not shown and len(word) > room - 2:
            shown.append(word[:max(room - 3, 8)] + "…")
            break
        if shown and len(", ".join([*shown, word])) > room - 2:
            break
        shown.append(word)
    more = len(shown) < len(distinct) and not shown[-1].endswith("…")
    return ", ".join(shown) + (" …" if more else "") + suffix


def proposal_table(frame: pd.DataFrame, meta: SurveyMeta, draft: Draft) -> pd.DataFrame:
    """One row per column of the file: the draft's role for it, attribute, scale, examples.

    A column plays one role; ``Segment on`` also puts a rating (or any column) in the
    segmentation basis.
    """
    columns = [str(c) for c in frame.columns]
    basis = set(_expand(draft.basis.value, columns))
    profile = set(_expand(draft.profile.value, columns))
    barriers = draft.barriers
    barrier_cols = set(_expand(barriers.columns, columns)) if barriers else set()
    if barriers and barriers.multi:
        barrier_cols.add(barriers.multi)
    rule_columns: dict[str, TierGuess] = {}
    for tier in draft.tiers:
        for name in parse_rule(tier.rule, tier.tier).columns:
            rule_columns.setdefault(name, tier)
    funnel = {c: role for role, names in draft.funnel.items() for c in names}
    ratings: dict[str, tuple[AttributeGuess, str]] = {}
    for attr in [*draft.attributes, *draft.derived]:
        if attr.importance:
            ratings[attr.importance] = (attr, ROLE_IMPORTANCE)
        if attr.performance:
            ratings[attr.performance] = (attr, ROLE_PERFORMANCE)
    outcome = draft.importance.value if draft.importance is not None else None

    rows = []
    for column in columns:
        attribute, scale, sure, why = "", "", "", ""
        if column == draft.id.value:
            role, sure, why = ROLE_ID, draft.id.confidence, draft.id.reason
        elif draft.weight is not None and column == draft.weight.value:
            role, sure, why = ROLE_WEIGHT, draft.weight.confidence, draft.weight.reason
        elif column == outcome:
            role, sure, why = ROLE_OUTCOME, draft.importance.confidence, draft.importance.reason
        elif column in ratings:
            attr, role = ratings[column]
            attribute, sure, why = attr.name, attr.confidence, attr.reason
            scale = scale_text(attr.scale, column, draft, frame)
        elif column in barrier_cols:
            role, sure, why = ROLE_BARRIER, barriers.confidence, barriers.reason
        elif column in rule_columns or column in funnel:
            role = ROLE_FUNNEL
            tier = rule_columns.get(column)
            what = _FUNNEL_WORDS.get(funnel.get(column, ""), "")
            sure = tier.confidence if tier else "likely"
            why = "; ".join(filter(None, [f"funnel column: {what}" if what else "",
                                          f"the {tier.tier} rule uses it" if tier else
                                          "not used by the proposed rules"]))
        elif column in profile:
            role, sure, why = ROLE_PROFILE, draft.profile.confidence, draft.profile.reason
        elif column in basis:
            role, sure, why = ROLE_BASIS, draft.basis.confidence, draft.basis.reason
        else:
            role, why = ROLE_IGNORED, "not used by the proposal"
        rows.append({COLUMN: column, QUESTION: meta.labels.get(column, ""), ROLE: role,
                     EXAMPLES: _examples(frame[column]), ATTRIBUTE: attribute, SCALE: scale,
                     SEGMENT: column in basis, SURE: sure, WHY: why})
    table = pd.DataFrame(rows, columns=[COLUMN, QUESTION, ROLE, EXAMPLES, ATTRIBUTE, SCALE,
                                        SEGMENT, SURE, WHY])
    if not table[QUESTION].astype(bool).any():
        table = table.drop(columns=QUESTION)
    return table


# ---- from the edited mapping to a schema --------------------------------------------------


@dataclass(frozen=True)
class TierCount:
    """How many respondents a tier's rule takes (first match wins), and their weighted share."""

    n: int
    share: float
    weighted_share: float | None  # None without a usable weight


@dataclass
class Built:
    """The edited mapping as a schema: its TOML text, or the problems that stop it."""

    toml: str
    schema: Schema | None
    problems: list[str] = field(default_factory=list)
    counts: dict[str, TierCount] = field(default_factory=dict)
    rule_errors: dict[str, str] = field(default_factory=dict)
    unclassified: int = 0

    @property
    def ok(self) -> bool:
        return self.schema is not None and not self.problems


def rule_sentence(message: str) -> str:
    """A rule's error as a sentence under its input: without the ``rule 'x':`` prefix."""
    text = re.sub(r"^(?:[^:]*: )?rule '[^']*': ", "", message).strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def _scale(text: str) -> tuple[float, float] | None | str:
    """``"1 to 5"``, ``"1-5"``, ``"[0, 10]"`` -> (1, 5); empty or a word -> None; else the
    text back (unreadable)."""
    text = str(text or "").strip()
    if text in ("", _TEXT_SCALE, _YES_NO_SCALE):
        return None
    number = r"([-+]?\d+(?:[.,]\d+)?)"
    found = re.fullmatch(rf"\[?\s*{number}\s*(?:to|-|–|—|\.\.|,|;)\s*{number}\s*\]?",
                         text, flags=re.IGNORECASE)
    if found is None:
        return text
    lo, hi = (float(g.replace(",", ".")) for g in found.groups())
    return (lo, hi) if lo < hi else text


def _attribute_key(column: str) -> str:
    """An attribute name for a rating the user marked: its column name without the role
    words (``imp_price`` -> ``price``)."""
    name = re.sub(r"^(imp|importance|perf|performance|rating|sat)[_\s.-]+", "", column,
                  flags=re.IGNORECASE)
    return name or column


def _guess(original: Guess | None, value: Any) -> Guess:
    if original is not None and original.value == value:
        return original
    return Guess(value, _CHOSEN, "set in the app")


def _entries(columns: list[str], original: Sequence[str], every: Sequence[str]) -> list[str]:
    """The draft's entries (patterns) when they still match exactly these columns."""
    if set(_expand(original, every)) == set(columns):
        return list(original)
    return [_glob_escape(c) for c in columns]


def _rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    rows = table.to_dict("records")
    for row in rows:
        row[ROLE] = row.get(ROLE) or ROLE_IGNORED
        row[ATTRIBUTE] = str(row.get(ATTRIBUTE) or "").strip()
        row[SCALE] = str(row.get(SCALE) or "").strip()
        row[SEGMENT] = bool(row.get(SEGMENT)) if not pd.isna(row.get(SEGMENT)) else False
    return rows


def _attributes(rows: list[dict[str, Any]], draft: Draft,
                problems: list[str]) -> list[AttributeGuess]:
    known = {a.name: a for a in [*draft.attributes, *draft.derived]}
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row[ROLE] not in (ROLE_IMPORTANCE, ROLE_PERFORMANCE):
            continue
        column = row[COLUMN]
        name = row[ATTRIBUTE] or _attribute_key(column)
        kind = "importance" if row[ROLE] == ROLE_IMPORTANCE else "performance"
        spec = found.setdefault(name, {"importance": None, "performance": None, "scales": {}})
        if spec[kind] is not None:
            problems.append(f"Attribute '{name}' has two {kind} ratings ({spec[kind]} and "
                            f"{column}): give one of them another attribute name.")
            continue
        spec[kind] = column
        scale = _scale(row[SCALE])
        if isinstance(scale, str):
            problems.append(f"The scale of {column} ('{scale}') is not a range: write it as "
                            "low to high, e.g. 1 to 5, or leave it empty to take the answers' "
                            "range.")
            continue
        spec["scales"][column] = scale
    attributes = []
    for name, spec in found.items():
        scales = {s for s in spec["scales"].values() if s is not None}
        if len(scales) > 1:
            shown = " and ".join(f"{lo:g} to {hi:g}" for lo, hi in sorted(scales))
            problems.append(f"Attribute '{name}' has two scales ({shown}): its importance and "
                            "performance ratings are read on one scale, give both the same.")
        scale = min(scales) if scales else None
        old = known.get(name)
        if (old is not None and old.importance == spec["importance"]
                and old.performance == spec["performance"] and old.scale == scale):
            attributes.append(old)
            continue
        attributes.append(AttributeGuess(
            name, spec["importance"], spec["performance"], scale,
            missing=old.missing if old is not None else (),
            label=old.label if old is not None else None, confidence=_CHOSEN,
            reason="set in the app",
            reverse=bool(old.reverse and spec["performance"]) if old is not None else False))
    return attributes


def _one(rows: list[dict[str, Any]], role: str, what: str, problems: list[str]) -> str | None:
    chosen = [row[COLUMN] for row in rows if row[ROLE] == role]
    if len(chosen) > 1:
        problems.append(f"Only one column can be the {what}; {_listed(chosen)} are all "
                        "marked: keep one.")
    return chosen[0] if chosen else None


def _listed(names: Sequence[str]) -> str:
    shown = [str(n) for n in names[:4]]
    return (", ".join(shown[:-1]) + " and " + shown[-1] if len(shown) > 1 else shown[0]) + (
        f" (and {len(names) - 4} more)" if len(names) > 4 else "")


def _weights(frame: pd.DataFrame, column: str | None) -> np.ndarray | None:
    if column is None:
        return None
    w = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    return w if np.all(np.isfinite(w)) and np.all(w > 0) else None


def orders(draft: Draft) -> dict[str, list[str]]:
    """The draft's ``[order]``: text levels, lowest first, by column."""
    return {column: list(guess.value) for column, guess in draft.order.items()}


def count_tiers(frame: pd.DataFrame, rules: Mapping[str, str], order: Mapping[str, Sequence[str]],
                weights: np.ndarray | None = None,
                ) -> tuple[dict[str, TierCount], dict[str, str], int]:
    """Evaluate the rules on the file as the analysis will (the project's rule parser, first
    match wins): counts per tier, one sentence per rule that does not run, and how many
    respondents no rule takes.  A rule that does not run takes nobody here."""
    n = len(frame)
    open_rows = np.ones(n, dtype=bool)
    counts: dict[str, TierCount] = {}
    errors: dict[str, str] = {}
    total = float(weights.sum()) if weights is not None else None
    for tier in TIERS:
        text = (rules.get(tier) or "").strip()
        if not text:
            continue
        try:
            hit = parse_rule(text, tier).evaluate(frame, order).to_numpy() & open_rows
        except NoncustomersError as exc:
            errors[tier] = str(exc)
            continue
        open_rows &= ~hit
        counts[tier] = TierCount(int(hit.sum()), float(hit.mean()) if n else 0.0,
                                 float(weights[hit].sum()) / total if total else None)
    return counts, errors, int(open_rows.sum())


def build(prepared: Prepared, table: pd.DataFrame, rules: Mapping[str, str]) -> Built:
    """The edited mapping (``table``: rows as :func:`proposal_table` gives them, edited; the
    rules by tier) as a schema: the draft with the edits, written by :meth:`Draft.toml` and
    read back by :func:`parse_schema`.  Every problem is one sentence."""
    draft, frame = prepared.draft, prepared.frame
    columns = [str(c) for c in frame.columns]
    rows = _rows(table)
    problems: list[str] = []

    id_column = _one(rows, ROLE_ID, "respondent id", problems)
    weight = _one(rows, ROLE_WEIGHT, "survey weight", problems)
    outcome = _one(rows, ROLE_OUTCOME, "outcome", problems)
    attributes = _attributes(rows, draft, problems)
    basis = [row[COLUMN] for row in rows if row[ROLE] == ROLE_BASIS or (
        row[SEGMENT] and row[ROLE] not in (ROLE_ID, ROLE_WEIGHT))]
    profile = [row[COLUMN] for row in rows if row[ROLE] == ROLE_PROFILE or (
        row[ROLE] == ROLE_OUTCOME and row[COLUMN] == outcome)]
    barrier_columns = [row[COLUMN] for row in rows if row[ROLE] == ROLE_BARRIER]

    if not (rules.get("customers") or "").strip():
        problems.append("Write a rule for customers: who buys from the industry today.")
    counts, rule_errors, unclassified = count_tiers(frame, rules, orders(draft),
                                                    _weights(frame, weight))
    problems.extend(rule_errors.values())

    # The draft with the edits: what was not changed keeps its reason and confidence.
    old_tiers = {t.tier: t for t in draft.tiers}
    tiers = []
    for tier in TIERS:
        text = (rules.get(tier) or "").strip()
        if not text:
            continue
        old = old_tiers.get(tier)
        count = counts.get(tier)
        base = old if old is not None and old.rule == text else TierGuess(
            tier, text, _CHOSEN, "written in the app")
        tiers.append(replace(base, count=count.n if count else None,
                             weighted_share=count.weighted_share if count else None))
    if not tiers:
        tiers = [TierGuess("customers", "true", _CHOSEN, "no rule yet")]

    multi = draft.barriers.multi if draft.barriers else None
    binary = [c for c in barrier_columns if c != multi]
    barriers = None
    if barrier_columns:
        old = draft.barriers or BarrierGuess(confidence=_CHOSEN, reason="set in the app")
        keep_multi = multi if multi in barrier_columns else None
        entries = _entries(binary, old.columns, columns) if binary else []
        labels = {k: v for k, v in old.labels.items()
                  if k in binary or (keep_multi and k not in columns)}
        barriers = replace(old, columns=tuple(entries), multi=keep_multi, labels=labels)

    only_derived = not draft.attributes and attributes == list(draft.derived)
    edited = replace(
        draft,
        id=_guess(draft.id, id_column or ROW_ID),
        weight=_guess(draft.weight, weight) if weight else None,
        attributes=[] if only_derived else attributes,
        derived=attributes if only_derived else [],
        tiers=tiers,
        importance=_guess(draft.importance, outcome) if outcome else None,
        basis=_guess(draft.basis, _entries(basis, draft.basis.value, columns)),
        profile=_guess(draft.profile, _entries(profile, draft.profile.value, columns)),
        barriers=barriers,
        notes=list(draft.notes),
    )
    toml = edited.toml().replace("written by `noncustomers init`.",
                                 "set up in the noncustomers app from the draft of "
                                 "`noncustomers init`.", 1)
    schema = None
    try:
        schema = parse_schema(toml, source=SOURCE)
        schema.check_columns(columns, prepared.name)
    except NoncustomersError as exc:
        # A rule that does not run is said once, under its input (count_tiers).
        said = tuple(f"rule '{tier}':" for tier in rule_errors)
        problems.extend(str(p) for p in (getattr(exc, "problems", None) or [exc])
                        if not any(s in str(p) for s in said))
        schema = None
    return Built(toml, schema, problems, counts, rule_errors, unclassified)


# ---- the set-up on the page ---------------------------------------------------------------

OVERVIEW_PAGE = "src/noncustomers/ui/pages/overview.py"
# Session keys.  Streamlit forgets a widget's state when a run does not show it (another
# page), so the edits are also kept under keys of their own and the widgets start from them.
_DIGEST, _TABLE, _BASE, _RULES = ("noncustomers.mapping.digest", "noncustomers.mapping.table",
                                  "noncustomers.mapping.base", "noncustomers.mapping.rules")
EDITOR_KEY = "mapping_table"


def rule_key(tier: str) -> str:
    return f"rule_{tier}"


def render(upload: Upload) -> None:
    """The set-up of an uploaded survey file: its columns, tier rules with live counts,
    segmentation, then Analyse (the sidebar analyses it on the next run) and the schema
    download: the Set up page, which app.py lists alone until the file is analysed."""
    st.title("Set up your survey")
    prepared, error = prepare(upload.data, upload.name)
    if prepared is None:
        st.error(error)
        return
    ss = st.session_state
    if ss.get(_DIGEST) != upload.digest:  # a new file: start from its proposal
        ss[_DIGEST] = upload.digest
        ss[_TABLE] = prepared.table
        ss[_RULES] = {t.tier: t.rule for t in prepared.draft.tiers}
        for key in [EDITOR_KEY, *(rule_key(tier) for tier in TIERS)]:
            ss.pop(key, None)
    rows, width = prepared.frame.shape
    st.markdown(f"**{upload.name}**: {rows:,} respondents, {width:,} columns. The app has read "
                "the file and proposes how to use each column and who counts as a customer. "
                "Check the proposal, change what is wrong, then click **Analyse** at the "
                "bottom.")
    table = _columns_step(ss, prepared.table)
    rules, slots = _tiers_step(ss, table)
    built = build(prepared, table, rules)
    _show_counts(built, slots)
    _segments_step(built)
    _analyse_step(upload, built)


_HELP = {
    QUESTION: "The question, as the file labels it",
    ROLE: "What the column is: see 'What the roles mean' above",
    EXAMPLES: "A few answers in the file",
    ATTRIBUTE: "For ratings: the factor rated (price, location...); an importance and a "
               "performance rating with the same name are paired",
    SCALE: "For ratings: the lowest and the highest answer, e.g. 1 to 5 (empty: the "
           "answers' range)",
    SEGMENT: "Respondents are grouped into segments by the ticked columns (and by every "
             "'Segmentation basis' column)",
    SURE: "How sure the proposal is: see 'Why these roles' below",
}


def _columns_step(ss: Any, proposal: pd.DataFrame) -> pd.DataFrame:
    """The table of columns and roles; returns it as edited."""
    st.subheader("1. What each column is")
    st.markdown("Click a column's **Role** to change it. Ratings with the same **Attribute** "
                "name are one factor: its importance and its performance. **How sure** says "
                "how sure the proposal is: *sure*, *likely* (check it) or *guess* (check it).")
    with st.expander("What the roles mean"):
        st.markdown("\n".join(f"- **{role}**: {meaning}"
                               for role, meaning in ROLE_MEANING.items()))
    if EDITOR_KEY not in ss:  # a fresh editor (a new file, or back from another page)
        ss[_BASE] = ss[_TABLE].drop(columns=WHY, errors="ignore")
    base = ss[_BASE]
    column = st.column_config
    longest = max((len(c) for c in base[COLUMN]), default=0)
    table = st.data_editor(
        base, key=EDITOR_KEY, hide_index=True, width="stretch", num_rows="fixed",
        height=min(38 + 35 * len(base), 562),
        column_config={
            COLUMN: column.TextColumn(COLUMN, disabled=True, pinned=True,
                                      width=min(190, max(70, 24 + 8 * longest))),
            QUESTION: column.TextColumn(QUESTION, disabled=True, width=240,
                                        help=_HELP[QUESTION]),
            ROLE: column.SelectboxColumn(ROLE, options=list(ROLES), required=True, width=205,
                                         help=_HELP[ROLE]),
            EXAMPLES: column.TextColumn(EXAMPLES, disabled=True, width=215,
                                        help=_HELP[EXAMPLES]),
            ATTRIBUTE: column.TextColumn(ATTRIBUTE, width=115, help=_HELP[ATTRIBUTE]),
            SCALE: column.TextColumn(SCALE, width=85, help=_HELP[SCALE]),
            SEGMENT: column.CheckboxColumn(SEGMENT, width=105, help=_HELP[SEGMENT]),
            SURE: column.TextColumn(SURE, disabled=True, width=80, help=_HELP[SURE]),
        })
    ss[_TABLE] = table
    ids = table.loc[table[ROLE] == ROLE_ID, COLUMN].tolist()
    weights = table.loc[table[ROLE] == ROLE_WEIGHT, COLUMN].tolist()
    st.caption((f"Each respondent is identified by **{ids[0]}**" if ids else
                "No column identifies the respondents: they are numbered 1 to n")
               + (f"; **{weights[0]}** weights them." if weights else
                  "; no column weights them, so every respondent counts once."))
    with st.expander("Why these roles"):
        st.dataframe(proposal[[COLUMN, ROLE, SURE, WHY]].rename(
                         columns={ROLE: "Proposed role"}), hide_index=True, width="stretch",
                     column_config={WHY: st.column_config.TextColumn(WHY, width="large")})
    return table


def _tiers_step(ss: Any, table: pd.DataFrame) -> tuple[dict[str, str], dict[str, Any]]:
    """One rule input per tier; returns the rules and, under each, a slot for its count."""
    st.subheader("2. Who is a customer, and who is not yet")
    st.markdown("Each respondent goes to the first tier whose rule matches, from the top. The "
                "counts follow as you type (press Enter).")
    with st.expander("How to write a rule"):
        st.markdown(
            "- Compare a column with an answer: `current_member == 'yes'`, "
            "`visits_per_month >= 4`; answers in words in quotes, numbers without.\n"
            "- Combine with `and`, `or`, `not` and parentheses; `region in ['North', 'East']`; "
            "`visits_per_month is missing`.\n"
            "- Answers that have an order (*Once a month* before *Once a week*) can be "
            "compared with `<`, `>=`.\n"
            "- `true` takes everyone the rules above have left: a good last rule.\n"
            "- Leave a tier empty when the survey cannot tell it.")
        funnel = table.loc[table[ROLE] == ROLE_FUNNEL, [COLUMN, EXAMPLES]]
        if len(funnel):
            st.markdown("The funnel columns and their answers:")
            st.dataframe(funnel, hide_index=True, width="stretch")
    rules: dict[str, str] = {}
    slots: dict[str, Any] = {}
    for tier in TIERS:
        key = rule_key(tier)
        if key not in ss:
            ss[key] = ss[_RULES].get(tier, "")
        name, who = TIER_LABELS[tier]
        rules[tier] = st.text_input(
            f"{name}: {who}", key=key,
            placeholder=("needed: e.g. current_member == 'yes'" if tier == "customers" else
                         "empty: nobody is placed in this tier"))
        ss[_RULES][tier] = rules[tier]
        slots[tier] = st.empty()
    return rules, slots


def _show_counts(built: Built, slots: Mapping[str, Any]) -> None:
    """Under each rule: how many respondents it takes, or why it does not run."""
    for tier, slot in slots.items():
        if tier in built.rule_errors:
            slot.error(rule_sentence(built.rule_errors[tier]))
        elif tier in built.counts:
            c = built.counts[tier]
            if c.n == 0:
                slot.warning("No respondent matches this rule (or the rules above take them "
                             "all).")
                continue
            weighted = (f"; {c.weighted_share:.0%} weighted" if c.weighted_share is not None
                        and round(c.weighted_share, 2) != round(c.share, 2) else "")
            slot.caption(f"→ {c.n:,} respondents ({c.share:.0%}{weighted})")
    if built.unclassified and not built.rule_errors:
        st.warning(f"{built.unclassified:,} respondents match no rule; they stay "
                   "'unclassified'. A last rule `true` (for the unexplored) places them.")


def _segments_step(built: Built) -> None:
    from noncustomers.segmentation.methods import METHODS

    st.subheader("3. Segments")
    method = st.session_state.get("method")
    if method not in METHODS:  # "as in the schema"
        method = built.schema.method if built.schema is not None else "kmeans"
    k = st.session_state.get("k")
    if not (k == "auto" or isinstance(k, int)):
        k = built.schema.k if built.schema is not None else "auto"
    how = ("as many segments per tier as the data support" if k == "auto" else
           f"{k} segments per tier")
    name = re.split(r"[,:]", METHODS[method].description)[0]
    st.markdown(f"Each tier is split into segments with **{name}**, **{how}**. Change the "
                "method or the number of segments in the sidebar, under **Segmentation**.")


def _analyse_step(upload: Upload, built: Built) -> None:
    from noncustomers.ui import state

    st.subheader("4. Analyse")
    others = [p for p in built.problems if p not in built.rule_errors.values()]
    if others:
        state.show_problems(others, "fix them above.")
    if built.rule_errors:
        st.warning("A tier rule above does not run: correct it to analyse.")
    analysed = analysed_toml(upload)
    loaded = state.current()
    if analysed is not None and loaded is not None and loaded.error:
        state.show_problems(loaded.error.split("\n"), "fix them above, then click Analyse "
                                                       "again.")
    elif analysed is not None and loaded is not None and analysed == built.toml:
        st.success("Analysed with this set-up.")
        st.page_link(OVERVIEW_PAGE, label="See the results: who buys, and who does not yet")
    elif analysed is not None:
        st.info("The set-up has changed since the last analysis: click Analyse to update the "
                "results.")
    row = st.container(horizontal=True)
    if row.button("Analyse", type="primary", key="analyse", disabled=not built.ok,
                   help="Run the analysis with this set-up (and the sidebar's seed and "
                        "segmentation)"):
        set_analysed(upload, built.toml)
        st.rerun()  # the sidebar analyses it; the app then opens the results
    row.download_button(
        "Download the schema file (TOML)", data=built.toml, key="dl_mapping",
        file_name=f"{Path(upload.name).stem}_schema.toml", mime="application/toml",
        on_click="ignore", disabled=not built.ok,
        help="This set-up as a schema file: upload it with the survey next time, or use it "
             "with `noncustomers analyze`.")
    with st.expander("See the schema file"):
        st.code(built.toml, language="toml")
