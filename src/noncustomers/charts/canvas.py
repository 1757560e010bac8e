"""Strategy canvas: value curves across the competing factors (Kim & Mauborgne)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from noncustomers.analytics.canvas import INDUSTRY_CURVE
from noncustomers.charts.theme import INDUSTRY_COLOR, style, tier_color

__all__ = ["plot_strategy_canvas"]


def plot_strategy_canvas(canvas: pd.DataFrame, labels: Mapping[str, str] | None = None,
                         curves: list[str] | None = None) -> go.Figure:
    """Lines over the factors on 0-10: the industry's offering and each group's needs.

    Parameters
    ----------
    canvas : DataFrame
        Long table ``curve, attribute, level``.
    labels : mapping, optional
        attribute -> display label (the x-axis).
    curves : list of str, optional
        Which curves to draw (default all), in drawing order.
    """
    labels = labels or {}
    curves = curves or list(dict.fromkeys(canvas["curve"]))
    attributes = list(dict.fromkeys(canvas["attribute"]))
    x = [labels.get(a, a) for a in attributes]
    fig = go.Figure()
    for curve in curves:
        part = canvas[canvas["curve"] == curve].set_index("attribute").reindex(attributes)
        industry = curve == INDUSTRY_CURVE
        name = "Industry offering (performance)" if industry else f"What {curve} value (importance)"
        fig.add_trace(go.Scatter(
            x=x, y=part["level"], mode="lines+markers", name=name,
            line={"color": INDUSTRY_COLOR if industry else tier_color(curve),
                  "width": 5 if industry else 3, "dash": "solid" if industry else "dot"},
            marker={"size": 12 if industry else 10},
            hovertemplate="%{x}: %{y:.1f}<extra>" + curve + "</extra>"))
    fig.update_yaxes(range=[0, 10.3], title="Offering level / importance, 0-10", dtick=2)
    fig.update_xaxes(title=None, tickangle=-30, tickfont={"size": 15})
    fig.update_layout(legend={"orientation": "h", "y": -0.3, "x": 0})
    fig.update_layout(margin={"b": 170})
    return style(fig, "Strategy canvas",
                 "The industry's value curve against what each tier values")
