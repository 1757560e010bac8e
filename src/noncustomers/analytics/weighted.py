"""Survey-weighted statistics on rating scales; missing answers (NaN) are left out."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["kish_n_eff", "mean_interval", "rescale", "top_box_threshold", "top_box_share",
           "weighted_mean", "weighted_moments"]


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


def top_box_share(values: np.ndarray, weights: np.ndarray, scale: tuple[float, float]) -> float:
    """Weighted share (0-1) of non-missing answers in the top quarter of the scale."""
    values = np.asarray(values, dtype=float)
    ok = ~np.isnan(values)
    total = weights[ok].sum()
    if total <= 0:
        return float("nan")
    top = values[ok] >= top_box_threshold(scale) - 1e-9
    return float(weights[ok][top].sum() / total)


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
