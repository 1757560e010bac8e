"""Differences that matter: each tier and segment against customers and against the rest.

One row per (group, versus, attribute, measure):

- ``measure``: ``importance`` and ``performance`` (weighted means, 0-10) and
  ``importance_t2b`` (weighted top-box share x 10, as in ``gaps.csv``);
- ``value``: the group's figure (the comparison group's is ``value - difference``);
- ``difference``: the group's figure minus the comparison group's;
- ``difference_lo``, ``difference_hi``: its 95% interval (Welch's t interval on Kish
  effective bases for means; the unpooled Wald interval for the top-box share, x 10).
  Per row, not adjusted for the many rows: an interval clear of zero is not the same as
  ``q_value < 0.05``;
- ``p_value``: Welch's t on Kish effective bases for means, the pooled
  two-proportion z on effective bases for the top-box share
  (:mod:`noncustomers.analytics.significance`);
- ``q_value``: Benjamini-Hochberg across every test of the table: among the rows
  with ``q_value < 0.05``, about 5% or fewer are expected to be false discoveries
  (it controls that share, it does not make any one row "a real difference");
- ``index``: 100 x the group's figure / the whole sample's (100 = average);
- ``basis``: true when the group was built from the measure's column (a segment's
  segmentation basis, or a column a tier rule reads): such a row is described but
  not tested (``p_value``, ``q_value`` and the interval empty), because a group made to differ on
  a variable is bound to differ on it, and those sure rejections would loosen the
  Benjamini-Hochberg threshold for the real tests.

``versus`` is ``customers`` (every group but customers and their segments) and
``rest`` (every respondent not in the group).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from noncustomers.analytics.significance import (bh_qvalues, mean_difference_interval,
                                                 proportion_difference_interval,
                                                 two_proportion_test, welch_from_moments)
from noncustomers.analytics.weighted import rating_columns
from noncustomers.panel import Panel

__all__ = ["DIFFERENCE_COLUMNS", "DIFFERENCE_MEASURES", "SIGNIFICANT_Q", "attribute_differences",
           "defining_columns", "ranked_differences"]

#: The columns of ``differences.csv``: those of the first release in their order, then the
#: ones added since (a reader by position keeps working).
DIFFERENCE_COLUMNS = ["group", "versus", "attribute", "measure", "difference", "p_value",
                      "q_value", "index", "basis", "value", "difference_lo", "difference_hi"]
DIFFERENCE_MEASURES = ("importance", "importance_t2b", "performance")
#: A row is significant when its Benjamini-Hochberg q-value is below this.
SIGNIFICANT_Q = 0.05


class _Sums:
    """Weighted sums of every rating column within each group, from which each side's
    mean, variance and Kish base follow (two matrix products instead of one pass over
    the panel per test: the table holds about a thousand tests, and on a million
    respondents the per-test passes took minutes).

    For a side with answer indicator o, weight w and value x: ``s0 = sum(o w)``,
    ``s00 = sum(o w^2)``, ``s1 = sum(o w x)``, ``s2 = sum(o w x^2)``; mean = s1/s0,
    Kish n_eff = s0^2/s00, biased variance = s2/s0 - mean^2 (then scaled by
    n_eff/(n_eff - 1), as :func:`~noncustomers.analytics.weighted.weighted_moments`).
    """

    def __init__(self, x: np.ndarray, w: np.ndarray, masks: np.ndarray,
                 chunk: int = 100_000) -> None:
        self.m = m = x.shape[1]
        self.group = np.zeros((masks.shape[1], 4 * m))
        self.total = np.zeros(4 * m)
        for start in range(0, len(w), chunk):  # in row chunks: bounded memory
            rows = slice(start, start + chunk)
            xs, ws = x[rows], w[rows]
            ok = ~np.isnan(xs)
            x0 = np.where(ok, xs, 0.0)
            wo = ok * ws[:, None]
            stack = np.hstack([wo, ok * (ws * ws)[:, None], wo * x0, wo * x0 * x0])
            self.group += masks[rows].T.astype(float) @ stack
            self.total += stack.sum(axis=0)

    def side(self, g: int | None, j: int, rest: bool = False):
        """(mean, variance, n_eff) of column j in group g (None: everyone), or everyone
        outside it with ``rest``."""
        cols = [j, self.m + j, 2 * self.m + j, 3 * self.m + j]
        sums = self.total[cols] if g is None else self.group[g, cols]
        if rest:
            sums = self.total[cols] - sums
        s0, s00, s1, s2 = (float(v) for v in sums)
        if s0 <= 1e-12 * max(float(self.total[j]), 1.0):
            return math.nan, math.nan, 0.0
        mean = s1 / s0
        n_eff = s0 * s0 / s00 if s00 > 0 else 0.0
        if n_eff <= 1:
            return mean, math.nan, n_eff
        biased = max(s2 / s0 - mean * mean, 0.0)
        return mean, biased * n_eff / (n_eff - 1.0), n_eff


def _test(one: tuple[float, float, float], two: tuple[float, float, float],
          measure: str) -> tuple[float, float, float, float, float]:
    """(group figure, difference, its 95% interval's ends, p-value) from each side's (mean,
    variance, n_eff); the figure is the mean on 0-10, or the top-box share x 10."""
    scale = 10.0 if measure == "importance_t2b" else 1.0
    f1, f2 = one[0] * scale, two[0] * scale
    if np.isnan(f1) or np.isnan(f2):
        return f1, np.nan, np.nan, np.nan, np.nan
    if measure == "importance_t2b":
        p = two_proportion_test(one[0], one[2], two[0], two[2])
        lo, hi = proportion_difference_interval(one[0], one[2], two[0], two[2])
    else:
        p = welch_from_moments(*one, *two)
        lo, hi = mean_difference_interval(*one, *two)
    return f1, f1 - f2, lo * scale, hi * scale, p


def attribute_differences(panel: Panel, masks: dict[str, np.ndarray],
                          customers: str = "customers") -> pd.DataFrame:
    """The differences table (see the module docstring) for the given groups.

    Parameters
    ----------
    panel : Panel
    masks : dict
        group -> row mask, as from :func:`noncustomers.analytics.gaps.group_masks`;
        the ``all`` group is the total that ``index`` is read against and is not
        itself compared.
    customers : str
        The group that ``versus = "customers"`` compares with; groups inside it
        (its segments) are compared with the rest only.
    """
    w = np.asarray(panel.weights, dtype=float)
    cust = masks.get(customers)
    tier_defining, segment_defining = defining_columns(panel)
    tier_groups = set(panel.schema.tiers) | {"unclassified"}
    keys: list[tuple[str, str]] = []
    columns = []
    for name, kind, values, top_box in rating_columns(panel):
        keys.append((name, kind))
        columns.append(values)
        if kind == "importance":
            keys.append((name, "importance_t2b"))
            columns.append(top_box)
    names = [g for g in masks if g != "all"]
    rows = []
    if keys:
        index_of = {key: j for j, key in enumerate(keys)}
        sums = _Sums(np.column_stack(columns), w,
                     np.column_stack([masks[g] for g in names]) if names
                     else np.zeros((len(w), 0), dtype=bool))
        g_cust = names.index(customers) if customers in names else None
        for g, group in enumerate(names):
            mask = masks[group]
            versus = [("rest", g, True)]
            if cust is not None and cust.any() and (mask & ~cust).any():
                versus.insert(0, (customers, g_cust, False))
            for other, g_other, rest in versus:
                for name in panel.schema.attributes:
                    for measure in DIFFERENCE_MEASURES:
                        j = index_of.get((name, measure))
                        if j is None:
                            continue
                        value, diff, lo, hi, p = _test(sums.side(g, j),
                                                       sums.side(g_other, j, rest), measure)
                        attribute = panel.schema.attributes[name]
                        column = (attribute.performance if measure == "performance"
                                  else attribute.importance)
                        defining = tier_defining if group in tier_groups else segment_defining
                        basis = column in defining
                        if basis:
                            # described, not tested (nor an interval): built from it
                            p = lo = hi = np.nan
                        total = sums.side(None, j)[0] * (10.0 if measure == "importance_t2b"
                                                         else 1.0)
                        index = (100.0 * value / total if total and not np.isnan(total)
                                 else np.nan)
                        rows.append((group, other, name, measure, value, diff, lo, hi, p,
                                     index, basis))
    table = pd.DataFrame(rows, columns=["group", "versus", "attribute", "measure", "value",
                                        "difference", "difference_lo", "difference_hi",
                                        "p_value", "index", "basis"])
    table["q_value"] = bh_qvalues(table["p_value"].to_numpy(dtype=float))
    figures = ("value", "difference", "difference_lo", "difference_hi", "p_value", "q_value",
               "index")
    return table[DIFFERENCE_COLUMNS].astype({**dict.fromkeys(figures, float), "basis": bool})


def defining_columns(panel: Panel) -> tuple[set[str], set[str]]:
    """Columns that tiers, and segments, were built from: ``(tier rules', segments')``.

    Tiers are defined by the columns their rules read (all rules: the first match wins,
    so an earlier rule shapes every later tier); segments by those and the segmentation
    basis.  Tests of a group on its own defining columns are circular.
    """
    rules = {column for rule in panel.schema.tiers.values() for column in rule.columns}
    return rules, rules | set(panel.basis)


def ranked_differences(differences: pd.DataFrame, group: str, versus: str = "customers",
                       measures: tuple[str, ...] = DIFFERENCE_MEASURES) -> pd.DataFrame:
    """One comparison's rows of the differences table, the ones that matter first.

    Order: significant rows (``q_value < SIGNIFICANT_Q``) by the size of the difference,
    largest first; then the other tested rows by q-value; then the rows described but not
    tested (``basis``); rows without a difference (a side with no answers) are left out.
    Adds ``significant`` (bool) and ``status`` (``significant``, ``not significant``,
    ``not tested``).

    Parameters
    ----------
    differences : DataFrame
        The table of :func:`attribute_differences` (``Analysis.differences``).
    group : str
        A tier or segment.
    versus : str
        ``customers`` or ``rest``.
    measures : tuple of str
        The measures to keep, of :data:`DIFFERENCE_MEASURES`.
    """
    rows = differences[(differences["group"] == group) & (differences["versus"] == versus)
                       & differences["measure"].isin(measures)
                       & differences["difference"].notna()].copy()
    if rows.empty and not ((differences["group"] == group)
                           & (differences["versus"] == versus)).any():
        raise ValueError(f"no differences of '{group}' versus '{versus}'; the table has: "
                         + ", ".join(sorted({f"{g} vs {v}" for g, v in
                                             zip(differences["group"], differences["versus"])})))
    rows["significant"] = (rows["q_value"] < SIGNIFICANT_Q).to_numpy()
    rows["status"] = np.where(rows["significant"], "significant",
                              np.where(rows["q_value"].notna(), "not significant",
                                       "not tested"))
    rank = rows["status"].map({"significant": 0, "not significant": 1, "not tested": 2})
    key = np.where(rows["significant"], -rows["difference"].abs(), rows["q_value"].fillna(0.0))
    rows = rows.assign(_rank=rank, _key=key, _size=-rows["difference"].abs())
    rows = rows.sort_values(["_rank", "_key", "_size"], kind="stable")
    return rows.drop(columns=["_rank", "_key", "_size"]).reset_index(drop=True)
