"""How k was chosen: criteria per k for one tier."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from noncustomers.charts.theme import style, tier_color

__all__ = ["plot_k_selection"]

_CRITERIA = {"silhouette": "Silhouette (higher is better)",
             "stability_ari": "Bootstrap stability, ARI (higher is better)",
             "bic": "BIC (lower is better)"}


def plot_k_selection(rows: Sequence[Mapping], tier: str, chosen: int | None = None) -> go.Figure:
    """One panel per criterion present in the selection table, k on the x-axis."""
    criteria = [c for c in _CRITERIA if any(r.get(c) is not None for r in rows)]
    fig = make_subplots(rows=1, cols=max(len(criteria), 1),
                        subplot_titles=[_CRITERIA[c] for c in criteria])
    ks = [r["k"] for r in rows]
    for i, criterion in enumerate(criteria, start=1):
        fig.add_trace(go.Scatter(x=ks, y=[r.get(criterion) for r in rows], mode="lines+markers",
                                 line={"color": tier_color(tier), "width": 3},
                                 marker={"size": 10}, name=criterion, showlegend=False),
                      row=1, col=i)
        if chosen is not None:
            fig.add_vline(x=chosen, line_dash="dot", line_color="#555", row=1, col=i)
        fig.update_xaxes(title="number of segments (k)", dtick=1, row=1, col=i)
    subtitle = f"Dotted line: the k kept ({chosen})" if chosen else ""
    test = next((r for r in rows if r.get("k") == 1 and r.get("gap") is not None), None)
    if test is not None and test.get("gap_2") is not None and test.get("s_2") is not None:
        clear = test["gap"] < test["gap_2"] - test["s_2"]
        subtitle += ("; gap statistic: structure found (2 beats 1)" if clear else
                     "; gap statistic: no clear segments, kept as one")
    return style(fig, f"Choosing the number of segments: {tier}", subtitle.lstrip("; ") or None)
