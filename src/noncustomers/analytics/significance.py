"""Survey-weighted significance tests on Kish effective bases, and Benjamini-Hochberg q-values.

Panel files carry weights but no design information (strata, clusters), so each
side of a comparison uses Kish's effective sample size ``(sum w)^2 / sum w^2``;
the formulas are written out in :func:`noncustomers.analytics.segment_profiles`
and in docs/methods.md.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from noncustomers.analytics.weighted import weighted_moments

__all__ = ["bh_qvalues", "mean_difference_interval", "proportion_difference_interval",
           "two_proportion_test", "welch_from_moments", "welch_test"]


def welch_test(x1: np.ndarray, w1: np.ndarray, x2: np.ndarray, w2: np.ndarray) -> float:
    """Two-sided Welch test of two weighted means on Kish effective sizes."""
    return welch_from_moments(*weighted_moments(x1, w1), *weighted_moments(x2, w2))


def welch_from_moments(m1: float, v1: float, n1: float, m2: float, v2: float,
                       n2: float) -> float:
    """:func:`welch_test` from each side's weighted mean, variance and Kish n_eff."""
    if not (n1 > 1 and n2 > 1):
        return math.nan
    a, b = v1 / n1, v2 / n2
    se2 = a + b
    diff = m1 - m2
    if se2 <= 0:
        return 1.0 if diff == 0 else math.nan
    df = se2 ** 2 / (a ** 2 / (n1 - 1.0) + b ** 2 / (n2 - 1.0))
    t = diff / math.sqrt(se2)
    return float(2.0 * stats.t.sf(abs(t), df))


def two_proportion_test(p1: float, n1: float, p2: float, n2: float) -> float:
    """Two-sided pooled two-proportion z-test on Kish effective sizes."""
    if not (n1 > 0 and n2 > 0):
        return math.nan
    pooled = (n1 * p1 + n2 * p2) / (n1 + n2)
    se2 = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)
    diff = p1 - p2
    if se2 <= 0:
        return 1.0 if diff == 0 else math.nan
    return float(2.0 * stats.norm.sf(abs(diff) / math.sqrt(se2)))


def mean_difference_interval(m1: float, v1: float, n1: float, m2: float, v2: float, n2: float,
                             level: float = 0.95) -> tuple[float, float]:
    """Welch's interval of ``m1 - m2`` from each side's weighted mean, variance and Kish n_eff:
    ``diff +/- t(level, df) sqrt(v1/n1 + v2/n2)``, df by Welch-Satterthwaite (the interval
    that :func:`welch_from_moments` inverts); NaN ends when a side has n_eff <= 1."""
    if not (n1 > 1 and n2 > 1) or math.isnan(v1) or math.isnan(v2):
        return math.nan, math.nan
    a, b = v1 / n1, v2 / n2
    se2 = a + b
    diff = m1 - m2
    if se2 <= 0:
        return diff, diff
    df = se2 ** 2 / (a ** 2 / (n1 - 1.0) + b ** 2 / (n2 - 1.0))
    half = float(stats.t.ppf(0.5 + level / 2.0, df)) * math.sqrt(se2)
    return diff - half, diff + half


def proportion_difference_interval(p1: float, n1: float, p2: float, n2: float,
                                   level: float = 0.95) -> tuple[float, float]:
    """Wald interval of ``p1 - p2`` on Kish effective sizes, each side's own variance:
    ``diff +/- z sqrt(p1 (1 - p1) / n1 + p2 (1 - p2) / n2)``.

    The test (:func:`two_proportion_test`) pools the shares under the null; the interval
    cannot, so near q = 0.05 the two may disagree on which side of zero a difference is.
    """
    if not (n1 > 0 and n2 > 0):
        return math.nan, math.nan
    half = float(stats.norm.ppf(0.5 + level / 2.0)) * math.sqrt(
        p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2)
    return p1 - p2 - half, p1 - p2 + half


def bh_qvalues(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values); NaN p-values stay NaN, untested.

    >>> bh_qvalues(np.array([0.01, 0.04, np.nan, 0.03]))
    array([0.03, 0.04,  nan, 0.04])
    """
    p = np.asarray(p_values, dtype=float)
    q = np.full(p.shape, np.nan)
    tested = ~np.isnan(p)
    if tested.any():
        q[tested] = stats.false_discovery_control(p[tested], method="bh")
    return q
