"""Differences that matter: each tier and segment against customers and against the rest.

One row per (group, versus, attribute, measure):

- ``measure``: ``importance`` and ``performance`` (weighted means, 0-10) and
  ``importance_t2b`` (weighted top-box share x 10, as in ``gaps.csv``);
- ``difference``: the group's figure minus the comparison group's;
- ``p_value``: Welch's t on Kish effective bases for means, the pooled
  two-proportion z on effective bases for the top-box share
  (:mod:`noncustomers.analytics.significance`);
- ``q_value``: Benjamini-Hochberg across every test of the table: among the rows
  with ``q_value < 0.05``, about 5% or fewer are expected to be false discoveries
  (it controls that share, it does not make any one row "a real difference");
- ``index``: 100 x the group's figure / the whole sample's (100 = average);
- ``basis``: true when the group was built from the measure's column (a segment's
  segmentation basis, or a column a tier rule reads): such a row is described but
  not tested (``p_value`` and ``q_value`` empty), because a group made to differ on
  a variable is bound to differ on it, and those sure rejections would loosen the
  Benjamini-Hochberg threshold for the real tests.

``versus`` is ``customers`` (every group but customers and their segments) and
``rest`` (every respondent not in the group).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from noncustomers.analytics.significance import bh_qvalues, two_proportion_test, welch_test
from noncustomers.analytics.weighted import (kish_n_eff, rescale, top_box_indicator,
                                             weighted_mean)
from noncustomers.panel import Panel

__all__ = ["DIFFERENCE_COLUMNS", "DIFFERENCE_MEASURES", "attribute_differences",
           "defining_columns"]

DIFFERENCE_COLUMNS = ["group", "versus", "attribute", "measure", "difference", "p_value",
                      "q_value", "index", "basis"]
DIFFERENCE_MEASURES = ("importance", "importance_t2b", "performance")


def _figure(x: np.ndarray, w: np.ndarray, measure: str) -> float:
    """One side's figure: the weighted mean on 0-10, or the top-box share x 10."""
    value = weighted_mean(x, w)
    return value * 10.0 if measure == "importance_t2b" else value


def _test(x1: np.ndarray, w1: np.ndarray, x2: np.ndarray, w2: np.ndarray,
          measure: str) -> tuple[float, float, float]:
    """(group figure, difference, p-value); x on 0-10 (means) or 0/1 (top box)."""
    f1, f2 = _figure(x1, w1, measure), _figure(x2, w2, measure)
    if np.isnan(f1) or np.isnan(f2):
        return f1, np.nan, np.nan
    ok1, ok2 = ~np.isnan(x1), ~np.isnan(x2)
    if measure == "importance_t2b":
        p = two_proportion_test(f1 / 10.0, kish_n_eff(w1[ok1]), f2 / 10.0, kish_n_eff(w2[ok2]))
    else:
        p = welch_test(x1[ok1], w1[ok1], x2[ok2], w2[ok2])
    return f1, f1 - f2, p


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
    series: dict[tuple[str, str], np.ndarray] = {}
    for name in panel.schema.attributes:
        scale = panel.scales[name]
        for kind in ("importance", "performance"):
            values = panel.ratings(name, kind)
            if values is None:
                continue
            series[(name, kind)] = rescale(values, scale)
            if kind == "importance":
                series[(name, "importance_t2b")] = top_box_indicator(values, scale)
    totals = {(name, measure): _figure(x, w, measure) for (name, measure), x in series.items()}
    rows = []
    for group, mask in masks.items():
        if group == "all":
            continue
        versus = [("rest", ~mask)]
        if cust is not None and cust.any() and (mask & ~cust).any():
            versus.insert(0, (customers, cust))
        for other, other_mask in versus:
            for name in panel.schema.attributes:
                for measure in DIFFERENCE_MEASURES:
                    x = series.get((name, measure))
                    if x is None:
                        continue
                    value, diff, p = _test(x[mask], w[mask], x[other_mask], w[other_mask],
                                           measure)
                    attribute = panel.schema.attributes[name]
                    column = (attribute.performance if measure == "performance"
                              else attribute.importance)
                    defining = tier_defining if group in tier_groups else segment_defining
                    basis = column in defining
                    if basis:
                        p = np.nan  # described, not tested: the group was built from it
                    total = totals[(name, measure)]
                    index = 100.0 * value / total if total and not np.isnan(total) else np.nan
                    rows.append((group, other, name, measure, diff, p, index, basis))
    table = pd.DataFrame(rows, columns=["group", "versus", "attribute", "measure", "difference",
                                        "p_value", "index", "basis"])
    table["q_value"] = bh_qvalues(table["p_value"].to_numpy(dtype=float))
    return table[DIFFERENCE_COLUMNS].astype({"difference": float, "p_value": float,
                                             "q_value": float, "index": float, "basis": bool})


def defining_columns(panel: Panel) -> tuple[set[str], set[str]]:
    """Columns that tiers, and segments, were built from: ``(tier rules', segments')``.

    Tiers are defined by the columns their rules read (all rules: the first match wins,
    so an earlier rule shapes every later tier); segments by those and the segmentation
    basis.  Tests of a group on its own defining columns are circular.
    """
    rules = {column for rule in panel.schema.tiers.values() for column in rule.columns}
    return rules, rules | set(panel.basis)
