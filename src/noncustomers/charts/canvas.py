"""Strategy canvas: value curves across the competing factors (Kim & Mauborgne)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from noncustomers.analytics.canvas import INDUSTRY_CURVE, PROPOSED_CURVE
from noncustomers.charts.theme import INDUSTRY_COLOR, PROPOSED_COLOR, style, tier_color

__all__ = ["plot_strategy_canvas"]


def plot_strategy_canvas(canvas: pd.DataFrame, labels: Mapping[str, str] | None = None,
                         curves: list[str] | None = None,
                         derived_from: str | None = None) -> go.Figure:
    """Lines over the factors on 0-10: the industry's offering, each group's needs and the
    proposed blue-ocean curve.

    Parameters
    ----------
    canvas : DataFrame
        Long table ``curve, attribute, level``.
    labels : mapping, optional
        attribute -> display label (the x-axis).
    curves : list of str, optional
        Which curves to draw (default all), in drawing order.
    derived_from : str, optional
        The outcome the tiers' importance is derived from (no stated importance), said
        in the subtitle.
    """
    labels = labels or {}
    curves = curves or list(dict.fromkeys(canvas["curve"]))
    attributes = list(dict.fromkeys(canvas["attribute"]))
    x = [labels.get(a, a) for a in attributes]
    fig = go.Figure()
    for curve in curves:
        part = canvas[canvas["curve"] == curve].set_index("attribute").reindex(attributes)
        industry, proposed = curve == INDUSTRY_CURVE, curve == PROPOSED_CURVE
        if industry:
            name, color, dash = "Industry offering (performance)", INDUSTRY_COLOR, "solid"
        elif proposed:
            name, color, dash = "Proposed blue-ocean curve (ERRC)", PROPOSED_COLOR, "solid"
        else:
            name, color, dash = f"What {curve} value (importance)", tier_color(curve), "dot"
        bold = industry or proposed
        fig.add_trace(go.Scatter(
            x=x, y=part["level"], mode="lines+markers", name=name,
            line={"color": color, "width": 5 if bold else 3, "dash": dash},
            marker={"size": 12 if bold else 10,
                    "symbol": "diamond" if proposed else "circle"},
            hovertemplate="%{x}: %{y:.1f}<extra>" + curve + "</extra>"))
    # from just below 0, so a factor the curve eliminates (level 0) is drawn, not clipped
    fig.update_yaxes(range=[-0.4, 10.4], title="Offering level / importance, 0-10", dtick=2,
                     zeroline=True, zerolinecolor="#bbb")
    fig.update_xaxes(title=None, tickangle=-30, tickfont={"size": 15})
    fig.update_layout(legend={"orientation": "h", "y": -0.36, "x": 0, "yanchor": "top"})
    fig.update_layout(margin={"b": 210})
    subtitle = ("The industry's value curve, what each tier values, and the curve the ERRC "
                "grid proposes")
    if derived_from:
        subtitle += f"; what a tier values is derived from what drives '{derived_from}'"
    return style(fig, "Strategy canvas", subtitle)
