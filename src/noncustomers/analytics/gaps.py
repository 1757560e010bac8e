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

from noncustomers.analytics.weighted import rescale, top_box_share, weighted_mean
from noncustomers.panel import Panel

__all__ = ["GAP_COLUMNS", "attribute_gaps", "group_masks"]

GAP_COLUMNS = ["group", "attribute", "importance", "performance", "gap", "importance_t2b",
               "performance_t2b", "opportunity", "n", "weighted_n"]


def group_masks(tiers: pd.Series, segments: pd.Series, tier_order: list[str]) -> dict[str, np.ndarray]:
    """``all``, then each tier in order, then each segment in its tier: name -> row mask."""
    masks = {"all": np.ones(len(tiers), dtype=bool)}
    tier_values = tiers.to_numpy()
    seg_values = segments.to_numpy()
    for tier in tier_order:
        masks[tier] = tier_values == tier
    for tier in tier_order:
        segs = set(seg_values[tier_values == tier]) - {tier}
        for seg in sorted(segs, key=_segment_number):
            masks[seg] = seg_values == seg
    return masks


def _segment_number(segment: str) -> tuple[int, int]:
    """Sort key: ``<tier>-1, <tier>-2, ...`` then ``<tier>-noise``."""
    suffix = segment.rsplit("-", 1)[-1]
    return (0, int(suffix)) if suffix.isdigit() else (1, 0)


def attribute_gaps(panel: Panel, masks: dict[str, np.ndarray]) -> pd.DataFrame:
    """The gaps table for the given groups (see the module docstring)."""
    rows = []
    w_all = panel.weights
    for group, mask in masks.items():
        w = w_all[mask]
        n = int(mask.sum())
        for name in panel.schema.attributes:
            scale = panel.scales[name]
            stats = {}
            for kind in ("importance", "performance"):
                values = panel.ratings(name, kind)
                if values is None or n == 0:
                    stats[kind] = stats[f"{kind}_t2b"] = np.nan
                    continue
                v = values[mask]
                stats[kind] = weighted_mean(rescale(v, scale), w)
                stats[f"{kind}_t2b"] = top_box_share(v, w, scale) * 10.0
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
            })
    return pd.DataFrame(rows, columns=GAP_COLUMNS)
