"""Is there any segment structure at all?  The gap statistic's verdict on one segment.

Automatic k compares partitions with 2 to 8 segments by the method's own criterion
(silhouette, BIC): none of those criteria can say "one segment", so on data without
structure they still return 2 or more, with tight intervals.  Before that choice, each
tier is asked whether it has structure, with Tibshirani, Walther & Hastie's (2001) gap
statistic and their rule for one cluster:

    W_k      = weighted within-segment sum of squares of k-means with k segments
    Gap(k)   = mean_b log W*_k(b) - log W_k        over B reference data sets b
    s_k      = sd_b log W*_k(b) * sqrt(1 + 1/B)
    one segment  <=>  Gap(1) >= Gap(2) - s_2

The reference data sets have no structure: uniform in the box spanned by the data's
principal components (their reference "b", which follows the data's shape, so an
elongated cloud or a one-factor continuum is not mistaken for two segments), with the
same number of rows and the same weights.  Rows are median-imputed and standardised
(weighted) first, as the segmentation itself sees them.  Only k = 1 and 2 are needed
for the verdict, so the test costs ``B`` k-means fits of k = 2.

Written here because scikit-learn has no gap statistic, and the packages that do
(gap-statistic, R's cluster::clusGap) take no survey weights.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.cluster import KMeans

__all__ = ["REFERENCES", "gap_one_segment"]

REFERENCES = 20  # B: s_2 shrinks as 1/sqrt(B); 20 keeps the test to about 20 small fits


def _prepared(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if np.isnan(X).any():
        medians = np.nanmedian(np.where(np.isnan(X), np.nan, X), axis=0)
        X = np.where(np.isnan(X), np.nan_to_num(medians)[None, :], X)
    mean = np.average(X, axis=0, weights=w)
    sd = np.sqrt(np.average((X - mean) ** 2, axis=0, weights=w))
    sd[sd == 0] = 1.0
    return (X - mean) / sd


def _log_w(X: np.ndarray, w: np.ndarray, k: int, seed: int) -> float:
    if k == 1:
        centre = np.average(X, axis=0, weights=w)
        inertia = float(np.dot(w, ((X - centre) ** 2).sum(axis=1)))
    else:
        inertia = float(KMeans(n_clusters=k, n_init=3, random_state=seed)
                        .fit(X, sample_weight=w).inertia_)
    return math.log(max(inertia, 1e-300))


def gap_one_segment(X: np.ndarray, w: np.ndarray | None = None, seed: int = 0,
                    references: int = REFERENCES) -> dict:
    """Tibshirani's one-cluster rule on a tier's basis (see the module docstring).

    Parameters
    ----------
    X : ndarray of shape (n, p)
        Basis answers (NaN allowed: median-imputed here).
    w : ndarray of shape (n,), optional
        Survey weights (default: equal).
    seed : int
    references : int
        Number ``B`` of reference data sets.

    Returns
    -------
    dict
        ``gap_1``, ``gap_2``, ``s_2`` and ``structure``: False when the rule prefers
        one segment (``Gap(1) >= Gap(2) - s_2``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> gap_one_segment(rng.normal(size=(300, 4)))["structure"]
    False
    >>> two = np.r_[rng.normal(0, 1, (150, 4)), rng.normal(4, 1, (150, 4))]
    >>> gap_one_segment(two)["structure"]
    True
    """
    X = np.asarray(X, dtype=float)
    n = X.shape[0]
    w = np.ones(n) if w is None else np.asarray(w, dtype=float)
    if n < 4:
        return {"gap_1": math.nan, "gap_2": math.nan, "s_2": math.nan, "structure": False}
    Z = _prepared(X, w)
    centre = np.average(Z, axis=0, weights=w)
    _, _, vt = np.linalg.svd((Z - centre) * np.sqrt(w / w.sum())[:, None], full_matrices=False)
    rotated = (Z - centre) @ vt.T
    lo, hi = rotated.min(axis=0), rotated.max(axis=0)
    rng = np.random.default_rng(seed)
    ref = {1: [], 2: []}
    for b in range(references):
        sample = rng.uniform(lo, hi, size=rotated.shape) @ vt + centre
        for k in (1, 2):
            ref[k].append(_log_w(sample, w, k, seed + b))
    observed = {k: _log_w(Z, w, k, seed) for k in (1, 2)}
    gap = {k: float(np.mean(ref[k]) - observed[k]) for k in (1, 2)}
    s_2 = float(np.std(ref[2]) * math.sqrt(1 + 1 / references))
    return {"gap_1": gap[1], "gap_2": gap[2], "s_2": s_2,
            "structure": bool(gap[1] < gap[2] - s_2)}
