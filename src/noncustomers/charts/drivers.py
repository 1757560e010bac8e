"""What sets a non-customer tier apart from customers: the drivers, in words."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from noncustomers.charts.theme import TIER_COLORS, style, tier_color

__all__ = ["plot_drivers"]


def plot_drivers(drivers: pd.DataFrame, tier: str, labels: Mapping[str, str] | None = None,
                 auc: float | None = None, top: int = 10) -> go.Figure:
    """One bar per factor: how much knowing it tells ``tier`` from customers (the rise in
    log-loss when it is shuffled, with its 95% bootstrap interval), coloured by the group
    that values it more, the strongest on top."""
    labels = labels or {}
    rows = drivers[drivers["tier"] == tier].sort_values("rank").head(top)
    if rows.empty:
        raise ValueError(f"tier '{tier}' is not in the drivers table")
    rows = rows.iloc[::-1]  # plotly draws the first bar at the bottom
    names = [labels.get(a, a) for a in rows["attribute"]]
    fig = go.Figure()
    for side in dict.fromkeys(rows["higher_among"]):
        part = rows["higher_among"] == side
        error = None
        if "importance_lo" in rows and rows.loc[part, "importance_lo"].notna().any():
            error = {"type": "data", "symmetric": False, "color": "#444", "thickness": 1.5,
                     "array": (rows.loc[part, "importance_hi"] - rows.loc[part, "importance"]),
                     "arrayminus": (rows.loc[part, "importance"]
                                    - rows.loc[part, "importance_lo"])}
        fig.add_trace(go.Bar(
            x=rows.loc[part, "importance"], y=np.asarray(names, dtype=object)[part.to_numpy()],
            orientation="h", name=f"valued more by {side}", error_x=error,
            marker_color=tier_color(side) if side in TIER_COLORS else "#999999",
            customdata=rows.loc[part, "odds_ratio"],
            hovertemplate="%{y}<br>log-loss rise %{x:.3f}<br>odds ratio per sd "
                          "%{customdata:.2f}<extra></extra>"))
    fig.update_layout(barmode="overlay", legend={"orientation": "h", "y": -0.14, "x": 0})
    fig.update_xaxes(title="How much it tells them apart (rise in log-loss when shuffled)",
                     rangemode="tozero")
    fig.update_yaxes(title=None, tickfont={"size": 16}, categoryorder="array",
                     categoryarray=names)
    lead = rows.iloc[-1]
    headline = (f"{labels.get(lead['attribute'], lead['attribute'])} sets {tier} apart "
                f"from customers most")
    return style(fig, headline,
                 f"Weighted logistic regression, {tier} vs customers, on the importance "
                 "ratings" + (f" (AUC {auc:.2f})" if auc is not None else "")
                 + "; bars: 95% bootstrap intervals")
