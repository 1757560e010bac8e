"""Survey-weighted statistics on rating scales; missing answers (NaN) are left out."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["Z95", "kish_n_eff", "mean_interval", "rescale", "share_interval",
           "top_box_indicator", "top_box_share", "top_box_threshold", "weighted_mean",
           "weighted_moments", "weighted_quantile_scores"]


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


def mean_interval(values: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """95% interval of a weighted mean: mean +/- 1.96 sd / sqrt(n_eff) over the answers given.

    The standard error uses the weighted variance and Kish's effective base of
    the respondents who answered, the usual design-effect approximation for a
    weighted survey mean. NaN when fewer than two effective answers.
    """
    values = np.asarray(values, dtype=float)
    ok = ~np.isnan(values)
    mean, variance, n_eff = weighted_moments(values[ok], np.asarray(weights, dtype=float)[ok])
    if np.isnan(variance) or n_eff <= 1:
        return float("nan"), float("nan")
    half = Z95 * math.sqrt(variance / n_eff)
    return mean - half, mean + half


def share_interval(share: float, n_eff: float) -> tuple[float, float]:
    """95% Wilson score interval of a weighted share, on Kish's effective base.

    Wilson's interval stays inside 0-1 and behaves for shares near 0 or 1 and for
    small bases, where the normal interval ``p +/- 1.96 sqrt(p(1-p)/n)`` does not
    (Brown, Cai & DasGupta 2001).  Plugging in ``n_eff`` for ``n`` is the design-effect
    approximation used throughout.  NaN when the share is NaN or ``n_eff`` is 0.

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
