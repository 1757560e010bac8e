"""Segments within each tier: method choice, k selection, stability, prediction.

:func:`segment_tiers` runs one pipeline per tier on the basis columns:
median imputation and weighted standardisation, then the segmentation method
(latent-class models see the raw answers and handle missing ones themselves).
It returns the labels, the k-selection tables, per-segment stability and a
:class:`SegmentModel` that places new respondents.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import ClusterMixin, clone
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from noncustomers.errors import NoncustomersError
from noncustomers.panel import Panel
from noncustomers.schema import METHODS
from noncustomers.vocabulary import UNCLASSIFIED, is_noise, segment_name
from noncustomers.segmentation.estimators import (NOISE, AutoGaussianMixture, AutoKMeans,
                                                  AutoWard, DensitySegmenter, LatentClass)
from noncustomers.segmentation.stability import (DEFAULT_RUNS, UNSTABLE, global_stability,
                                                 segment_stability, weight_params)

__all__ = ["MIN_SEGMENTABLE", "SegmentModel", "Segmentation", "basis_matrix", "make_segmenter",
           "segment_tiers", "standardize_basis"]

MIN_SEGMENTABLE = 20  # below this many respondents a tier is one segment
MIN_SEGMENT_SIZE = 10  # a fixed k is lowered so that segments average at least this many
GLOBAL_RUNS = 5  # bootstrap partitions per k for global stability (10 pairs)


def make_segmenter(method: str, k: int | str, seed: int, min_size: float = 30.0,
                   min_share: float = 0.05) -> ClusterMixin:
    """The estimator behind a method name (see :mod:`noncustomers.segmentation.estimators`).

    ``min_size`` (Kish base) and ``min_share`` (of the tier's weight) bound the segments
    that automatic k may return.
    """
    sizes = {"min_segment_n_eff": min_size, "min_segment_share": min_share}
    if method == "kmeans":
        return AutoKMeans(n_clusters=k, random_state=seed, **sizes)
    if method == "gmm":
        return AutoGaussianMixture(n_clusters=k, random_state=seed, **sizes)
    if method == "agglomerative":
        return AutoWard(n_clusters=k, random_state=seed, **sizes)
    if method == "latent-class":
        return LatentClass(n_clusters=k, random_state=seed, **sizes)
    if method == "hdbscan":
        return DensitySegmenter(random_state=seed)
    raise NoncustomersError(f"segmentation method '{method}' is not known; use one of "
                            f"{', '.join(METHODS)}")


def basis_matrix(panel: Panel) -> pd.DataFrame:
    """The cleaned, encoded basis answers (NaN = missing), falling back to attribute ratings."""
    columns = getattr(panel, "basis_encoded", None) or panel.basis or [
        c for a in panel.schema.attributes.values() for c in a.columns]
    return panel.answers[columns] if columns else pd.DataFrame(index=panel.data.index)


def standardize_basis(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Median-impute then weighted-standardise; constant or empty columns become 0."""
    X = np.array(X, dtype=float, copy=True)
    if X.shape[1] == 0:
        return X
    return _preprocessing().fit_transform(X, scale__sample_weight=w)


def _preprocessing() -> Pipeline:
    return Pipeline([("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                     ("scale", StandardScaler())])


def _pipeline(estimator: ClusterMixin, method: str | None) -> Pipeline:
    if method == "latent-class":
        return Pipeline([("segment", estimator)])
    return Pipeline(_preprocessing().steps + [("segment", estimator)])


@dataclass
class SegmentModel:
    """Fitted per-tier pipelines that place respondents into segments.

    Attributes
    ----------
    columns : list of str
        Basis columns the pipelines expect, in order.
    pipelines : dict
        tier -> fitted Pipeline (absent: the tier is one segment).
    names : dict
        tier -> {raw label: segment name}.
    """

    columns: list[str]
    pipelines: dict[str, Pipeline] = field(default_factory=dict)
    names: dict[str, dict] = field(default_factory=dict)

    def predict(self, basis: pd.DataFrame, tiers: pd.Series) -> pd.Series:
        """Segment of each row, given its tier and its basis answers."""
        missing = [c for c in self.columns if c not in basis.columns]
        if missing:
            raise NoncustomersError(f"the new panel lacks the basis column '{missing[0]}' the "
                                    "model was fitted on")
        X = basis[self.columns].to_numpy(dtype=float)
        out = np.full(len(tiers), UNCLASSIFIED, dtype=object)
        for tier, names in self.names.items():
            rows = np.flatnonzero(tiers.to_numpy() == tier)
            if rows.size == 0:
                continue
            pipeline = self.pipelines.get(tier)
            raw = (pipeline.predict(X[rows]) if pipeline is not None
                   else np.zeros(rows.size, dtype=int))
            out[rows] = [names.get(int(r), segment_name(tier, None)) for r in raw]
        return pd.Series(out, index=basis.index, name="segment")


@dataclass
class Segmentation:
    """Segment labels plus what was decided along the way."""

    labels: pd.Series
    selection: dict[str, list[dict]] = field(default_factory=dict)
    stability: dict[str, float] = field(default_factory=dict)
    model: SegmentModel | None = None
    method: str = "kmeans"
    models: dict[str, ClusterMixin] = field(default_factory=dict)
    """tier -> the fitted clustering estimator (the last step of its pipeline)."""
    notes: list[str] = field(default_factory=list)
    """Warnings about the segments: no clear structure, small or unstable segments."""


def _names(tier: str, raw: np.ndarray, w: np.ndarray) -> dict:
    """Raw label -> ``<tier>-<n>``, n from 1 by descending weighted size; noise apart."""
    clusters = [c for c in dict.fromkeys(raw.tolist()) if c != NOISE]
    sizes = {c: w[raw == c].sum() for c in clusters}
    ranked = sorted(clusters, key=lambda c: -sizes[c])
    names = {int(c): segment_name(tier, i + 1) for i, c in enumerate(ranked)}
    names[NOISE] = segment_name(tier, None)
    return names


def segment_tiers(panel: Panel, tiers: pd.Series, k: int | str | None = None,
                  clusterer: ClusterMixin | None = None, seed: int = 0,
                  method: str | None = None, stability_runs: int = DEFAULT_RUNS) -> Segmentation:
    """Cluster each tier into segments labelled ``<tier>-<n>``.

    ``n`` counts from 1 by descending weighted size, so ``customers-1`` is
    always the largest customer segment; HDBSCAN's noise points get
    ``<tier>-noise``. Rows of the ``unclassified`` tier keep the segment
    ``unclassified``.

    Parameters
    ----------
    panel : Panel
    tiers : Series
        Output of :func:`noncustomers.tiers.assign_tiers`.
    k : int, "auto" or None
        Overrides ``[segmentation] k`` of the schema.
    clusterer : ClusterMixin, optional
        Any scikit-learn clusterer used instead of the method; it is cloned per
        tier, receives ``random_state`` when it has one and ``sample_weight``
        when its ``fit`` takes it. Without ``predict`` it cannot place new
        respondents or be bootstrapped (stability is then not measured).
    seed : int
    method : str, optional
        Overrides ``[segmentation] method``: kmeans, gmm, latent-class, hdbscan,
        agglomerative.
    stability_runs : int
        Bootstrap refits per tier for segment stability (0 switches it off).
    """
    default_k = panel.schema.k if k is None else k
    default_method = ((panel.schema.method if method is None else method) if clusterer is None
                      else None)
    frame = basis_matrix(panel)
    basis = frame.to_numpy(dtype=float)
    labels = np.full(len(panel), UNCLASSIFIED, dtype=object)
    model = SegmentModel(list(frame.columns))
    selection: dict[str, list[dict]] = {}
    stability: dict[str, float] = {}
    fitted_models: dict[str, ClusterMixin] = {}
    notes: list[str] = []
    min_sizes = (panel.schema.min_size, panel.schema.min_share)
    for tier in panel.schema.tier_names:
        # [segmentation.tiers.<tier>] overrides the defaults for this tier
        own = panel.schema.tier_settings.get(tier, {})
        k = own.get("k", default_k)
        method = own.get("method", default_method) if clusterer is None else None
        if method == "hdbscan" and k != "auto":
            warnings.warn(f"hdbscan finds the number of segments itself; k = {k} is ignored"
                          + (f" for tier '{tier}'" if own else ""), UserWarning, stacklevel=2)
            k = "auto"
        rows = np.flatnonzero(tiers.to_numpy() == tier)
        if rows.size == 0:
            continue
        w = panel.weights[rows]
        segmentable = basis.shape[1] > 0 and rows.size >= MIN_SEGMENTABLE
        tier_k = k
        if (segmentable and clusterer is None and isinstance(k, int) and k > 1
                and rows.size < k * MIN_SEGMENT_SIZE):
            tier_k = max(rows.size // MIN_SEGMENT_SIZE, 1)
            notes.append(f"tier '{tier}' has {rows.size} respondents, too few for k = {k} "
                         f"segments of at least {MIN_SEGMENT_SIZE}; using k = {tier_k}")
        if not segmentable or tier_k == 1:
            raw = np.zeros(rows.size, dtype=int)
            model.names[tier] = _names(tier, raw, w)
            labels[rows] = [model.names[tier][0]] * rows.size
            continue
        if clusterer is None:
            estimator = make_segmenter(method, tier_k, seed, *min_sizes)
        else:
            estimator = clone(clusterer)
            if "random_state" in estimator.get_params():
                estimator.set_params(random_state=seed)
        pipeline = _pipeline(estimator, method)
        X = basis[rows]
        pipeline.fit(X, **weight_params(pipeline, w))
        fitted = pipeline.steps[-1][1]
        fitted_models[tier] = fitted
        raw = np.asarray(fitted.labels_)
        names = _names(tier, raw, w)
        reason = getattr(fitted, "one_segment_reason_", None)
        if reason == "no clear structure":
            notes.append(f"tier '{tier}' shows no clear segments (gap statistic): it is kept "
                         f"as one segment, {tier}-1")
        elif reason == "segments too small":
            notes.append(f"tier '{tier}': every split into 2 or more segments leaves one under "
                         f"{min_sizes[0]:g} effective respondents or {min_sizes[1]:.0%} of the "
                         f"tier; it is kept as one segment, {tier}-1")
        else:
            for c in np.unique(raw[raw != NOISE]):
                wk = w[raw == c]
                if wk.sum() ** 2 / np.dot(wk, wk) < min_sizes[0]:
                    notes.append(f"segment '{names[int(c)]}' has an effective base of "
                                 f"{wk.sum() ** 2 / np.dot(wk, wk):.0f} (under "
                                 f"{min_sizes[0]:g}): its figures are fragile")
        model.names[tier] = names
        labels[rows] = [names[int(c)] for c in raw]
        can_predict = hasattr(fitted, "predict")
        if can_predict:
            model.pipelines[tier] = pipeline
        table = [dict(row) for row in getattr(fitted, "selection_", [])]
        if k == "auto" and table and method not in (None, "hdbscan") and stability_runs:
            ks = [row["k"] for row in table if row["k"] > 1]
            ari = global_stability(
                lambda kk: _pipeline(make_segmenter(method, kk, seed), method), X, ks, w,
                runs=GLOBAL_RUNS, seed=seed)
            for row in table:
                row["stability_ari"] = ari.get(row["k"], float("nan"))
        if k == "auto" and table:
            selection[tier] = table
        if stability_runs and can_predict:
            # Refits use the k that was chosen: stability judges these segments.
            refit = (_pipeline(make_segmenter(method, max(fitted.n_clusters_, 1), seed), method)
                     if method not in (None, "hdbscan") else _pipeline(clone(estimator), method))
            jaccard = segment_stability(refit, X, raw, w,
                                        runs=stability_runs, seed=seed, noise=NOISE)
            stability.update({names[int(c)]: v for c, v in jaccard.items()})
            for c, v in sorted(jaccard.items()):
                if not is_noise(names[int(c)]) and v < UNSTABLE:
                    notes.append(f"segment '{names[int(c)]}' is unstable (bootstrap Jaccard "
                                 f"{v:.2f} < {UNSTABLE}): treat it as tentative")
    return Segmentation(pd.Series(labels, index=panel.data.index, name="segment"), selection,
                        stability, model, default_method or type(clusterer).__name__,
                        fitted_models,
                        notes)

