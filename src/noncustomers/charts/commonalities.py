"""Commonalities: what the three non-customer tiers share, as grouped bars."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from noncustomers.charts.theme import style, tier_color
from noncustomers.vocabulary import NON_CUSTOMER_TIERS

__all__ = ["plot_commonalities"]

_TITLES = {"barrier": ("What keeps non-customers away",
                       "Share of each non-customer tier giving each reason, with 95% intervals; "
                       "ranked by the lowest tier (floor)"),
           "need": ("What non-customers all want",
                    "Share of each non-customer tier rating each factor top-box important, "
                    "with 95% intervals; ranked by the lowest tier (floor)")}


def plot_commonalities(table: pd.DataFrame, kind: str = "barrier", top: int = 8) -> go.Figure:
    """Grouped horizontal bars: prevalence per non-customer tier for the ``top`` items.

    Parameters
    ----------
    table : DataFrame
        ``commonalities.csv`` (:func:`noncustomers.analytics.commonalities`).
    kind : {"barrier", "need"}
    top : int
        How many items, by rank.
    """
    if kind not in _TITLES:
        raise ValueError(f"kind must be 'barrier' or 'need', got {kind!r}")
    rows = table[table["kind"] == kind].sort_values("rank").head(top)
    fig = go.Figure()
    for tier in NON_CUSTOMER_TIERS:
        share = rows[f"prevalence_{tier}"] * 100
        if share.isna().all():
            continue
        fig.add_trace(go.Bar(
            y=rows["label"], x=share, orientation="h", name=tier,
            marker_color=tier_color(tier),
            error_x={"type": "data", "symmetric": False, "thickness": 1.5, "width": 3,
                     "color": "#555",
                     "array": rows[f"prevalence_hi_{tier}"] * 100 - share,
                     "arrayminus": share - rows[f"prevalence_lo_{tier}"] * 100},
            hovertemplate="%{y}: %{x:.0f}% of " + tier + "<extra></extra>"))
    fig.update_layout(barmode="group", bargap=0.25, legend={"orientation": "h", "y": -0.15,
                                                            "x": 0})
    fig.update_yaxes(autorange="reversed", title=None, tickfont={"size": 15})
    fig.update_xaxes(title="Share of the tier (%)", ticksuffix="%", range=[0, 100])
    title, subtitle = _TITLES[kind]
    return style(fig, title, subtitle)
