"""Importance-performance quadrants (Martilla & James 1977) for one group."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from noncustomers.analytics.gaps import QUADRANTS
from noncustomers.charts.gaps import group_rows
from noncustomers.charts.theme import INDUSTRY_COLOR, style

__all__ = ["plot_quadrants"]

#: Colour of each quadrant's points: the one to act on stands out.
QUADRANT_COLORS = {"concentrate here": "#D55E00", "keep up": "#0072B2",
                   "low priority": "#999999", "possible overkill": "#E69F00"}


_POSITIONS = ("top center", "bottom center", "middle right", "middle left", "top right",
              "bottom left")


def _label_positions(x: np.ndarray, y: np.ndarray, labels: list[str]) -> list[str]:
    """A text position per point so that labels do not cover each other or the points.

    A greedy placement (written here: plotly has no label repulsion): points in order of
    importance take the first position whose label box, estimated from the label's length
    on the 1280 x 720 layout (a 15 px character is about 0.07 score points wide and a line
    0.4 high), meets no box already placed and no other point.
    """
    char_w, line_h, dot = 0.07, 0.4, 0.15
    boxes: list[tuple[float, float, float, float]] = [
        (px - dot, px + dot, py - dot * 2, py + dot * 2) for px, py in zip(x, y)]
    out = [""] * len(labels)
    for i in np.argsort(-y, kind="stable"):
        width = char_w * len(labels[i])
        options = {
            "top center": (x[i] - width / 2, x[i] + width / 2, y[i] + 0.15, y[i] + 0.15 + line_h),
            "bottom center": (x[i] - width / 2, x[i] + width / 2, y[i] - 0.15 - line_h,
                              y[i] - 0.15),
            "middle right": (x[i] + 0.15, x[i] + 0.15 + width, y[i] - line_h / 2,
                             y[i] + line_h / 2),
            "middle left": (x[i] - 0.15 - width, x[i] - 0.15, y[i] - line_h / 2,
                            y[i] + line_h / 2),
            "top right": (x[i] + 0.1, x[i] + 0.1 + width, y[i] + 0.1, y[i] + 0.1 + line_h),
            "bottom left": (x[i] - 0.1 - width, x[i] - 0.1, y[i] - 0.1 - line_h, y[i] - 0.1),
        }
        others = [b for j, b in enumerate(boxes) if j != i]  # placed labels come after
        chosen = _POSITIONS[0]
        for name in _POSITIONS:
            box = options[name]
            if box[0] < 0 or box[1] > 10.4:
                continue
            if not any(box[0] < b[1] and b[0] < box[1] and box[2] < b[3] and b[2] < box[3]
                       for b in others):
                chosen = name
                break
        out[i] = chosen
        boxes.append(options[chosen])
    return out


def plot_quadrants(gaps: pd.DataFrame, group: str, labels: Mapping[str, str] | None = None,
                   cross: tuple[float, float] = (5.0, 5.0),
                   derived_from: str | None = None) -> go.Figure:
    """Importance (y) against the industry's performance (x), one point per attribute,
    split at ``cross`` = (importance, performance) into the four quadrants.

    The quadrant of each point is recomputed here from the figures drawn, so a never-user
    group (compared with the industry as rated by users) is placed where it is drawn.
    """
    rows, rated_by_users = group_rows(gaps, group, labels)
    rows = rows.dropna(subset=["importance", "performance"])
    rows["where"] = [QUADRANTS[(i >= cross[0], p >= cross[1])]
                     for i, p in zip(rows["importance"], rows["performance"])]
    rows["position"] = _label_positions(rows["performance"].to_numpy(),
                                        rows["importance"].to_numpy(), list(rows["label"]))
    fig = go.Figure()
    for name, color in QUADRANT_COLORS.items():
        part = rows[rows["where"] == name]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=part["performance"], y=part["importance"], mode="markers+text", name=name,
            text=part["label"], textposition=list(part["position"]), textfont={"size": 15},
            marker={"size": 16, "color": color, "line": {"width": 1, "color": "white"}},
            customdata=np.c_[part["gap"], part["opportunity"]],
            hovertemplate="%{text}<br>importance %{y:.1f}<br>performance %{x:.1f}"
                          "<br>gap %{customdata[0]:.1f}<extra></extra>"))
    fig.add_hline(y=cross[0], line_dash="dot", line_color=INDUSTRY_COLOR)
    fig.add_vline(x=cross[1], line_dash="dot", line_color=INDUSTRY_COLOR)
    # The corner names sit in bands above 10 and below 0 that no point reaches (inside the
    # 0-10 square they covered points such as McDonald's 'Spicy' at importance 0.2).
    for text, x, y, xanchor, yanchor in (
            ("Concentrate here", 0.2, 10.85, "left", "top"),
            ("Keep up the good work", 10.2, 10.85, "right", "top"),
            ("Low priority", 0.2, -0.85, "left", "bottom"),
            ("Possible overkill", 10.2, -0.85, "right", "bottom")):
        fig.add_annotation(x=x, y=y, text=f"<i>{text}</i>", showarrow=False, xanchor=xanchor,
                           yanchor=yanchor, font={"size": 15, "color": "#777"})
    fig.update_xaxes(range=[0, 10.4], dtick=1, title=(
        "Industry performance, 0-10" + (" (as rated by users)" if rated_by_users else "")))
    derived = "importance_source" in rows and (rows["importance_source"] == "derived").any()
    fig.update_yaxes(range=[-0.9, 10.9], tick0=0, dtick=1, title=f"Importance to {group}, 0-10" + (
        # on a line of its own: in one line the title ran above the plot into the subtitle
        f"<br>(derived from what drives '{derived_from or 'the outcome'}')" if derived else ""))
    fig.update_layout(legend={"orientation": "h", "y": -0.14, "x": 0})
    n = int(rows["n"].iloc[0]) if len(rows) else 0
    return style(fig, f"Where to act for '{group}': importance vs performance",
                 f"Crosshair at importance {cross[0]:g}, performance {cross[1]:g}; n = {n:,}"
                 + ("; this group has not used the offering, so performance is the users'"
                    if rated_by_users else ""))
