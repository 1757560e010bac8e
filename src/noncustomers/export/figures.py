"""Every chart of a run, by file name: what ``--charts``, the report and the app draw.

One chart function per figure (:mod:`noncustomers.charts`); this module only decides
which figures a run has and names them, so the files, the report and the app show
the same figures.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import plotly.graph_objects as go

from noncustomers.charts import (
    plot_commonalities,
    plot_curve_test,
    plot_differences,
    plot_drivers,
    plot_errc_grid,
    plot_gaps,
    plot_k_selection,
    plot_map,
    plot_quadrants,
    plot_strategy_canvas,
    plot_tier_sizes,
)
from noncustomers.vocabulary import NON_CUSTOMER_TIERS

if TYPE_CHECKING:
    from noncustomers.analysis import Analysis

__all__ = ["CHART_KINDS", "analysis_figures", "slug"]

#: The kinds of chart a run draws, in the order of the files, the report and the deck.
CHART_KINDS = ("tier-sizes", "map", "gaps", "quadrants", "commonalities", "differences",
               "drivers", "canvas", "errc", "k-selection", "curve-test")


def slug(name: str) -> str:
    """A file-name-safe form of a tier, group or curve name (``blue ocean`` -> ``blue-ocean``)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "chart"


def analysis_figures(analysis: Analysis, summary: dict[str, Any] | None = None
                     ) -> dict[str, go.Figure]:
    """``{name: figure}`` for every chart of the run, names as in ``DIR/charts/<name>.png``.

    - ``tier-sizes``; ``map`` (by tier; absent when the run drew no map, ``--map none``);
    - ``gaps-<group>`` and ``quadrants-<group>`` for all respondents and each tier;
    - ``commonalities-barriers``, ``commonalities-needs``;
    - ``differences-<tier>``: each non-customer tier against customers; ``drivers-<tier>``;
    - ``canvas`` (with the proposed curve), ``errc``; ``k-selection-<tier>``;
    - ``curve-test-<curve>`` for each curve tested.
    """
    summary = analysis.summary() if summary is None else summary
    schema = analysis.panel.schema
    labels = {name: a.display for name, a in schema.attributes.items()}
    out: dict[str, go.Figure] = {"tier-sizes": plot_tier_sizes(summary["tiers"])}
    assignments = analysis.assignments
    if assignments[["x", "y"]].notna().all(axis=1).any():
        out["map"] = plot_map(assignments, color_by="tier", method=summary["config"]["map"],
                              tier_order=analysis.tier_order, seed=summary["config"]["seed"])
    if not analysis.gaps.empty:
        groups = [g for g in ["all", *analysis.tier_order]
                  if (analysis.gaps["group"] == g).any()]
        for group in groups:
            out[f"gaps-{slug(group)}"] = plot_gaps(analysis.gaps, group, labels,
                                                   schema.importance_from)
        cross = summary["config"]["errc_rules"].get("crosshair", 5.0)
        for group in groups:
            out[f"quadrants-{slug(group)}"] = plot_quadrants(analysis.gaps, group, labels,
                                                             (cross, cross),
                                                             schema.importance_from)
    for kind, name in (("barrier", "barriers"), ("need", "needs")):
        table = analysis.commonalities
        if "kind" in table and (table["kind"] == kind).any():
            out[f"commonalities-{name}"] = plot_commonalities(analysis.commonalities, kind)
    differences = analysis.differences
    if not differences.empty:
        compared = set(zip(differences["group"], differences["versus"]))
        for tier in NON_CUSTOMER_TIERS:
            if (tier, "customers") in compared:
                out[f"differences-{slug(tier)}"] = plot_differences(differences, tier,
                                                                    "customers", labels)
    if not analysis.drivers.empty:
        for tier in dict.fromkeys(analysis.drivers["tier"]):
            out[f"drivers-{slug(tier)}"] = plot_drivers(
                analysis.drivers, tier, labels, analysis.drivers_models.get(tier, {}).get("auc"))
    if not analysis.canvas.empty:
        out["canvas"] = plot_strategy_canvas(analysis.canvas, labels,
                                             derived_from=schema.importance_from)
        out["errc"] = plot_errc_grid(analysis.errc, labels, analysis.errc_evidence)
    for tier, rows in summary["selection"].items():
        if rows:
            chosen = sum(1 for s in summary["segments"].values()
                         if s["tier"] == tier and s.get("stability_label") != "noise")
            out[f"k-selection-{slug(tier)}"] = plot_k_selection(rows, tier, chosen or None)
    for name, test in analysis.curves_tested.items():
        if test["better_served"].get("non-customers") is not None:
            out[f"curve-test-{slug(name)}"] = plot_curve_test(test, name)
    return out
