"""A value curve of your own on the strategy canvas, against the industry and one tier."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from noncustomers.analytics.canvas import CANVAS_COLUMNS, INDUSTRY_CURVE
from noncustomers.charts.canvas import plot_strategy_canvas
from noncustomers.charts.theme import PROPOSED_COLOR, style

__all__ = ["plot_own_curve"]


def plot_own_curve(curve: Mapping[str, float], industry: Mapping[str, float],
                   tier: str | None = None, tier_curve: Mapping[str, float] | None = None,
                   labels: Mapping[str, str] | None = None) -> go.Figure:
    """The strategy canvas of ``curve`` ("your curve") over the industry's offering and
    what ``tier`` values (both drawn as :func:`plot_strategy_canvas` draws them).

    Parameters
    ----------
    curve, industry : mapping
        attribute -> level (0-10); the factors are the industry curve's, in its order.
    tier, tier_curve : optional
        A tier's name and its importance curve (attribute -> 0-10).
    labels : mapping, optional
        attribute -> display label (the x-axis).
    """
    labels = labels or {}
    attributes = list(industry)
    rows = [(INDUSTRY_CURVE, a, industry[a]) for a in attributes]
    if tier is not None and tier_curve is not None:
        rows += [(tier, a, tier_curve.get(a, float("nan"))) for a in attributes]
    canvas = pd.DataFrame(rows, columns=CANVAS_COLUMNS)
    fig = plot_strategy_canvas(canvas, labels, curves=list(dict.fromkeys(canvas["curve"])))
    fig.add_trace(go.Scatter(
        x=[labels.get(a, a) for a in attributes],
        y=[curve.get(a, industry[a]) for a in attributes], mode="lines+markers",
        name="Your curve", line={"color": PROPOSED_COLOR, "width": 5},
        marker={"size": 13, "symbol": "diamond"},
        hovertemplate="%{x}: %{y:.1f}<extra>your curve</extra>"))
    against = f" and what {tier} value" if tier is not None and tier_curve is not None else ""
    return style(fig, "Your value curve",
                 f"Your curve against the industry's offering{against} (0-10)")
