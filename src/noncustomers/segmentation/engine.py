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
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import ClusterMixin, clone
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from noncustomers.errors import NoncustomersError
from noncustomers.panel import Panel
from noncustomers.segmentation.methods import METHODS, make_segmenter
from noncustomers.segmentation.selection import NOISE, ChooseK
from noncustomers.tiers import assign_tiers
from noncustomers.vocabulary import UNCLASSIFIED, is_noise, segment_name
from noncustomers.segmentation.stability import (DEFAULT_RUNS, UNSTABLE, global_stability,
                                                 segment_stability, weight_params)

__all__ = ["MIN_SEGMENTABLE", "SegmentModel", "Segmentation", "basis_matrix", "segment_tiers",
           "segment_table", "standardize_basis"]

MIN_SEGMENTABLE = 20  # below this many respondents a tier is one segment
MIN_SEGMENT_SIZE = 10  # a fixed k is lowered so that segments average at least this many
GLOBAL_RUNS = 5  # bootstrap partitions per k for global stability (10 pairs)
STABILITY_SAMPLE = 10_000  # rows of a tier the stability refits are run on (seeded subsample)


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


def _pipeline(estimator: ClusterMixin, raw_answers: bool) -> Pipeline:
    if raw_answers:
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
        """Segment of each row, given its tier and its basis answers.

        A tier fitted as one segment places everyone in it; a tier the model has no
        segments for (absent from the training panel) gives ``unclassified``.
        """
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

    @property
    def segments(self) -> pd.DataFrame:
        """One row per segment: ``segment, tier, number, noise`` (see :func:`segment_table`)."""
        return segment_table(self.names)


def segment_table(names: dict[str, dict[int, str]]) -> pd.DataFrame:
    """The segments as a table, tier by tier: ``segment``, ``tier``, ``number`` (1 = the
    largest, by weight; missing for noise) and ``noise``.

    Built from the model's own label map, never parsed back out of the names.
    """
    rows = []
    for tier, by_raw in names.items():
        numbered = [name for raw, name in by_raw.items() if raw != NOISE]  # in rank order
        rows += [{"segment": name, "tier": tier, "number": i + 1, "noise": False}
                 for i, name in enumerate(numbered)]
        if NOISE in by_raw:
            rows.append({"segment": by_raw[NOISE], "tier": tier, "number": None, "noise": True})
    table = pd.DataFrame(rows, columns=["segment", "tier", "number", "noise"])
    table["number"] = table["number"].astype("Int64")
    return table


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

    @property
    def segments(self) -> pd.DataFrame:
        """One row per segment found: ``segment, tier, number, noise``, plus its ``n``."""
        table = self.model.segments if self.model is not None else segment_table({})
        counts = self.labels.value_counts()
        table = table[table["segment"].isin(counts.index)].reset_index(drop=True)
        table["n"] = [int(counts[name]) for name in table["segment"]]
        return table

    def predict(self, panel: Panel) -> pd.Series:
        """Segment of every respondent of ``panel`` (its tiers from the schema's rules)."""
        if self.model is None:
            raise NoncustomersError("this segmentation has no fitted model to place "
                                    "respondents with")
        return self.model.predict(basis_matrix(panel), assign_tiers(panel))


def _names(tier: str, raw: np.ndarray, w: np.ndarray) -> dict:
    """Raw label -> ``<tier>-<n>``, n from 1 by descending weighted size, in that order;
    noise last."""
    clusters = [c for c in dict.fromkeys(raw.tolist()) if c != NOISE]
    sizes = {c: w[raw == c].sum() for c in clusters}
    ranked = sorted(clusters, key=lambda c: -sizes[c])
    names = {int(c): segment_name(tier, i + 1) for i, c in enumerate(ranked)}
    names[NOISE] = segment_name(tier, None)
    return names


def segment_tiers(panel: Panel, tiers: pd.Series, k: int | str | None = None,
                  clusterer: ClusterMixin | None = None, seed: int = 0,
                  method: str | None = None, stability_runs: int = DEFAULT_RUNS,
                  tier_settings: dict[str, dict[str, Any]] | None = None) -> Segmentation:
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
        Any scikit-learn clusterer used instead of the method. A
        :class:`~noncustomers.segmentation.ChooseK` is used as it is (seeded); any
        other clusterer is fitted with its own settings inside a ``ChooseK``, which
        passes it the weights (or a weighted resample) and places new respondents by
        its ``predict`` or, without one, by the nearest weighted centroid.
    seed : int
    method : str, optional
        Overrides ``[segmentation] method``: a name of
        :data:`~noncustomers.segmentation.methods.METHODS`.
    stability_runs : int
        Bootstrap refits per tier for segment stability (0 switches it off).
    tier_settings : dict, optional
        tier -> ``{"k": ..., "method": ...}``, overriding the defaults for that tier;
        default: the schema's ``[segmentation.tiers.<tier>]``.
    """
    default_k = panel.schema.k if k is None else k
    default_method = ((panel.schema.method if method is None else method) if clusterer is None
                      else None)
    settings = panel.schema.tier_settings if tier_settings is None else tier_settings
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
        own = settings.get(tier, {})
        k = own.get("k", default_k)
        method = own.get("method", default_method) if clusterer is None else None
        spec = METHODS[method] if method is not None else None
        if spec is not None and spec.finds_k and k != "auto":
            warnings.warn(f"{method} finds the number of segments itself; k = {k} is ignored"
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
        elif isinstance(clusterer, ChooseK):
            estimator = clone(clusterer).set_params(random_state=seed)
        else:  # its own settings; ChooseK weights it and places new respondents
            estimator = ChooseK(clone(clusterer), n_clusters=None, random_state=seed)
        raw_answers = spec is not None and spec.raw_answers
        pipeline = _pipeline(estimator, raw_answers)
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
        model.pipelines[tier] = pipeline
        table = [dict(row) for row in getattr(fitted, "selection_", [])]
        chooses = isinstance(fitted, ChooseK) and fitted.n_clusters == "auto"
        # Stability is judged on a seeded subsample of a large tier (weights carried):
        # bootstrap refits of 300k rows cost minutes and say no more (benchmarks/run.py).
        sub = (slice(None) if len(X) <= STABILITY_SAMPLE else
               np.sort(np.random.default_rng(seed).choice(len(X), STABILITY_SAMPLE,
                                                          replace=False)))
        if chooses and table and stability_runs:
            ks = [row["k"] for row in table if row["k"] > 1]
            ari = global_stability(
                lambda kk: _pipeline(clone(estimator).set_params(n_clusters=kk), raw_answers),
                X[sub], ks, w[sub], runs=GLOBAL_RUNS, seed=seed)
            for row in table:
                row["stability_ari"] = ari.get(row["k"], float("nan"))
        if table and (chooses or (spec is not None and spec.finds_k)):
            selection[tier] = table
        if stability_runs:
            # Refits use the k that was chosen: stability judges these segments.
            refit = clone(estimator)
            if chooses:
                refit.set_params(n_clusters=max(fitted.n_clusters_, 1))
            jaccard = segment_stability(_pipeline(refit, raw_answers), X[sub], raw[sub],
                                        w[sub], runs=stability_runs, seed=seed, noise=NOISE)
            stability.update({names[int(c)]: v for c, v in jaccard.items()})
            for c, v in sorted(jaccard.items()):
                if not is_noise(names[int(c)]) and v < UNSTABLE:
                    notes.append(f"segment '{names[int(c)]}' is unstable (bootstrap Jaccard "
                                 f"{v:.2f} < {UNSTABLE}): treat it as tentative")
    return Segmentation(pd.Series(labels, index=panel.data.index, name="segment"), selection,
                        stability, model, default_method or type(clusterer).__name__,
                        fitted_models, notes)
