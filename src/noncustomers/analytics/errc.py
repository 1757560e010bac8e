"""A data-driven ERRC grid (eliminate, reduce, raise, create), with the evidence behind each cell.

Inputs, all on 0-10, taken from the gaps table: each non-customer tier's
importance (mean and top-box share), and what the industry delivers today, its
performance as rated by everyone who has used the offering (group ``all``).
Per tier and attribute:

- quadrant: Martilla & James, the tier's importance against the industry's
  performance, crosshair at ``crosshair`` (5, the scale midpoint);
- opportunity: Ulwick, ``imp_t2b + max(imp_t2b - industry perf_t2b, 0)``.

A tier *calls for raising* an attribute when it is "concentrate here" with
importance - performance >= ``under_delivered``, or its opportunity is >=
``high_opportunity``; it *calls for reducing* it when it is "possible
overkill" with performance - importance >= ``over_delivered``.  The reach of a
call is the weighted share of all non-customers in the tiers making it.

Rules, tried in this order; an attribute lands in one cell at most:

- **create**: non-customers value it (reach-weighted importance >= ``valued``)
  while the industry hardly offers it (performance < ``hardly_offered``, or the
  schema marks it ``offered = false``);
- **eliminate**: every non-customer tier barely values it (importance <
  ``barely_valued``) while the industry delivers it (performance >= ``delivered``);
- **raise**: tiers holding at least ``reach`` of the non-customers call for raising it;
- **reduce**: tiers holding at least ``reach`` of the non-customers call for reducing it.

A value curve needs both sides, lower cost (eliminate/reduce) and more value
(raise/create); :func:`errc_grid` warns when either side is empty.

Each tier's own call (``call`` in the evidence's ``tiers``) is the cell the rules give
when that tier alone were the non-customers (its reach is then 1): which tiers make the
grid's call, and which would have it otherwise.  :func:`tier_calls` lays them out as a table.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from noncustomers.analytics.gaps import quadrant
from noncustomers.errors import SchemaError, closest
from noncustomers.vocabulary import NON_CUSTOMER_TIERS, is_noise, segment_tier

__all__ = ["ERRC_ACTIONS", "TIER_CALL_COLUMNS", "ErrcRules", "errc_grid", "tier_calls"]

ERRC_ACTIONS = ("eliminate", "reduce", "raise", "create")


@dataclass(frozen=True)
class ErrcRules:
    """Thresholds of the ERRC rules: levels on 0-10, ``high_opportunity`` on Ulwick's 0-20,
    ``reach`` a share of the non-customers (0-1)."""

    valued: float = 6.0
    hardly_offered: float = 3.5
    under_delivered: float = 1.5
    over_delivered: float = 2.0
    barely_valued: float = 3.5
    delivered: float = 6.0
    high_opportunity: float = 12.0
    reach: float = 0.5
    crosshair: float = 5.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            lo, hi = _RANGES.get(f.name, (0.0, 10.0))
            if (isinstance(value, bool) or not isinstance(value, (int, float))
                    or not np.isfinite(value) or not lo <= value <= hi):
                raise SchemaError(f"[errc] {f.name} must be a number from {lo:g} to {hi:g}, "
                                  f"found {value!r}")

    def as_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_schema(cls, values: dict[str, float], source: str = "schema") -> "ErrcRules":
        """Defaults overridden by a schema's ``[errc]`` table; an unknown name is a SchemaError."""
        known = [f.name for f in fields(cls)]
        for key in values:
            if key not in known:
                raise SchemaError(f"{source}: unknown key '{key}' in [errc]"
                                  f"{closest(key, known)}; allowed: {', '.join(known)}")
        try:
            return cls(**values)
        except SchemaError as exc:
            raise SchemaError(f"{source}: {exc}") from None


# Allowed range of each threshold (others are levels on the 0-10 scale).
_RANGES = {"high_opportunity": (0.0, 20.0), "reach": (0.0, 1.0)}


def _r(value: float) -> float | None:
    return None if value is None or np.isnan(value) else round(float(value), 4)


def errc_grid(gaps: pd.DataFrame, tier_sizes: dict[str, float], rules: ErrcRules = ErrcRules(),
              offered: dict[str, bool] | None = None, labels: dict[str, str] | None = None,
              explain: bool = True) -> tuple[dict[str, list[dict]], dict[str, dict], list[str]]:
    """Place attributes in the ERRC grid.

    Parameters
    ----------
    gaps : DataFrame
        The gaps table (:func:`noncustomers.analytics.attribute_gaps`) with at least the
        groups ``all`` and the non-customer tiers.
    tier_sizes : dict
        Non-customer tier -> weighted size (sum of weights); tiers of size 0 or absent
        are left out.
    rules : ErrcRules
    offered : dict, optional
        attribute -> False when the industry does not offer it today (schema ``offered``).
    labels : dict, optional
        attribute -> display label.
    explain : bool
        False skips ``confidence``, ``segment_calls`` and each tier's ``share`` and own
        ``call`` (bootstrap resamples need only the grid's calls).

    Returns
    -------
    grid : dict
        action -> ``[{"attribute", "label", "evidence"}]`` in attribute order.
    evidence : dict
        attribute -> its figures and ``action`` (None when it stays as is), for every
        attribute with an importance rating.
    warnings : list of str
        One sentence per missing side of the grid.
    """
    offered = offered or {}
    labels = labels or {}
    tiers = [t for t in NON_CUSTOMER_TIERS if tier_sizes.get(t, 0) > 0]
    total = sum(tier_sizes[t] for t in tiers)
    # Each group's rows as plain dicts (attribute -> column -> value): the loops below read
    # one cell at a time, and the curve test re-derives the grid 200 times; DataFrame.loc
    # made a grid cost 21-28 ms, mostly in pandas' indexing.
    by_group = {g: frame.set_index("attribute").to_dict("index")
                for g, frame in gaps.groupby("group", sort=False)}
    industry = by_group.get("all")
    grid: dict[str, list[dict]] = {action: [] for action in ERRC_ACTIONS}
    evidence: dict[str, dict] = {}
    attributes = list(dict.fromkeys(gaps["attribute"])) if len(gaps) else []
    segments = _segments_of(by_group, tiers)
    for name in attributes:
        is_offered = offered.get(name, True)
        perf = float(industry[name]["performance"]) if industry is not None else np.nan
        perf_t2b = float(industry[name]["performance_t2b"]) if industry is not None else np.nan
        perf_lo, perf_hi = (float(industry[name].get(key, np.nan)) if industry is not None
                            else np.nan for key in ("performance_lo", "performance_hi"))
        if not is_offered and np.isnan(perf):
            perf, perf_t2b, perf_lo, perf_hi = 0.0, 0.0, 0.0, 0.0  # not on the market
        figures_by_tier: dict[str, dict[str, float]] = {}
        low_base: dict[str, bool] = {}
        for tier in tiers:
            row = by_group[tier][name] if tier in by_group else None
            imp = float(row["importance"]) if row is not None else np.nan
            if np.isnan(imp):
                continue
            figures_by_tier[tier] = {"importance": imp,
                                     "importance_lo": float(row.get("importance_lo", np.nan)),
                                     "importance_hi": float(row.get("importance_hi", np.nan)),
                                     "importance_t2b": float(row["importance_t2b"]),
                                     "share": tier_sizes[tier] / total}
            low_base[tier] = bool(row.get("low_base", False))
        if not figures_by_tier:
            continue
        industry_figures = {"performance": perf, "performance_t2b": perf_t2b}
        decision = _decide(figures_by_tier, industry_figures, is_offered, rules)
        action, rule = decision["action"], decision["rule"]
        per_tier = {tier: {"importance": _r(f["importance"]),
                           "importance_lo": _r(f["importance_lo"]),
                           "importance_hi": _r(f["importance_hi"]),
                           "importance_t2b": _r(f["importance_t2b"]),
                           "opportunity": _r(decision["tiers"][tier]["opportunity"]),
                           "quadrant": decision["tiers"][tier]["quadrant"],
                           "calls_to_raise": decision["tiers"][tier]["raises"],
                           "calls_to_reduce": decision["tiers"][tier]["reduces"],
                           "low_base": low_base[tier]}
                    for tier, f in figures_by_tier.items()}
        if explain:
            for tier, f in figures_by_tier.items():
                alone = _decide({tier: {**f, "share": 1.0}}, industry_figures, is_offered, rules)
                per_tier[tier].update(share=_r(f["share"]), call=alone["action"])
        because = (_borderline(action, figures_by_tier, industry_figures, (perf_lo, perf_hi),
                               is_offered, rules) if explain else None)
        figures = {
            "action": action,
            "rule": rule,
            "noncustomer_importance": _r(decision["noncustomer_importance"]),
            "industry_performance": _r(perf),
            "industry_performance_t2b": _r(perf_t2b),
            "gap": _r(decision["noncustomer_importance"] - perf),
            "offered": is_offered,
            "raise_reach": _r(decision["raise_reach"]),
            "reduce_reach": _r(decision["reduce_reach"]),
            "tiers": per_tier,
            "confidence": "borderline" if because else "clear",
            "borderline_because": because,
            "segment_calls": (_segment_calls(name, segments, by_group, industry_figures,
                                             is_offered, rules, total) if explain else []),
        }
        evidence[name] = figures
        if action:
            grid[action].append({"attribute": name, "label": labels.get(name, name),
                                 "evidence": figures})
    warnings = []
    if evidence and not any(grid.values()):
        warnings.append("The ERRC grid is empty: no attribute meets a rule, so there is no "
                        "new value curve to propose; see ErrcRules to loosen the thresholds.")
    elif evidence and not (grid["eliminate"] or grid["reduce"]):
        warnings.append("The ERRC grid has nothing to eliminate or reduce: the proposed value "
                        "curve adds value without lowering cost; loosen over_delivered or "
                        "barely_valued to look for savings.")
    elif evidence and not (grid["raise"] or grid["create"]):
        warnings.append("The ERRC grid has nothing to raise or create: the proposed value curve "
                        "only cuts; loosen under_delivered, high_opportunity or valued to look "
                        "for new value.")
    return grid, evidence, warnings


#: Columns of :func:`tier_calls`.
TIER_CALL_COLUMNS = ["attribute", "label", "tier", "share", "importance", "importance_lo",
                     "importance_hi", "industry_performance", "gap", "quadrant", "opportunity",
                     "call", "grid", "makes_the_call", "low_base", "confidence"]


def tier_calls(evidence: dict[str, dict], labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Each non-customer tier's own ERRC call per attribute, beside the grid's, as a table.

    Parameters
    ----------
    evidence : dict
        The evidence of :func:`errc_grid` (``Analysis.errc_evidence``), made with
        ``explain=True``.
    labels : dict, optional
        attribute -> display label.

    Returns
    -------
    DataFrame
        One row per (attribute, tier), attributes in evidence order, tiers in
        :data:`~noncustomers.vocabulary.NON_CUSTOMER_TIERS` order; columns
        :data:`TIER_CALL_COLUMNS`: ``share`` of all non-customers (weighted), the tier's
        ``importance`` and its 95% interval, the ``industry_performance``, ``gap`` =
        importance - performance, the tier's ``quadrant`` and ``opportunity``, its own
        ``call`` (empty: it would leave the attribute as it is), the ``grid``'s call (empty
        likewise), whether the tier ``makes_the_call`` (its own call is the grid's), its
        ``low_base`` and the grid call's ``confidence``.

    Examples
    --------
    >>> gaps = pd.DataFrame({"group": ["all", "refusing"], "attribute": ["kids", "kids"],
    ...                      "importance": [5.0, 8.0], "performance": [2.0, np.nan],
    ...                      "importance_t2b": [5.0, 9.0], "performance_t2b": [1.0, np.nan]})
    >>> _, evidence, _ = errc_grid(gaps, {"refusing": 1.0})
    >>> tier_calls(evidence)[["tier", "call", "grid", "makes_the_call"]].to_dict("records")
    [{'tier': 'refusing', 'call': 'create', 'grid': 'create', 'makes_the_call': True}]
    """
    labels = labels or {}
    rows = []
    for name, ev in evidence.items():
        perf = ev["industry_performance"]
        for tier in NON_CUSTOMER_TIERS:
            f = ev["tiers"].get(tier)
            if f is None:
                continue
            if "call" not in f:
                raise ValueError("tier_calls needs the evidence of errc_grid(..., explain=True)")
            gap = (None if f["importance"] is None or perf is None
                   else round(f["importance"] - perf, 4))
            rows.append({"attribute": name, "label": labels.get(name, name), "tier": tier,
                         "share": f["share"], "importance": f["importance"],
                         "importance_lo": f["importance_lo"],
                         "importance_hi": f["importance_hi"], "industry_performance": perf,
                         "gap": gap, "quadrant": f["quadrant"], "opportunity": f["opportunity"],
                         "call": f["call"], "grid": ev["action"],
                         "makes_the_call": f["call"] is not None and f["call"] == ev["action"],
                         "low_base": f["low_base"], "confidence": ev["confidence"]})
    return pd.DataFrame(rows, columns=TIER_CALL_COLUMNS)


#: How far a figure without an interval may move before a call counts as borderline:
#: 0.5 points of a 0-10 top-box share (5 percentage points of respondents).
T2B_BAND = 0.5


def _decide(tiers: dict[str, dict[str, float]], industry: dict[str, float], is_offered: bool,
            rules: ErrcRules) -> dict[str, Any]:
    """The ERRC call for one attribute from its figures (see the module docstring)."""
    perf, perf_t2b = industry["performance"], industry["performance_t2b"]
    cross = (rules.crosshair, rules.crosshair)
    raise_reach = reduce_reach = weighted = seen = 0.0
    calls: dict[str, dict[str, Any]] = {}
    for tier, f in tiers.items():
        imp, imp_t2b = f["importance"], f["importance_t2b"]
        opportunity = (imp_t2b + max(imp_t2b - perf_t2b, 0.0) if not np.isnan(perf_t2b)
                       else np.nan)
        quad = quadrant(imp, perf, cross)
        raises = bool((quad == "concentrate here" and imp - perf >= rules.under_delivered)
                      or opportunity >= rules.high_opportunity)
        reduces = bool(quad == "possible overkill" and perf - imp >= rules.over_delivered)
        raise_reach += f["share"] * raises
        reduce_reach += f["share"] * reduces
        weighted += f["share"] * imp
        seen += f["share"]
        calls[tier] = {"opportunity": opportunity, "quadrant": quad, "raises": raises,
                       "reduces": reduces}
    nc_importance = weighted / seen
    action, rule = None, "stays as it is: no rule applies"
    if np.isnan(perf):
        rule = "not placed: no performance rating of the industry"
    elif nc_importance >= rules.valued and (perf < rules.hardly_offered or not is_offered):
        action = "create"
        rule = (f"non-customers value it ({nc_importance:.1f} >= {rules.valued:g}) and the "
                + ("industry does not offer it" if not is_offered else
                   f"industry hardly offers it ({perf:.1f} < {rules.hardly_offered:g})"))
    elif (all(f["importance"] < rules.barely_valued for f in tiers.values())
          and perf >= rules.delivered):
        action = "eliminate"
        rule = (f"every non-customer tier barely values it (importance < "
                f"{rules.barely_valued:g}) while the industry delivers it ({perf:.1f} >= "
                f"{rules.delivered:g})")
    elif raise_reach >= rules.reach:
        action = "raise"
        rule = (f"tiers holding {raise_reach:.0%} of non-customers want more than the "
                f"industry delivers ({perf:.1f})")
    elif reduce_reach >= rules.reach:
        action = "reduce"
        rule = (f"tiers holding {reduce_reach:.0%} of non-customers get more than they "
                f"value ({perf:.1f} delivered)")
    return {"action": action, "rule": rule, "noncustomer_importance": nc_importance,
            "raise_reach": raise_reach, "reduce_reach": reduce_reach, "tiers": calls}


def _borderline(action: str | None, tiers: dict[str, dict[str, float]],
                industry: dict[str, float], perf_interval: tuple[float, float],
                is_offered: bool, rules: ErrcRules) -> str | None:
    """Why the call is borderline, or None when it is clear.

    A call is borderline when moving any one figure behind it to either end of its
    95% interval (a tier's importance, the industry's performance) or by
    :data:`T2B_BAND` (top-box shares, which feed the opportunity score) changes it.
    """
    if np.isnan(industry["performance"]):
        return None
    moves: list[tuple[str, dict[str, dict[str, float]], dict[str, float]]] = []
    for end, value in zip(("low", "high"), perf_interval, strict=True):
        if not np.isnan(value) and is_offered:
            moves.append((f"the industry's performance at the {end} end of its interval "
                          f"({value:.1f})", tiers, {**industry, "performance": value}))
    for sign in (-1, 1):
        t2b = float(np.clip(industry["performance_t2b"] + sign * T2B_BAND, 0.0, 10.0))
        if not np.isnan(t2b) and t2b != industry["performance_t2b"] and is_offered:
            moves.append(("the industry's top-box performance moved by "
                          f"{sign * T2B_BAND:+g}", tiers, {**industry, "performance_t2b": t2b}))
    for tier, f in tiers.items():
        for end, key in (("low", "importance_lo"), ("high", "importance_hi")):
            if not np.isnan(f[key]):
                moved = {**tiers, tier: {**f, "importance": f[key]}}
                moves.append((f"{tier}'s importance at the {end} end of its interval "
                              f"({f[key]:.1f})", moved, industry))
        for sign in (-1, 1):
            t2b = float(np.clip(f["importance_t2b"] + sign * T2B_BAND, 0.0, 10.0))
            moved = {**tiers, tier: {**f, "importance_t2b": t2b}}
            moves.append((f"{tier}'s top-box importance moved by {sign * T2B_BAND:+g}", moved,
                          industry))
    for description, moved_tiers, moved_industry in moves:
        other = _decide(moved_tiers, moved_industry, is_offered, rules)["action"]
        if other != action:
            return f"{description} would make it {other or 'stay as it is'}"
    return None


def _segments_of(by_group: dict[str, dict], tiers: list[str]) -> dict[str, str]:
    """Segment group -> its non-customer tier (groups named ``<tier>-<n>``)."""
    out = {}
    for group in by_group:
        tier = segment_tier(group, tiers)
        if tier is not None and not is_noise(group):
            out[group] = tier
    return out


def _segment_calls(name: str, segments: dict[str, str], by_group: dict[str, dict],
                   industry: dict[str, float], is_offered: bool, rules: ErrcRules,
                   total: float) -> list[dict[str, Any]]:
    """Segments of non-customer tiers whose own importance calls for raising or creating.

    A tier's mean can average away a segment that wants a factor badly (a family segment
    in every tier); each segment is judged by the tier rules on its own importance
    against the industry's delivery: ``create`` when it values the factor (>= ``valued``)
    and the industry hardly offers it, ``raise`` when it calls for raising it.  Its share
    is of all non-customers (weighted).
    """
    perf, perf_t2b = industry["performance"], industry["performance_t2b"]
    if np.isnan(perf):
        return []
    calls = []
    for segment, tier in segments.items():
        row = by_group[segment].get(name)
        if row is None or np.isnan(row["importance"]):
            continue
        imp = float(row["importance"])
        imp_t2b = float(row["importance_t2b"])
        opportunity = imp_t2b + max(imp_t2b - perf_t2b, 0.0) if not np.isnan(perf_t2b) else np.nan
        if imp >= rules.valued and (perf < rules.hardly_offered or not is_offered):
            call = "create"
        elif ((quadrant(imp, perf, (rules.crosshair, rules.crosshair)) == "concentrate here"
               and imp - perf >= rules.under_delivered) or opportunity >= rules.high_opportunity):
            call = "raise"
        else:
            continue
        calls.append({"segment": segment, "tier": tier, "call": call, "importance": _r(imp),
                      "opportunity": _r(opportunity),
                      "share_of_noncustomers": _r(float(row.get("weighted_n", np.nan))
                                                  / total),
                      "low_base": bool(row.get("low_base", False))})
    return calls
