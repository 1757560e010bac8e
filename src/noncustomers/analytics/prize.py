"""The size of the prize: how many non-customers a proposed value curve would pull in.

A transparent rule, one respondent at a time.  With the respondent's importance
ratings ``r_j`` (0-10) as their needs and a value curve ``c_j`` (0-10), the
*unmet need* is the importance-weighted shortfall of the curve below the needs::

    U(c) = sum_j r_j * max(r_j - c_j, 0) / sum_j r_j

(0 = every need met; factors the respondent did not rate are left out).  Over-
delivery costs nothing here: what a curve gives beyond a need neither wins nor
loses the respondent, so cutting a factor only loses people who value it.

A non-customer is **won** when the proposed curve lowers their unmet need by at
least ``margin`` points (default 1 on 0-10) against today's industry curve:
``U(industry) - U(proposed) >= margin``.  Per non-customer tier: the weighted
share won with its 95% Wilson interval on Kish's effective base, and the people
it stands for (share x the tier's weighted size, with the same interval).

This counts who the new curve fits clearly better, not who will buy: price,
awareness and habit stand between fit and purchase, so read it as an upper
bound to compare curves with, not a sales forecast.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from noncustomers.analytics.gaps import LOW_BASE
from noncustomers.analytics.weighted import kish_n_eff, rescale, taylor_share_interval
from noncustomers.panel import Panel
from noncustomers.schema import NON_CUSTOMER_TIERS

__all__ = ["DEFAULT_MARGIN", "needs_matrix", "size_of_prize", "unmet_need"]

DEFAULT_MARGIN = 1.0


def needs_matrix(panel: Panel, attributes: list[str]) -> np.ndarray:
    """Importance ratings (0-10, NaN missing) of every respondent, one column per attribute."""
    columns = []
    for name in attributes:
        values = panel.ratings(name, "importance")
        columns.append(np.full(len(panel), np.nan) if values is None
                       else rescale(values, panel.scales[name]))
    return np.column_stack(columns) if columns else np.empty((len(panel), 0))


def unmet_need(needs: np.ndarray, curve: np.ndarray) -> np.ndarray:
    """Importance-weighted shortfall of ``curve`` below each row of ``needs`` (NaN: no rating).

    >>> unmet_need(np.array([[8.0, 2.0]]), np.array([4.0, 6.0]))   # 8 * 4 / 10
    array([3.2])
    """
    rated = ~np.isnan(needs) & ~np.isnan(curve)[None, :]
    r = np.where(rated, needs, 0.0)
    c = np.where(np.isnan(curve), 0.0, curve)
    total = r.sum(axis=1)
    shortfall = (r * np.maximum(r - c[None, :], 0.0)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, shortfall / total, np.nan)


def size_of_prize(panel: Panel, tiers: pd.Series, industry: dict[str, float],
                  proposed: dict[str, float], margin: float = DEFAULT_MARGIN) -> dict:
    """Non-customers won by ``proposed`` over ``industry`` (see the module docstring).

    Returns
    -------
    dict
        ``margin``, ``curve`` (the proposed levels), ``factors`` (those with a level on both
        curves, the only ones compared), ``tiers`` (per non-customer tier:
        ``n``, ``n_rated``, ``n_eff``, ``low_base`` (``n_eff`` < 30), ``share``, ``share_lo``, ``share_hi``, ``people``,
        ``people_lo``, ``people_hi``) and ``total`` (the three tiers pooled, same keys).
        Respondents without any importance rating are not counted in the shares
        (``n - n_rated`` of them).
    """
    if not margin >= 0:
        raise ValueError(f"margin must be >= 0 points, got {margin!r}")
    # Factors are compared on the same footing: one without a level on either curve (e.g. no
    # performance rating of the industry) is left out of both.
    attributes = [a for a in industry if a in proposed and a in panel.schema.attributes
                  and not (np.isnan(industry[a]) or np.isnan(proposed[a]))]
    needs = needs_matrix(panel, attributes)
    today = np.array([industry[a] for a in attributes], dtype=float)
    new = np.array([proposed[a] for a in attributes], dtype=float)
    gain = unmet_need(needs, today) - unmet_need(needs, new)
    won = (gain >= margin - 1e-12).astype(float)
    rated = ~np.isnan(gain)
    w = np.asarray(panel.weights, dtype=float)
    tier_values = tiers.to_numpy()

    def block(mask: np.ndarray) -> dict:
        ok = mask & rated
        size = float(w[mask].sum())
        n_eff = kish_n_eff(w[ok])
        share, lo, hi = taylor_share_interval(np.where(ok, won, np.nan), w)
        return {"n": int(mask.sum()), "n_rated": int(ok.sum()), "n_eff": _r(n_eff),
                "low_base": bool(n_eff < LOW_BASE),
                "share": _r(share), "share_lo": _r(lo), "share_hi": _r(hi),
                "people": _r(share * size), "people_lo": _r(lo * size),
                "people_hi": _r(hi * size)}

    out_tiers = {t: block(tier_values == t) for t in NON_CUSTOMER_TIERS
                 if t in panel.schema.tiers}
    pooled = np.isin(tier_values, list(out_tiers))
    return {"margin": margin, "curve": {a: _r(v) for a, v in proposed.items()},
            "factors": attributes,
            "tiers": out_tiers, "total": block(pooled)}


def _r(value: float) -> float | None:
    return None if value is None or np.isnan(value) else round(float(value), 6)
