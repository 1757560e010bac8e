"""The 2-D map of respondents, coloured by tier or segment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from noncustomers.charts.theme import segment_colors, style, tier_color
from noncustomers.embedding import JITTER, Jittered, jitter_overlaps
from noncustomers.vocabulary import segment_label

__all__ = ["MAX_POINTS", "MapView", "map_view", "plot_map"]

#: Larger maps are drawn as a seeded random sample of this many respondents.
MAX_POINTS = 20_000


@dataclass(frozen=True)
class MapView:
    """What :func:`plot_map` draws, respondent by respondent (:func:`map_view`).

    Attributes
    ----------
    table : DataFrame
        Every respondent of ``assignments`` (same order): its id column, ``tier``,
        ``segment``, ``x, y`` as drawn, ``map_x, map_y`` (the map's own coordinates, before
        jitter) and ``drawn`` (False for respondents left out of a sampled map).
    jitter : Jittered
        How overlapping respondents were spread.
    """

    table: pd.DataFrame
    jitter: Jittered

    @property
    def sampled(self) -> bool:
        """Whether only a sample of the respondents with a position is drawn."""
        return int(self.table["drawn"].sum()) < self.jitter.respondents

    def note(self) -> str:
        """The subtitle's second line: jitter and sampling, when either applies ("" if none)."""
        parts = []
        if self.jitter.jittered:
            parts.append(f"Points jittered by up to {self.jitter.share:.0%} of the span "
                         f"({self.jitter.positions:,} distinct positions)")
        if self.sampled:
            parts.append(f"a random {int(self.table['drawn'].sum()):,} of "
                         f"{self.jitter.respondents:,} shown")
        text = "; ".join(parts)
        return text[:1].upper() + text[1:] + "." if text else ""


def map_view(assignments: pd.DataFrame, seed: int = 0, max_points: int = MAX_POINTS,
             jitter: bool = True) -> MapView:
    """The map as drawn: overlapping respondents jittered
    (:func:`noncustomers.embedding.jitter_overlaps`, seeded) and, above ``max_points``, a
    seeded random sample marked ``drawn``.

    Parameters
    ----------
    assignments : DataFrame
        Columns ``tier, segment, x, y`` (any others before ``tier`` are kept, e.g. the id).
    seed : int
        The run's seed (jitter and sample).
    max_points : int
    jitter : bool
        False draws every respondent at its exact position.
    """
    columns = list(assignments.columns)
    ids = columns[:columns.index("tier")]  # the id column of Analysis.assignments
    table = assignments[[*ids, "tier", "segment"]].copy()
    exact = assignments[["x", "y"]].to_numpy(dtype=float)
    spread = jitter_overlaps(exact, seed=seed, share=JITTER if jitter else 0.0)
    table["x"], table["y"] = spread.coordinates[:, 0], spread.coordinates[:, 1]
    table["map_x"], table["map_y"] = exact[:, 0], exact[:, 1]
    valid = np.flatnonzero(np.isfinite(exact).all(axis=1))
    drawn = np.zeros(len(table), dtype=bool)
    if len(valid) > max_points:
        drawn[np.random.default_rng(seed).choice(valid, max_points, replace=False)] = True
    else:
        drawn[valid] = True
    table["drawn"] = drawn
    return MapView(table, spread)


def plot_map(assignments: pd.DataFrame | MapView, color_by: str = "tier", method: str = "umap",
             tier_order: list[str] | None = None, max_points: int = MAX_POINTS,
             seed: int = 0, jitter: bool = True,
             names: Mapping[str, str] | None = None) -> go.Figure:
    """Scatter of ``x, y`` with one trace per tier or segment.

    Parameters
    ----------
    assignments : DataFrame or MapView
        Columns ``tier, segment, x, y``; or a :func:`map_view`, drawn as it is (then
        ``max_points``, ``seed`` and ``jitter`` are its own).
    color_by : {"tier", "segment"}
    method : str
        Named in the subtitle ("umap" or "pca").
    max_points : int
        Larger panels are shown as a seeded random sample of this many points
        (said in the subtitle), so the browser stays responsive.
    seed : int
        Seeds the sample and the jitter.
    jitter : bool
        Spread respondents who share a position when many do (said in the subtitle).
    names : mapping, optional
        segment id -> its name in words (``Analysis.segment_names``): segments are shown as
        ``Name (refusing-2)``.
    """
    view = assignments if isinstance(assignments, MapView) else map_view(
        assignments, seed=seed, max_points=max_points, jitter=jitter)
    data = view.table[view.table["drawn"]]
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
        label = segment_label(group, names) if color_by == "segment" else group
        fig.add_trace(go.Scattergl(
            x=part["x"], y=part["y"], mode="markers", name=f"{label} ({len(part):,})",
            marker={"size": 5, "color": colors[group], "opacity": 0.7},
            hovertemplate=f"{label}<extra></extra>",
        ))
    fig.update_xaxes(showticklabels=False, title=None, zeroline=False, showgrid=False)
    fig.update_yaxes(showticklabels=False, title=None, zeroline=False, showgrid=False,
                     scaleanchor="x", scaleratio=1)
    fig.update_layout(legend={"itemsizing": "constant"})
    label = {"umap": "UMAP", "pca": "PCA"}.get(method, method)
    subtitle = f"{label} of the segmentation basis: nearby points answered alike. Axes have no units."
    note = view.note()
    if note:  # a second subtitle line (the house style's subtitle is one span)
        subtitle += f"</span><br><span style='font-size:15px;color:#555'>{note}"
    fig = style(fig, f"Map of respondents by {color_by}", subtitle)
    if note:
        fig.update_layout(margin_t=fig.layout.margin.t + 25)
    return fig
