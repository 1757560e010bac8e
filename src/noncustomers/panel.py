"""Panel: a validated survey file together with its schema.

:func:`read_panel` reads the file, checks every rule of the schema against it
and collects the cleaned answers the analysis works on, so everything
downstream works on checked data only.

Answers are encoded as a methodologist would (the rules are in the README,
"Binary, ordinal and nominal answers"):

- numbers stay numbers, with the schema's missing codes turned into NaN;
- binary answers score 0/1, 1 being the positive level: 0/1 codes (labelled or not),
  ``True/False``, and two-level text such as ``Yes/No`` or ``Selected/Not selected``
  (any case); other two-level text needs its levels under ``[order]``, the last one
  counting as 1;
- ordinal text, its levels listed lowest first under ``[order]``, scores 0 to L-1;
- nominal text (more than two levels, no order) is one-hot encoded into basis
  columns named ``<column>=<level>``; attribute ratings cannot be nominal.

Missing answers stay NaN everywhere (the segmentation imputes them).
"""

from __future__ import annotations

import dataclasses
import json
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from noncustomers.errors import DataError, RuleError, SchemaError, collect_problems
from noncustomers.io import SurveyMeta, file_sha256, read_survey
from noncustomers.vocabulary import ROW_ID, ROW_ID_COLUMN
from noncustomers.limits import MAX_WEIGHT, MIN_WEIGHT
from noncustomers.schema import Attribute, Schema, load_schema

__all__ = ["ENCODINGS", "Panel", "read_panel", "panel_from_frame"]

ENCODINGS: tuple[str, ...] = ("numeric", "ordinal", "binary", "nominal")
POSITIVE_LEVELS = ("yes", "true", "selected")
NEGATIVE_LEVELS = ("no", "false", "not selected")


@dataclass
class Panel:
    """Validated panel data plus its schema.

    Attributes
    ----------
    data : DataFrame
        The file as read, rows in file order (SPSS/Stata value labels applied,
        user-defined missing answers as missing).
    schema : Schema
    weights : ndarray
        One positive survey weight per row (all 1 without a weight column).
    scales : dict
        ``attribute -> (lo, hi)``, from the schema or observed.
    answers : DataFrame
        Numeric attribute columns and encoded basis columns (see ``basis_encoded``),
        missing answers as NaN.
    source : str
        Where the data came from (file name), used in messages.
    notes : list of str
        Warnings raised while reading (also issued with :func:`warnings.warn`).
    labels : dict
        ``column -> variable label`` (the question text) from an SPSS or Stata file.
    value_labels : dict
        ``column -> {code: label}`` from an SPSS or Stata file.
    user_missing : dict
        ``column -> Series``: the user-defined missing answer (e.g. "Don't know") each
        respondent gave in that column, NaN elsewhere; those answers are missing in
        ``data`` and ``answers``.
    encoding : dict
        ``basis column -> "numeric" | "ordinal" | "binary" | "nominal"``, in basis order.
    basis_encoded : list of str
        The columns of ``answers`` that the segmentation clusters, in order: each basis
        column under its own name, except nominal ones, which become one 0/1 column per
        level named ``<column>=<level>``.  Empty when the schema has no basis.
    basis_groups : dict
        ``basis column -> its columns in basis_encoded``.
    barriers : DataFrame
        One 0/1 column per reason for not buying (schema ``[barriers]``), NaN where the
        respondent was not asked; a binary column keeps its name, a multi-response answer
        is named ``<column>=<answer>``.  No columns without ``[barriers]``.
    barrier_labels : dict
        ``barrier -> text`` for reports (schema labels, else variable labels, else the answer).
    rfm : DataFrame
        ``recency, frequency, monetary`` as numbers (NaN when missing) when the schema maps
        ``[rfm]``; no columns otherwise.
    """

    data: pd.DataFrame
    schema: Schema
    weights: np.ndarray
    scales: dict[str, tuple[float, float]]
    answers: pd.DataFrame
    source: str = "panel"
    notes: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    user_missing: dict[str, pd.Series] = field(default_factory=dict)
    encoding: dict[str, str] = field(default_factory=dict)
    basis_encoded: list[str] = field(default_factory=list)
    basis_groups: dict[str, list[str]] = field(default_factory=dict)
    barriers: pd.DataFrame = field(default_factory=pd.DataFrame)
    barrier_labels: dict[str, str] = field(default_factory=dict)
    rfm: pd.DataFrame = field(default_factory=pd.DataFrame)
    spend: np.ndarray | None = None  # [prize] spend per respondent (NaN: not given)
    sha256: str = ""  # of the file read (recorded in config.toml); empty for a data frame
    #: tier -> (its rule's text, the rows it matches), from the dry run of the rules when
    #: the panel was read (so :func:`~noncustomers.tiers.assign_tiers` need not evaluate
    #: them again; it does when the rule's text differs).
    rule_hits: dict[str, tuple[str, np.ndarray]] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.data)

    @property
    def ids(self) -> pd.Series:
        return self.data[self.schema.id]

    @property
    def id_name(self) -> str:
        """The id column's name in outputs (``row`` for ``id = "@row"``)."""
        return ROW_ID_COLUMN if self.schema.id == ROW_ID else self.schema.id

    @property
    def basis(self) -> list[str]:
        """Columns clustered into segments (schema patterns expanded), before encoding."""
        return self.schema.basis_columns(list(self.data.columns))

    def label(self, column: str) -> str:
        """The variable label of a column for display, or the column name without one."""
        return self.labels.get(column) or column

    def describe(self, column: str) -> str:
        """A column in people's words: its SPSS/Stata variable label; else the label of the
        attribute it rates, with the role (``Low price (importance)``); an encoded nominal
        level ``col=level`` as ``<column's words>: <level>``; else its name."""
        if self.labels.get(column):
            return self.labels[column]
        for attr in self.schema.attributes.values():
            if column == attr.importance:
                return f"{attr.display} (importance)"
            if column == attr.performance:
                return f"{attr.display} (performance)"
        if "=" in column:
            base, _, level = column.partition("=")
            if base in self.data.columns:
                return f"{self.describe(base)}: {level}"
        if column in self.barrier_labels:
            return self.barrier_labels[column]
        return column

    @property
    def outcome(self) -> np.ndarray | None:
        """The ``[importance] derived_from`` outcome as numbers (NaN missing), or None."""
        column = self.schema.importance_from
        return None if column is None else self.answers[column].to_numpy(dtype=float)

    def ratings(self, attribute: str, kind: str) -> np.ndarray | None:
        """Cleaned ``importance`` or ``performance`` answers of an attribute, NaN when missing."""
        column = getattr(self.schema.attributes[attribute], kind)
        return None if column is None else self.answers[column].to_numpy(dtype=float)

    def select(self, rows: np.ndarray | None = None, *, weighted: bool = True) -> Panel:
        """The panel of some respondents, or without its weights.

        Parameters
        ----------
        rows : boolean array, optional
            One flag per respondent, True to keep (default: everyone).
        weighted : bool
            False gives every respondent the weight 1 (the unweighted view).

        Returns
        -------
        Panel
            Rows in the same order; its notes, labels and scales are this panel's.
        """
        keep = np.ones(len(self), dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
        if keep.shape != (len(self),):
            raise ValueError(f"select needs one flag per respondent ({len(self)}), got "
                             f"{keep.shape}")

        def rows_of(frame):  # renumbered 0..n-1, as a panel read from a file is
            if isinstance(frame, pd.DataFrame) and frame.empty and not len(frame):
                return frame
            return frame.loc[keep].reset_index(drop=True)

        weights = self.weights[keep] if weighted else np.ones(int(keep.sum()))
        return dataclasses.replace(
            self, data=rows_of(self.data), weights=weights, answers=rows_of(self.answers),
            user_missing={c: rows_of(s) for c, s in self.user_missing.items()},
            barriers=rows_of(self.barriers), rfm=rows_of(self.rfm),
            spend=None if self.spend is None else self.spend[keep],
            rule_hits={t: (text, hits[keep]) for t, (text, hits) in self.rule_hits.items()})


@dataclass
class _Encoded:
    """One column as the analysis sees it."""

    kind: str  # one of ENCODINGS
    values: np.ndarray | None  # scores, NaN = missing (None for nominal)
    levels: tuple[str, ...] = ()  # text levels: lowest first, or in column order (nominal)
    text: np.ndarray | None = None  # nominal: each row's level, None when missing
    scored: bool = False  # values are positions 0..L-1 in the column's [order]


def _row(panel: pd.DataFrame, id_col: str, i: int) -> str:
    ident = panel[id_col].iloc[i] if id_col in panel.columns else None
    return f"data row {i + 1}" + (f" (id {ident})" if ident is not None and not pd.isna(ident) else "")


def _numeric(frame: pd.DataFrame, column: str, source: str, id_col: str, role: str,
             levels_hint: bool = False) -> np.ndarray:
    raw = frame[column]
    if pd.api.types.is_bool_dtype(raw):
        return raw.to_numpy(dtype=float, copy=True)
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan, copy=True)
    bad = np.flatnonzero(np.isnan(values) & raw.notna().to_numpy())
    if bad.size:
        i = int(bad[0])
        raise DataError(f"{source}: column '{column}' ({role}) has the non-numeric value "
                        f"'{raw.iloc[i]}' in {_row(frame, id_col, i)}"
                        + (f" and {bad.size - 1} more rows" if bad.size > 1 else "")
                        + "; expected numbers (declare no-answer codes under 'missing')"
                        + (f", or list every text level, lowest first, under [order] "
                           f"{_toml_key(column)}" if levels_hint else ""))
    return values


def _toml_key(column: str) -> str:
    return column if re.fullmatch(r"[A-Za-z0-9_-]+", column) else json.dumps(column)


def _levels_list(levels: list[str]) -> str:
    return "[" + ", ".join(json.dumps(str(level), ensure_ascii=False) for level in levels) + "]"


def _text_levels(text: np.ndarray) -> list[str]:
    """Distinct non-missing text values, sorted."""
    return sorted(pd.unique(text[~pd.isna(text)]).tolist())


def _as_text(raw: pd.Series, present: np.ndarray) -> np.ndarray:
    """Each row's answer as text, None when missing."""
    text = raw.to_numpy(dtype=object, copy=True)
    if not pd.api.types.is_string_dtype(raw):
        text = np.array([str(v) for v in text], dtype=object)
    text[~present] = None
    return text


def _yes_no(text: np.ndarray) -> _Encoded | None:
    """Score a yes/no-like text column 0/1, or None when its levels are not such a pair."""
    mapping: dict[str, float] = {}
    seen: dict[float, set[str]] = {0.0: set(), 1.0: set()}
    for level in _text_levels(text):
        key = " ".join(level.split()).casefold()
        score = 1.0 if key in POSITIVE_LEVELS else 0.0 if key in NEGATIVE_LEVELS else None
        if score is None:
            return None
        mapping[level] = score
        seen[score].add(key)
    if not mapping or len(seen[0.0]) > 1 or len(seen[1.0]) > 1:
        return None
    values = pd.Series(text, dtype=object).map(mapping).to_numpy(dtype=float, na_value=np.nan)
    low = next((lv for lv, s in mapping.items() if s == 0.0), "no")
    high = next((lv for lv, s in mapping.items() if s == 1.0), "yes")
    return _Encoded("binary", values, levels=(low, high))


def _ordered(frame: pd.DataFrame, column: str, role: str, text: np.ndarray,
             levels: tuple[str, ...], source: str, id_col: str) -> _Encoded:
    """Score text by its position in the declared ``[order]`` (0 = lowest)."""
    rank = {str(level): float(i) for i, level in enumerate(levels)}
    values = pd.Series(text, dtype=object).map(rank).to_numpy(dtype=float, na_value=np.nan)
    bad = np.flatnonzero(np.isnan(values) & ~pd.isna(text)).tolist()
    if bad:
        raise DataError(f"{source}: column '{column}' ({role}) has the value '{text[bad[0]]}' in "
                        f"{_row(frame, id_col, bad[0])}"
                        + (f" and {len(bad) - 1} more rows" if len(bad) > 1 else "")
                        + f", which is not one of its [order] levels {list(levels)}; add it "
                          f"to [order] {_toml_key(column)} in the schema")
    return _Encoded("binary" if len(levels) == 2 else "ordinal", values, levels=tuple(levels),
                    scored=True)


def _nominal(schema: Schema, column: str, role: str, text: np.ndarray,
             levels: list[str]) -> _Encoded:
    """One-hot levels of a text column with more than two levels and no order."""
    key = _toml_key(column)
    if len(levels) == 2:
        raise SchemaError(f"{schema.source}: column '{column}' ({role}) has two text levels, "
                          f"'{levels[0]}' and '{levels[1]}', and no order; add [order] {key} = "
                          f"{_levels_list(levels)} to the schema, lowest first (the last level "
                          "counts as 1)")
    if len(levels) == 1:
        raise SchemaError(f"{schema.source}: column '{column}' ({role}) has the single text "
                          f"level '{levels[0]}' and no order; list its levels under [order], "
                          f"e.g. {key} = {_levels_list([levels[0], '...'])}, lowest first "
                          "(the last level counts as 1)")
    return _Encoded("nominal", None, levels=tuple(levels), text=text)


def _numbers_kind(values: np.ndarray) -> _Encoded:
    present = values[~np.isnan(values)]
    binary = present.size > 0 and bool(np.isin(present, (0.0, 1.0)).all())
    return _Encoded("binary" if binary else "numeric", values)


def _encode(frame: pd.DataFrame, column: str, role: str, schema: Schema, meta: SurveyMeta,
            missing: tuple[float, ...], source: str, rating: bool) -> _Encoded:
    """Encode one attribute (``rating=True``) or basis column; raise on what cannot be."""
    raw = frame[column]
    id_col = schema.id
    declared = schema.order.get(column)
    codes = meta.codes.get(column)
    if codes is not None and len(codes) == len(raw):
        # An SPSS/Stata column read as its labels: the codes behind them are numbers.
        numbers = codes.to_numpy(dtype=float, na_value=np.nan, copy=True)
        numbers[np.isin(numbers, missing)] = np.nan
        present = ~np.isnan(numbers) & raw.notna().to_numpy()
        text = _as_text(raw, present)
        if declared is not None:
            return _ordered(frame, column, role, text, declared, source, id_col)
        observed = np.unique(numbers[present])
        if observed.size and np.isin(observed, (0.0, 1.0)).all():
            labels = meta.value_labels.get(column, {})
            return _Encoded("binary", np.where(present, numbers, np.nan),
                            levels=(labels.get(0.0, "0"), labels.get(1.0, "1")))
        binary = _yes_no(text)
        if binary is not None:
            return binary
        if rating:  # a labelled rating scale: score its codes
            return _Encoded("numeric", np.where(present, numbers, np.nan))
        pairs = pd.DataFrame({"code": numbers[present], "level": text[present]})
        by_code = pairs.drop_duplicates().sort_values("code", kind="stable")["level"]
        return _nominal(schema, column, role, text, list(dict.fromkeys(by_code)))
    if pd.api.types.is_bool_dtype(raw):
        return _Encoded("binary", raw.to_numpy(dtype=float, na_value=np.nan, copy=True))
    if pd.api.types.is_numeric_dtype(raw):
        values = _numeric(frame, column, source, id_col, role)
        values[np.isin(values, missing)] = np.nan
        return _numbers_kind(values)
    present = raw.notna().to_numpy()
    text = _as_text(raw, present)
    if declared is not None:
        return _ordered(frame, column, role, text, declared, source, id_col)
    numbers = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if (~np.isnan(numbers)).any() or not present.any():  # numbers written as text
        values = _numeric(frame, column, source, id_col, role, levels_hint=True)  # raises on text
        values[np.isin(values, missing)] = np.nan
        return _numbers_kind(values)
    binary = _yes_no(text)
    if binary is not None:
        return binary
    levels = _text_levels(text)
    if rating and len(levels) > 2:
        raise SchemaError(f"{schema.source}: column '{column}' ({role}) holds text such as "
                          f"'{levels[0]}'; ratings must be numbers or yes/no answers, or text "
                          f"levels listed lowest first under [order], e.g. {_toml_key(column)} "
                          f"= {_levels_list(levels[:6])} in the right order")
    return _nominal(schema, column, role, text, levels)


def _answer_notes(schema: Schema, answers: dict[str, np.ndarray], basis: list[str]) -> list[str]:
    """Usable-but-odd answers: attribute columns mostly or wholly unanswered, constant basis."""
    notes = []
    for attr in schema.attributes.values():
        for column in attr.columns:
            # Performance is often asked only of users, so only its absence is odd.
            mostly = 0.5 if column == attr.importance else 1.0
            values = answers.get(column)
            if values is None or not len(values):
                continue
            missing = float(np.isnan(values).mean())
            if missing == 1:
                notes.append(f"{schema.source}: nobody answered column '{column}' (attribute "
                             f"'{attr.name}'); its figures are empty")
            elif missing > mostly:
                notes.append(f"{schema.source}: column '{column}' (attribute '{attr.name}') is "
                             f"missing for {missing:.0%} of respondents; its figures rest on the "
                             "rest")
    for column in basis:
        values = answers.get(column)
        if values is None:
            continue
        present = values[~np.isnan(values)]
        if present.size and np.all(present == present[0]):
            notes.append(f"{schema.source}: basis column '{column}' has the same answer for "
                         "everyone; it cannot tell segments apart")
    return notes


def panel_from_frame(frame: pd.DataFrame, schema: Schema, source: str = "panel",
                     meta: SurveyMeta | None = None) -> Panel:
    """Validate an in-memory table against a schema (see :func:`read_panel`).

    ``meta`` carries the labels and codes of an SPSS or Stata file
    (:func:`noncustomers.io.read_survey`); leave it out for any other table.
    """
    frame = frame.reset_index(drop=True)
    meta = meta if meta is not None else SurveyMeta()
    if len(frame) == 0:
        raise DataError(f"{source}: the panel has no data rows")
    if schema.id == ROW_ID:  # the row number, 1 to n, identifies each respondent
        if ROW_ID in frame.columns:
            raise DataError(f"{source}: the panel has a column named '{ROW_ID}', which "
                            f"id = \"{ROW_ID}\" would hide; rename it or name the id column")
        frame.insert(0, ROW_ID, np.arange(1, len(frame) + 1))
    schema.check_columns(list(frame.columns), source)  # absent columns: all, at once
    notes: list[str] = []
    id_col = schema.id
    problems = collect_problems()  # every independent problem below, reported together

    ids = frame[id_col]
    with problems.check():
        missing_ids = np.flatnonzero(ids.isna().to_numpy()
                                     | (ids.astype("string").str.strip() == "").fillna(False)
                                     .to_numpy())
        if missing_ids.size:
            raise DataError(f"{source}: column '{id_col}' (id) is empty in data row "
                            f"{missing_ids[0] + 1}; every respondent needs an id")
    with problems.check():
        dup = ids.duplicated(keep=False).to_numpy()
        if dup.any():
            repeated = pd.unique(ids[dup])
            shown = []
            for value in repeated[:3]:
                rows = [str(r) for r in np.flatnonzero((ids == value).to_numpy()) + 1]
                listed = (", ".join(rows[:-1]) + " and " + rows[-1]) if len(rows) <= 4 else (
                    ", ".join(rows[:3]) + f" and {len(rows) - 3} more")
                shown.append(f"'{value}' in data rows {listed}")
            what = (shown[0] if len(repeated) == 1 else
                    f"{len(repeated):,} ids: " + "; ".join(shown)
                    + ("; ..." if len(repeated) > 3 else ""))
            raise DataError(f"{source}: column '{id_col}' (id) repeats {what}; ids must be "
                            "unique: fix them, or number the rows with id = \"@row\" in the "
                            "schema")

    w = np.ones(len(frame))
    if schema.weight:
        with problems.check():
            w = _numeric(frame, schema.weight, source, id_col, "weight")
            with np.errstate(invalid="ignore"):
                bad = np.flatnonzero(~((w >= MIN_WEIGHT) & (w <= MAX_WEIGHT)))
            if bad.size:
                i = int(bad[0])
                shown = "empty" if np.isnan(w[i]) else f"{w[i]:g}"
                raise DataError(f"{source}: column '{schema.weight}' (weight) is {shown} in "
                                f"{_row(frame, id_col, i)}; weights must be positive numbers "
                                f"from {MIN_WEIGHT:g} to {MAX_WEIGHT:g}")

    answers: dict[str, np.ndarray] = {}
    encoded: dict[str, _Encoded] = {}
    scales: dict[str, tuple[float, float]] = {}
    for attr in schema.attributes.values():
        with problems.check():
            scales[attr.name] = _attribute_scale(frame, schema, attr, source, meta, answers,
                                                 encoded, notes)

    if schema.importance_from:
        with problems.check():
            column = schema.importance_from
            enc = encoded.get(column) or _encode(frame, column, "importance.derived_from",
                                                 schema, meta, schema.missing, source,
                                                 rating=True)
            if enc.kind == "nominal" or enc.values is None:
                raise DataError(f"{source}: column '{column}' (importance.derived_from) holds "
                                f"unordered text ({', '.join(map(str, enc.levels[:4]))}...); "
                                f"give its levels lowest first in [order], e.g. {column} = "
                                "[\"Never\", \"Sometimes\", \"Often\"]")
            answers[column] = enc.values

    encoding: dict[str, str] = {}
    groups: dict[str, list[str]] = {}
    rating_columns = {c for attr in schema.attributes.values() for c in attr.columns}
    for column in schema.basis_columns(list(frame.columns)):
        if column in rating_columns and column not in encoded:
            continue  # its attribute's problem is already reported
        with problems.check():
            enc = encoded.get(column)
            if enc is None:
                enc = _encode(frame, column, "segmentation basis", schema, meta, schema.missing,
                              source, rating=False)
            encoding[column] = enc.kind
            if enc.kind == "nominal":
                absent = pd.isna(enc.text)
                groups[column] = []
                for level in enc.levels:
                    name = f"{column}={level}"
                    answers[name] = np.where(absent, np.nan, (enc.text == level).astype(float))
                    groups[column].append(name)
            else:
                answers.setdefault(column, enc.values)
                groups[column] = [column]

    barriers, barrier_labels = pd.DataFrame(index=frame.index), {}
    with problems.check():
        barriers, barrier_labels = _barriers(frame, schema, meta, source)
    rfm_columns = {}
    for role, column in schema.rfm.items():
        with problems.check():
            rfm_columns[role] = _numeric(frame, column, source, id_col, f"rfm.{role}")
    rfm = pd.DataFrame(rfm_columns, index=frame.index)
    spend = None
    if schema.prize_spend:
        with problems.check():
            spend = _numeric(frame, schema.prize_spend, source, id_col, "prize.spend")
            negative = np.flatnonzero(spend < 0)
            if negative.size:
                i = int(negative[0])
                raise DataError(f"{source}: column '{schema.prize_spend}' (prize.spend) is "
                                f"{spend[i]:g} in {_row(frame, id_col, i)}; spend cannot be "
                                "negative")
    rule_hits = {}
    for tier, rule in schema.tiers.items():  # dry run: a rule that cannot be evaluated
        with problems.check():
            try:
                rule_hits[tier] = (rule.text,
                                   rule.evaluate(frame, schema.order).to_numpy(dtype=bool))
            except RuleError as exc:
                raise RuleError(f"{schema.source}: {exc}") from None
    problems.raise_if_any()

    notes.extend(_answer_notes(schema, answers, [c for cols in groups.values() for c in cols]))
    for note in notes:
        warnings.warn(note, UserWarning, stacklevel=3)
    return Panel(frame, schema, w, scales, pd.DataFrame(answers, index=frame.index), source,
                 notes, labels=dict(meta.labels), value_labels=dict(meta.value_labels),
                 user_missing=dict(meta.user_missing), encoding=encoding,
                 basis_encoded=[c for cols in groups.values() for c in cols], basis_groups=groups,
                 barriers=barriers, barrier_labels=barrier_labels, rfm=rfm, spend=spend,
                 rule_hits=rule_hits)


def _code_key(value: Any) -> str:
    """A code as text, so 2, 2.0 and '2' match: '2'."""
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return str(value).strip()


def _multi_answers(raw: pd.Series, separator: str, missing: tuple[float, ...],
                   value_labels: dict[Any, str]) -> list[set[str] | None]:
    """Each row's set of answers in a multi-response column; None when not asked.

    Answers are split on ``separator``; codes with a value label (SPSS/Stata) become their
    label, so "1,2" and a cell already shown as "Too expensive" agree; the schema's missing
    codes are dropped, and a cell left with no answer counts as not asked.
    """
    by_code = {_code_key(code): str(label) for code, label in value_labels.items()}
    codes = {_code_key(code) for code in missing}
    out: list[set[str] | None] = []
    for cell in raw.astype(object):
        if cell is None or (not isinstance(cell, str) and pd.isna(cell)):
            out.append(None)
            continue
        parts = [p.strip() for p in str(cell).split(separator)]
        answers = {by_code.get(_code_key(p), p) for p in parts
                   if p and _code_key(p) not in codes}
        out.append(answers or None)
    return out


def _barriers(frame: pd.DataFrame, schema: Schema, meta: SurveyMeta,
              source: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The 0/1 reasons-for-not-buying table of ``[barriers]`` (see :class:`Panel`)."""
    spec = schema.barriers
    if spec is None:
        return pd.DataFrame(index=frame.index), {}
    values: dict[str, np.ndarray] = {}
    labels: dict[str, str] = {}
    missing = schema.missing if spec.missing is None else spec.missing
    for column in schema.barrier_columns(list(frame.columns)):
        enc = _encode(frame, column, "barrier", schema, meta, missing, source, rating=False)
        if enc.kind != "binary":
            raw = frame[column]
            if enc.values is not None:  # numbers other than 0/1
                bad = ~np.isnan(enc.values) & ~np.isin(enc.values, (0.0, 1.0))
            else:                       # text that is not a yes/no pair
                bad = raw.notna().to_numpy()
            i = int(np.flatnonzero(bad)[0])
            raise DataError(f"{source}: column '{column}' (barrier) has the value "
                            f"'{raw.iloc[i]}' in {_row(frame, schema.id, i)}; a barrier column "
                            "must be 0/1 or yes/no (1 = the respondent gave this reason)")
        values[column] = enc.values
        labels[column] = spec.labels.get(column) or meta.labels.get(column) or column
    if spec.multi:
        answers = _multi_answers(frame[spec.multi], spec.separator, missing,
                                 meta.value_labels.get(spec.multi, {}))
        for answer in sorted({a for row in answers if row is not None for a in row}):
            name = f"{spec.multi}={answer}"
            values[name] = np.array([np.nan if row is None else float(answer in row)
                                     for row in answers])
            labels[name] = spec.labels.get(answer) or spec.labels.get(name) or answer
    return pd.DataFrame(values, index=frame.index), labels


def _label_codes(meta: SurveyMeta, column: str, codes: tuple[float, ...]) -> list[float]:
    """Numeric codes with a value label in the file, less every kind of missing code."""
    out = []
    for code in meta.value_labels.get(column, {}):
        if isinstance(code, str) or code in codes:
            continue
        if any(not isinstance(lo, str) and lo <= code <= hi
               for lo, hi in meta.missing.get(column, [])):
            continue
        out.append(float(code))
    return out


def _attribute_scale(frame: pd.DataFrame, schema: Schema, attr: Attribute, source: str,
                     meta: SurveyMeta, answers: dict[str, np.ndarray],
                     encoded: dict[str, _Encoded], notes: list[str]) -> tuple[float, float]:
    codes = schema.missing_codes(attr)
    cleaned: dict[str, _Encoded] = {}
    for kind in ("importance", "performance"):
        column = getattr(attr, kind)
        if column is None:
            continue
        cleaned[column] = _encode(frame, column, f"{attr.name} {kind}", schema, meta, codes,
                                  source, rating=True)
    if attr.scale is not None:
        lo, hi = attr.scale
        for column, enc in cleaned.items():
            if enc.scored:  # [order] levels score from the low end of the scale
                top = lo + len(enc.levels) - 1
                if top > hi:
                    raise SchemaError(f"{schema.source}: attribute '{attr.name}' has the scale "
                                      f"[{lo:g}, {hi:g}] but column '{column}' has "
                                      f"{len(enc.levels)} ordered levels, scored {lo:g} to "
                                      f"{top:g}; widen the scale or leave it out")
                enc.values = enc.values + lo
            values = enc.values
            outside = np.flatnonzero((values < lo) | (values > hi))
            if outside.size:
                i = int(outside[0])
                raise DataError(f"{source}: column '{column}' has the value {values[i]:g} in "
                                f"{_row(frame, schema.id, i)}, outside the scale [{lo:g}, {hi:g}] "
                                f"of attribute '{attr.name}'"
                                + (f" ({outside.size} rows in all)" if outside.size > 1 else "")
                                + "; fix the scale or declare the code under 'missing'")
    elif all(enc.scored or enc.kind == "binary" for enc in cleaned.values()):
        # Known from the answers' kind: binary is [0, 1], L ordered levels are [0, L-1].
        lo = 0.0
        hi = float(max(max(len(enc.levels) - 1, 1) if enc.scored else 1
                       for enc in cleaned.values()))
    else:
        stacked = np.concatenate([enc.values for enc in cleaned.values()])
        labelled = [c for column in cleaned for c in _label_codes(meta, column, codes)]
        known = np.concatenate([stacked[~np.isnan(stacked)], labelled])
        if known.size == 0:
            lo, hi = 0.0, 1.0
        else:
            lo, hi = float(known.min()), float(known.max())
        if lo == hi:
            hi = lo + 1.0
        where = ("the range of its value labels and answers" if labelled
                 else "the observed range")
        notes.append(f"{schema.source}: attribute '{attr.name}' has no scale; using {where} "
                     f"[{lo:g}, {hi:g}] (add scale = [low, high] to fix it)")
    for column, enc in cleaned.items():
        if attr.reverse and column == attr.performance:  # a negative perception: high = good
            enc = _Encoded(enc.kind, lo + hi - enc.values, enc.levels[::-1], enc.text,
                           enc.scored)
        answers[column] = enc.values
        encoded[column] = enc
    return (lo, hi)


def read_panel(path: str | Path, schema: Schema | str | Path) -> Panel:
    """Read a panel file and validate it against a schema.

    Parameters
    ----------
    path : str or Path
        CSV, TSV, Excel, Parquet, SPSS (.sav, .zsav) or Stata (.dta) file.
    schema : Schema, str or Path
        A parsed schema or the path of a schema TOML file.

    Returns
    -------
    Panel

    Raises
    ------
    NoncustomersError
        With one sentence naming the file, column, row or rule at fault.

    Examples
    --------
    >>> from noncustomers import read_panel, analyze          # doctest: +SKIP
    >>> panel = read_panel("sample_data/gym_panel.csv", "sample_data/gym_schema.toml")
    >>> result = analyze(panel, seed=0)
    """
    if not isinstance(schema, Schema):
        schema = load_schema(schema)
    path = Path(path)
    text_columns = () if schema.id == ROW_ID else (schema.id,)
    frame, meta = read_survey(path, text_columns=text_columns, sheet=schema.sheet)
    panel = panel_from_frame(frame, schema, source=str(path), meta=meta)
    panel.sha256 = file_sha256(path)
    return panel
