"""Derived importance: how strongly each perception drives an outcome, when a survey has
no stated-importance battery.

Most brand trackers and usage-and-attitude studies ask how the offering performs on
each attribute (perceptions: yes/no or ratings) and one overall outcome (liking, usage,
purchase intent, consideration), but never how important each attribute is.  The
schema's ``[importance] derived_from = "<outcome>"`` derives each attribute's
importance, per group (all, each tier, each segment with an effective base of at least
30), from its share of the outcome's explained variance:

``relative-weights`` (Johnson 2000; the default)
    With ``R`` the weighted correlation matrix of the perceptions and ``r`` their
    correlations with the outcome, ``L = R^(1/2)`` (symmetric square root, from the
    eigendecomposition ``R = Q diag(e) Q'``) holds the correlations of the perceptions
    with their closest orthogonal counterparts, ``b = L^(-1) r`` the regression of the
    outcome on those counterparts, and the raw relative weight of perception ``j`` is
    ``eps_j = sum_k L_jk^2 b_k^2``.  The weights add up to the ``R^2`` of the
    regression of the outcome on all perceptions.
``shapley`` (Lipovetsky & Conklin 2001)
    The Shapley value of each perception in the ``R^2`` game: its gain in ``R^2``
    averaged over every order of entry (all ``2^p`` subsets; at most 20 perceptions).
    Its values add up to ``R^2`` too.

Both use weighted Pearson correlations (survey weights, respondents with a missing
answer in the outcome or any perception of the group left out).  A numeric outcome is
used as it is; an ordered one (text levels in ``[order]``, or a labelled SPSS/Stata
scale) as its level positions 0, 1, 2, ...; a binary one as 0/1 (a linear probability
model, for which relative weights are what Tonidandel & LeBreton 2010 compare
logistic weights against).

**On 0-10.**  With ``s_j = eps_j / R^2``, perception ``j``'s share of what the
perceptions explain, ``importance_j = 10 * s_j / (s_j + 1/p)``: a perception carrying an
equal share (``1/p``) sits at 5, the middle of the scale; twice its share at 6.7, four
times at 8; one explaining nothing at 0; 10 is approached, never reached, so the order
of the strongest drivers is kept (a linear map capped at 10 tied them).  The ERRC
thresholds keep a reading: "valued" at 6 is a share 1.5 times an equal one, "barely
valued" at 3.5 about half of one.
The intervals are the 2.5-97.5 percentiles over 200 seeded bootstrap resamples of the
group's respondents (weights kept).  ``r2`` is reported beside: when the perceptions
explain little of the outcome (R^2 under 0.05), the shares are shares of very little.
"""

from __future__ import annotations

import warnings
from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd

from noncustomers.vocabulary import IMPORTANCE_METHODS as DERIVED_METHODS

__all__ = ["DERIVED_METHODS", "DEFAULT_BOOT", "derived_importance", "relative_weights",
           "shapley_r2", "to_scale", "weighted_correlation"]

DEFAULT_BOOT = 200
MIN_BASE = 30.0  # Kish effective base below which a group's importance is not derived
MAX_SHAPLEY = 20  # 2^20 subsets: about a million small solves


def weighted_correlation(Z: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted Pearson correlation matrix of the columns of ``Z`` (no missing values).

    A constant column has correlation NaN with everything.
    """
    w = np.asarray(w, dtype=float)
    mu = w @ Z / w.sum()
    D = Z - mu
    C = D.T @ (D * w[:, None]) / w.sum()
    sd = np.sqrt(np.clip(np.diag(C), 0.0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        R = C / np.outer(sd, sd)
    constant = sd <= 1e-12 * max(1.0, float(sd.max(initial=0.0)))
    R[:, constant] = np.nan
    R[constant, :] = np.nan
    np.fill_diagonal(R, np.where(np.isnan(np.diag(R)), np.nan, 1.0))
    return R


def relative_weights(R_xx: np.ndarray, r_xy: np.ndarray) -> np.ndarray:
    """Johnson's raw relative weights from the correlations (they add up to R^2).

    >>> relative_weights(np.eye(2), np.array([0.6, 0.3]))   # orthogonal: r^2 each
    array([0.36, 0.09])
    """
    evals, evecs = np.linalg.eigh(R_xx)
    evals = np.clip(evals, 1e-12, None)
    L = (evecs * np.sqrt(evals)) @ evecs.T          # R_xx^(1/2), symmetric
    beta = (evecs / np.sqrt(evals)) @ evecs.T @ r_xy  # L^(-1) r_xy
    return (L ** 2) @ (beta ** 2)


def _r2(R_xx: np.ndarray, r_xy: np.ndarray, subset: tuple[int, ...]) -> float:
    if not subset:
        return 0.0
    idx = list(subset)
    sub = R_xx[np.ix_(idx, idx)]
    r = r_xy[idx]
    try:
        return float(r @ np.linalg.solve(sub, r))
    except np.linalg.LinAlgError:  # collinear perceptions: the least-squares answer
        return float(r @ np.linalg.lstsq(sub, r, rcond=None)[0])


def shapley_r2(R_xx: np.ndarray, r_xy: np.ndarray) -> np.ndarray:
    """Shapley values of the R^2 of a linear regression, from the correlations.

    >>> shapley_r2(np.eye(2), np.array([0.6, 0.3]))   # orthogonal: r^2 each
    array([0.36, 0.09])
    """
    p = len(r_xy)
    if p > MAX_SHAPLEY:
        raise ValueError(f"shapley importance takes at most {MAX_SHAPLEY} perceptions "
                         f"(2^p regressions), got {p}; use method = \"relative-weights\"")
    r2 = {(): 0.0}
    for size in range(1, p + 1):
        for subset in combinations(range(p), size):
            r2[subset] = _r2(R_xx, r_xy, subset)
    values = np.zeros(p)
    for j in range(p):
        others = [i for i in range(p) if i != j]
        for size in range(p):
            weight = factorial(size) * factorial(p - size - 1) / factorial(p)
            for subset in combinations(others, size):
                with_j = tuple(sorted(subset + (j,)))
                values[j] += weight * (r2[with_j] - r2[subset])
    return values


def to_scale(raw: np.ndarray) -> np.ndarray:
    """Raw weights (adding up to R^2) on 0-10: ``10 * s / (s + 1/p)``, ``s`` the share.

    >>> to_scale(np.array([0.2, 0.1, 0.1])).round(2).tolist()   # shares 1/2, 1/4, 1/4; p = 3
    [6.0, 4.29, 4.29]
    """
    total = float(np.nansum(raw))
    p = int(np.sum(~np.isnan(raw)))
    if total <= 0 or p == 0:
        return np.full(len(raw), np.nan)
    share = np.clip(raw / total, 0.0, None)  # a Shapley value can dip below 0
    return 10.0 * share / (share + 1.0 / p)


def _derive(X: np.ndarray, y: np.ndarray, w: np.ndarray, method: str):
    """(importance on 0-10 per column, raw weights, R^2, correlations with the outcome);
    NaN for constant columns."""
    R = weighted_correlation(np.column_stack([X, y]), w)
    p = X.shape[1]
    out = np.full(p, np.nan)
    raw = np.full(p, np.nan)
    if np.isnan(R[p, p]):  # the outcome does not vary: nothing to derive
        return out, raw, np.nan, np.full(p, np.nan)
    usable = ~np.isnan(np.diag(R)[:p])
    if not usable.any():
        return out, raw, np.nan, R[:p, p]
    R_xx = R[:p, :p][np.ix_(usable, usable)]
    r_xy = R[:p, p][usable]
    weights = (relative_weights(R_xx, r_xy) if method == "relative-weights"
               else shapley_r2(R_xx, r_xy))
    raw[usable] = weights
    out[usable] = to_scale(weights)
    return out, raw, float(np.sum(weights)), R[:p, p]


def derived_importance(X: np.ndarray, y: np.ndarray, w: np.ndarray,
                       masks: dict[str, np.ndarray], attributes: list[str],
                       method: str = "relative-weights", n_boot: int = DEFAULT_BOOT,
                       seed: int = 0, min_base: float = MIN_BASE) -> pd.DataFrame:
    """Derived importance per group and attribute (see the module docstring).

    Parameters
    ----------
    X : ndarray of shape (n, p)
        The perceptions (performance answers, any scale; NaN missing).
    y : ndarray of shape (n,)
        The outcome as numbers (NaN missing).
    w : ndarray of shape (n,)
        Survey weights.
    masks : dict
        group -> boolean row mask.
    attributes : list of str
        Names of the columns of ``X``.
    method : {"relative-weights", "shapley"}
    n_boot : int
        Bootstrap resamples behind the intervals (0: none).
    seed : int
    min_base : float
        Groups with a smaller Kish effective base (complete answers) get NaN.

    Returns
    -------
    DataFrame
        ``group, attribute, importance, importance_lo, importance_hi, raw_weight,
        correlation, r2, n_used`` (``correlation``: the weighted correlation with the
        outcome, whose sign says whether more of the perception goes with more of the
        outcome; ``n_used``: respondents with every answer, who the figures rest on).
    """
    if method not in DERIVED_METHODS:
        raise ValueError(f"method must be one of {', '.join(DERIVED_METHODS)}, got {method!r}")
    complete = ~np.isnan(X).any(axis=1) & ~np.isnan(y) & (w > 0)
    rows = []
    for g_index, (group, mask) in enumerate(masks.items()):
        keep = np.flatnonzero(mask & complete)
        wk = w[keep]
        base = wk.sum() ** 2 / np.dot(wk, wk) if keep.size else 0.0
        importance = raw = lo = hi = corr = np.full(len(attributes), np.nan)
        r2 = np.nan
        if base >= min_base:
            Xg, yg = X[keep], y[keep]
            importance, raw, r2, corr = _derive(Xg, yg, wk, method)
            if n_boot:
                # Seeded per group, so adding a group does not move the others' intervals.
                rng = np.random.default_rng([seed, g_index])
                draws = np.full((n_boot, len(attributes)), np.nan)
                for b in range(n_boot):
                    counts = np.bincount(rng.integers(0, keep.size, keep.size),
                                         minlength=keep.size)
                    used = counts > 0
                    draws[b] = _derive(Xg[used], yg[used], (wk * counts)[used], method)[0]
                with np.errstate(invalid="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column
                    lo = np.nanpercentile(draws, 2.5, axis=0)
                    hi = np.nanpercentile(draws, 97.5, axis=0)
        for j, name in enumerate(attributes):
            rows.append({"group": group, "attribute": name, "importance": importance[j],
                         "importance_lo": lo[j], "importance_hi": hi[j],
                         "raw_weight": raw[j], "correlation": corr[j], "r2": r2,
                         "n_used": int(keep.size)})
    return pd.DataFrame(rows, columns=["group", "attribute", "importance", "importance_lo",
                                       "importance_hi", "raw_weight", "correlation", "r2",
                                       "n_used"])
