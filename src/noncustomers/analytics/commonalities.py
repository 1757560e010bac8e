"""Commonalities: what the three non-customer tiers share.

Blue Ocean Strategy builds on what non-customers have in common rather than on
finer and finer segments.  For every reason for not buying (schema
``[barriers]``, kind ``barrier``) and every attribute rated for importance
(kind ``need``: the share rating it in the top box), per non-customer tier:

- ``prevalence_<tier>``: weighted share of the tier's respondents who answered
  that give the reason / rate the need top-box (0-1), with its 95% Wilson
  interval on the Kish base of those who answered (``prevalence_lo_<tier>``,
  ``prevalence_hi_<tier>``);
- ``floor``: the lowest prevalence across the tiers (a commonality is only as
  common as its weakest tier);
- ``peak``: the highest; ``evenness = floor / peak`` (1 = equally common in every
  tier, 0 = absent from one);
- ``breadth``: how many tiers have prevalence >= ``high`` (default 0.3);
- ``reach``: estimated people, the sum over tiers of prevalence x the tier's
  weighted size (people when the weights are grossed up to the population,
  else weighted respondents);
- ``rank``: within each kind, by floor (highest first), ties by reach;
- ``low_base``: the tiers (``;``-separated) whose Kish base among those asked is under 30,
  whose figures to read with care (empty when none).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from noncustomers.analytics.gaps import LOW_BASE
from noncustomers.analytics.weighted import (kish_n_eff, taylor_share_interval, top_box_indicator,
                                             weighted_mean)
from noncustomers.panel import Panel
from noncustomers.vocabulary import NON_CUSTOMER_TIERS

__all__ = ["COMMONALITY_COLUMNS", "HIGH_PREVALENCE", "commonalities", "commonality_row",
           "ranked_commonalities", "top_commonalities"]

HIGH_PREVALENCE = 0.3
COMMONALITY_COLUMNS = (["kind", "item", "label"]
                       + [f"prevalence_{t}" for t in NON_CUSTOMER_TIERS]
                       + [f"prevalence_lo_{t}" for t in NON_CUSTOMER_TIERS]
                       + [f"prevalence_hi_{t}" for t in NON_CUSTOMER_TIERS]
                       + ["floor", "peak", "evenness", "breadth", "reach", "rank", "low_base"])


def _items(panel: Panel) -> list[tuple[str, str, str, np.ndarray]]:
    """(kind, item, label, 0/1 values with NaN) for every barrier and every rated need."""
    items = [("barrier", name, panel.barrier_labels.get(name, name),
              panel.barriers[name].to_numpy(dtype=float)) for name in panel.barriers.columns]
    for name, attr in panel.schema.attributes.items():
        values = panel.ratings(name, "importance")
        if values is None:
            continue
        items.append(("need", name, attr.display,
                      top_box_indicator(values, panel.scales[name])))
    return items


def commonalities(panel: Panel, tiers: pd.Series, high: float = HIGH_PREVALENCE) -> pd.DataFrame:
    """The commonalities table (see the module docstring), barriers first, then needs.

    Tiers with no respondent are left out of floor, peak, breadth and reach (their
    prevalence column is empty).
    """
    if not 0 < high < 1:
        raise ValueError(f"high must be a share between 0 and 1, got {high!r}")
    w = np.asarray(panel.weights, dtype=float)
    tier_values = tiers.to_numpy()
    masks = {t: tier_values == t for t in NON_CUSTOMER_TIERS}
    sizes = {t: float(w[m].sum()) for t, m in masks.items()}
    rows = []
    for kind, item, label, x in _items(panel):
        prevalence, interval, low = {}, {}, []
        for tier, mask in masks.items():
            ok = mask & ~np.isnan(x)
            prevalence[tier] = weighted_mean(x[mask], w[mask])
            n_eff = kish_n_eff(w[ok])
            interval[tier] = taylor_share_interval(x[mask], w[mask])[1:]
            if ok.any() and n_eff < LOW_BASE:
                low.append(tier)
        rows.append(commonality_row(kind, item, label, prevalence, interval, low, sizes, high))
    return ranked_commonalities(rows)


def commonality_row(kind: str, item: str, label: str, prevalence: dict[str, float],
                    interval: dict[str, tuple[float, float]], low: list[str],
                    sizes: dict[str, float], high: float = HIGH_PREVALENCE) -> dict[str, Any]:
    """One row of the table from each tier's prevalence, its interval, the low-base tiers
    and the tiers' weighted sizes (shared by :func:`commonalities` and the cluster's
    :func:`noncustomers.distributed.aggregate_figures`)."""
    present = [p for p in prevalence.values() if not np.isnan(p)]
    floor = min(present) if present else np.nan
    peak = max(present) if present else np.nan
    return {
        "kind": kind, "item": item, "label": label,
        **{f"prevalence_{t}": p for t, p in prevalence.items()},
        **{f"prevalence_lo_{t}": lo for t, (lo, _) in interval.items()},
        **{f"prevalence_hi_{t}": hi for t, (_, hi) in interval.items()},
        "floor": floor, "peak": peak,
        "evenness": floor / peak if present and peak > 0 else np.nan,
        "breadth": sum(p >= high for p in present),
        "reach": sum(prevalence[t] * sizes[t] for t in prevalence if not np.isnan(prevalence[t])),
        "low_base": ";".join(low),
    }


def ranked_commonalities(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The table of :func:`commonality_row` rows: barriers first, then needs, each by floor,
    then reach, then name, and ranked within its kind."""
    table = pd.DataFrame(rows, columns=[c for c in COMMONALITY_COLUMNS if c != "rank"])
    table["_kind"] = table["kind"].map({"barrier": 0, "need": 1})
    table = (table.sort_values(["_kind", "floor", "reach", "item"],
                               ascending=[True, False, False, True], na_position="last",
                               kind="stable")
             .drop(columns="_kind").reset_index(drop=True))
    table["rank"] = table.groupby("kind").cumcount() + 1
    return table[COMMONALITY_COLUMNS].astype({"breadth": int, "rank": int})


def top_commonalities(table: pd.DataFrame, top: int = 5) -> dict[str, list[dict]]:
    """The ``summary.json`` ``commonalities`` block: the first ``top`` rows of each kind."""
    out: dict[str, list[dict]] = {}
    for kind, key in (("barrier", "barriers"), ("need", "needs")):
        rows = table[table["kind"] == kind].head(top)
        out[key] = [{"item": r["item"], "label": r["label"],
                     "prevalence": {t: _round(r[f"prevalence_{t}"]) for t in NON_CUSTOMER_TIERS},
                     "prevalence_lo": {t: _round(r[f"prevalence_lo_{t}"])
                                       for t in NON_CUSTOMER_TIERS},
                     "prevalence_hi": {t: _round(r[f"prevalence_hi_{t}"])
                                       for t in NON_CUSTOMER_TIERS},
                     "floor": _round(r["floor"]), "evenness": _round(r["evenness"]),
                     "breadth": int(r["breadth"]), "reach": _round(r["reach"]),
                     "low_base": [t for t in r["low_base"].split(";") if t]}
                    for _, r in rows.iterrows()]
    return out


def _round(value: float) -> float | None:
    return None if pd.isna(value) else round(float(value), 6)
