"""The 2-D map of respondents, coloured by tier or segment."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from noncustomers.charts.theme import segment_colors, style, tier_color

__all__ = ["plot_map"]


def plot_map(assignments: pd.DataFrame, color_by: str = "tier", method: str = "umap",
             tier_order: list[str] | None = None, max_points: int = 20_000,
             seed: int = 0) -> go.Figure:
    """Scatter of ``x, y`` with one trace per tier or segment.

    Parameters
    ----------
    assignments : DataFrame
        Columns ``tier, segment, x, y``.
    color_by : {"tier", "segment"}
    method : str
        Named in the subtitle ("umap" or "pca").
    max_points : int
        Larger panels are shown as a seeded random sample of this many points
        (said in the subtitle), so the browser stays responsive.
    """
    data = assignments.dropna(subset=["x", "y"])
    note = ""
    if len(data) > max_points:
        data = data.sample(max_points, random_state=seed)
        note = f"; a random {max_points:,} of {len(assignments):,} shown"
    tiers = tier_order or list(dict.fromkeys(data["tier"]))
    if color_by == "segment":
        groups = [s for t in tiers for s in sorted(data.loc[data["tier"] == t, "segment"].unique(),
                                                    key=lambda s: (len(s), s))]
        colors = segment_colors(groups)
    else:
        groups, colors = tiers, {t: tier_color(t) for t in tiers}
    fig = go.Figure()
    for group in groups:
        part = data[data[color_by] == group]
        if part.empty:
            continue
        fig.add_trace(go.Scattergl(
            x=part["x"], y=part["y"], mode="markers", name=f"{group} ({len(part):,})",
            marker={"size": 5, "color": colors[group], "opacity": 0.7},
            hovertemplate=f"{group}<extra></extra>",
        ))
    fig.update_xaxes(showticklabels=False, title=None, zeroline=False, showgrid=False)
    fig.update_yaxes(showticklabels=False, title=None, zeroline=False, showgrid=False,
                     scaleanchor="x", scaleratio=1)
    fig.update_layout(legend={"itemsizing": "constant"})
    label = {"umap": "UMAP", "pca": "PCA"}.get(method, method)
    return style(fig, f"Map of respondents by {color_by}",
                 f"{label} of the segmentation basis: nearby points answered alike{note}. "
                 "Axes have no units.")
