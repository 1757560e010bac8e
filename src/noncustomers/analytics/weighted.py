"""Survey-weighted statistics on rating scales; missing answers (NaN) are left out."""

from __future__ import annotations

import numpy as np

__all__ = ["rescale", "top_box_threshold", "top_box_share", "weighted_mean"]


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
