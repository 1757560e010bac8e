"""analyze(): the whole pipeline, returning one :class:`Analysis` result object.

panel -> tiers -> segments within tiers -> 2-D map -> gaps -> ERRC grid, canvas.
The CLI writes an Analysis to files; the app draws it; a notebook inspects it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import ClusterMixin

from noncustomers.analytics.canvas import strategy_canvas
from noncustomers.analytics.errc import ErrcRules, errc_grid
from noncustomers.analytics.gaps import attribute_gaps, group_masks
from noncustomers.analytics.weighted import rescale, weighted_mean
from noncustomers.embedding import map_coordinates
from noncustomers.panel import Panel
from noncustomers.schema import NON_CUSTOMER_TIERS, UNCLASSIFIED
from noncustomers.analytics.profiles import segment_profiles
from noncustomers.segmentation import (SegmentModel, Segmentation, basis_matrix, segment_tiers,
                                       stability_label, standardize_basis)
from noncustomers.segmentation.stability import DEFAULT_RUNS
from noncustomers.tiers import assign_tiers

__all__ = ["Analysis", "analyze", "OUTPUT_FILES"]

OUTPUT_FILES = ("assignments.csv", "gaps.csv", "summary.json", "profiles.csv")
_DECIMALS = 6


@dataclass
class Analysis:
    """Everything one run found, with the settings that reproduce it.

    Attributes
    ----------
    panel : Panel
    tiers, segments : Series
        One label per respondent, in panel order.
    coordinates : ndarray of shape (n, 2)
        The 2-D map (NaN when no map was asked for).
    gaps : DataFrame
        See :mod:`noncustomers.analytics.gaps`.
    errc : dict
        action -> attributes; ``errc_evidence`` holds the figures behind it.
    canvas : DataFrame
        Strategy canvas, long format ``curve, attribute, level``.
    segmentation : Segmentation
    config : dict
        seed, k, map method and ERRC thresholds used.
    """

    panel: Panel
    tiers: pd.Series
    segments: pd.Series
    coordinates: np.ndarray
    gaps: pd.DataFrame
    errc: dict[str, list[str]]
    errc_evidence: dict[str, dict]
    canvas: pd.DataFrame
    segmentation: Segmentation
    config: dict[str, Any] = field(default_factory=dict)
    profiles: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def model(self) -> SegmentModel | None:
        """Fitted per-tier segment pipelines: ``model.predict(basis, tiers)``."""
        return self.segmentation.model

    @property
    def tier_order(self) -> list[str]:
        """Schema tiers in canonical order, plus ``unclassified`` when anyone is in it."""
        extra = [UNCLASSIFIED] if (self.tiers == UNCLASSIFIED).any() else []
        return self.panel.schema.tier_names + extra

    @property
    def assignments(self) -> pd.DataFrame:
        """One row per input row, same order: id, tier, segment, x, y."""
        return pd.DataFrame({
            self.panel.schema.id: self.panel.ids.to_numpy(),
            "tier": self.tiers.to_numpy(),
            "segment": self.segments.to_numpy(),
            "x": np.round(self.coordinates[:, 0], _DECIMALS),
            "y": np.round(self.coordinates[:, 1], _DECIMALS),
        })

    def summary(self) -> dict[str, Any]:
        """The ``summary.json`` document (a plain dict)."""
        w = self.panel.weights
        total = w.sum()
        tiers_out = {}
        for tier in self.panel.schema.tier_names + [UNCLASSIFIED]:
            mask = (self.tiers == tier).to_numpy()
            tiers_out[tier] = {"n": int(mask.sum()),
                               "share": round(float(w[mask].sum() / total), _DECIMALS)}
        segments_out = {}
        for seg in group_masks(self.tiers, self.segments, self.tier_order):
            mask = (self.segments == seg).to_numpy()
            if seg in tiers_out or seg == "all" or not mask.any():
                continue
            tier = self.tiers[mask].iloc[0]
            tier_w = w[(self.tiers == tier).to_numpy()].sum()
            segments_out[seg] = {"tier": tier, "n": int(mask.sum()),
                                 "share_of_tier": round(float(w[mask].sum() / tier_w), _DECIMALS)}
            if seg.endswith("-noise"):  # HDBSCAN's unassigned points: not a segment to judge
                segments_out[seg].update(stability=None, stability_label="noise")
            elif seg in self.segmentation.stability:
                jaccard = self.segmentation.stability[seg]
                segments_out[seg]["stability"] = _clean(jaccard)
                segments_out[seg]["stability_label"] = stability_label(jaccard)
        selection = {tier: [{k: _clean(v) for k, v in row.items()} for row in rows]
                     for tier, rows in self.segmentation.selection.items()}
        attributes = {name: {"label": a.display, "scale": list(self.panel.scales[name]),
                             "importance": a.importance, "performance": a.performance}
                      for name, a in self.panel.schema.attributes.items()}
        return {
            "n": len(self.panel),
            "weighted_n": round(float(total), _DECIMALS),
            "tiers": tiers_out,
            "segments": segments_out,
            "errc": self.errc,
            "errc_evidence": self.errc_evidence,
            "selection": selection,
            "attributes": attributes,
            "config": self.config,
            "warnings": list(self.panel.notes),
            "versions": _versions(),
        }

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write assignments.csv, gaps.csv and summary.json into ``out_dir``.

        Files are written to a temporary folder first and moved in at the end,
        so an error never leaves a partial output behind.
        """
        out_dir = Path(out_dir)
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".noncustomers-", dir=out_dir.parent))
        try:
            self.assignments.to_csv(staging / "assignments.csv", index=False, lineterminator="\n")
            self.gaps.round(_DECIMALS).to_csv(staging / "gaps.csv", index=False,
                                              lineterminator="\n")
            self.profiles.round(_DECIMALS).to_csv(staging / "profiles.csv", index=False,
                                                  lineterminator="\n")
            (staging / "summary.json").write_text(
                json.dumps(self.summary(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            out_dir.mkdir(parents=True, exist_ok=True)
            written = []
            for name in OUTPUT_FILES:
                os.replace(staging / name, out_dir / name)
                written.append(out_dir / name)
            return written
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return None if np.isnan(value) else round(value, _DECIMALS)
    return value


def _versions() -> dict[str, str]:
    out = {}
    for package in ("noncustomers", "numpy", "pandas", "scikit-learn", "umap-learn"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:  # pragma: no cover - running from a checkout
            out[package] = "unknown"
    return out


def map_matrix(panel: Panel) -> np.ndarray:
    """The basis answers of every respondent, median-imputed and weighted-standardised."""
    return standardize_basis(basis_matrix(panel).to_numpy(dtype=float), panel.weights)


def noncustomer_curves(panel: Panel, tiers: pd.Series) -> tuple[dict[str, float], dict[str, float]]:
    """Pooled non-customer importance and the industry's performance, per attribute (0-10)."""
    nc = np.isin(tiers.to_numpy(), NON_CUSTOMER_TIERS)
    importance, performance = {}, {}
    for name in panel.schema.attributes:
        scale = panel.scales[name]
        imp = panel.ratings(name, "importance")
        perf = panel.ratings(name, "performance")
        importance[name] = (weighted_mean(rescale(imp[nc], scale), panel.weights[nc])
                            if imp is not None and nc.any() else np.nan)
        performance[name] = (weighted_mean(rescale(perf, scale), panel.weights)
                             if perf is not None else np.nan)
    return importance, performance


def analyze(panel: Panel, seed: int = 0, k: int | str | None = None, map: str | None = "pca",
            clusterer: ClusterMixin | None = None, errc_rules: ErrcRules = ErrcRules(),
            method: str | None = None, stability_runs: int = DEFAULT_RUNS) -> Analysis:
    """Run the whole pipeline on a validated panel.

    Parameters
    ----------
    panel : Panel
        From :func:`noncustomers.read_panel`.
    seed : int
        Seeds every random step; the same panel, schema and seed give identical results.
    k : int or "auto", optional
        Overrides the schema's ``[segmentation] k``.
    map : {"pca", "umap"} or None
        How to draw the 2-D map; None leaves the coordinates empty (NaN).
    clusterer : ClusterMixin, optional
        A scikit-learn clusterer used instead of the built-in :class:`AutoKMeans`.
    errc_rules : ErrcRules
        Thresholds of the ERRC grid.
    method : str, optional
        Segmentation method, overriding the schema's: kmeans, gmm, latent-class,
        hdbscan, agglomerative.
    stability_runs : int
        Bootstrap refits per tier for segment stability (0: not measured).

    Returns
    -------
    Analysis

    Examples
    --------
    >>> result = analyze(read_panel("panel.csv", "schema.toml"), seed=1)   # doctest: +SKIP
    >>> result.summary()["errc"]                                           # doctest: +SKIP
    """
    tiers = assign_tiers(panel)
    segmentation = segment_tiers(panel, tiers, k=k, clusterer=clusterer, seed=seed,
                                 method=method, stability_runs=stability_runs)
    segments = segmentation.labels
    coords = (np.full((len(panel), 2), np.nan) if map is None
              else map_coordinates(map_matrix(panel), method=map, seed=seed))
    order = panel.schema.tier_names + ([UNCLASSIFIED] if (tiers == UNCLASSIFIED).any() else [])
    gaps = attribute_gaps(panel, group_masks(tiers, segments, order))
    importance, performance = noncustomer_curves(panel, tiers)
    grid, evidence = errc_grid(importance, performance, errc_rules)
    canvas = strategy_canvas(gaps, [t for t in panel.schema.tier_names])
    profiles = segment_profiles(panel, tiers, segments)
    config = {"seed": seed, "k": panel.schema.k if k is None else k, "map": map,
              "method": segmentation.method, "stability_runs": stability_runs,
              "encoding": dict(getattr(panel, "encoding", {})),
              "errc_rules": errc_rules.as_dict(), "schema": panel.schema.source,
              "panel": panel.source}
    return Analysis(panel, tiers, segments, coords, gaps, grid, evidence, canvas, segmentation,
                    config, profiles)
