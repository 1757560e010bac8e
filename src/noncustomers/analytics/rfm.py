"""Customer value: RFM (recency, frequency, monetary) scores of the customers group.

When the schema maps ``[rfm]``, each customer gets three quintile scores, 5 =
best, computed among customers with survey weights (weighted mid-ranks, see
:func:`noncustomers.analytics.weighted.weighted_quantile_scores`):

- ``recency_score``: the *fewer* units since the last purchase, the higher;
- ``frequency_score`` and ``monetary_score``: the more, the higher;

and a ``value_tier`` from their sum (3-15): ``top`` 13-15, ``high`` 10-12,
``mid`` 7-9, ``low`` 3-6.  A customer with any of the three missing gets no scores
and the value tier ``unscored``; non-customers get none (empty).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from noncustomers.analytics.weighted import weighted_quantile_scores
from noncustomers.panel import Panel

__all__ = ["RFM_COLUMNS", "VALUE_TIERS", "rfm_scores", "value_tier"]

RFM_COLUMNS = ["recency_score", "frequency_score", "monetary_score", "value_tier"]
VALUE_TIERS = (("top", 13), ("high", 10), ("mid", 7), ("low", 3))


def value_tier(total: float) -> str:
    """The value tier of an R+F+M sum (3-15); ``unscored`` for NaN.

    >>> [value_tier(t) for t in (15, 12, 7, 6)]
    ['top', 'high', 'mid', 'low']
    """
    if np.isnan(total):
        return "unscored"
    return next(name for name, floor in VALUE_TIERS if total >= floor)


def rfm_scores(panel: Panel, tiers: pd.Series, customers: str = "customers") -> pd.DataFrame:
    """The RFM columns of ``assignments.csv`` (see the module docstring), in panel order.

    Empty (no columns) when the schema has no ``[rfm]`` table.
    """
    if not len(panel.rfm.columns):
        return pd.DataFrame(index=range(len(panel)))
    is_customer = tiers.to_numpy() == customers
    rfm = panel.rfm.to_numpy(dtype=float)
    complete = is_customer & ~np.isnan(rfm).any(axis=1)
    w = np.asarray(panel.weights, dtype=float)
    scores = {}
    for j, (role, column) in enumerate(zip(("recency", "frequency", "monetary"), RFM_COLUMNS)):
        x = np.where(complete, rfm[:, j], np.nan)
        if role == "recency":
            x = -x  # fewer months since the last purchase is better
        scores[column] = weighted_quantile_scores(x, w)
    total = scores["recency_score"] + scores["frequency_score"] + scores["monetary_score"]
    tier = np.where(is_customer, [value_tier(t) for t in total], "")
    out = pd.DataFrame({c: pd.array(np.where(np.isnan(s), pd.NA, s), dtype="Int64")
                        for c, s in scores.items()})
    out["value_tier"] = tier
    return out[RFM_COLUMNS]
