"""The curve test: who a proposed value curve serves better, and who worse."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

from noncustomers.charts.theme import ERRC_COLORS, style

__all__ = ["plot_curve_test"]


def _groups(test: Mapping[str, Any]) -> list[str]:
    return [g for g in test["better_served"] if not g.endswith(("_lo", "_hi"))]


def plot_curve_test(test: Mapping[str, Any], name: str = "blue ocean") -> go.Figure:
    """Share of each group better and worse served by the curve ``name`` (one entry of
    ``Analysis.curves_tested``), with their 95% bootstrap intervals."""
    groups = [g for g in _groups(test) if test["better_served"].get(g) is not None]
    fig = go.Figure()
    for key, label, color in (("better_served", "better served", ERRC_COLORS["create"]),
                              ("worse_served", "worse served", ERRC_COLORS["eliminate"])):
        block = test[key]
        values = [block[g] for g in groups]
        lo = [block.get(f"{g}_lo") for g in groups]
        hi = [block.get(f"{g}_hi") for g in groups]
        error = None
        if all(v is not None for v in lo + hi):
            error = {"type": "data", "symmetric": False, "color": "#444", "thickness": 1.5,
                     "array": [h - v for h, v in zip(hi, values)],
                     "arrayminus": [v - lo_ for v, lo_ in zip(values, lo)]}
        fig.add_trace(go.Bar(x=groups, y=values, name=label, marker_color=color,
                             error_y=error, text=[f"{v:.0%}" for v in values],
                             # inside the bar, at its foot, clear of the interval; outside
                             # only when the bar is too short to hold it
                             textposition=["inside" if v >= 0.1 else "outside"
                                           for v in values],
                             insidetextanchor="start", textangle=0,
                             textfont={"size": 15}, outsidetextfont={"color": "#222"},
                             insidetextfont={"color": "white"},
                             hovertemplate="%{x}: %{y:.1%} " + label + "<extra></extra>"))
    fig.update_yaxes(tickformat=".0%", range=[0, 1.12], title="share of the group")
    fig.update_xaxes(title=None, tickfont={"size": 16})
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.12, "x": 0})
    better = test["better_served"].get("non-customers")
    worse = test["worse_served"].get("customers")
    # two lines each: in one they ran off the right edge of the app's narrower chart
    headline = (f"The {name} curve serves {better:.0%} of non-customers better<br>and "
                f"{worse:.0%} of customers worse"
                if better is not None and worse is not None else f"Curve test: {name}")
    level = test.get("offering_level")
    return style(fig, headline,
                 f"Better (worse) served: importance-weighted unmet need down (up) by at "
                 f"least {test['margin']:g} point(s) on 0-10;<br>95% intervals from "
                 f"{test['resamples']} bootstrap resamples; offering level "
                 + ("n/a" if level is None else f"{level:.2f}") + " x the industry's")
