"""Choosing the number of segments for any clusterer: :class:`ChooseK`.

One meta-estimator in scikit-learn's style (like ``GridSearchCV``): it wraps an
unfitted clusterer, fits it once per candidate k, scores each partition with a
criterion and keeps the best, so every segmentation method, built-in or your own,
chooses k, honours survey weights and places new respondents the same way.

Survey weights
    A clusterer whose ``fit`` takes ``sample_weight`` (k-means, latent class) gets
    the weights.  One that does not (Gaussian mixture, Ward, HDBSCAN) is fitted on a
    weighted resample: ``min(n, max_fit)`` rows drawn with replacement with
    probability proportional to the weight (seeded).  With equal weights and at most
    ``max_fit`` rows the data are used as they are.

Placing respondents (``predict``)
    A clusterer with ``predict`` places them itself.  One without it (Ward,
    HDBSCAN, ``AgglomerativeClustering``, ``DBSCAN``...) places them by the
    **nearest weighted centroid** rule: each segment's centroid is the weighted mean
    of its members in the space the clusterer saw, and a respondent goes to the
    segment of the nearest centroid (Euclidean).  When the clusterer left noise
    (label -1), a respondent farther from that centroid than the segment's farthest
    member is noise too.  Only the centroids and radii are kept; the fitted clusterer
    is dropped, since some (HDBSCAN) hold the training rows, which a saved model must
    not.

The number of segments
    ``n_clusters="auto"`` first asks whether the tier has any structure at all
    (Tibshirani's gap statistic, :mod:`noncustomers.segmentation.structure`); then
    tries every k of ``k_range`` and keeps the best by the criterion, among the
    partitions whose every segment has a Kish base of at least
    ``min_segment_n_eff`` and at least ``min_segment_share`` of the weight.  When no
    k qualifies, the answer is one segment, with the reason in
    ``one_segment_reason_``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, clone
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, silhouette_score
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.validation import check_is_fitted, has_fit_parameter, validate_data
from threadpoolctl import ThreadpoolController

from noncustomers.segmentation.structure import gap_one_segment

__all__ = ["CRITERIA", "ChooseK", "Criterion", "NOISE", "partition_criteria",
           "register_criterion"]

NOISE = -1  # the label of a respondent a density method leaves unassigned


@functools.cache
def _native_pools() -> ThreadpoolController:
    return ThreadpoolController()


def one_thread():
    """Native thread pools (BLAS, OpenMP) on one thread, as a context manager.

    threadpoolctl's ``threadpool_limits`` looks for the loaded libraries on every call
    (3 ms, 360 calls in an analysis of the sample: one per fit and prediction); one
    controller, made once scikit-learn has loaded them, limits the same pools without
    looking again.
    """
    return _native_pools().limit(limits=1)


@dataclass(frozen=True)
class Criterion:
    """How :class:`ChooseK` scores a partition.

    Parameters
    ----------
    name : str
        The column of the selection table that holds the score.
    greater_is_better : bool
    score : callable, optional
        ``score(estimator, X, labels) -> float``: the fitted clusterer (None for a
        clusterer without ``predict``, which is not kept), the tier's rows as the
        clusterer saw them, and their labels.  None: the score is one of the
        partition criteria every selection table holds (``silhouette``,
        ``calinski_harabasz``).

    Examples
    --------
    >>> from sklearn.metrics import davies_bouldin_score
    >>> db = Criterion("davies_bouldin", greater_is_better=False,
    ...                score=lambda estimator, X, labels: davies_bouldin_score(X, labels))
    """

    name: str
    greater_is_better: bool = True
    score: Callable[[object, np.ndarray, np.ndarray], float] | None = None


def _information(kind: str) -> Callable[[object, np.ndarray, np.ndarray], float]:
    def score(estimator: object, X: np.ndarray, labels: np.ndarray) -> float:
        if not hasattr(estimator, kind):
            raise ValueError(f"criterion '{kind}' needs a clusterer with a {kind}() method "
                             f"(a mixture or latent-class model), got "
                             f"{type(estimator).__name__}")
        return float(getattr(estimator, kind)(X))
    return score


#: Criteria by name; extend with :func:`register_criterion`.
CRITERIA: dict[str, Criterion] = {
    "silhouette": Criterion("silhouette", True),
    "calinski_harabasz": Criterion("calinski_harabasz", True),
    "bic": Criterion("bic", False, _information("bic")),
    "aic": Criterion("aic", False, _information("aic")),
}


def register_criterion(criterion: Criterion, *, replace: bool = False) -> Criterion:
    """Make ``criterion`` available by its name (``ChooseK(..., criterion=name)``).

    Raises
    ------
    ValueError
        When the name is taken and ``replace`` is False.
    """
    if not isinstance(criterion, Criterion):
        raise TypeError(f"expected a Criterion, got {type(criterion).__name__}")
    if criterion.name in CRITERIA and not replace:
        raise ValueError(f"a criterion named '{criterion.name}' exists; pass replace=True to "
                         "replace it")
    CRITERIA[criterion.name] = criterion
    return criterion


def partition_criteria(X: np.ndarray, labels: np.ndarray, sample: np.ndarray | None) -> dict:
    """Silhouette (on a subsample) and Calinski-Harabasz of a partition; NaN when undefined."""
    out = {"silhouette": np.nan, "calinski_harabasz": np.nan}
    if np.isnan(X).any():  # latent-class data keep missing answers: fill for distances only
        X = np.where(np.isnan(X), np.nanmean(X, axis=0), X)
        X = np.nan_to_num(X)
    keep = labels != NOISE
    n = int(keep.sum())
    if 1 < np.unique(labels[keep]).size < n:
        idx = sample if sample is not None else np.arange(len(labels))
        idx = idx[keep[idx]]
        if 1 < np.unique(labels[idx]).size < len(idx):
            out["silhouette"] = float(silhouette_score(X[idx], labels[idx]))
        out["calinski_harabasz"] = float(calinski_harabasz_score(X[keep], labels[keep]))
    return out


def checked_weights(sample_weight, n: int) -> np.ndarray:
    """``sample_weight`` as a float array of n finite, non-negative values with a positive
    sum (ones when None); ValueError otherwise, naming what was wrong."""
    if sample_weight is None:
        return np.ones(n)
    w = np.asarray(sample_weight, dtype=float).reshape(-1)
    if w.shape[0] != n:
        raise ValueError(f"sample_weight has {w.shape[0]} values for {n} rows")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("sample_weight must be finite and non-negative")
    if w.sum() <= 0:
        raise ValueError("sample_weight sums to zero: at least one row needs a positive weight")
    return w


def _too_small(labels: np.ndarray, w: np.ndarray, min_n_eff: float, min_share: float) -> bool:
    """True when a segment (noise aside) has a Kish base under ``min_n_eff`` or holds
    under ``min_share`` of the tier's weight."""
    total = w.sum()
    for label in np.unique(labels[labels != NOISE]):
        wk = w[labels == label]
        if wk.sum() / total < min_share or wk.sum() ** 2 / np.dot(wk, wk) < min_n_eff:
            return True
    return False


GAP_SAMPLE = 3_000  # rows the gap statistic's one-segment test is run on (seeded subsample)


def _weighted_rows(w: np.ndarray, n: int, max_fit: int, rng) -> np.ndarray | None:
    """Row indices of a weighted resample, or None to use every row as it is."""
    uniform = np.allclose(w, w[0])
    if uniform and n <= max_fit:
        return None
    size = min(n, max_fit)
    if uniform:
        return np.sort(rng.choice(n, size, replace=False))
    return np.sort(rng.choice(n, size, replace=True, p=w / w.sum()))


def k_parameter(estimator: object) -> str | None:
    """The parameter that sets a clusterer's number of segments, if it has one."""
    params = estimator.get_params(deep=False)
    for name in ("n_clusters", "n_components"):
        if name in params:
            return name
    return None


class ChooseK(ClusterMixin, BaseEstimator):
    """Fit a clusterer for each k, keep the best by a criterion; place new respondents.

    Parameters
    ----------
    estimator : clusterer
        Unfitted scikit-learn-style clusterer (cloned for every fit).  Its number of
        segments is set through ``n_clusters`` or ``n_components``.
    n_clusters : "auto", int or None, default="auto"
        "auto" tries every k of ``k_range``; an int fits that k; None fits the
        clusterer as it is (for methods that find k themselves, such as HDBSCAN).
    k_range : tuple of int, default=(2, 8)
    criterion : str or Criterion, default="silhouette"
        A name of :data:`CRITERIA` (silhouette, calinski_harabasz, bic, aic) or your own
        :class:`Criterion`.
    structure_test : bool, default=True
        With "auto", keep one segment when the gap statistic finds no structure.
    min_segment_n_eff : float, default=30.0
    min_segment_share : float, default=0.05
        Automatic k only keeps partitions whose every segment has at least this Kish
        base and this share of the weight.
    max_fit : int or None, default=None
        Largest number of rows the clusterer is fitted on (a weighted resample above
        it); None: every row.
    silhouette_sample : int, default=2000
        Rows used for each silhouette (seeded subsample; the silhouette is O(n^2)).
    max_select : int or None, default=10000
        With ``n_clusters="auto"`` on more rows than this, k is chosen on a seeded
        uniform subsample of this many rows (weights carried), and the clusterer is then
        fitted once with the chosen k on every row; a k-means fit starts from the
        subsample's centres (``benchmarks/run.py`` checks that the segments agree with a
        full-data choice, ARI).  None: choose on every row.
    random_state : int, RandomState or None
        Seeds the clusterer (when it has ``random_state``), the resample and the
        silhouette subsample.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Segment of each training row (the clusterer's own labels when it was fitted on
        every row; -1 is noise).
    n_clusters_ : int
        Segments found (noise aside).
    selection_ : list of dict
        One row per k tried: ``k``, ``silhouette``, ``calinski_harabasz``, the
        criterion, the clusterer's extra figures (``inertia``), ``too_small``; with
        "auto" a first row ``k = 1`` with the gap statistic.
    best_estimator_ : estimator or None
        The fitted clusterer of the chosen k when it has ``predict``; None otherwise
        (one segment, or placement by centroids).
    centroids_ : ndarray of shape (n_clusters_, n_features) or None
        Weighted centroids used to place respondents when the clusterer has no
        ``predict``.
    radii_ : ndarray or None
        Distance of each segment's farthest member from its centroid (noise rule).
    one_segment_reason_ : str or None
        "no clear structure" or "segments too small" when "auto" kept one segment.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.cluster import AgglomerativeClustering, KMeans
    >>> X = np.r_[np.zeros((30, 2)), np.ones((30, 2)) * 5]
    >>> ChooseK(KMeans(n_init=3), random_state=0).fit(X).n_clusters_
    2
    >>> ward = ChooseK(AgglomerativeClustering(), n_clusters=2).fit(X)
    >>> ward.predict([[4.5, 5.2]])[0] == ward.labels_[-1]
    np.True_
    """

    def __init__(self, estimator, *, n_clusters: int | str | None = "auto",
                 k_range: tuple[int, int] = (2, 8), criterion: str | Criterion = "silhouette",
                 structure_test: bool = True, min_segment_n_eff: float = 30.0,
                 min_segment_share: float = 0.05, max_fit: int | None = None,
                 silhouette_sample: int = 2000, max_select: int | None = 10_000,
                 random_state=None) -> None:
        self.estimator = estimator
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.criterion = criterion
        self.structure_test = structure_test
        self.min_segment_n_eff = min_segment_n_eff
        self.min_segment_share = min_segment_share
        self.max_fit = max_fit
        self.silhouette_sample = silhouette_sample
        self.max_select = max_select
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = get_tags(self.estimator).input_tags.allow_nan
        return tags

    # ---- checks ---------------------------------------------------------------------------

    def _criterion(self) -> Criterion:
        if isinstance(self.criterion, Criterion):
            return self.criterion
        if self.criterion not in CRITERIA:
            raise ValueError(f"criterion must be one of {', '.join(CRITERIA)} or a Criterion, "
                             f"got {self.criterion!r}")
        return CRITERIA[self.criterion]

    def _candidates(self, n: int) -> list[int] | None:
        """The ks to try (None: the clusterer's own setting)."""
        k = self.n_clusters
        if k is None:
            return None
        if k == "auto":
            lo, hi = self.k_range if isinstance(self.k_range, (tuple, list)) and len(
                self.k_range) == 2 else (None, None)
            if not (isinstance(lo, int) and isinstance(hi, int) and 2 <= lo <= hi):
                raise ValueError(f"k_range must be (low, high) with 2 <= low <= high, got "
                                 f"{self.k_range!r}")
            return [k for k in range(lo, hi + 1) if k < n] or [1]
        if isinstance(k, (int, np.integer)) and not isinstance(k, bool) and k >= 1:
            return [int(min(k, n))]
        raise ValueError(f"n_clusters must be 'auto', None or an int >= 1, got {k!r}")

    # ---- fitting --------------------------------------------------------------------------

    def _fit_one(self, X, w, k, seed):
        """Fit the clusterer with ``k`` segments: (fitted or None, labels of X, rows, extra)."""
        n = X.shape[0]
        if k == 1:
            return None, np.zeros(n, dtype=int), None, {}
        estimator = clone(self.estimator)
        params = {}
        if k is not None:
            name = k_parameter(estimator)
            if name is None:
                raise ValueError(f"{type(estimator).__name__} has no n_clusters or n_components "
                                 "parameter: use n_clusters=None to fit it as it is")
            params[name] = k
        if "random_state" in estimator.get_params(deep=False):
            params["random_state"] = seed
        estimator.set_params(**params)
        native = has_fit_parameter(estimator, "sample_weight")
        max_fit = n if self.max_fit is None else self.max_fit
        rng = check_random_state(seed)
        rows = (None if native and n <= max_fit
                else _weighted_rows(w, n, max_fit, rng))
        Xf = X if rows is None else X[rows]
        if rows is None and native:
            estimator.fit(Xf, sample_weight=w)
        else:
            estimator.fit(Xf)
        fit_labels = (np.asarray(estimator.labels_) if hasattr(estimator, "labels_")
                      else np.asarray(estimator.predict(Xf)))
        centroids = radii = None
        if not hasattr(estimator, "predict"):
            fw = w if rows is None else np.ones(len(Xf))
            centroids, radii = _centroids(Xf, fit_labels, fw)
            estimator = None  # not kept: HDBSCAN holds its training rows
        if rows is None:
            labels = fit_labels
        else:
            labels = (estimator.predict(X) if estimator is not None
                      else _nearest(X, centroids, radii))
        extra = {"inertia": float(estimator.inertia_)} if hasattr(estimator, "inertia_") else {}
        return estimator, np.asarray(labels), (centroids, radii), extra

    def fit(self, X, y=None, sample_weight=None) -> ChooseK:
        """Fit for each candidate k and keep the best; returns ``self``."""
        allow_nan = get_tags(self.estimator).input_tags.allow_nan
        X = validate_data(self, X, dtype=np.float64,
                          ensure_all_finite="allow-nan" if allow_nan else True)
        n = X.shape[0]
        w = checked_weights(sample_weight, n)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        if (self.n_clusters == "auto" and self.max_select is not None
                and n > self.max_select):
            return self._fit_on_subsample(X, w, seed)
        criterion = self._criterion()
        candidates = self._candidates(n)
        sample = None
        if n > self.silhouette_sample:
            sample = np.sort(check_random_state(seed).choice(n, self.silhouette_sample,
                                                             replace=False))
        auto = self.n_clusters == "auto"
        self.selection_ = []
        self.one_segment_reason_ = None
        best = None
        # One native thread: many small fits gain nothing from OpenMP, and on a busy
        # 2-core machine its threads oversubscribe (measured 53 s vs 1.4 s per run).
        with one_thread():
            if auto and self.structure_test:
                # The one-segment test needs no more than a few thousand rows: 20
                # reference fits each on a seeded 3,000 of a larger tier.
                gs = (slice(None) if n <= GAP_SAMPLE else np.sort(
                    check_random_state(seed).choice(n, GAP_SAMPLE, replace=False)))
                structure = gap_one_segment(X[gs], w[gs], seed)
                self.selection_.append({"k": 1, "gap": structure["gap_1"],
                                        "gap_2": structure["gap_2"], "s_2": structure["s_2"]})
                if not structure["structure"]:
                    self.one_segment_reason_ = "no clear structure"
            tries = [None] if candidates is None else candidates
            for k in tries if self.one_segment_reason_ is None else []:
                fitted, labels, placement, extra = self._fit_one(X, w, k, seed)
                found = int(np.unique(labels[labels != NOISE]).size)
                # A single fit needs no criteria (bootstrap refits fit hundreds of these).
                scored = len(tries) > 1 or k is None
                row = {"k": found if k is None else k,
                       **(partition_criteria(X, labels, sample) if scored else {}), **extra}
                if k is None and (labels == NOISE).any():
                    row["noise_share"] = float(np.average(labels == NOISE, weights=w))
                if scored and criterion.score is not None and found > 1:
                    row[criterion.name] = float(criterion.score(fitted, X, labels))
                small = auto and k > 1 and _too_small(labels, w, self.min_segment_n_eff,
                                                      self.min_segment_share)
                if auto:
                    row["too_small"] = small
                self.selection_.append(row)
                score = row.get(criterion.name, np.nan)
                score = -np.inf if score is None or np.isnan(score) else (
                    score if criterion.greater_is_better else -score)
                if not small and (best is None or score > best[0]):
                    best = (score, fitted, labels, placement)
            if best is None:  # no structure, or every k > 1 leaves a segment too small
                self.one_segment_reason_ = self.one_segment_reason_ or "segments too small"
                best = (np.nan, None, np.zeros(n, dtype=int), None)
        _, self.best_estimator_, self.labels_, placement = best
        self.centroids_, self.radii_ = placement if placement is not None else (None, None)
        self.n_clusters_ = int(np.unique(self.labels_[self.labels_ != NOISE]).size)
        return self

    def _fit_on_subsample(self, X: np.ndarray, w: np.ndarray, seed: int) -> ChooseK:
        """Choose k on ``max_select`` rows, then fit that k on every row (see the class)."""
        n = X.shape[0]
        rows = np.sort(check_random_state(seed).choice(n, self.max_select, replace=False))
        chooser = clone(self).set_params(max_select=None, random_state=seed)
        chooser.fit(X[rows], sample_weight=w[rows])
        self.selection_ = chooser.selection_
        self.one_segment_reason_ = chooser.one_segment_reason_
        k = chooser.n_clusters_
        if chooser.one_segment_reason_ is not None or k <= 1:
            self.best_estimator_, self.centroids_, self.radii_ = None, None, None
            self.labels_ = np.zeros(n, dtype=int)
            self.n_clusters_ = 1
            return self
        estimator = self.estimator
        best = chooser.best_estimator_
        if isinstance(best, KMeans):  # one full fit, started from the subsample's centres
            estimator = clone(estimator).set_params(init=best.cluster_centers_, n_init=1)
        with one_thread():
            chooser_full = clone(self).set_params(estimator=estimator, n_clusters=k,
                                                  max_select=None)
            fitted, labels, placement, _ = chooser_full._fit_one(X, w, k, seed)
        self.best_estimator_, self.labels_ = fitted, np.asarray(labels)
        self.centroids_, self.radii_ = placement if placement is not None else (None, None)
        self.n_clusters_ = int(np.unique(self.labels_[self.labels_ != NOISE]).size)
        return self

    def predict(self, X) -> np.ndarray:
        """Segment of each row: the clusterer's ``predict``, else the nearest centroid."""
        check_is_fitted(self, "labels_")
        allow_nan = get_tags(self.estimator).input_tags.allow_nan
        X = validate_data(self, X, dtype=np.float64, reset=False,
                          ensure_all_finite="allow-nan" if allow_nan else True)
        with one_thread():
            if self.best_estimator_ is not None:
                return np.asarray(self.best_estimator_.predict(X))
            if self.centroids_ is not None:
                return _nearest(X, self.centroids_, self.radii_)
            return np.zeros(X.shape[0], dtype=int)


def _centroids(X: np.ndarray, labels: np.ndarray, w: np.ndarray):
    """Weighted centroid and radius (farthest member) of every segment; row i = label i.

    Labels are the clusterer's, 0..k-1 (noise, -1, has no centroid).  Missing answers
    are left out of each mean.
    """
    found = np.unique(labels[labels != NOISE])
    k = int(found.max()) + 1 if found.size else 0
    centroids = np.full((k, X.shape[1]), np.nan)
    radii = np.full(k, np.inf)
    for c in found:
        members = labels == c
        Xc, wc = X[members], w[members][:, None]
        ok = ~np.isnan(Xc)
        with np.errstate(invalid="ignore", divide="ignore"):
            centroids[c] = np.where(ok, Xc, 0.0).T @ wc[:, 0] / (ok * wc).sum(axis=0)
        centroids[c] = np.nan_to_num(centroids[c])
        radii[c] = float(_distances(Xc, centroids[c][None, :]).max())
    if not (labels == NOISE).any():
        radii[:] = np.inf  # no noise seen in training: everyone is placed
    return centroids, radii


def _distances(X: np.ndarray, centroids: np.ndarray, block: int = 50_000) -> np.ndarray:
    """Euclidean distances (rows x centroids); a missing answer counts as the centroid's.

    Computed in blocks of rows, so a million rows never hold a rows x k x p array.
    """
    out = np.empty((X.shape[0], centroids.shape[0]))
    for start in range(0, X.shape[0], block):
        diff = X[start:start + block, None, :] - centroids[None, :, :]
        out[start:start + block] = np.sqrt(np.nansum(diff ** 2, axis=2))
    return out


def _nearest(X: np.ndarray, centroids: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """The nearest-centroid rule; noise beyond the nearest segment's radius."""
    valid = ~np.isnan(centroids).all(axis=1)
    if not valid.any():  # the clusterer found no segment at all: everyone is noise
        return np.full(X.shape[0], NOISE)
    d = _distances(X, centroids)
    d[:, ~valid] = np.inf
    nearest = np.argmin(d, axis=1)
    beyond = d[np.arange(len(X)), nearest] > radii[nearest]
    return np.where(beyond, NOISE, nearest)


def AutoKMeans(n_clusters: int | str = "auto", k_range: tuple[int, int] = (2, 8),  # noqa: N802
               n_init: int = 10, silhouette_sample: int = 2000, random_state=None,
               min_segment_n_eff: float = 30.0, min_segment_share: float = 0.05) -> ChooseK:
    """Deprecated: ``ChooseK(KMeans(n_init=10), ...)`` does the same.

    Kept for a release so that scripts written for it keep running; returns the
    equivalent :class:`ChooseK`.
    """
    import warnings

    from sklearn.cluster import KMeans

    warnings.warn("AutoKMeans is deprecated and will be removed in a later release; use "
                  "ChooseK(KMeans(n_init=10), n_clusters=..., random_state=...)",
                  FutureWarning, stacklevel=2)
    return ChooseK(KMeans(n_init=n_init), n_clusters=n_clusters, k_range=k_range,
                   silhouette_sample=silhouette_sample, random_state=random_state,
                   min_segment_n_eff=min_segment_n_eff, min_segment_share=min_segment_share)
