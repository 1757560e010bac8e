"""A segment's profile as an index chart: how far it stands from everyone, variable by variable."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from noncustomers.charts.theme import style, tier_color
from noncustomers.vocabulary import segment_tier

__all__ = ["plot_segment_profile", "profile_rows"]

NOT_SIGNIFICANT_COLOR = "#BBBBBB"
#: The three kinds of bar, in legend order.
KINDS = ("built from (not tested)", "differs (q < 0.05)", "no clear difference")


def profile_rows(profiles: pd.DataFrame, segment: str) -> pd.DataFrame:
    """The segment's rows of a profile table with what the chart draws: ``text`` (the
    variable in people's words, with the level of a categorical variable) and ``kind``
    (one of :data:`KINDS`); rows without an index (a total of 0) are left out."""
    rows = profiles[profiles["segment"] == segment].copy()
    rows = rows[rows["index"].map(lambda v: isinstance(v, (int, float)) and math.isfinite(v))]
    labels = [label if isinstance(label, str) and label else str(variable)
              for label, variable in zip(rows["label"], rows["variable"], strict=True)]
    rows["text"] = [f"{label}: {level}" if isinstance(level, str) and level else label
                    for label, level in zip(labels, rows["level"], strict=True)]
    rows["kind"] = [KINDS[0] if bool(basis) else (KINDS[1] if flag is True or
                                                   (flag is not None and flag == 1) else KINDS[2])
                    for basis, flag in zip(rows["basis"], rows["significant"], strict=True)]
    return rows.reset_index(drop=True)


def plot_segment_profile(profiles: pd.DataFrame, segment: str, name: str | None = None
                         ) -> go.Figure:
    """Horizontal bars of the segment's index against the whole sample (100 = everyone).

    Parameters
    ----------
    profiles : DataFrame
        ``Analysis.profiles`` (:func:`~noncustomers.analytics.profiles.segment_profiles`).
    segment : str
        The segment id (``refusing-2``).
    name : str, optional
        Its name in words (``Analysis.segment_names``), shown in the title with the id.

    Notes
    -----
    Each bar starts at 100 and ends at the segment's index (its mean or share divided by
    the whole sample's, x 100), so a bar to the right is "more than everyone", to the left
    "less".  The variables the segment was built from are hatched and marked *built from
    (not tested)*: a segment made to differ on them always does, so they describe it but
    are not evidence.  Among the others, bars in the tier's colour differ significantly
    (Benjamini-Hochberg q < 0.05); grey ones do not.  Rows are in the table's order (the
    basis first, then the profile variables), top to bottom.
    """
    rows = profile_rows(profiles, segment)
    color = tier_color(segment_tier(segment) or "")
    fig = go.Figure()
    styles = {KINDS[0]: {"color": color, "pattern": {"shape": "/", "fgcolor": "white",
                                                       "solidity": 0.3}, "opacity": 0.55},
              KINDS[1]: {"color": color},
              KINDS[2]: {"color": NOT_SIGNIFICANT_COLOR}}
    order = list(rows["text"])
    for kind in KINDS:
        part = rows[rows["kind"] == kind]
        if part.empty:
            continue
        index = part["index"].to_numpy(dtype=float)
        marker = dict(styles[kind])
        opacity = marker.pop("opacity", 1.0)
        pattern = marker.pop("pattern", None)
        fig.add_trace(go.Bar(
            y=part["text"], x=index - 100.0, base=[100.0] * len(part), orientation="h",
            name=kind, opacity=opacity,
            marker={**marker, **({"pattern": pattern} if pattern else {})},
            customdata=list(zip(index, part["value"], part["total"], strict=True)),
            hovertemplate=("%{y}<br>index %{customdata[0]:.0f} (segment %{customdata[1]:.3g}"
                           ", everyone %{customdata[2]:.3g})<extra>" + kind + "</extra>"),
        ))
    fig.add_vline(x=100, line={"color": "#333333", "width": 1.5, "dash": "dot"})
    # every label shown (plotly thins crowded tick labels), smaller when there are many
    fig.update_yaxes(categoryorder="array", categoryarray=order, autorange="reversed",
                     tickmode="array", tickvals=order, title=None, automargin=True,
                     tickfont={"size": 15 if len(order) <= 16 else 12})
    fig.update_xaxes(title="index (100 = everyone)", zeroline=False)
    fig.update_layout(barmode="overlay", bargap=0.25,
                      legend={"orientation": "h", "y": -0.12, "x": 0, "yanchor": "top"})
    shown = f"{name} ({segment})" if name and name != segment else segment
    return style(fig, f"Profile of {shown}",
                 "Index per variable, 100 = everyone (dotted line). Hatched: answers the "
                 "segment was built from (not tested).")
