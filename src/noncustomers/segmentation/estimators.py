"""Segmentation estimators that choose their own number of segments.

All follow scikit-learn's conventions (``__init__`` stores parameters, ``fit``
validates, seeds, honours ``sample_weight`` and returns ``self``; fitted
attributes end in ``_``) and all have ``predict``, so new respondents can be
placed and bootstrap stability can be measured the same way for every method.

How survey weights are honoured:

========================  =====================================================
method                    weights
========================  =====================================================
``kmeans``                ``sample_weight`` in k-means itself
``latent-class``          ``sample_weight`` in StepMix's EM
``gmm``                   weighted resampling (GaussianMixture has no weights)
``agglomerative`` (Ward)  weighted resampling (and at most ``max_fit`` rows:
                          Ward needs O(n^2) memory)
``hdbscan``               weighted resampling (density follows the weights)
========================  =====================================================

Weighted resampling draws ``min(n, max_fit)`` rows with replacement, with
probability proportional to the weight (seeded), fits on them, and places every
respondent with ``predict`` (the model's own, the nearest centroid for Ward, the
nearest fitted respondent for HDBSCAN).  With equal weights and few enough rows
the data are used as they are.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import HDBSCAN, AgglomerativeClustering, KMeans
from sklearn.metrics import calinski_harabasz_score, silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import NearestCentroid, NearestNeighbors
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from noncustomers.segmentation.structure import gap_one_segment

__all__ = ["AutoKMeans", "AutoGaussianMixture", "AutoWard", "DensitySegmenter", "LatentClass",
           "partition_criteria"]

NOISE = -1


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


def _candidates(n_clusters, k_range, n: int) -> list[int]:
    if n_clusters == "auto":
        lo, hi = k_range
        if not (isinstance(lo, int) and isinstance(hi, int) and 2 <= lo <= hi):
            raise ValueError(f"k_range must be (low, high) with 2 <= low <= high, got {k_range!r}")
        return [k for k in range(lo, hi + 1) if k < n] or [1]
    if isinstance(n_clusters, (int, np.integer)) and not isinstance(n_clusters, bool) \
            and n_clusters >= 1:
        return [int(min(n_clusters, n))]
    raise ValueError(f"n_clusters must be 'auto' or an int >= 1, got {n_clusters!r}")


def _too_small(labels: np.ndarray, w: np.ndarray | None, min_n_eff: float,
               min_share: float) -> bool:
    """True when a segment (noise aside) has a Kish base under ``min_n_eff`` or holds
    under ``min_share`` of the tier's weight."""
    w = np.ones(len(labels)) if w is None else w
    total = w.sum()
    for label in np.unique(labels[labels != NOISE]):
        wk = w[labels == label]
        if wk.sum() / total < min_share or wk.sum() ** 2 / np.dot(wk, wk) < min_n_eff:
            return True
    return False


def _weighted_rows(w: np.ndarray | None, n: int, max_fit: int, rng) -> np.ndarray | None:
    """Row indices of a weighted resample, or None to use every row as it is."""
    uniform = w is None or np.allclose(w, w[0])
    if uniform and n <= max_fit:
        return None
    size = min(n, max_fit)
    if uniform:
        return np.sort(rng.choice(n, size, replace=False))
    return np.sort(rng.choice(n, size, replace=True, p=w / w.sum()))


class _Selecting(ClusterMixin, BaseEstimator):
    """Shared fit loop: try each k, score it, keep the best by ``_score``."""

    criterion = "silhouette"  # higher is better unless ``_lower_is_better``
    _lower_is_better = False
    _allow_nan = False

    def _seed(self) -> int:
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _fit_one(self, X, k, sample_weight, seed):  # pragma: no cover - abstract
        raise NotImplementedError

    def fit(self, X, y=None, sample_weight=None):
        X = validate_data(self, X, dtype=np.float64,
                          ensure_all_finite="allow-nan" if self._allow_nan else True)
        w = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        seed = self._seed()
        n = X.shape[0]
        sample = None
        if n > self.silhouette_sample:
            sample = np.sort(check_random_state(seed).choice(n, self.silhouette_sample,
                                                             replace=False))
        self.selection_ = []
        best = None
        auto = self.n_clusters == "auto"
        self.one_segment_reason_ = None
        # One native thread: many small fits gain nothing from OpenMP, and on a busy
        # 2-core machine its threads oversubscribe (measured 53 s vs 1.4 s per run).
        candidates = _candidates(self.n_clusters, self.k_range, n)
        with threadpool_limits(limits=1):
            if auto:  # may the answer be one segment? (segmentation/structure.py)
                structure = gap_one_segment(X, w, seed)
                self.selection_.append({"k": 1, "gap": structure["gap_1"],
                                        "gap_2": structure["gap_2"], "s_2": structure["s_2"]})
                if not structure["structure"]:
                    self.one_segment_reason_ = "no clear structure"
            for k in candidates if self.one_segment_reason_ is None else []:
                model, labels, extra = self._fit_one(X, k, w, seed)
                # A fixed k needs no criteria (bootstrap refits fit hundreds of these).
                criteria = partition_criteria(X, labels, sample) if len(candidates) > 1 else {}
                row = {"k": k, **criteria, **extra}
                small = auto and k > 1 and _too_small(labels, w, self.min_segment_n_eff,
                                                      self.min_segment_share)
                if auto:
                    row["too_small"] = small
                self.selection_.append(row)
                score = row.get(self.criterion, np.nan)
                score = -np.inf if np.isnan(score) else (-score if self._lower_is_better
                                                         else score)
                if not small and (best is None or score > best[0]):
                    best = (score, model, labels)
            if best is None:  # no structure, or every k > 1 leaves a segment too small
                self.one_segment_reason_ = self.one_segment_reason_ or "segments too small"
                model, labels, _ = self._fit_one(X, 1, w, seed)
                best = (np.nan, model, labels)
        _, self.model_, self.labels_ = best
        self.n_clusters_ = int(np.unique(self.labels_[self.labels_ != NOISE]).size)
        return self

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        with threadpool_limits(limits=1):
            return self._predict(X)

    def _predict(self, X):
        return self.model_.predict(X)


class AutoKMeans(_Selecting):
    """K-means whose number of clusters is chosen by the silhouette width.

    Parameters
    ----------
    n_clusters : int or "auto", default="auto"
        A fixed k, or "auto" to try every k in ``k_range`` and keep the one with
        the highest silhouette width.
    k_range : tuple of int, default=(2, 8)
    n_init : int, default=10
        K-means restarts per k (the best inertia is kept).
    silhouette_sample : int, default=2000
        Rows used for each silhouette (seeded subsample; the silhouette is O(n^2)).
    random_state : int, RandomState or None

    Attributes
    ----------
    n_clusters_ : int
    labels_ : ndarray of shape (n_samples,)
    cluster_centers_ : ndarray of shape (n_clusters_, n_features)
    selection_ : list of dict
        One row per k tried: ``k``, ``silhouette``, ``calinski_harabasz``, ``inertia``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.r_[np.zeros((20, 2)), np.ones((20, 2)) * 5]
    >>> AutoKMeans(random_state=0).fit(X).n_clusters_
    2
    """

    def __init__(self, n_clusters: int | str = "auto", k_range: tuple[int, int] = (2, 8),
                 n_init: int = 10, silhouette_sample: int = 2000, random_state=None,
                 min_segment_n_eff: float = 30.0, min_segment_share: float = 0.05) -> None:
        self.min_segment_n_eff = min_segment_n_eff
        self.min_segment_share = min_segment_share
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.n_init = n_init
        self.silhouette_sample = silhouette_sample
        self.random_state = random_state

    def _fit_one(self, X, k, w, seed):
        model = KMeans(n_clusters=k, n_init=self.n_init, random_state=seed)
        model.fit(X, sample_weight=w)
        return model, model.labels_, {"inertia": float(model.inertia_)}

    def fit(self, X, y=None, sample_weight=None) -> AutoKMeans:
        super().fit(X, y, sample_weight)
        self.cluster_centers_ = self.model_.cluster_centers_
        return self


class AutoGaussianMixture(_Selecting):
    """Gaussian mixture with k chosen by BIC (lowest); weights by weighted resampling.

    Parameters
    ----------
    n_clusters : int or "auto"
    k_range : tuple of int, default=(2, 8)
    covariance_type : str, default="diag"
        "diag" keeps the parameter count modest for survey items.
    max_fit : int, default=20000
    silhouette_sample : int, default=2000
    random_state : int or None
    """

    criterion = "bic"
    _lower_is_better = True

    def __init__(self, n_clusters: int | str = "auto", k_range: tuple[int, int] = (2, 8),
                 covariance_type: str = "diag", max_fit: int = 20_000,
                 silhouette_sample: int = 2000, random_state=None,
                 min_segment_n_eff: float = 30.0, min_segment_share: float = 0.05) -> None:
        self.min_segment_n_eff = min_segment_n_eff
        self.min_segment_share = min_segment_share
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.covariance_type = covariance_type
        self.max_fit = max_fit
        self.silhouette_sample = silhouette_sample
        self.random_state = random_state

    def _fit_one(self, X, k, w, seed):
        rows = _weighted_rows(w, X.shape[0], self.max_fit, check_random_state(seed))
        Xf = X if rows is None else X[rows]
        model = GaussianMixture(n_components=k, covariance_type=self.covariance_type,
                                n_init=2, random_state=seed, reg_covar=1e-4).fit(Xf)
        return model, model.predict(X), {"bic": float(model.bic(Xf))}


class AutoWard(_Selecting):
    """Ward hierarchical clustering, k by silhouette; new rows go to the nearest centroid.

    Parameters
    ----------
    n_clusters : int or "auto"
    k_range : tuple of int, default=(2, 8)
    max_fit : int, default=3000
        Ward needs O(n^2) memory: larger tiers are fitted on a (weighted) resample.
    silhouette_sample : int, default=2000
    random_state : int or None
    """

    def __init__(self, n_clusters: int | str = "auto", k_range: tuple[int, int] = (2, 8),
                 max_fit: int = 3000, silhouette_sample: int = 2000, random_state=None,
                 min_segment_n_eff: float = 30.0, min_segment_share: float = 0.05) -> None:
        self.min_segment_n_eff = min_segment_n_eff
        self.min_segment_share = min_segment_share
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.max_fit = max_fit
        self.silhouette_sample = silhouette_sample
        self.random_state = random_state

    def _fit_one(self, X, k, w, seed):
        rows = _weighted_rows(w, X.shape[0], self.max_fit, check_random_state(seed))
        Xf = X if rows is None else X[rows]
        if k == 1:
            fit_labels = np.zeros(len(Xf), dtype=int)
        else:
            fit_labels = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(Xf)
        centroid = NearestCentroid().fit(Xf, fit_labels) if k > 1 else None
        labels = centroid.predict(X) if centroid is not None else np.zeros(len(X), dtype=int)
        return centroid, labels, {}

    def _predict(self, X):
        return (self.model_.predict(X) if self.model_ is not None
                else np.zeros(len(X), dtype=int))


class DensitySegmenter(ClusterMixin, BaseEstimator):
    """HDBSCAN: the number of segments comes from the data; noise is labelled -1.

    Parameters
    ----------
    min_cluster_size : int or None
        None means ``max(10, n // 40)``.
    max_fit : int, default=10000
    random_state : int or None
        Seeds the weighted resample.
    """

    def __init__(self, min_cluster_size: int | None = None, max_fit: int = 10_000,
                 silhouette_sample: int = 2000, random_state=None) -> None:
        self.min_cluster_size = min_cluster_size
        self.max_fit = max_fit
        self.silhouette_sample = silhouette_sample
        self.random_state = random_state

    def fit(self, X, y=None, sample_weight=None) -> DensitySegmenter:
        X = validate_data(self, X, dtype=np.float64)
        rng = check_random_state(self.random_state)
        w = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        rows = _weighted_rows(w, X.shape[0], self.max_fit, rng)
        Xf = X if rows is None else X[rows]
        size = self.min_cluster_size or max(10, len(Xf) // 40)
        fit_labels = HDBSCAN(min_cluster_size=min(size, max(2, len(Xf) - 1)), copy=True).fit_predict(Xf)
        self.fit_X_, self.fit_labels_ = Xf, fit_labels
        self.nn_ = NearestNeighbors(n_neighbors=1).fit(Xf)
        self.labels_ = self._predict(X)
        self.n_clusters_ = int(np.unique(self.labels_[self.labels_ != NOISE]).size)
        sample = None
        if X.shape[0] > self.silhouette_sample:
            sample = np.sort(rng.choice(X.shape[0], self.silhouette_sample, replace=False))
        self.selection_ = [{"k": self.n_clusters_, **partition_criteria(X, self.labels_, sample),
                            "noise_share": float(np.mean(self.labels_ == NOISE))}]
        return self

    def _predict(self, X):
        _, idx = self.nn_.kneighbors(X)
        return self.fit_labels_[idx[:, 0]]

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self._predict(X)


class LatentClass(_Selecting):
    """Latent class analysis (StepMix), k by BIC; missing answers handled by the model.

    The measurement model follows the items: ``binary`` when every item is
    0/1, ``categorical`` when every item holds whole numbers with at most
    ``max_levels`` levels (recoded 0..L-1), ``continuous`` (latent profiles)
    otherwise.  ``sample_weight`` enters StepMix's EM.

    Parameters
    ----------
    n_clusters : int or "auto"
    k_range : tuple of int, default=(2, 8)
    max_levels : int, default=10
    n_init : int, default=1
    max_iter : int, default=300
    silhouette_sample : int, default=2000
    random_state : int or None
    """

    criterion = "bic"
    _lower_is_better = True
    _allow_nan = True

    def __init__(self, n_clusters: int | str = "auto", k_range: tuple[int, int] = (2, 8),
                 max_levels: int = 10, n_init: int = 1, max_iter: int = 300,
                 silhouette_sample: int = 2000, random_state=None,
                 min_segment_n_eff: float = 30.0, min_segment_share: float = 0.05) -> None:
        self.min_segment_n_eff = min_segment_n_eff
        self.min_segment_share = min_segment_share
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.max_levels = max_levels
        self.n_init = n_init
        self.max_iter = max_iter
        self.silhouette_sample = silhouette_sample
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def _measurement(self, X: np.ndarray) -> tuple[str, np.ndarray]:
        finite = X[~np.isnan(X)]
        if finite.size and np.isin(finite, (0.0, 1.0)).all():
            return "binary_nan", X
        if finite.size and np.all(finite == np.round(finite)):
            levels = np.unique(finite)
            if levels.size <= self.max_levels:
                if not hasattr(self, "levels_"):
                    self.levels_ = levels
                codes = np.searchsorted(self.levels_, X)
                codes = np.where(np.isnan(X), np.nan, np.clip(codes, 0, len(self.levels_) - 1))
                return "categorical_nan", codes.astype(float)
        return "continuous_nan", X

    def fit(self, X, y=None, sample_weight=None) -> LatentClass:
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan")
        if hasattr(self, "levels_"):
            del self.levels_
        self.measurement_, self._codes = self._measurement(X)
        try:
            return super().fit(X, y, sample_weight)
        finally:
            del self._codes  # the training answers: never kept in a fitted (saved) model

    def _fit_one(self, X, k, w, seed):
        from stepmix.stepmix import StepMix

        codes = self._codes
        # EM stops on a relative change of 1e-6 in the log-likelihood: StepMix's default
        # (1e-10 absolute, 1000 iterations) took minutes per tier for no visible gain.
        model = StepMix(n_components=k, measurement=self.measurement_, random_state=seed,
                        n_init=self.n_init, abs_tol=1e-6, rel_tol=1e-6, max_iter=self.max_iter,
                        verbose=0, progress_bar=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # StepMix warns on slow convergence per restart
            model.fit(codes, sample_weight=w)
            labels = model.predict(codes)
            bic = float(model.bic(codes))
        return model, labels, {"bic": bic}

    def _predict(self, X):
        _, codes = self._measurement(X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.model_.predict(codes)

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False, ensure_all_finite="allow-nan")
        return self._predict(X)
