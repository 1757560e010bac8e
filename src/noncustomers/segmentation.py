"""Segments within each tier: a k-means estimator that chooses k itself.

:class:`AutoKMeans` follows scikit-learn's estimator conventions (parameters
stored in ``__init__``, ``fit`` returns ``self``, fitted attributes end in
``_``, ``sample_weight`` honoured), so it can sit in a Pipeline or be swapped
for any other ``ClusterMixin``.  :func:`segment_tiers` runs it within each tier
on the basis columns, after imputing missing answers (median) and
standardising (weighted).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin, clone
from sklearn.cluster import KMeans
from sklearn.impute import SimpleImputer
from sklearn.metrics import calinski_harabasz_score, silhouette_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from noncustomers.panel import Panel
from noncustomers.schema import UNCLASSIFIED

__all__ = ["AutoKMeans", "Segmentation", "basis_matrix", "segment_tiers", "standardize_basis"]

MIN_SEGMENTABLE = 20  # below this many respondents a tier is one segment


class AutoKMeans(ClusterMixin, BaseEstimator):
    """K-means whose number of clusters is chosen by the silhouette width.

    Parameters
    ----------
    n_clusters : int or "auto", default="auto"
        A fixed k, or "auto" to try every k in ``k_range`` and keep the one with
        the highest silhouette width.
    k_range : tuple of int, default=(2, 8)
        Smallest and largest k tried when ``n_clusters="auto"``.
    n_init : int, default=10
        K-means restarts per k (the best inertia is kept).
    silhouette_sample : int, default=2000
        Rows used to compute each silhouette (a seeded subsample; the silhouette
        costs O(n^2)).
    random_state : int, RandomState or None
        Seed for the k-means starts and the silhouette subsample.

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
                 n_init: int = 10, silhouette_sample: int = 2000, random_state=None) -> None:
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.n_init = n_init
        self.silhouette_sample = silhouette_sample
        self.random_state = random_state

    def fit(self, X, y=None, sample_weight=None) -> AutoKMeans:
        X = validate_data(self, X, dtype=np.float64)
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        n = X.shape[0]
        if self.n_clusters == "auto":
            lo, hi = self.k_range
            if not (isinstance(lo, int) and isinstance(hi, int) and 2 <= lo <= hi):
                raise ValueError(f"k_range must be (low, high) with 2 <= low <= high, got "
                                 f"{self.k_range!r}")
            candidates = [k for k in range(lo, hi + 1) if k < n]
        elif isinstance(self.n_clusters, (int, np.integer)) and self.n_clusters >= 1:
            candidates = [int(min(self.n_clusters, n))]
        else:
            raise ValueError(f"n_clusters must be 'auto' or an int >= 1, got {self.n_clusters!r}")
        if not candidates:
            candidates = [1]

        sample = None
        if n > self.silhouette_sample:
            sample = np.sort(check_random_state(seed).choice(n, self.silhouette_sample,
                                                             replace=False))
        # One native thread: many small k-means fits gain nothing from OpenMP, and on a
        # busy 2-core machine its threads oversubscribe (measured 53 s vs 1.4 s per run).
        with threadpool_limits(limits=1):
            self.selection_, model = self._select(X, candidates, sample, sample_weight, seed)
        self.model_ = model
        self.n_clusters_ = int(model.n_clusters)
        self.labels_ = model.labels_
        self.cluster_centers_ = model.cluster_centers_
        return self

    def _select(self, X, candidates, sample, sample_weight, seed) -> tuple[list[dict], KMeans]:
        """Fit each candidate k; keep the highest silhouette (first k on ties)."""
        n = X.shape[0]
        selection: list[dict] = []
        best: tuple[float, KMeans] | None = None
        for k in candidates:
            model = KMeans(n_clusters=k, n_init=self.n_init, random_state=seed)
            model.fit(X, sample_weight=sample_weight)
            row = {"k": k, "silhouette": np.nan, "calinski_harabasz": np.nan,
                   "inertia": float(model.inertia_)}
            distinct = np.unique(model.labels_).size
            if 1 < distinct < n:
                idx = sample if sample is not None else slice(None)
                labels_s = model.labels_[idx]
                if 1 < np.unique(labels_s).size < len(labels_s):
                    row["silhouette"] = float(silhouette_score(X[idx], labels_s))
                row["calinski_harabasz"] = float(calinski_harabasz_score(X, model.labels_))
            selection.append(row)
            score = row["silhouette"] if not np.isnan(row["silhouette"]) else -np.inf
            if best is None or score > best[0]:
                best = (score, model)
        return selection, best[1]

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self.model_.predict(X)


def basis_matrix(panel: Panel) -> pd.DataFrame:
    """The cleaned basis answers (NaN = missing), falling back to attribute ratings."""
    columns = panel.basis or [c for a in panel.schema.attributes.values() for c in a.columns]
    return panel.answers[columns] if columns else pd.DataFrame(index=panel.data.index)


def standardize_basis(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Median-impute then weighted-standardise; constant or empty columns become 0."""
    X = np.array(X, dtype=float, copy=True)
    if X.shape[1] == 0:
        return X
    all_missing = np.all(np.isnan(X), axis=0)
    X[:, all_missing] = 0.0
    X = SimpleImputer(strategy="median").fit_transform(X)
    return StandardScaler().fit_transform(X, sample_weight=w)


@dataclass
class Segmentation:
    """Segment labels plus what was decided along the way."""

    labels: pd.Series
    selection: dict[str, list[dict]] = field(default_factory=dict)
    models: dict[str, object] = field(default_factory=dict)


def segment_tiers(panel: Panel, tiers: pd.Series, k: int | str | None = None,
                  clusterer: ClusterMixin | None = None, seed: int = 0) -> Segmentation:
    """Cluster each tier into segments labelled ``<tier>-<n>``.

    ``n`` counts from 1 by descending weighted size, so ``customers-1`` is
    always the largest customer segment.  Rows of the ``unclassified`` tier keep
    the segment ``unclassified``.

    Parameters
    ----------
    panel : Panel
    tiers : Series
        Output of :func:`noncustomers.tiers.assign_tiers`.
    k : int, "auto" or None
        Overrides ``[segmentation] k`` of the schema.
    clusterer : ClusterMixin, optional
        Any scikit-learn clusterer used instead of :class:`AutoKMeans`; it is
        cloned per tier and receives ``random_state`` when it has one.
    seed : int
    """
    k = panel.schema.k if k is None else k
    basis = basis_matrix(panel).to_numpy(dtype=float)
    labels = np.full(len(panel), UNCLASSIFIED, dtype=object)
    selection: dict[str, list[dict]] = {}
    models: dict[str, object] = {}
    for tier in panel.schema.tier_names:
        rows = np.flatnonzero(tiers.to_numpy() == tier)
        if rows.size == 0:
            continue
        w = panel.weights[rows]
        if basis.shape[1] == 0 or rows.size < MIN_SEGMENTABLE or k == 1:
            raw = np.zeros(rows.size, dtype=int)
        else:
            X = standardize_basis(basis[rows], w)
            if clusterer is None:
                model = AutoKMeans(n_clusters=k, random_state=seed)
            else:
                model = clone(clusterer)
                if "random_state" in model.get_params():
                    model.set_params(random_state=seed)
            try:
                model.fit(X, sample_weight=w)
            except TypeError:  # estimators without sample_weight (documented in docs)
                model.fit(X)
            raw = np.asarray(model.labels_)
            models[tier] = model
            if getattr(model, "selection_", None) and k == "auto":
                selection[tier] = model.selection_
        # Renumber by descending weighted size (ties: first seen), labels start at 1.
        clusters = list(dict.fromkeys(raw.tolist()))
        sizes = {c: w[raw == c].sum() for c in clusters}
        ranked = sorted(clusters, key=lambda c: -sizes[c])
        names = {c: f"{tier}-{i + 1}" for i, c in enumerate(ranked)}
        labels[rows] = [names[c] for c in raw.tolist()]
    return Segmentation(pd.Series(labels, index=panel.data.index, name="segment"),
                        selection, models)
