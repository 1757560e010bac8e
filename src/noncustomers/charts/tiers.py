"""Tier sizes: weighted share of the population in each tier."""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go

from noncustomers.charts.theme import style, tier_color

__all__ = ["plot_tier_sizes"]


def plot_tier_sizes(tiers: Mapping[str, Mapping[str, float]], title: str = "Who buys, and who does not yet") -> go.Figure:
    """Horizontal bars of weighted shares.

    Parameters
    ----------
    tiers : mapping
        ``summary["tiers"]``: tier -> {"n": int, "share": float}. Empty
        ``unclassified`` is left out.
    """
    names = [t for t, v in tiers.items() if not (t == "unclassified" and v["n"] == 0)]
    shares = [tiers[t]["share"] * 100 for t in names]
    labels = [f"{s:.1f}%  (n = {tiers[t]['n']:,})" for t, s in zip(names, shares)]
    fig = go.Figure(go.Bar(
        x=shares, y=names, orientation="h", text=labels, textposition="outside",
        marker_color=[tier_color(t) for t in names], cliponaxis=False,
        hovertemplate="%{y}: %{x:.1f}% of the weighted population<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed", title=None, tickfont={"size": 18})
    fig.update_xaxes(title="Weighted share of respondents (%)", range=[0, max(shares + [1]) * 1.3],
                     ticksuffix="%")
    return style(fig, title, "Customers and the three tiers of non-customers (Kim & Mauborgne)")
