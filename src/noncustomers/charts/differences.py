"""The differences that matter: a tier's or segment's largest significant differences from
customers (or from everyone else), each with its 95% interval."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from noncustomers.analytics.differences import SIGNIFICANT_Q, ranked_differences
from noncustomers.charts.theme import IMPORTANCE_COLOR, PERFORMANCE_COLOR, style
from noncustomers.vocabulary import TIERS, segment_tier

__all__ = ["CHART_MEASURES", "MEASURE_WORDS", "chart_rows", "difference_sentence", "group_words",
           "plot_differences", "versus_words"]

#: The measures the chart draws: both means on 0-10, so one axis reads both in points (the
#: top-box share, x 10 in the table, is another unit: the page's table has it).
CHART_MEASURES = ("importance", "performance")

#: Each measure of the differences table in people's words.
MEASURE_WORDS = {"importance": "importance", "performance": "rating of the industry",
                 "importance_t2b": "top-box share"}

_STYLE = {"importance": (IMPORTANCE_COLOR, "circle", "Importance (how much they value it)"),
          "performance": (PERFORMANCE_COLOR, "diamond",
                          "Rating of the industry (how well they find it delivered)")}


def group_words(group: str) -> str:
    """A tier or segment as the subject of a sentence: ``Refusing non-customers``,
    ``Customers``, ``People in segment refusing-1``."""
    if group == "customers":
        return "Customers"
    if group in TIERS:
        return f"{group.capitalize()} non-customers"
    return f"People in segment {group}"


def versus_words(versus: str) -> str:
    """What a group is compared with: ``customers`` or ``everyone else``."""
    return "everyone else" if versus == "rest" else versus


def difference_sentence(row: Mapping, label: str = "it") -> str:
    """One row of the differences table as a clause: ``they value it 3.1 points more``.

    ``row`` has ``measure`` and ``difference`` (group - comparison, on 0-10; the top-box
    share x 10, said in percentage points); ``label`` names the factor."""
    d = float(row["difference"])
    if row["measure"] == "importance":
        return f"they value {label} {abs(d):.1f} points {'more' if d > 0 else 'less'} (0-10)"
    if row["measure"] == "performance":
        return (f"they rate the industry {abs(d):.1f} points {'higher' if d > 0 else 'lower'} "
                f"on {label} (0-10)")
    return (f"{abs(d) * 10:.0f} percentage points {'more' if d > 0 else 'fewer'} of them rate "
            f"{label} top-box important")


def chart_rows(differences: pd.DataFrame, group: str, versus: str = "customers",
               labels: Mapping[str, str] | None = None, top: int = 12,
               measures: tuple[str, ...] = CHART_MEASURES) -> pd.DataFrame:
    """The rows :func:`plot_differences` draws, in its order (largest first): the
    significant rows of :func:`~noncustomers.analytics.differences.ranked_differences`,
    at most ``top``, with a ``label`` ("Price (importance)") and a ``factor`` label."""
    labels = labels or {}
    rows = ranked_differences(differences, group, versus, measures)
    rows = rows[rows["significant"]].head(top).copy()
    rows["factor"] = [labels.get(a, a) for a in rows["attribute"]]
    rows["label"] = [f"{f} ({MEASURE_WORDS[m]})" for f, m in zip(rows["factor"], rows["measure"])]
    return rows.reset_index(drop=True)


def plot_differences(differences: pd.DataFrame, group: str, versus: str = "customers",
                     labels: Mapping[str, str] | None = None, top: int = 12,
                     measures: tuple[str, ...] = CHART_MEASURES) -> go.Figure:
    """The largest significant differences of ``group`` from ``versus``, with 95% intervals.

    One row per (factor, measure), largest difference on top; the dot is the group's
    weighted mean minus the comparison's (points on 0-10), the bar its 95% interval
    (Welch, per row); only rows with a Benjamini-Hochberg q-value below
    :data:`~noncustomers.analytics.differences.SIGNIFICANT_Q` are drawn, and never a
    segment's own basis (those are not tested).  The title states the largest.

    Parameters
    ----------
    differences : DataFrame
        The differences table (``Analysis.differences``).
    group : str
        A tier or a segment.
    versus : str
        ``customers`` or ``rest``.
    labels : mapping, optional
        attribute -> display label.
    top : int
        At most this many rows.
    measures : tuple of str
        Measures to draw (default: importance and the rating of the industry, both 0-10).
    """
    rows = chart_rows(differences, group, versus, labels, top, measures)
    who, other = group_words(group), versus_words(versus)
    fig = go.Figure()
    for measure in dict.fromkeys(rows["measure"]):
        part = rows[rows["measure"] == measure]
        color, symbol, name = _STYLE.get(measure, ("#555555", "square", MEASURE_WORDS[measure]))
        fig.add_trace(go.Scatter(
            x=part["difference"], y=part["label"], mode="markers", name=name,
            marker={"size": 15, "color": color, "symbol": symbol},
            error_x={"type": "data", "symmetric": False, "color": color, "thickness": 2,
                     "array": part["difference_hi"] - part["difference"],
                     "arrayminus": part["difference"] - part["difference_lo"]},
            customdata=np.c_[part["difference_lo"], part["difference_hi"], part["q_value"]],
            hovertemplate="%{y}<br>difference %{x:+.2f} (95%: %{customdata[0]:.2f} to "
                          "%{customdata[1]:.2f})<br>q = %{customdata[2]:.2g}<extra></extra>"))
    if len(rows):
        fig.add_vline(x=0, line={"color": "#888", "width": 1})
    fig.update_xaxes(title=f"{who} minus {other}: points on 0-10 (0 = no difference)",
                     zeroline=False)
    fig.update_yaxes(autorange="reversed", title=None, tickfont={"size": 15},
                     categoryorder="array", categoryarray=list(rows["label"]))
    fig.update_layout(legend={"orientation": "h", "y": -0.16, "x": 0})
    basis = _tier_of(group) is not None and group not in TIERS
    note = (f"Weighted; significant: Benjamini-Hochberg q < {SIGNIFICANT_Q:g}; bars: 95% "
            "intervals" + ("; a segment is not tested on what it was built from" if basis
                           else ""))
    if rows.empty:
        tested = ranked_differences(differences, group, versus, measures)["q_value"].notna()
        title = (f"{who} do not differ significantly from {other}" if tested.any() else
                 f"{who}: no difference from {other} could be tested")
        fig.add_annotation(text="No significant difference on these measures" if tested.any()
                           else "Nothing tested: a segment is not tested on what it was "
                                "built from,<br>and a group that rated nothing has no rating "
                                "to compare",
                           showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                           font={"size": 18})
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        return style(fig, title, note)
    lead = rows.iloc[0]
    title = f"{who} differ most from {other} on {lead['factor']}:<br>{difference_sentence(lead)}"
    fig = style(fig, title, note)
    fig.update_layout(margin={"t": 140})  # the two-line title and its subtitle
    return fig


def _tier_of(group: str) -> str | None:
    return group if group in TIERS else segment_tier(group)
