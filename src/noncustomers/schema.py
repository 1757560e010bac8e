"""The schema file (TOML): which panel columns play which role.

The format is a public contract, documented in the README::

    id = "respondent_id"
    weight = "weight"
    missing = [9, 99]

    [tiers]
    customers  = "visits_per_month >= 4"
    soon-to-be = "visits_per_month >= 1"
    refusing   = "aware == 'yes'"
    unexplored = "true"

    [attributes]
    price = { importance = "imp_price", performance = "perf_price", scale = [1, 5], label = "Low price", missing = [6] }

    [segmentation]
    basis = ["imp_*"]
    profile = ["age", "gender"]
    k = "auto"

    [barriers]
    columns = ["barrier_*"]
    multi = "why_not"
    separator = ";"
    labels = { barrier_price = "Too expensive" }

    [rfm]
    recency = "months_since_last_visit"
    frequency = "visits_per_month"
    monetary = "monthly_spend"

    [errc]
    valued = 6.5
    reach = 0.4

:func:`load_schema` checks the file on its own; :meth:`Schema.check_columns`
checks it against a panel's columns (with the closest name suggested).
"""

from __future__ import annotations

import fnmatch
import math
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from noncustomers.errors import SchemaError, closest, collect_problems
from noncustomers.rules import Rule, parse_rule
# The method registry sits below the reader: a method registered from Python is a valid
# schema method name at once.
from noncustomers.segmentation.methods import METHODS
from noncustomers.vocabulary import (  # noqa: F401 - TIERS and UNCLASSIFIED are re-exported
    IMPORTANCE_METHODS, NON_CUSTOMER_TIERS, ROW_ID, TIERS, UNCLASSIFIED, segment_tier)

__all__ = ["RFM_ROLES", "Barriers", "METHODS", "TIERS", "NON_CUSTOMER_TIERS", "UNCLASSIFIED",
           "Attribute", "Schema", "load_schema", "parse_schema"]


_TOP_KEYS = {"id", "weight", "missing", "sheet", "tiers", "attributes", "segmentation", "order",
             "importance",
             "barriers", "rfm", "errc", "prize", "segments"}
_ATTRIBUTE_KEYS = {"importance", "performance", "scale", "label", "missing", "offered",
                   "reverse"}
_BARRIER_KEYS = {"columns", "multi", "separator", "labels", "missing"}
RFM_ROLES = ("recency", "frequency", "monetary")
_SEGMENTATION_KEYS = {"basis", "profile", "k", "method", "min_size", "min_share", "tiers"}
_TIER_SETTING_KEYS = {"k", "method"}


@dataclass(frozen=True)
class Attribute:
    """A competing factor, rated for importance and/or performance.

    ``scale`` is ``(lo, hi)``; ``None`` means "use the observed range" (the
    panel fills it in, with a warning).  ``missing`` holds this attribute's own
    no-answer codes, on top of the schema-wide ones.
    """

    name: str
    importance: str | None = None
    performance: str | None = None
    scale: tuple[float, float] | None = None
    label: str | None = None
    missing: tuple[float, ...] = ()
    offered: bool = True  # False: the industry does not offer it today (a "create" candidate)
    # True: a negative perception ("greasy"): performance is read reversed on its scale
    # (high = good), so that more of it is better like every other attribute
    reverse: bool = False

    @property
    def display(self) -> str:
        """The label for charts: ``label`` when given, else the attribute's key."""
        return self.label or self.name

    @property
    def columns(self) -> list[str]:
        return [c for c in (self.importance, self.performance) if c is not None]


@dataclass(frozen=True)
class Barriers:
    """Reasons for not buying: binary columns (one per reason) and/or one multi-response column.

    ``columns`` holds names or glob patterns of 0/1 (or yes/no) columns; ``multi`` a text
    column listing each respondent's reasons separated by ``separator``.  ``labels`` maps a
    column (or a multi-response answer) to the text shown in reports.  ``missing`` holds the
    no-answer codes of barrier columns; None means the schema's top-level codes.
    """

    columns: tuple[str, ...] = ()
    multi: str | None = None
    separator: str = ";"
    labels: dict[str, str] = field(default_factory=dict)
    missing: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Schema:
    """A parsed schema: column roles, tier rules, attributes and segmentation settings."""

    id: str
    tiers: dict[str, Rule]
    weight: str | None = None
    missing: tuple[float, ...] = ()
    attributes: dict[str, Attribute] = field(default_factory=dict)
    basis: tuple[str, ...] = ()
    profile: tuple[str, ...] = ()
    k: int | str = "auto"
    method: str = "kmeans"
    order: dict[str, tuple[str, ...]] = field(default_factory=dict)
    source: str = "schema"
    sheet: str | None = None  # the sheet of an Excel panel; None = the first
    barriers: Barriers | None = None
    rfm: dict[str, str] = field(default_factory=dict)  # role (recency, ...) -> column
    errc: dict[str, float] = field(default_factory=dict)  # ERRC thresholds (ErrcRules fields)
    min_size: float = 30.0   # automatic k: every segment's Kish base at least this
    min_share: float = 0.05  # ... and at least this share of its tier's weight
    prize_spend: str | None = None  # [prize] spend: a spend or budget column
    # [segmentation.tiers.<tier>]: k and/or method of one tier (the [segmentation] values
    # are the defaults)
    tier_settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    # [importance] derived_from: the outcome whose drivers give each attribute's importance
    # when it has no stated-importance column (analytics/importance.py)
    importance_from: str | None = None
    importance_method: str = "relative-weights"
    #: ``[segments.names]``: segment id (``refusing-2``) -> the name the user gave it
    #: (the others are named from their profiles: :mod:`noncustomers.analytics.naming`)
    segment_names: dict[str, str] = field(default_factory=dict)
    #: The TOML text the schema was read from (saved in config.toml and model files).
    text: str = field(default="", repr=False, compare=False)

    @property
    def tier_names(self) -> list[str]:
        """Tiers named in the schema, in the canonical order."""
        return [t for t in TIERS if t in self.tiers]

    def basis_columns(self, columns: Sequence[str]) -> list[str]:
        """Expand the basis patterns against the panel's columns, in panel order."""
        return _expand(self.basis, columns, "segmentation.basis", self.source)

    def profile_columns(self, columns: Sequence[str]) -> list[str]:
        return _expand(self.profile, columns, "segmentation.profile", self.source)

    def missing_codes(self, attribute: Attribute | None = None) -> tuple[float, ...]:
        """No-answer codes that apply to an attribute (schema-wide plus its own)."""
        return self.missing + (attribute.missing if attribute else ())

    def check_columns(self, columns: Sequence[str], source: str = "panel") -> None:
        """Raise :class:`SchemaError` for every column the schema names that is absent
        (several at once as :class:`~noncustomers.errors.Problems`)."""
        named: list[tuple[str, str]] = [] if self.id == ROW_ID else [(self.id, "id")]
        if self.weight:
            named.append((self.weight, "weight"))
        for attr in self.attributes.values():
            if attr.importance:
                named.append((attr.importance, f"attributes.{attr.name}.importance"))
            if attr.performance:
                named.append((attr.performance, f"attributes.{attr.name}.performance"))
        if self.barriers and self.barriers.multi:
            named.append((self.barriers.multi, "barriers.multi"))
        named.extend((col, f"rfm.{role}") for role, col in self.rfm.items())
        if self.prize_spend:
            named.append((self.prize_spend, "prize.spend"))
        if self.importance_from:
            named.append((self.importance_from, "importance.derived_from"))
        problems = collect_problems()
        for col, role in named:
            with problems.check():
                if col not in columns:
                    raise SchemaError(f"{self.source}: column '{col}' ({role}) is not in "
                                      f"{source}{closest(col, columns)}")
        for rule in self.tiers.values():
            with problems.check():
                try:
                    rule.check_columns(columns)
                except SchemaError as exc:
                    raise SchemaError(f"{self.source}: {exc}") from None
        for check in (self.basis_columns, self.profile_columns, self.barrier_columns):
            with problems.check():
                check(columns)
        problems.raise_if_any()

    def barrier_columns(self, columns: Sequence[str]) -> list[str]:
        """Expand the binary barrier patterns against the panel's columns, in panel order."""
        if self.barriers is None:
            return []
        return _expand(self.barriers.columns, columns, "barriers.columns", self.source)


def _expand(patterns: Sequence[str], columns: Sequence[str], key: str, source: str) -> list[str]:
    chosen: list[str] = []
    for pattern in patterns:
        if any(ch in pattern for ch in "*?["):
            hits = [c for c in columns if fnmatch.fnmatchcase(c, pattern)]
            if not hits:
                raise SchemaError(f"{source}: pattern '{pattern}' in {key} matches no column of "
                                  "the panel")
        elif pattern in columns:
            hits = [pattern]
        else:
            raise SchemaError(f"{source}: column '{pattern}' in {key} is not in the panel"
                              f"{closest(pattern, columns)}")
        chosen.extend(h for h in hits if h not in chosen)
    return chosen


def load_schema(path: str | Path) -> Schema:
    """Read and check a schema file.

    Raises
    ------
    SchemaError
        When the file cannot be read, is not valid TOML, or breaks a rule of the format.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(f"{path}: cannot read the schema file ({exc.__class__.__name__}: "
                          f"{getattr(exc, 'strerror', None) or exc})") from None
    return parse_schema(text, source=str(path))


def _finite(value: Any) -> bool:
    """A TOML number other than nan and +-inf (TOML has all three)."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _codes(value: Any, where: str, source: str) -> tuple[float, ...]:
    if not isinstance(value, list) or not all(_finite(v) for v in value):
        raise SchemaError(f"{source}: {where} must be a list of numbers such as [9, 99], "
                          f"found {value!r}")
    return tuple(float(v) for v in value)


def _text(value: Any, where: str, source: str) -> str:
    if not isinstance(value, str) or not value:
        raise SchemaError(f"{source}: {where} must be a column name in quotes, found {value!r}")
    return value


def _unknown(keys: Any, allowed: set[str], where: str, source: str) -> None:
    problems = collect_problems()
    for key in keys:
        with problems.check():
            if key not in allowed:
                raise SchemaError(f"{source}: unknown key '{key}' in {where}"
                                  f"{closest(key, allowed)}; allowed: {', '.join(sorted(allowed))}")
    problems.raise_if_any()


def parse_schema(text: str, source: str = "schema") -> Schema:
    """Parse schema text (TOML) into a :class:`Schema`; see :func:`load_schema`.

    Every independent problem is found before anything is raised: one problem is raised
    as itself (a :class:`SchemaError` or :class:`RuleError`), several as one
    :class:`~noncustomers.errors.Problems` holding them all.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SchemaError(f"{source}: not valid TOML ({exc})") from None
    except RecursionError:  # tomllib parses nested arrays and tables recursively
        raise SchemaError(f"{source}: not a schema: its arrays or tables nest too deeply for "
                          "a TOML reader") from None
    problems = collect_problems()
    with problems.check():
        _unknown(raw, _TOP_KEYS, "the schema", source)

    id_col = weight = sheet = None
    missing: tuple[float, ...] = ()
    with problems.check():
        if "id" not in raw:
            raise SchemaError(f"{source}: 'id' is required: the column that identifies each "
                              "respondent, e.g. id = \"respondent_id\", or id = \"@row\" to "
                              "number the rows 1 to n")
        id_col = _text(raw["id"], "id", source)
    with problems.check():
        weight = _text(raw["weight"], "weight", source) if "weight" in raw else None
    with problems.check():
        missing = _codes(raw.get("missing", []), "missing", source)
    with problems.check():
        sheet = raw.get("sheet")
        if sheet is not None and (not isinstance(sheet, str) or not sheet):
            raise SchemaError(f"{source}: sheet must be the name of an Excel sheet in quotes, "
                              f"found {sheet!r}")

    tiers: dict[str, Rule] = {}
    tiers_raw = raw.get("tiers")
    with problems.check():
        if not isinstance(tiers_raw, dict) or not tiers_raw:
            raise SchemaError(f"{source}: a [tiers] table is required, with at least a "
                              "'customers' rule")
        # a misspelt tier name says it better than "no customers rule"
        if "customers" not in tiers_raw and all(key in TIERS for key in tiers_raw):
            raise SchemaError(f"{source}: [tiers] needs a 'customers' rule")
    for key, rule in (tiers_raw.items() if isinstance(tiers_raw, dict) else ()):
        with problems.check():
            if key not in TIERS:
                raise SchemaError(f"{source}: unknown tier '{key}' in [tiers]"
                                  f"{closest(key, TIERS)}; tiers are {', '.join(TIERS)}")
            try:
                tiers[key] = parse_rule(rule, key)
            except SchemaError as exc:
                raise type(exc)(f"{source}: {exc}") from None

    attributes: dict[str, Attribute] = {}
    attrs_raw = raw.get("attributes", {})
    with problems.check():
        if not isinstance(attrs_raw, dict):
            raise SchemaError(f"{source}: [attributes] must be a table")
    for name, spec in (attrs_raw.items() if isinstance(attrs_raw, dict) else ()):
        with problems.check():
            attributes[name] = _attribute(name, spec, source)

    seg = raw.get("segmentation", {})
    basis: list = []
    profile: list = []
    k: int | str = "auto"
    method, min_size, min_share = "kmeans", 30, 0.05
    tier_settings: dict[str, dict[str, Any]] = {}
    with problems.check():
        if not isinstance(seg, dict):
            raise SchemaError(f"{source}: [segmentation] must be a table")
    if isinstance(seg, dict):
        with problems.check():
            _unknown(seg, _SEGMENTATION_KEYS, "[segmentation]", source)
        for key in ("basis", "profile"):
            with problems.check():
                value = seg.get(key, [])
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise SchemaError(f"{source}: segmentation.{key} must be a list of column "
                                      f"names or patterns such as [\"imp_*\"], found {value!r}")
                if key == "basis":
                    basis = value
                else:
                    profile = value
        with problems.check():
            k = seg.get("k", "auto")
            if not (k == "auto" or (isinstance(k, int) and not isinstance(k, bool) and k >= 1)):
                raise SchemaError(f"{source}: segmentation.k must be \"auto\" or a whole number "
                                  f">= 1, found {k!r}")
        with problems.check():
            min_size = seg.get("min_size", 30)
            if not _finite(min_size) or min_size < 1:
                raise SchemaError(f"{source}: segmentation.min_size must be a number >= 1 (the "
                                  f"smallest effective base of a segment), found {min_size!r}")
        with problems.check():
            min_share = seg.get("min_share", 0.05)
            if not _finite(min_share) or not 0 <= min_share < 0.5:
                raise SchemaError(f"{source}: segmentation.min_share must be a share from 0 to "
                                  f"0.5, found {min_share!r}")
        with problems.check():
            tier_settings = _tier_settings(seg.get("tiers", {}), source)
        with problems.check():
            method = seg.get("method", "kmeans")
            if method not in METHODS:
                raise SchemaError(f"{source}: segmentation.method '{method}' is not known"
                                  f"{closest(str(method), METHODS)}; use one of "
                                  f"{', '.join(METHODS)}")

    order: dict[str, tuple[str, ...]] = {}
    with problems.check():
        order_raw = raw.get("order", {})
        if not isinstance(order_raw, dict) or not all(
                isinstance(v, list) and v and all(isinstance(x, str) for x in v)
                for v in order_raw.values()):
            raise SchemaError(f"{source}: [order] maps a column to its levels, lowest first, "
                              "e.g. frequency = [\"Never\", \"Sometimes\", \"Often\"]")
        order = {col: tuple(levels) for col, levels in order_raw.items()}
    barriers = rfm = errc = prize = None
    with problems.check():
        barriers = _barriers(raw.get("barriers"), source)
    with problems.check():
        rfm = _rfm(raw.get("rfm"), source)
    with problems.check():
        errc = _errc(raw.get("errc"), source)
    with problems.check():
        prize = _prize(raw.get("prize"), source)
    importance: tuple[str | None, str] = (None, IMPORTANCE_METHODS[0])
    with problems.check():
        importance = _importance(raw.get("importance"), source)
    segment_names: dict[str, str] = {}
    with problems.check():
        segment_names = _segments(raw.get("segments"), source)
    problems.raise_if_any()

    return Schema(id=id_col, tiers=tiers, weight=weight, missing=missing, attributes=attributes,
                  basis=tuple(basis), profile=tuple(profile), k=k, method=method, order=order,
                  source=source, sheet=sheet, barriers=barriers, rfm=rfm or {},
                  errc=errc or {}, min_size=float(min_size), min_share=float(min_share),
                  prize_spend=prize, tier_settings=tier_settings,
                  importance_from=importance[0], importance_method=importance[1],
                  segment_names=segment_names, text=text)


def _k_value(k: Any) -> bool:
    return k == "auto" or (isinstance(k, int) and not isinstance(k, bool) and k >= 1)


def _tier_settings(raw: Any, source: str) -> dict[str, dict[str, Any]]:
    """``[segmentation.tiers.<tier>]`` tables: their own ``k`` and ``method``."""
    if not isinstance(raw, dict):
        raise SchemaError(f"{source}: segmentation.tiers holds one table per tier, e.g. "
                          "[segmentation.tiers.refusing] then k = 2")
    problems = collect_problems()
    out: dict[str, dict[str, Any]] = {}
    for tier, spec in raw.items():
        where = f"segmentation.tiers.{tier}"
        with problems.check():
            if tier not in TIERS:
                raise SchemaError(f"{source}: unknown tier '{tier}' in segmentation.tiers"
                                  f"{closest(tier, TIERS)}; tiers are {', '.join(TIERS)}")
            if not isinstance(spec, dict):
                raise SchemaError(f"{source}: {where} must be a table with k and/or method")
            _unknown(spec, _TIER_SETTING_KEYS, where, source)
            if "k" in spec and not _k_value(spec["k"]):
                raise SchemaError(f"{source}: {where}.k must be \"auto\" or a whole number "
                                  f">= 1, found {spec['k']!r}")
            if "method" in spec and spec["method"] not in METHODS:
                raise SchemaError(f"{source}: {where}.method '{spec['method']}' is not known"
                                  f"{closest(str(spec['method']), METHODS)}; use one of "
                                  f"{', '.join(METHODS)}")
            out[tier] = dict(spec)
    problems.raise_if_any()
    return out


def _attribute(name: str, spec: Any, source: str) -> Attribute:
    where = f"attributes.{name}"
    if not isinstance(spec, dict):
        raise SchemaError(f"{source}: {where} must be a table such as "
                          "{ importance = \"imp_x\", performance = \"perf_x\" }")
    _unknown(spec, _ATTRIBUTE_KEYS, where, source)
    imp = _text(spec["importance"], f"{where}.importance", source) if "importance" in spec else None
    perf = (_text(spec["performance"], f"{where}.performance", source) if "performance" in spec
            else None)
    if imp is None and perf is None:
        raise SchemaError(f"{source}: {where} needs an 'importance' or a 'performance' column")
    scale = None
    if "scale" in spec:
        s = spec["scale"]
        if (not isinstance(s, list) or len(s) != 2 or not all(_finite(v) for v in s)
                or not s[0] < s[1]):
            raise SchemaError(f"{source}: {where}.scale must be [low, high] with low < high, "
                              f"two finite numbers, found {s!r}")
        scale = (float(s[0]), float(s[1]))
    label = spec.get("label")
    if label is not None and not isinstance(label, str):
        raise SchemaError(f"{source}: {where}.label must be text, found {label!r}")
    offered = spec.get("offered", True)
    if not isinstance(offered, bool):
        raise SchemaError(f"{source}: {where}.offered must be true or false, found "
                          f"{offered!r}")
    reverse = spec.get("reverse", False)
    if not isinstance(reverse, bool):
        raise SchemaError(f"{source}: {where}.reverse must be true or false, found "
                          f"{reverse!r}")
    if reverse and perf is None:
        raise SchemaError(f"{source}: {where}.reverse reverses a performance column, and "
                          f"the attribute has none")
    return Attribute(name, imp, perf, scale, label,
                     _codes(spec.get("missing", []), f"{where}.missing", source), offered,
                     reverse)


def _errc(raw: Any, source: str) -> dict[str, float]:
    """Numbers only; which names are thresholds is checked by ErrcRules (see analyze)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SchemaError(f"{source}: [errc] sets ERRC thresholds to numbers, e.g. "
                          "valued = 6.5")
    for key, value in raw.items():
        if not _finite(value):
            raise SchemaError(f"{source}: [errc] {key} must be a finite number such as 6.5, "
                              f"found {value!r}")
    return {key: float(value) for key, value in raw.items()}


def _barriers(raw: Any, source: str) -> Barriers | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise SchemaError(f"{source}: [barriers] must be a table such as "
                          "columns = [\"barrier_*\"]")
    _unknown(raw, _BARRIER_KEYS, "[barriers]", source)
    columns = raw.get("columns", [])
    if not isinstance(columns, list) or not all(isinstance(c, str) and c for c in columns):
        raise SchemaError(f"{source}: barriers.columns must be a list of column names or "
                          f"patterns such as [\"barrier_*\"], found {columns!r}")
    multi = _text(raw["multi"], "barriers.multi", source) if "multi" in raw else None
    if not columns and multi is None:
        raise SchemaError(f"{source}: [barriers] needs 'columns' (one 0/1 column per reason) "
                          "or 'multi' (one column listing the reasons)")
    separator = raw.get("separator", ";")
    if not isinstance(separator, str) or not separator:
        raise SchemaError(f"{source}: barriers.separator must be text such as \";\", found "
                          f"{separator!r}")
    labels = raw.get("labels", {})
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        raise SchemaError(f"{source}: barriers.labels maps a column or answer to its text, "
                          "e.g. { barrier_price = \"Too expensive\" }")
    missing = _codes(raw["missing"], "barriers.missing", source) if "missing" in raw else None
    return Barriers(tuple(columns), multi, separator, dict(labels), missing)


def _importance(raw: Any, source: str) -> tuple[str | None, str]:
    """``[importance] derived_from = "column"`` (and ``method``): derived importance."""
    if raw is None:
        return None, IMPORTANCE_METHODS[0]
    if not isinstance(raw, dict):
        raise SchemaError(f"{source}: [importance] must be a table such as derived_from = "
                          "\"Like\" (the outcome the perceptions drive)")
    _unknown(raw, {"derived_from", "method"}, "[importance]", source)
    if "derived_from" not in raw:
        raise SchemaError(f"{source}: [importance] needs derived_from, the outcome column "
                          "(liking, usage, intent...) whose drivers give the importance")
    outcome = _text(raw["derived_from"], "importance.derived_from", source)
    method = raw.get("method", IMPORTANCE_METHODS[0])
    if method not in IMPORTANCE_METHODS:
        raise SchemaError(f"{source}: importance.method '{method}' is not known"
                          f"{closest(str(method), IMPORTANCE_METHODS)}; use one of "
                          f"{', '.join(IMPORTANCE_METHODS)}")
    return outcome, method


#: The longest name ``[segments.names]`` accepts (a name shows in chart legends and titles).
MAX_SEGMENT_NAME = 60


def _segments(raw: Any, source: str) -> dict[str, str]:
    """``[segments.names]``: segment id -> the name shown for it.

    Ids are checked for their form (``<tier>-<n>`` or ``<tier>-noise``) only: whether the run
    produces such a segment is known after segmenting, and a name for a segment it does not
    produce is a warning of the analysis, not an error here.
    """
    if raw is None:
        return {}
    example = '[segments.names] then "refusing-2" = "Price-driven sceptics"'
    if not isinstance(raw, dict):
        raise SchemaError(f"{source}: [segments] must be a table, e.g. {example}")
    _unknown(raw, {"names"}, "[segments]", source)
    names = raw.get("names", {})
    if not isinstance(names, dict):
        raise SchemaError(f"{source}: segments.names maps a segment to its name, e.g. "
                          f"{example}; found {names!r}")
    problems = collect_problems()
    out: dict[str, str] = {}
    for segment, name in names.items():
        with problems.check():
            if segment_tier(segment) is None:
                raise SchemaError(f"{source}: '{segment}' in [segments.names] is not a "
                                  "segment: segments are <tier>-<n> such as refusing-2 (the "
                                  f"'segment' column of assignments.csv); tiers are "
                                  f"{', '.join(TIERS)}")
            if not isinstance(name, str) or not name.strip():
                raise SchemaError(f"{source}: segments.names.{segment} must be a name in "
                                  f"quotes such as \"Price-driven sceptics\", found {name!r}")
            if len(name.strip()) > MAX_SEGMENT_NAME or "\n" in name:
                raise SchemaError(f"{source}: segments.names.{segment} is longer than "
                                  f"{MAX_SEGMENT_NAME} characters or spans lines: a short "
                                  f"name reads better in legends and titles, found {name!r}")
            out[segment] = name.strip()
    problems.raise_if_any()
    return out


def _prize(raw: Any, source: str) -> str | None:
    """``[prize] spend = "column"``: the money each respondent spends or would spend."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise SchemaError(f"{source}: [prize] must be a table such as spend = \"monthly_spend\"")
    _unknown(raw, {"spend"}, "[prize]", source)
    return _text(raw["spend"], "prize.spend", source) if "spend" in raw else None


def _rfm(raw: Any, source: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SchemaError(f"{source}: [rfm] must be a table with recency, frequency and "
                          "monetary columns")
    _unknown(raw, set(RFM_ROLES), "[rfm]", source)
    absent = [role for role in RFM_ROLES if role not in raw]
    if absent:
        raise SchemaError(f"{source}: [rfm] needs all of recency, frequency and monetary; "
                          f"'{absent[0]}' is missing")
    return {role: _text(raw[role], f"rfm.{role}", source) for role in RFM_ROLES}
