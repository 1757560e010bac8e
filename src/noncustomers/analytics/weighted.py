"""Survey-weighted statistics on rating scales; missing answers (NaN) are left out."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["Z95", "effective_base", "kish_n_eff", "mean_interval", "rating_columns", "rescale",
           "share_interval",
           "taylor_share_interval", "taylor_variance", "top_box_indicator", "top_box_share",
           "top_box_threshold", "weighted_mean", "weighted_moments", "weighted_quantile_scores"]


def rescale(values: np.ndarray, scale: tuple[float, float]) -> np.ndarray:
    """Map a rating linearly from ``scale = (lo, hi)`` to 0-10 (lo -> 0, hi -> 10)."""
    lo, hi = scale
    return (np.asarray(values, dtype=float) - lo) / (hi - lo) * 10.0


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    """Weighted mean over the non-missing values; NaN when none is left.

    >>> weighted_mean(np.array([1.0, 3.0, np.nan]), np.array([1.0, 3.0, 5.0]))
    2.5
    """
    values = np.asarray(values, dtype=float)
    ok = ~np.isnan(values)
    total = weights[ok].sum()
    return float(np.dot(values[ok], weights[ok]) / total) if total > 0 else float("nan")


def top_box_threshold(scale: tuple[float, float]) -> float:
    """Lowest value of the top quarter of a scale: 4 on 1-5, 6 on 1-7, 1 on 0/1."""
    lo, hi = scale
    return lo + 0.75 * (hi - lo)


def top_box_indicator(values: np.ndarray, scale: tuple[float, float]) -> np.ndarray:
    """1 for an answer in the top quarter of the scale, 0 below it, NaN when missing.

    >>> top_box_indicator(np.array([5.0, 3.0, np.nan]), (1, 5))
    array([ 1.,  0., nan])
    """
    values = np.asarray(values, dtype=float)
    top = (values >= top_box_threshold(scale) - 1e-9).astype(float)
    return np.where(np.isnan(values), np.nan, top)


def top_box_share(values: np.ndarray, weights: np.ndarray, scale: tuple[float, float]) -> float:
    """Weighted share (0-1) of non-missing answers in the top quarter of the scale."""
    return weighted_mean(top_box_indicator(values, scale), weights)


def kish_n_eff(weights: np.ndarray) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2`` (0 for no weight).

    >>> kish_n_eff(np.ones(4))
    4.0
    >>> kish_n_eff(np.array([1.0, 3.0]))   # (1 + 3)^2 / (1 + 9)
    1.6
    """
    w = np.asarray(weights, dtype=float)
    sq = float(np.dot(w, w))
    return float(w.sum() ** 2 / sq) if sq > 0 else 0.0


def weighted_moments(x: np.ndarray, w: np.ndarray) -> tuple[float, float, float]:
    """Weighted mean, weighted variance (n_eff - 1 denominator) and Kish n_eff; x has no NaN."""
    total = float(w.sum())
    if total <= 0:
        return math.nan, math.nan, 0.0
    mean = float(np.dot(x, w) / total)
    n_eff = kish_n_eff(w)
    if n_eff <= 1:
        return mean, math.nan, n_eff
    biased = float(np.dot(w, (x - mean) ** 2) / total)
    return mean, biased * n_eff / (n_eff - 1.0), n_eff


Z95 = 1.959963984540054  # two-sided 95% normal quantile


def taylor_variance(values: np.ndarray, weights: np.ndarray) -> float:
    """Linearised (Taylor) variance of a weighted mean over the answers given.

    ``var = n/(n-1) * sum(w_i^2 (y_i - ybar)^2) / (sum w)^2``: the with-replacement
    estimator of a ratio mean with each respondent its own sampling unit (Woodruff
    1971; Wolter 2007, ch. 6), as survey packages compute it (samplics' Taylor
    estimator gives the same standard error).  Unlike Kish's design effect, it stays
    right when the weights relate to the answers.  NaN when fewer than two answers.

    >>> round(taylor_variance(np.array([0.0, 1.0]), np.ones(2)), 4)   # 2/1 * 2 * 0.25 / 4
    0.25
    """
    values = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    ok = ~np.isnan(values)
    n = int(ok.sum())
    total = float(w[ok].sum())
    if n < 2 or total <= 0:
        return math.nan
    y, wk = values[ok], w[ok]
    mean = float(np.dot(y, wk) / total)
    return n / (n - 1) * float(np.dot(wk ** 2, (y - mean) ** 2)) / total ** 2


def mean_interval(values: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """95% interval of a weighted mean: mean +/- 1.96 x its Taylor standard error.

    See :func:`taylor_variance`; NaN when fewer than two answers.
    """
    values = np.asarray(values, dtype=float)
    variance = taylor_variance(values, weights)
    if np.isnan(variance):
        return float("nan"), float("nan")
    mean = weighted_mean(values, np.asarray(weights, dtype=float))
    half = Z95 * math.sqrt(variance)
    return mean - half, mean + half


def effective_base(indicator: np.ndarray, weights: np.ndarray) -> float:
    """The effective base of a weighted share: ``p (1 - p) / var`` (Korn & Graubard 1998).

    ``var`` is the share's Taylor variance (:func:`taylor_variance` of the 0/1
    indicator; NaN entries are outside the base).  When the share is 0 or 1 the
    variance says nothing and Kish's base is used; the result is capped at the
    number of answers, so an interval is never narrower than simple random
    sampling would give with that many.
    """
    x = np.asarray(indicator, dtype=float)
    w = np.asarray(weights, dtype=float)
    ok = ~np.isnan(x)
    n = int(ok.sum())
    if n == 0 or w[ok].sum() <= 0:
        return 0.0
    p = weighted_mean(x, w)
    variance = taylor_variance(x, w)
    if not 0 < p < 1 or not variance > 0:
        return min(kish_n_eff(w[ok]), float(n))
    return min(p * (1 - p) / variance, float(n))


def taylor_share_interval(indicator: np.ndarray, weights: np.ndarray
                          ) -> tuple[float, float, float]:
    """A weighted share with its 95% interval: ``(share, lo, hi)``.

    Wilson's score interval on the share's effective base (:func:`effective_base`),
    Korn & Graubard's (1998) interval for survey proportions; NaN entries of
    ``indicator`` are outside the base (a domain such as the members of one tier).
    """
    x = np.asarray(indicator, dtype=float)
    p = weighted_mean(x, np.asarray(weights, dtype=float))
    lo, hi = share_interval(p, effective_base(x, weights))
    return p, lo, hi


def share_interval(share: float, n_eff: float) -> tuple[float, float]:
    """95% Wilson score interval of a share on an effective base ``n_eff``.

    Wilson's interval stays inside 0-1 and behaves for shares near 0 or 1 and for
    small bases, where the normal interval ``p +/- 1.96 sqrt(p(1-p)/n)`` does not
    (Brown, Cai & DasGupta 2001).  For a weighted share, give the base of
    :func:`effective_base` (or use :func:`taylor_share_interval`).  NaN when the
    share is NaN or ``n_eff`` is 0.

    >>> [round(x, 4) for x in share_interval(0.5, 100)]
    [0.4038, 0.5962]
    """
    if np.isnan(share) or not n_eff > 0:
        return float("nan"), float("nan")
    z2 = Z95 ** 2
    centre = (share + z2 / (2 * n_eff)) / (1 + z2 / n_eff)
    half = Z95 / (1 + z2 / n_eff) * math.sqrt(share * (1 - share) / n_eff + z2 / (4 * n_eff ** 2))
    return max(0.0, centre - half), min(1.0, centre + half)


def weighted_quantile_scores(values: np.ndarray, weights: np.ndarray, bins: int = 5) -> np.ndarray:
    """Score each value 1..``bins`` by its weighted mid-rank (quintiles for ``bins=5``).

    A value's weighted mid-rank is ``F = (weight below it + half the weight equal to it) /
    total weight``; its score is ``floor(bins * F) + 1`` (at most ``bins``), so tied values
    share a score and, with equal weights and no ties, each score holds a fifth of the
    respondents.  NaN values get NaN.  (Written here because ``pandas.qcut`` takes no
    weights and splits ties across bins.)

    >>> weighted_quantile_scores(np.array([10.0, 20.0, 30.0, 40.0, 50.0]), np.ones(5))
    array([1., 2., 3., 4., 5.])
    """
    x = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    out = np.full(x.shape, np.nan)
    ok = ~np.isnan(x)
    if not ok.any():
        return out
    xs, ws = x[ok], w[ok]
    levels, codes = np.unique(xs, return_inverse=True)
    per_level = np.bincount(codes, weights=ws, minlength=len(levels))
    below = np.concatenate(([0.0], np.cumsum(per_level)[:-1]))
    mid = (below + per_level / 2.0) / ws.sum()
    out[ok] = np.minimum(np.floor(bins * mid[codes]) + 1.0, bins)
    return out


def rating_columns(panel: Any) -> Iterator[tuple[str, str, np.ndarray, np.ndarray]]:
    """Every rating a panel's schema maps, attributes in schema order, importance before
    performance: ``(attribute, kind, answer on 0-10, top-box indicator)``, each NaN where
    the respondent gave no answer."""
    for name in panel.schema.attributes:
        scale = panel.scales[name]
        for kind in ("importance", "performance"):
            values = panel.ratings(name, kind)
            if values is not None:
                yield name, kind, rescale(values, scale), top_box_indicator(values, scale)
