"""Attribute gaps: what each group values (importance) vs what the industry delivers.

One row per (group, attribute), groups being ``all``, each tier and each
segment.  Definitions (all on 0-10):

- ``importance`` / ``performance``: weighted means rescaled from the attribute's scale;
- ``gap = importance - performance``;
- ``*_t2b``: weighted share of answers in the top quarter of the scale, x 10;
- ``opportunity = importance_t2b + max(importance_t2b - performance_t2b, 0)``
  (Ulwick's opportunity algorithm, 0-20).
- ``importance_source``: ``stated`` (an importance battery), ``derived`` (from the
  drivers of the schema's ``[importance] derived_from`` outcome, see
  :mod:`noncustomers.analytics.importance`) or empty (no importance).  A derived
  importance is a group-level figure: there is no answer distribution to take a top box
  of, so its ``importance_t2b`` is the derived importance itself, and its interval is the
  bootstrap one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from noncustomers.analytics.importance import DEFAULT_BOOT, derived_importance
from noncustomers.analytics.weighted import (kish_n_eff, mean_interval, rescale, top_box_share,
                                             weighted_mean)
from noncustomers.panel import Panel
from noncustomers.vocabulary import segment_order

__all__ = ["GAP_COLUMNS", "LOW_BASE", "attribute_gaps", "derived_attributes", "derived_table",
           "group_masks", "opportunity_band", "quadrant"]

GAP_COLUMNS = ["group", "attribute", "importance", "performance", "gap", "importance_t2b",
               "performance_t2b", "opportunity", "n", "weighted_n",
               # Added after the foundation contract (appended, so readers by name keep working):
               "n_eff", "importance_lo", "importance_hi", "performance_lo", "performance_hi",
               "low_base", "quadrant", "opportunity_band", "importance_source"]
LOW_BASE = 30  # Kish effective base below which a group's figures are flagged
QUADRANTS = {(True, False): "concentrate here", (True, True): "keep up",
             (False, False): "low priority", (False, True): "possible overkill"}


def quadrant(importance: float, performance: float, cross: tuple[float, float] = (5.0, 5.0)) -> str:
    """Martilla & James (1977) importance-performance quadrant; "" when a figure is missing.

    High importance (>= the crosshair) with low performance is "concentrate here".
    """
    if np.isnan(importance) or np.isnan(performance):
        return ""
    return QUADRANTS[(importance >= cross[0], performance >= cross[1])]


def opportunity_band(opportunity: float) -> str:
    """Ulwick's reading: > 15 extreme, 12-15 high, 10-12 solid, < 10 low ("" when missing)."""
    if np.isnan(opportunity):
        return ""
    return ("extreme" if opportunity > 15 else "high" if opportunity >= 12
            else "solid" if opportunity >= 10 else "low")


def group_masks(tiers: pd.Series, segments: pd.Series, tier_order: list[str]) -> dict[str, np.ndarray]:
    """``all``, then each tier in order, then each segment in its tier: name -> row mask."""
    masks = {"all": np.ones(len(tiers), dtype=bool)}
    tier_values = tiers.to_numpy()
    seg_values = segments.to_numpy()
    for tier in tier_order:
        masks[tier] = tier_values == tier
    for tier in tier_order:
        segs = set(seg_values[tier_values == tier]) - {tier}
        for seg in sorted(segs, key=lambda name, tier=tier: segment_order(name, tier)):
            masks[seg] = seg_values == seg
    return masks


def derived_attributes(panel: Panel) -> list[str]:
    """Attributes whose importance is derived: a performance column, no stated importance,
    and a schema with ``[importance] derived_from``."""
    if panel.schema.importance_from is None:
        return []
    return [name for name, a in panel.schema.attributes.items()
            if a.importance is None and a.performance is not None]


def derived_table(panel: Panel, masks: dict[str, np.ndarray], seed: int = 0,
                  n_boot: int = DEFAULT_BOOT) -> pd.DataFrame:
    """Derived importance of :func:`derived_attributes` for each group (empty if none)."""
    names = derived_attributes(panel)
    if not names:
        return pd.DataFrame(columns=["group", "attribute", "importance"])
    X = np.column_stack([panel.ratings(name, "performance") for name in names])
    return derived_importance(X, panel.outcome, panel.weights, masks, names,
                              method=panel.schema.importance_method, n_boot=n_boot, seed=seed)


def attribute_gaps(panel: Panel, masks: dict[str, np.ndarray],
                   crosshair: str = "midpoint", seed: int = 0,
                   derived_boot: int = DEFAULT_BOOT) -> pd.DataFrame:
    """The gaps table for the given groups (see the module docstring).

    ``crosshair`` places the importance-performance quadrants: "midpoint" (5 on
    0-10, the default) or "mean" (the group's mean importance and performance
    across attributes).  ``seed`` and ``derived_boot`` drive the bootstrap intervals of
    a derived importance.
    """
    if crosshair not in ("midpoint", "mean"):
        raise ValueError(f"crosshair must be 'midpoint' or 'mean', got {crosshair!r}")
    derived = derived_table(panel, masks, seed, derived_boot).set_index(
        ["group", "attribute"])
    rows = []
    w_all = panel.weights
    for group, mask in masks.items():
        w = w_all[mask]
        n = int(mask.sum())
        n_eff = kish_n_eff(w)
        for name in panel.schema.attributes:
            scale = panel.scales[name]
            stats = {}
            for kind in ("importance", "performance"):
                values = panel.ratings(name, kind)
                if values is None or n == 0:
                    stats[kind] = stats[f"{kind}_t2b"] = np.nan
                    stats[f"{kind}_lo"] = stats[f"{kind}_hi"] = np.nan
                    continue
                v = values[mask]
                stats[kind] = weighted_mean(rescale(v, scale), w)
                stats[f"{kind}_t2b"] = top_box_share(v, w, scale) * 10.0
                stats[f"{kind}_lo"], stats[f"{kind}_hi"] = mean_interval(rescale(v, scale), w)
            source = "stated" if panel.ratings(name, "importance") is not None else ""
            if (group, name) in derived.index:
                row = derived.loc[(group, name)]
                stats["importance"] = stats["importance_t2b"] = float(row["importance"])
                stats["importance_lo"] = float(row["importance_lo"])
                stats["importance_hi"] = float(row["importance_hi"])
                source = "derived"
            imp_t2b, perf_t2b = stats["importance_t2b"], stats["performance_t2b"]
            rows.append({
                "group": group,
                "attribute": name,
                "importance": stats["importance"],
                "performance": stats["performance"],
                "gap": stats["importance"] - stats["performance"],
                "importance_t2b": imp_t2b,
                "performance_t2b": perf_t2b,
                "opportunity": imp_t2b + max(imp_t2b - perf_t2b, 0.0)
                if not (np.isnan(imp_t2b) or np.isnan(perf_t2b)) else np.nan,
                "n": n,
                "weighted_n": float(w.sum()),
                "n_eff": n_eff,
                **{key: stats[key] for key in ("importance_lo", "importance_hi",
                                               "performance_lo", "performance_hi")},
                "low_base": bool(n_eff < LOW_BASE),
                "importance_source": source,
            })
    table = pd.DataFrame(rows)
    if table.empty:
        return pd.DataFrame(columns=GAP_COLUMNS)
    cross = {g: (5.0, 5.0) for g in masks}
    if crosshair == "mean":
        means = table.groupby("group", sort=False)[["importance", "performance"]].mean()
        cross = {g: (means.loc[g, "importance"], means.loc[g, "performance"]) for g in masks}
    table["quadrant"] = [quadrant(i, p, cross[g]) for g, i, p in
                         zip(table["group"], table["importance"], table["performance"])]
    table["opportunity_band"] = [opportunity_band(o) for o in table["opportunity"]]
    return table[GAP_COLUMNS]
