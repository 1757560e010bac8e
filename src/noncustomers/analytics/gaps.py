"""Attribute gaps: what each group values (importance) vs what the industry delivers.

One row per (group, attribute), groups being ``all``, each tier and each
segment.  Definitions (all on 0-10):

- ``importance`` / ``performance``: weighted means rescaled from the attribute's scale;
- ``gap = importance - performance``;
- ``*_t2b``: weighted share of answers in the top quarter of the scale, x 10;
- ``opportunity = importance_t2b + max(importance_t2b - performance_t2b, 0)``
  (Ulwick's opportunity algorithm, 0-20).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from noncustomers.analytics.weighted import (kish_n_eff, mean_interval, rescale, top_box_share,
                                             weighted_mean)
from noncustomers.panel import Panel
from noncustomers.vocabulary import segment_order

__all__ = ["GAP_COLUMNS", "LOW_BASE", "attribute_gaps", "group_masks", "opportunity_band",
           "quadrant"]

GAP_COLUMNS = ["group", "attribute", "importance", "performance", "gap", "importance_t2b",
               "performance_t2b", "opportunity", "n", "weighted_n",
               # Added after the foundation contract (appended, so readers by name keep working):
               "n_eff", "importance_lo", "importance_hi", "performance_lo", "performance_hi",
               "low_base", "quadrant", "opportunity_band"]
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


def attribute_gaps(panel: Panel, masks: dict[str, np.ndarray],
                   crosshair: str = "midpoint") -> pd.DataFrame:
    """The gaps table for the given groups (see the module docstring).

    ``crosshair`` places the importance-performance quadrants: "midpoint" (5 on
    0-10, the default) or "mean" (the group's mean importance and performance
    across attributes).
    """
    if crosshair not in ("midpoint", "mean"):
        raise ValueError(f"crosshair must be 'midpoint' or 'mean', got {crosshair!r}")
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
