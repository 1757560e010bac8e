"""Gap chart: importance vs performance per attribute for one group (a dumbbell)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from noncustomers.analytics.gaps import opportunity_band
from noncustomers.charts.theme import IMPORTANCE_COLOR, PERFORMANCE_COLOR, style

__all__ = ["group_rows", "plot_gaps"]


def group_rows(gaps: pd.DataFrame, group: str, labels: Mapping[str, str] | None = None
               ) -> tuple[pd.DataFrame, bool]:
    """The gaps rows of ``group`` with a ``label`` column, and whether its performance is
    the users' (True when the group never used the offering and so rated nothing: it is
    compared with the industry as rated by all who rated it, the ``all`` group; its gap,
    and its opportunity from the users' top-box performance, follow, as in the ERRC grid)."""
    labels = labels or {}
    rows = gaps[gaps["group"] == group].copy()
    if rows.empty:
        raise ValueError(f"group '{group}' is not in the gaps table")
    rows["label"] = [labels.get(a, a) for a in rows["attribute"]]
    if rows["performance"].isna().all() and (gaps["group"] == "all").any():
        overall = gaps[gaps["group"] == "all"].set_index("attribute")
        rows["performance"] = rows["attribute"].map(overall["performance"]).to_numpy()
        rows["gap"] = rows["importance"] - rows["performance"]
        if "performance_t2b" in overall and "opportunity" in rows:
            perf_t2b = rows["attribute"].map(overall["performance_t2b"]).to_numpy(dtype=float)
            imp_t2b = rows["importance_t2b"].to_numpy(dtype=float)
            rows["opportunity"] = imp_t2b + np.maximum(imp_t2b - perf_t2b, 0.0)
            rows["opportunity_band"] = [opportunity_band(o) for o in rows["opportunity"]]
        return rows, True
    return rows, False


def plot_gaps(gaps: pd.DataFrame, group: str, labels: Mapping[str, str] | None = None,
              derived_from: str | None = None) -> go.Figure:
    """One row per attribute, sorted by gap (largest unmet need on top).

    Parameters
    ----------
    gaps : DataFrame
        The gaps table (``noncustomers.analytics.gaps``).
    group : str
        ``all``, a tier or a segment.
    labels : mapping, optional
        attribute -> display label.
    derived_from : str, optional
        The outcome a derived importance comes from (the schema's ``[importance]
        derived_from``), named in the legend and subtitle.
    """
    rows, rated_by_users = group_rows(gaps, group, labels)
    perf_name = ("Industry performance (as rated by users; this group has not used it)"
                 if rated_by_users else "Industry performance (as rated by this group)")
    rows = rows.sort_values("gap", ascending=False, na_position="last")
    derived = ("importance_source" in rows
               and (rows["importance_source"] == "derived").any())
    importance_name = "Importance to this group"
    note = "Weighted means on 0-10 with 95% intervals"
    if derived:
        outcome = f"'{derived_from}'" if derived_from else "the outcome"
        importance_name = f"Importance to this group (derived: what drives {outcome})"
        note = (f"Importance derived from what drives {outcome} (relative weights, bootstrap "
                "95% intervals); performance: weighted means on 0-10 with 95% intervals")
    fig = go.Figure()
    for r in rows.itertuples():
        if not (np.isnan(r.importance) or np.isnan(r.performance)):
            color = IMPORTANCE_COLOR if r.gap > 0 else PERFORMANCE_COLOR
            fig.add_trace(go.Scatter(x=[r.performance, r.importance], y=[r.label, r.label],
                                     mode="lines", line={"color": color, "width": 5},
                                     opacity=0.35, showlegend=False, hoverinfo="skip"))
    error = None
    if "importance_lo" in rows:
        error = {"type": "data", "symmetric": False, "color": IMPORTANCE_COLOR, "thickness": 1.5,
                 "array": rows["importance_hi"] - rows["importance"],
                 "arrayminus": rows["importance"] - rows["importance_lo"]}
    fig.add_trace(go.Scatter(
        x=rows["importance"], y=rows["label"], mode="markers", name=importance_name,
        error_x=error,
        marker={"size": 16, "color": IMPORTANCE_COLOR, "symbol": "circle"},
        customdata=np.c_[rows["gap"], rows["opportunity"]],
        hovertemplate="%{y}<br>importance %{x:.1f}<br>gap %{customdata[0]:.1f}"
                      "<br>opportunity %{customdata[1]:.1f}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=rows["performance"], y=rows["label"], mode="markers",
        name=perf_name,
        marker={"size": 16, "color": PERFORMANCE_COLOR, "symbol": "diamond"},
        hovertemplate="%{y}<br>performance %{x:.1f}<extra></extra>"))
    fig.update_xaxes(range=[0, 10.3], title="Score, 0-10", dtick=1)
    fig.update_yaxes(autorange="reversed", title=None, tickfont={"size": 16})
    fig.update_layout(legend={"orientation": "h", "y": -0.12, "x": 0})
    n = int(rows["n"].iloc[0])
    weighted = float(rows["weighted_n"].iloc[0])
    low = bool(rows["low_base"].iloc[0]) if "low_base" in rows else False
    base = (f"n = {n:,} (weighted {weighted:,.0f})"
            + (f"; LOW BASE: effective n {rows['n_eff'].iloc[0]:.0f} < 30, read with care"
               if low else ""))
    who = "all respondents value" if group == "all" else f"'{group}' values"
    return style(fig, f"What {who} vs what the industry delivers",
                 # a derived-importance note fills a line of its own (on one line the
                 # subtitle ran off the right edge)
                 f"{note};{'<br>' if derived else ' '}sorted by gap (importance - performance)."
                 f" {base}")
