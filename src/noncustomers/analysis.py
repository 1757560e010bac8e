"""analyze(): the whole pipeline, returning one :class:`Analysis` result object.

panel -> tiers -> segments within tiers -> 2-D map -> gaps, differences,
commonalities, drivers -> ERRC grid -> strategy canvas -> size of the prize.
The CLI writes an Analysis to files; the app draws it; a notebook inspects it.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from noncustomers.analytics.canvas import (INDUSTRY_CURVE, PROPOSED_CURVE, canvas_curves,
                                           curve_metrics, industry_curve, proposed_curve,
                                           strategy_canvas)
from noncustomers.analytics.commonalities import commonalities, top_commonalities
from noncustomers.analytics.differences import attribute_differences
from noncustomers.analytics.drivers import tier_drivers
from noncustomers.analytics.errc import ErrcRules, errc_grid
from noncustomers.analytics.gaps import (LOW_BASE, attribute_gaps, derived_attributes,
                                         derived_table, group_masks)
from noncustomers.analytics.importance import derived_importance
from noncustomers.analytics.prize import (curve_test,
                                          market_size)
from noncustomers.analytics.rfm import rfm_scores
from noncustomers.config import AnalysisConfig, ConfigError
from noncustomers.analytics.weighted import kish_n_eff, rating_columns, taylor_share_interval
from noncustomers.embedding import map_coordinates
from noncustomers.errors import closest
from noncustomers.limits import SMALL_GROUP
from noncustomers.panel import Panel
from noncustomers.schema import parse_schema
from noncustomers.vocabulary import NON_CUSTOMER_TIERS, UNCLASSIFIED, is_noise
from noncustomers.analytics.naming import schema_with_names, segment_names
from noncustomers.analytics.profiles import segment_profiles
from noncustomers.segmentation import (SegmentModel, Segmentation, basis_matrix, segment_tiers,
                                       stability_label, standardize_basis)
from noncustomers.errors import RuleError
from noncustomers.rules import parse_rule
from noncustomers.tiers import assign_tiers

__all__ = ["Analysis", "analyze", "OUTPUT_FILES", "respondents", "tier_summary"]

from noncustomers.export.run import OUTPUT_FILES  # noqa: E402 - re-exported (the contract)
SUMMARY_FORMAT = 3  # summary.json layout version; see CHANGELOG.md
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
        action -> ``[{"attribute", "label", "evidence"}]``; ``errc_evidence`` holds the
        figures of every attribute, placed or not.
    canvas : DataFrame
        Strategy canvas, long format ``curve, attribute, level``.
    segmentation : Segmentation
    config : dict
        seed, k, map method and ERRC thresholds used.
    profiles, differences, commonalities, drivers : DataFrame
        See :mod:`noncustomers.analytics`.
    drivers_models : dict
        tier -> AUC, n and top drivers of its model.
    prize : dict
        The size of the non-customer market (:func:`~noncustomers.analytics.market_size`).
    curves : dict
        curve name -> its curve test (:func:`~noncustomers.analytics.curve_test`).
    warnings : list of str
        Findings to read with care (besides the panel's reading notes).
    """

    panel: Panel
    tiers: pd.Series
    segments: pd.Series
    coordinates: np.ndarray
    gaps: pd.DataFrame
    errc: dict[str, list[dict]]
    errc_evidence: dict[str, dict]
    canvas: pd.DataFrame
    segmentation: Segmentation
    config: dict[str, Any] = field(default_factory=dict)
    profiles: pd.DataFrame = field(default_factory=pd.DataFrame)
    differences: pd.DataFrame = field(default_factory=pd.DataFrame)
    commonalities: pd.DataFrame = field(default_factory=pd.DataFrame)
    drivers: pd.DataFrame = field(default_factory=pd.DataFrame)
    drivers_models: dict[str, dict] = field(default_factory=dict)
    prize: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    curves_tested: dict[str, dict] = field(default_factory=dict)
    settings: AnalysisConfig | None = None
    """The :class:`AnalysisConfig` of the run (``config`` is its summary.json block)."""

    @property
    def model(self) -> SegmentModel | None:
        """Fitted per-tier segment pipelines: ``model.predict(basis, tiers)``."""
        return self.segmentation.model

    @property
    def tier_order(self) -> list[str]:
        """Schema tiers in canonical order, plus ``unclassified`` when anyone is in it."""
        extra = [UNCLASSIFIED] if (self.tiers == UNCLASSIFIED).any() else []
        return self.panel.schema.tier_names + extra

    @cached_property
    def segment_names(self) -> dict[str, str]:
        """segment id -> its name in words: the schema's ``[segments.names]`` where given,
        else named from what sets the segment apart in its profile
        (:func:`~noncustomers.analytics.naming.segment_names`); the id itself for a
        segment with no profile row.  Rename with :meth:`with_segment_names`."""
        schema = self._named_schema
        names = segment_names(self.profiles, schema.attributes, schema.segment_names)
        out = {}
        for seg in pd.unique(self.segments.to_numpy(dtype=object)):
            if isinstance(seg, str) and seg != UNCLASSIFIED:
                out[seg] = names.get(seg) or schema.segment_names.get(seg) or seg
        return {seg: out[seg] for seg in [*names, *out] if seg in out}

    @property
    def _named_schema(self):
        return self.settings.schema if self.settings is not None else self.panel.schema

    def with_segment_names(self, names: Mapping[str, str]) -> Analysis:
        """A copy whose segments carry these names (every figure stays as it is).

        Parameters
        ----------
        names : mapping
            segment id -> name, laid over the names given so far (the schema's
            ``[segments.names]``); an empty name, or the automatic one, gives the segment
            back its automatic name.

        Returns
        -------
        Analysis
            Its ``segment_names``, ``summary()``, files, deck and report use the names, and
            its ``config.toml`` holds them in the schema's ``[segments.names]``, so a replay
            (``analyze --config``) names the segments the same way.

        Raises
        ------
        ValueError
            When a key is not a segment of this analysis.
        """
        known = self.segment_names
        for seg in names:
            if seg not in known:
                raise ValueError(f"'{seg}' is not a segment of this analysis"
                                 f"{closest(str(seg), list(known))}; segments: "
                                 f"{', '.join(known)}")
        schema = self._named_schema
        automatic = segment_names(self.profiles, schema.attributes)
        given = dict(schema.segment_names)
        for seg, name in names.items():
            name = str(name).strip()
            if not name or name == automatic.get(seg, seg):
                given.pop(seg, None)
            else:
                given[seg] = name
        if given == schema.segment_names:
            return self
        if schema.text:
            named = parse_schema(schema_with_names(schema.text, given), source=schema.source)
        else:
            named = dataclasses.replace(schema, segment_names=given)
        if self.settings is not None:
            return dataclasses.replace(self, settings=self.settings.replace(schema=named))
        panel = copy.copy(self.panel)
        panel.schema = named
        return dataclasses.replace(self, panel=panel)

    @property
    def assignments(self) -> pd.DataFrame:
        """One row per input row, same order: id, tier, segment, x, y, and the RFM
        columns (``recency_score, frequency_score, monetary_score, value_tier``)
        when the schema maps ``[rfm]``.  Built once per analysis (every app page asks for
        it, 0.2 s at 100k respondents); each call gets its own copy."""
        return self._assignments.copy()

    @cached_property
    def _assignments(self) -> pd.DataFrame:
        table = pd.DataFrame({
            self.panel.id_name: self.panel.ids.to_numpy(),
            "tier": self.tiers.to_numpy(),
            "segment": self.segments.to_numpy(),
            "x": np.round(self.coordinates[:, 0], _DECIMALS),
            "y": np.round(self.coordinates[:, 1], _DECIMALS),
        })
        rfm = rfm_scores(self.panel, self.tiers)
        for column in rfm.columns:
            table[column] = rfm[column].array
        return table

    @property
    def curves(self) -> dict[str, dict[str, float]]:
        """Value curves by name (``industry offering``, each tier, ``blue ocean``)."""
        return canvas_curves(self.canvas)

    def summary(self) -> dict[str, Any]:
        """The ``summary.json`` document (a plain dict).  Built once per analysis (every
        app page asks for it, 0.4 s at 100k respondents); each call gets its own copy."""
        return copy.deepcopy(self._summary)

    @cached_property
    def _summary(self) -> dict[str, Any]:
        w = self.panel.weights
        total = w.sum()
        n_eff = kish_n_eff(w)
        tiers_out = tier_summary(self.panel, self.tiers)
        segments_out = {}
        names = self.segment_names
        for seg in group_masks(self.tiers, self.segments, self.tier_order):
            mask = (self.segments == seg).to_numpy()
            if seg in tiers_out or seg == "all" or not mask.any():
                continue
            tier = self.tiers[mask].iloc[0]
            tier_mask = (self.tiers == tier).to_numpy()
            share, lo, hi = taylor_share_interval(
                np.where(tier_mask, mask, np.nan).astype(float), w)
            seg_n_eff = kish_n_eff(w[mask])
            segments_out[seg] = {"tier": tier, "n": int(mask.sum()),
                                 "share_of_tier": round(share, _DECIMALS),
                                 "share_of_tier_lo": round(lo, _DECIMALS),
                                 "share_of_tier_hi": round(hi, _DECIMALS),
                                 "n_eff": round(seg_n_eff, _DECIMALS),
                                 "low_base": bool(seg_n_eff < LOW_BASE)}
            if is_noise(seg):  # HDBSCAN's unassigned points: not a segment to judge
                segments_out[seg].update(stability=None, stability_label="noise")
            elif seg in self.segmentation.stability:
                jaccard = self.segmentation.stability[seg]
                segments_out[seg]["stability"] = _clean(jaccard)
                segments_out[seg]["stability_label"] = stability_label(jaccard)
            segments_out[seg]["name"] = names.get(seg, seg)
        selection = {tier: [{k: _clean(v) for k, v in row.items()} for row in rows]
                     for tier, rows in self.segmentation.selection.items()}
        attributes = {name: {"label": a.display, "scale": list(self.panel.scales[name]),
                             "importance": a.importance, "performance": a.performance,
                             "offered": a.offered}
                      for name, a in self.panel.schema.attributes.items()}
        curves = self.curves
        industry = curves.get(INDUSTRY_CURVE, {})
        out = {
            "format": SUMMARY_FORMAT,
            "n": len(self.panel),
            "weighted_n": round(float(total), _DECIMALS),
            "n_eff": round(n_eff, _DECIMALS),
            "tiers": tiers_out,
            "segments": segments_out,
            "errc": self.errc,
            "errc_evidence": self.errc_evidence,
            "commonalities": top_commonalities(self.commonalities),
            "drivers": self.drivers_models,
            "canvas": {name: curve_metrics(curve, industry) for name, curve in curves.items()},
            "prize": self.prize,
            "curves": self.curves_tested,
            "selection": selection,
            "attributes": attributes,
            "config": self.config,
            "warnings": list(self.panel.notes) + list(self.warnings),
            "versions": _versions(),
        }
        if len(self.panel.rfm.columns):
            tiers_of_value = self._assignments["value_tier"]
            out["value_tiers"] = {name: int((tiers_of_value == name).sum())
                                  for name in ("top", "high", "mid", "low", "unscored")}
        return _json_safe(out)

    def files(self, summary: dict[str, Any] | None = None) -> dict[str, bytes]:
        """Every output file of the run, by name: :func:`noncustomers.export.run_files`."""
        from noncustomers.export.run import run_files

        return run_files(self, summary)

    def config_toml(self) -> str:
        """``config.toml``: every setting of the run, to replay it (``analyze --config``)."""
        if self.settings is None:
            raise ConfigError("this analysis was built without an AnalysisConfig")
        return self.settings.to_toml()

    def curve_test(self, curve: Mapping[str, float], resamples: int = 0,
                   seed: int | None = None, margin: float | None = None) -> dict[str, Any]:
        """The curve test of ``curve`` (attribute -> level, 0-10; factors left out stay at
        the industry's level) against this analysis's industry curve, as ``analyze`` tests
        ``--curve``: the same re-derivation of the industry's curve in each bootstrap
        resample (yours stays as given) and the same derived needs.

        ``resamples`` 0 (the default) gives the point figures only, fast enough to rerun on
        every edit; ``seed`` and ``margin`` default to the run's, so ``resamples=200`` gives
        the intervals ``noncustomers analyze --curve`` writes for the same curve.  Returns
        the dict of :func:`~noncustomers.analytics.prize.curve_test`.
        """
        panel, tiers, config = self.panel, self.tiers, self.config
        seed = int(config.get("seed", 0)) if seed is None else seed
        margin = float(config.get("prize_margin", 1.0)) if margin is None else margin
        industry = self.curves.get(INDUSTRY_CURVE, {})
        levels = {a: float(curve.get(a, today)) for a, today in industry.items()}
        derive = None
        boot_rows = None
        if resamples > 0:
            boot_rows = _bootstrap_rows(len(panel), seed)
            rules = self.settings.errc_rules if self.settings is not None else ErrcRules()
            offered = {name: a.offered for name, a in panel.schema.attributes.items()}
            derive = _given_curve(_rederive(panel, tiers, rules, offered, boot_rows), levels)
        return curve_test(panel, tiers, industry, levels, margin, derive=derive,
                          resamples=resamples, seed=seed,
                          derived_needs=_derived_needs(self.gaps, tiers, self.segments),
                          bootstrap_rows=boot_rows)

    def write(self, out_dir: str | Path, charts: tuple[str, ...] = ()) -> list[Path]:
        """Write the output files into ``out_dir``, as a whole or not at all:
        :func:`noncustomers.export.write_run` (``charts``: formats such as ``("png",)``)."""
        from noncustomers.export.run import write_run

        return write_run(self, out_dir, charts)


def _json_safe(value: Any) -> Any:
    """Plain JSON types all the way down: NaN and infinities become null (JSON has none)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    return value


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


def _rederive(panel: Panel, tiers: pd.Series, rules: ErrcRules, offered: dict[str, bool],
              rows: np.ndarray | None = None):
    """``derive(weights) -> (industry curve, blue-ocean curve)`` on a re-weighted panel
    (``rows``: only these respondents, and ``weights`` are theirs):
    the means and top-box shares of the whole sample and the tiers, the ERRC grid and the
    proposed curve, as :func:`analyze` derives them (for the curve test's bootstrap).

    Written lean (two matrix products for every rating at once instead of
    :func:`attribute_gaps`, which also computes intervals and bases the calls do not use):
    it runs 200 times.
    """
    order = panel.schema.tier_names
    keep = slice(None) if rows is None else rows
    values = tiers.to_numpy()[keep]
    codes = np.full(len(values), len(order), dtype=int)  # unclassified: only in "all"
    for i, tier in enumerate(order):
        codes[values == tier] = i
    groups = ["all", *order]
    derived_names = derived_attributes(panel)
    if derived_names:  # re-derived on every resample, like the means
        derived_X = np.column_stack([panel.ratings(n, "performance")[keep]
                                     for n in derived_names])
        outcome = panel.outcome[keep]
        derived_masks = {"all": np.ones(len(values), dtype=bool),
                         **{t: values == t for t in order}}
    # Every rating column (0-10 value, top-box indicator) side by side, so one resample's
    # means of all of them, for the whole sample and each tier, are two matrix products.
    keys, values_x, tops, oks = [], [], [], []
    for name, kind, value, top_box in rating_columns(panel):
        value, top_box = value[keep], top_box[keep]
        keys.append((name, kind))
        values_x.append(np.nan_to_num(value))
        tops.append(np.nan_to_num(top_box))
        oks.append(~np.isnan(value))
    column = {key: j for j, key in enumerate(keys)}
    tier_rows = [np.flatnonzero(codes == i) for i in range(len(order))]
    if keys:
        answered = np.column_stack(oks).astype(float)
        # [values, top boxes, answered]: one weighted sum per column gives numerators and
        # denominators together; each tier's rows are cut out once (a resample only
        # gathers its weights).
        stacked = np.hstack([np.column_stack(values_x) * answered,
                             np.column_stack(tops) * answered, answered])
        blocks = [np.ascontiguousarray(stacked[these]) for these in tier_rows]
        m = len(keys)

    def all_means(w: np.ndarray) -> np.ndarray:
        """(1 + tiers) x (2 x ratings): weighted means of each value and top-box column."""
        sums = np.vstack([w @ stacked, *(w[these] @ block
                                          for these, block in zip(tier_rows, blocks))])
        num, den = sums[:, :2 * m], np.hstack([sums[:, 2 * m:], sums[:, 2 * m:]])
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / den, np.nan)

    def derive(weights: np.ndarray) -> tuple[dict[str, float], dict[str, float]]:
        columns: dict[str, list] = {"group": [], "attribute": []}
        figures = {key: [] for key in ("importance", "performance", "importance_t2b",
                                       "performance_t2b")}
        derived = {}
        if derived_names:
            table = derived_importance(derived_X, outcome, weights, derived_masks,
                                       derived_names, panel.schema.importance_method,
                                       n_boot=0)
            derived = {name: table.loc[table["attribute"] == name, "importance"].to_numpy()
                       for name in derived_names}
        means = all_means(weights) if keys else None
        for name in panel.schema.attributes:
            columns["group"].extend(groups)
            columns["attribute"].extend([name] * len(groups))
            for kind in ("importance", "performance"):
                if (name, kind) in column:
                    j = column[name, kind]
                    figures[kind].extend(means[:, j])
                    figures[f"{kind}_t2b"].extend(means[:, len(keys) + j] * 10.0)
                elif kind == "importance" and name in derived:
                    figures[kind].extend(derived[name])
                    figures[f"{kind}_t2b"].extend(derived[name])
                else:
                    figures[kind].extend([np.nan] * len(groups))
                    figures[f"{kind}_t2b"].extend([np.nan] * len(groups))
        gaps = pd.DataFrame({**columns, **figures})
        sizes = {t: float(weights[tier_rows[order.index(t)]].sum()) if t in order else 0.0
                 for t in NON_CUSTOMER_TIERS}
        _, evidence, _ = errc_grid(gaps, sizes, rules, offered, explain=False)
        industry = industry_curve(gaps, offered)
        return industry, proposed_curve(industry, evidence)

    return derive


def _derived_needs(gaps: pd.DataFrame, tiers: pd.Series,
                   segments: pd.Series) -> dict[str, np.ndarray]:
    """attribute -> each respondent's derived importance: their segment's where it could be
    derived, else their tier's, else everyone's (a derived importance is a group figure)."""
    derived = gaps[gaps["importance_source"] == "derived"]
    out = {}
    pairs = list(zip(segments.to_numpy(), tiers.to_numpy()))
    for name, rows in derived.groupby("attribute", sort=False):
        by_group = {g: v for g, v in zip(rows["group"], rows["importance"]) if not np.isnan(v)}
        overall = by_group.get("all", np.nan)
        out[name] = np.array([by_group.get(seg, by_group.get(tier, overall))
                              for seg, tier in pairs], dtype=float)
    return out


def _derived_notes(panel: Panel, masks: dict[str, np.ndarray], gaps: pd.DataFrame) -> list[str]:
    """Warnings on a derived importance: weak fits, and drivers that pull the outcome down."""
    names = derived_attributes(panel)
    if not names:
        return []
    outcome = panel.schema.importance_from
    table = derived_table(panel, {"all": masks["all"]}, n_boot=0)
    notes = []
    r2 = table["r2"].iloc[0]
    if np.isnan(r2):
        notes.append(f"importance cannot be derived from '{outcome}' (too few complete "
                     "answers, or no variation): the derived attributes have no importance")
        return notes
    if r2 < 0.05:
        notes.append(f"the perceptions explain {r2:.0%} of '{outcome}' (R^2): their derived "
                     "importance is a share of very little")
    for row in table.itertuples():
        if row.correlation <= -0.1:  # a real negative relation, not noise around 0
            label = panel.schema.attributes[row.attribute].display
            notes.append(f"attribute '{label}' goes with less '{outcome}' (correlation "
                         f"{row.correlation:.2f}): a negative perception; add reverse = true "
                         "to it in the schema so that more performance is better")
    return notes


def _tier_size_notes(tiers: pd.Series, names: list[str]) -> list[str]:
    """Warnings for tiers that are empty or hold fewer than SMALL_GROUP respondents."""
    notes = []
    for tier in names:
        n = int((tiers == tier).sum())
        if n == 0:
            notes.append(f"tier '{tier}' has no respondents: its figures are empty")
        elif n < SMALL_GROUP:
            notes.append(f"tier '{tier}' has {n} respondent{'s' if n > 1 else ''} (fewer than "
                         f"{SMALL_GROUP}): its segments and figures rest on a very small base")
    return notes


def tier_summary(panel: Panel, tiers: pd.Series) -> dict[str, dict[str, Any]]:
    """``summary.json`` ``tiers``: each tier's respondents, weighted share with its 95%
    interval, effective base and low-base flag (``unclassified`` included).

    Needs only the tiers (:func:`~noncustomers.tiers.assign_tiers`), not the analysis: the
    app shows it while the rest is computed.
    """
    w = panel.weights
    out = {}
    for tier in panel.schema.tier_names + [UNCLASSIFIED]:
        mask = (tiers == tier).to_numpy()
        share, lo, hi = taylor_share_interval(mask.astype(float), w)
        tier_n_eff = kish_n_eff(w[mask])
        out[tier] = {"n": int(mask.sum()), "share": round(share, _DECIMALS),
                     "share_lo": round(lo, _DECIMALS), "share_hi": round(hi, _DECIMALS),
                     "n_eff": round(tier_n_eff, _DECIMALS),
                     "low_base": bool(tier_n_eff < LOW_BASE)}
    return out


def map_matrix(panel: Panel) -> np.ndarray:
    """The basis answers of every respondent, median-imputed and weighted-standardised."""
    return standardize_basis(basis_matrix(panel).to_numpy(dtype=float), panel.weights)


#: Above this many respondents the curve test's bootstrap runs on a seeded subsample.
BOOTSTRAP_ROWS = 100_000


def _bootstrap_rows(n: int, seed: int) -> np.ndarray | None:
    """On a large panel, the seeded subsample the curve test's bootstrap resamples
    (m-out-of-n, rescaled: see noncustomers.analytics.prize.curve_test); None below
    :data:`BOOTSTRAP_ROWS`."""
    if n <= BOOTSTRAP_ROWS:
        return None
    return np.sort(np.random.default_rng(seed).choice(n, BOOTSTRAP_ROWS, replace=False))


def _given_curve(rederive: Callable, levels: Mapping[str, float]) -> Callable:
    """The resample's industry curve (re-derived) beside a curve that is given, not derived
    (your own: it stays as you set it in every resample)."""
    def derive(w: np.ndarray) -> tuple[dict[str, float], dict[str, float]]:
        industry_b, _ = rederive(w)
        return industry_b, {a: levels.get(a, v) for a, v in industry_b.items()}
    return derive

#: The stages of :func:`analyze`, in order, as its ``progress`` callback names them.
STAGES = ("tiers", "segments", "map", "gaps", "ERRC grid and canvas", "curve tests",
          "size of the prize", "drivers", "profiles", "differences", "commonalities")


def analyze(panel: Panel, config: AnalysisConfig | None = None, *,
            progress: Callable[[str], None] | None = None, **options: Any) -> Analysis:
    """Run the whole pipeline on a validated panel.

    Parameters
    ----------
    panel : Panel
        From :func:`noncustomers.read_panel`.
    config : AnalysisConfig, optional
        Every setting of the run (:meth:`AnalysisConfig.from_schema`); default: the
        panel's schema with ``options``.
    **options
        Settings of :meth:`AnalysisConfig.from_schema`, a shortcut for building the
        config (or, with ``config``, for :meth:`AnalysisConfig.replace`); see below.
    progress : callable, optional
        Called with the name of each stage (:data:`STAGES`) as it starts, for a progress
        display; it does not change any result.

    Other Parameters
    ----------------

        seed : int
            Seeds every random step; the same panel, schema and seed give identical
            results.
        k : int or "auto"
            Overrides the schema's ``[segmentation] k``.
        method : str
            Segmentation method, overriding the schema's (a name of
            :data:`noncustomers.segmentation.METHODS`).
        tier_settings : dict
            tier -> ``{"k": ..., "method": ...}``, laid over the schema's.
        map : {"pca", "umap"} or None
            How to draw the 2-D map; None leaves the coordinates empty (NaN).
        clusterer : ClusterMixin
            A scikit-learn clusterer used instead of the method (see
            :func:`~noncustomers.segmentation.segment_tiers`).
        errc_rules : ErrcRules
            Thresholds of the ERRC grid; default: the schema's ``[errc]``.
        stability_runs : int
            Bootstrap refits per tier for segment stability (0: not measured).
        curve : dict
            attribute -> level (0-10): a value curve of your own to test beside the one
            the ERRC grid proposes; factors left out stay at the industry's level.
        curve_name : str
            The name of ``curve`` in ``summary.json`` ``curves``.
        prize_margin : float
            Points (0-10) of unmet need a curve must move a respondent by to count as
            better or worse served (the curve test).
        curve_resamples : int
            Bootstrap resamples behind the curve test's intervals (0: none).
        driver_boot : int
            Bootstrap resamples behind the drivers' intervals (0: no intervals).

    Returns
    -------
    Analysis

    Raises
    ------
    ConfigError, or Problems holding several
        When a setting is out of range (every one is named).

    Examples
    --------
    >>> result = analyze(read_panel("panel.csv", "schema.toml"), seed=1)   # doctest: +SKIP
    >>> result.summary()["errc"]                                           # doctest: +SKIP
    """
    if config is None:
        config = AnalysisConfig.from_schema(panel.schema, **options)
    elif not isinstance(config, AnalysisConfig):
        raise TypeError(f"config must be an AnalysisConfig, got {type(config).__name__}; pass "
                        "settings by keyword (analyze(panel, seed=1))")
    elif options:
        config = config.replace(**options)
    if not (config.panel_file or config.panel_sha256):  # which panel the run read
        config = config.replace(panel_file=panel.source, panel_sha256=panel.sha256)
    if config.schema.text and panel.schema.text and config.schema.text != panel.schema.text:
        raise ConfigError(f"the config's schema ({config.schema.source}) is not the schema the "
                          f"panel was read with ({panel.schema.source}); read the panel with "
                          "config.schema")
    panel = respondents(panel, config)
    # Native thread pools (BLAS, OpenMP) on one thread for the whole run: the many small
    # fits gain nothing from threads, and BLAS's and OpenMP's pools fought over two cores
    # (a k-means search took 22 s instead of 1.7 s on a busy 2-core machine,
    # benchmarks/RESULTS.md); results do not depend on it.
    with threadpool_limits(limits=1):
        return _analyze(panel, config, progress or (lambda stage: None))


def respondents(panel: Panel, config: AnalysisConfig) -> Panel:
    """The respondents the run is about: those ``config.where`` selects, unweighted when
    ``config.weighted`` is false (the panel itself when neither is set)."""
    if config.where is None and config.weighted:
        return panel
    rows = None
    if config.where is not None:
        rule = parse_rule(config.where, name="where")
        try:
            rows = rule.evaluate(panel.data, panel.schema.order).to_numpy(dtype=bool)
        except RuleError as exc:
            raise ConfigError(f"{panel.source}: {exc}") from None
        if not rows.any():
            raise ConfigError(f"{panel.source}: where \"{config.where}\" selects no "
                              f"respondent of {len(panel):,}; loosen it")
    return panel.select(rows, weighted=config.weighted)


def _analyze(panel: Panel, config: AnalysisConfig, progress: Callable[[str], None]
             ) -> Analysis:
    seed, k, map = config.seed, config.k, config.map
    errc_rules = config.errc_rules
    progress("tiers")
    tiers = assign_tiers(panel)
    progress("segments")
    segmentation = segment_tiers(panel, tiers, k=k, clusterer=config.clusterer, seed=seed,
                                 method=config.method, stability_runs=config.stability_runs,
                                 tier_settings=config.tier_settings)
    segments = segmentation.labels
    progress("map")
    coords = (np.full((len(panel), 2), np.nan) if map is None
              else map_coordinates(map_matrix(panel), method=map, seed=seed))
    order = panel.schema.tier_names + ([UNCLASSIFIED] if (tiers == UNCLASSIFIED).any() else [])
    masks = group_masks(tiers, segments, order)
    progress("gaps")
    gaps = attribute_gaps(panel, masks, seed=seed)
    attrs = panel.schema.attributes
    offered = {name: a.offered for name, a in attrs.items()}
    tier_sizes = {t: float(panel.weights[(tiers == t).to_numpy()].sum())
                  for t in NON_CUSTOMER_TIERS}
    progress("ERRC grid and canvas")
    grid, evidence, errc_warnings = errc_grid(gaps, tier_sizes, errc_rules, offered,
                                              {name: a.display for name, a in attrs.items()})
    warnings = (_tier_size_notes(tiers, panel.schema.tier_names) + segmentation.notes
                + errc_warnings)
    canvas = strategy_canvas(gaps, panel.schema.tier_names, evidence, offered)
    curves = canvas_curves(canvas)
    industry = curves.get(INDUSTRY_CURVE, {})  # both empty without attributes
    proposed = curves.get(PROPOSED_CURVE, {})
    tested = {PROPOSED_CURVE: proposed}
    if config.curve is not None:
        tested[config.curve_name] = {a: float(config.curve.get(a, level))
                                     for a, level in industry.items()}
    boot_rows = _bootstrap_rows(len(panel), seed)
    rederive = _rederive(panel, tiers, errc_rules, offered, boot_rows)
    derived_needs = _derived_needs(gaps, tiers, segments)
    warnings += _derived_notes(panel, masks, gaps)
    curves_tested = {}
    progress("curve tests")
    for name, levels in tested.items():
        derive = rederive if name == PROPOSED_CURVE else _given_curve(rederive, levels)
        curves_tested[name] = curve_test(panel, tiers, industry, levels, config.prize_margin,
                                         derive=derive, resamples=config.curve_resamples,
                                         seed=seed, derived_needs=derived_needs,
                                         bootstrap_rows=boot_rows)
    progress("size of the prize")
    prize = market_size(panel, tiers)
    progress("drivers")
    drivers, driver_models = tier_drivers(panel, tiers, seed=seed, n_boot=config.driver_boot)
    recorded = config.summary(segmentation.method, getattr(panel, "encoding", {}),
                              config.panel_file)
    progress("profiles")
    profiles = segment_profiles(panel, tiers, segments)
    produced = set(pd.unique(segments.to_numpy(dtype=object)))
    warnings += [f"[segments.names] names '{seg}', which this run does not produce (its "
                 "segments: " + ", ".join(sorted(str(s) for s in produced
                                                 if s != UNCLASSIFIED)) + ")"
                 for seg in config.schema.segment_names if seg not in produced]
    progress("differences")
    differences = attribute_differences(panel, masks)
    progress("commonalities")
    shared = commonalities(panel, tiers)
    return Analysis(panel, tiers, segments, coords, gaps, grid, evidence, canvas, segmentation,
                    recorded, profiles, differences, shared, drivers, driver_models, prize,
                    warnings, curves_tested, config)
