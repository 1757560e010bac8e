"""The prize and the curve test: how big the non-customer market is, and whom a curve serves.

Two figures, kept apart because they answer different questions.

**The prize** (Kim & Mauborgne's sense): the size of the non-customer market, the
weighted number of people in each non-customer tier and in all three, with 95%
intervals from the linearised variance of a weighted total (each respondent its own
sampling unit: ``var(T) = n/(n-1) * sum_i (w_i z_i - T/n)^2``), and the money they
stand for when the schema maps a spend or budget column (``[prize] spend``): the
weighted total of that column over each tier.  People are in the weights' units: with
weights grossed up to the population they are people; with weights averaging 1 they
are respondents.

**The curve test**, for any value curve (the ERRC grid's ``blue ocean`` curve or one of
your own).  With the respondent's importance ratings ``r_j`` (0-10) as their needs and a
curve ``c_j`` (0-10), the *unmet need* is the importance-weighted shortfall of the curve
below the needs::

    U(c) = sum_j r_j * max(r_j - c_j, 0) / sum_j r_j

(0 = every need met; factors the respondent did not rate are left out).  A respondent
is **better served** by the curve when it lowers their unmet need against today's
industry curve by at least ``margin`` points (0-10), **worse served** when it raises it
by that much.  Per non-customer tier, for all non-customers and for customers (the ones
at risk when a curve cuts): the weighted share better and worse served, and the net.

Because over-delivery costs nothing in ``U``, raising every factor always serves more
people better: that is why the test also gives the curve's **offering level**, its mean
level over the compared factors relative to the industry curve's (1 = the same; 1.3 =
30% more on offer), a proxy for cost.  Value innovation is more value for less cost:
compare curves on both.  The shares are reported at several margins (``sensitivity``).

**Intervals include the curve's own uncertainty.**  The ERRC grid and its curve are
fitted on the same respondents they are then tested on, so the intervals come from a
seeded bootstrap: each resample (respondents drawn with replacement, keeping their
weights) re-derives the industry curve and, for the grid's curve, the whole ERRC grid
and the proposed curve, and re-tests it; the 95% interval is the 2.5-97.5 percentile
range.  200 resamples give percentile limits whose own Monte Carlo error is about a
third of a percentage point for shares near 50% (Efron & Tibshirani 1993 suggest at
least 200 for intervals; more only narrows that error).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from noncustomers.analytics.weighted import Z95, rescale
from noncustomers.panel import Panel
from noncustomers.vocabulary import NON_CUSTOMER_TIERS

__all__ = ["DEFAULT_MARGIN", "DEFAULT_RESAMPLES", "MARGINS", "curve_test", "market_size",
           "needs_matrix", "unmet_need", "weighted_total_interval"]

DEFAULT_MARGIN = 1.0
MARGINS = (0.5, 1.0, 2.0)
DEFAULT_RESAMPLES = 200
NON_CUSTOMERS, CUSTOMERS = "non-customers", "customers"


def needs_matrix(panel: Panel, attributes: list[str],
                 derived: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Importance ratings (0-10, NaN missing) of every respondent, one column per attribute.

    ``derived``: attribute -> each respondent's derived importance (their tier's, see
    :mod:`noncustomers.analytics.importance`), for attributes without stated importance.
    """
    derived = derived or {}
    columns = []
    for name in attributes:
        values = panel.ratings(name, "importance")
        if values is None and name in derived:
            columns.append(np.asarray(derived[name], dtype=float))
            continue
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


def weighted_total_interval(values: np.ndarray, weights: np.ndarray) -> tuple[float, float, float]:
    """A weighted total ``T = sum w_i z_i`` with its 95% interval (linearised variance).

    ``var(T) = n/(n-1) * sum_i (w_i z_i - T/n)^2`` over all ``n`` respondents (``z`` is 0
    outside the domain, NaN counts as 0); the lower limit is kept at 0 or above.

    >>> [round(x, 4) for x in weighted_total_interval(np.array([1.0, 0.0]), np.ones(2))]
    [1.0, 0.0, 2.96]
    """
    z = np.nan_to_num(np.asarray(values, dtype=float))
    w = np.asarray(weights, dtype=float)
    n = len(z)
    wz = w * z
    total = float(wz.sum())
    if n < 2:
        return total, float("nan"), float("nan")
    half = Z95 * float(np.sqrt(n / (n - 1) * np.sum((wz - total / n) ** 2)))
    return total, max(total - half, 0.0), total + half


def market_size(panel: Panel, tiers: pd.Series) -> dict:
    """The prize: weighted people per non-customer tier and in all, with intervals; and
    the weighted total of the schema's ``[prize] spend`` column when it maps one.

    Returns ``{"tiers": {tier: block}, "total": block}`` (plus ``spend_column``); a block
    holds ``n``, ``people``, ``people_lo``, ``people_hi`` and, with a spend column,
    ``spend``, ``spend_lo``, ``spend_hi`` and ``n_spend`` (respondents who gave one).
    """
    w = np.asarray(panel.weights, dtype=float)
    tier_values = tiers.to_numpy()
    spend = getattr(panel, "spend", None)

    def block(mask: np.ndarray) -> dict:
        people, lo, hi = weighted_total_interval(mask.astype(float), w)
        out = {"n": int(mask.sum()), "people": _r(people), "people_lo": _r(lo),
               "people_hi": _r(hi)}
        if spend is not None:
            total, s_lo, s_hi = weighted_total_interval(np.where(mask, spend, 0.0), w)
            out.update(spend=_r(total), spend_lo=_r(s_lo), spend_hi=_r(s_hi),
                       n_spend=int((mask & ~np.isnan(spend)).sum()))
        return out

    present = [t for t in NON_CUSTOMER_TIERS if t in panel.schema.tiers]
    out = {"tiers": {t: block(tier_values == t) for t in present},
           "total": block(np.isin(tier_values, present))}
    if spend is not None:
        out["spend_column"] = panel.schema.prize_spend
    return out


class _UnmetNeeds:
    """:func:`unmet_need` for many curves over the same needs: the needs' missing-value
    handling and row totals are done once (the curve test's bootstrap calls it twice per
    resample)."""

    def __init__(self, needs: np.ndarray) -> None:
        self.needs = needs
        self.rated = ~np.isnan(needs)
        self.r = np.where(self.rated, needs, 0.0)
        self.total = self.r.sum(axis=1)

    def __call__(self, curve: np.ndarray) -> np.ndarray:
        if np.isnan(curve).any():
            return unmet_need(self.needs, curve)
        shortfall = (self.r * np.maximum(self.r - curve[None, :], 0.0)).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.total > 0, shortfall / self.total, np.nan)


def _served(needs: np.ndarray | _UnmetNeeds, industry: np.ndarray, curve: np.ndarray,
            w: np.ndarray, groups: dict[str, np.ndarray], margins: Sequence[float]
            ) -> dict[float, dict[str, tuple[float, float]]]:
    """margin -> group -> (share better served, share worse served), weighted."""
    need = needs if isinstance(needs, _UnmetNeeds) else _UnmetNeeds(needs)
    gain = need(industry) - need(curve)
    rated = ~np.isnan(gain)
    out: dict[float, dict[str, tuple[float, float]]] = {}
    for margin in margins:
        better = rated & (gain >= margin - 1e-12)
        worse = rated & (gain <= -margin + 1e-12)
        out[margin] = {}
        for group, mask in groups.items():
            base = float(w[mask & rated].sum())
            out[margin][group] = ((float(w[mask & better].sum()) / base,
                                   float(w[mask & worse].sum()) / base) if base > 0
                                  else (float("nan"), float("nan")))
    return out


def curve_test(panel: Panel, tiers: pd.Series, industry: dict[str, float],
               curve: dict[str, float], margin: float = DEFAULT_MARGIN,
               derive: Callable[[np.ndarray], tuple[dict[str, float], dict[str, float]]]
               | None = None, resamples: int = DEFAULT_RESAMPLES, seed: int = 0,
               derived_needs: dict[str, np.ndarray] | None = None,
               bootstrap_rows: np.ndarray | None = None) -> dict:
    """Whom ``curve`` serves better and worse than ``industry`` (see the module docstring).

    Parameters
    ----------
    panel, tiers
        The panel and every respondent's tier.
    industry, curve : dict
        attribute -> level (0-10); factors without a level on both are not compared.
    margin : float
        Points (0-10) of unmet need a curve must move a respondent by to count.
    derive : callable, optional
        ``derive(weights) -> (industry, curve)`` re-derives both curves from the panel
        re-weighted by a bootstrap resample (for the grid's curve: gaps, ERRC grid and
        proposed curve); None gives no intervals.
    resamples : int
        Bootstrap resamples behind the intervals (0: none).
    seed : int
    derived_needs : dict, optional
        attribute -> each respondent's derived importance, where the survey has no stated
        importance (each respondent takes their tier's; see :func:`needs_matrix`).
    bootstrap_rows : ndarray, optional
        A large panel's seeded subsample of m respondents the bootstrap resamples (then
        ``derive`` takes their m weights).  The figures stay on every respondent; each
        interval is the m-out-of-n bootstrap's (Bickel, Götze & van Zwet 1997): the
        resamples' spread around the subsample's own figure, shrunk by sqrt(m / n) to
        the whole panel's size, which holds for shares, means of n respondents.

    Returns
    -------
    dict
        ``margin``, ``curve``, ``factors``, ``offering_level``, ``better_served``,
        ``worse_served`` and ``net`` (each: group -> share, with ``<group>_lo`` and
        ``<group>_hi`` keys for the intervals; groups are the non-customer tiers,
        ``non-customers`` and ``customers``), ``sensitivity`` (a list of ``{margin,
        better_served, worse_served, customers_worse_served}``) and ``resamples``.
    """
    if not margin >= 0:
        raise ValueError(f"margin must be >= 0 points, got {margin!r}")
    factors = [a for a in industry if a in curve and a in panel.schema.attributes
               and not (np.isnan(industry[a]) or np.isnan(curve[a]))]
    needs = needs_matrix(panel, factors, derived_needs)
    w = np.asarray(panel.weights, dtype=float)
    tier_values = tiers.to_numpy()
    present = [t for t in NON_CUSTOMER_TIERS if t in panel.schema.tiers]
    groups = {t: tier_values == t for t in present}
    groups[NON_CUSTOMERS] = np.isin(tier_values, present)
    groups[CUSTOMERS] = tier_values == "customers"
    margins = sorted({*MARGINS, float(margin)})

    def levels(c: dict[str, float]) -> np.ndarray:
        return np.array([c.get(a, np.nan) for a in factors], dtype=float)

    needs = _UnmetNeeds(needs)
    point = _served(needs, levels(industry), levels(curve), w, groups, margins)
    draws: dict[str, list[tuple[float, float]]] = {g: [] for g in groups}
    if derive is not None and resamples > 0 and len(w):
        # the resampled respondents: everyone, or a large panel's subsample (m-out-of-n)
        sub = slice(None) if bootstrap_rows is None else bootstrap_rows
        boot_needs = needs if bootstrap_rows is None else _UnmetNeeds(needs.needs[sub])
        boot_w, boot_groups = w[sub], {g: mask[sub] for g, mask in groups.items()}
        if bootstrap_rows is not None:  # the subsample's own figures, and m / n
            centre = _served(boot_needs, levels(industry), levels(curve), boot_w, boot_groups,
                             [float(margin)])[float(margin)]
            shrink = float(np.sqrt(len(bootstrap_rows) / len(w)))
        rng = np.random.default_rng(seed)
        n = len(boot_w)
        for _ in range(resamples):
            counts = np.bincount(rng.integers(0, n, n), minlength=n).astype(float)
            ind_b, curve_b = derive(boot_w * counts)
            served = _served(boot_needs, levels(ind_b), levels(curve_b), boot_w * counts,
                             boot_groups, [float(margin)])[float(margin)]
            for g in groups:
                if bootstrap_rows is None:
                    draws[g].append(served[g])
                else:  # m-out-of-n: the draw's departure from the subsample, rescaled
                    draws[g].append(tuple(
                        min(max(p + shrink * (b - c), 0.0), 1.0)
                        for p, b, c in zip(point[float(margin)][g], served[g], centre[g])))

    def figures(index: int | None) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for g in groups:
            better, worse = point[float(margin)][g]
            out[g] = _r(better - worse if index is None else (better, worse)[index])
            values = np.array([(b - x if index is None else (b, x)[index])
                               for b, x in draws[g]], dtype=float)
            values = values[~np.isnan(values)]
            lo, hi = (np.percentile(values, [2.5, 97.5]) if values.size
                      else (np.nan, np.nan))
            out[f"{g}_lo"], out[f"{g}_hi"] = _r(lo), _r(hi)
        return out

    ind_levels, curve_levels = levels(industry), levels(curve)
    mean_industry = float(np.mean(ind_levels)) if factors else np.nan
    offering = (float(np.mean(curve_levels)) / mean_industry
                if factors and mean_industry > 0 else np.nan)
    return {
        "margin": float(margin),
        "curve": {a: _r(v) for a, v in curve.items()},
        "factors": factors,
        "offering_level": _r(offering),
        "better_served": figures(0),
        "worse_served": figures(1),
        "net": figures(None),
        "sensitivity": [{"margin": m,
                         "better_served": _r(point[m][NON_CUSTOMERS][0]),
                         "worse_served": _r(point[m][NON_CUSTOMERS][1]),
                         "customers_worse_served": _r(point[m][CUSTOMERS][1])}
                        for m in margins],
        "resamples": int(resamples) if derive is not None else 0,
    }


def _r(value: float | None) -> float | None:
    return None if value is None or np.isnan(value) else round(float(value), 6)
