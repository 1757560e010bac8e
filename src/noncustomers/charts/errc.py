"""The ERRC grid (eliminate, reduce, raise, create) as a four-box figure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from noncustomers.charts.theme import ERRC_COLORS, style

__all__ = ["plot_errc_grid"]

_BOXES = {  # action: (x0, y0, question)
    "eliminate": (0.0, 0.5, "Which factors the industry takes for granted<br>should be eliminated?"),
    "raise": (0.5, 0.5, "Which factors should be raised well above<br>the industry's standard?"),
    "reduce": (0.0, 0.0, "Which factors should be reduced well below<br>the industry's standard?"),
    "create": (0.5, 0.0, "Which factors should be created that<br>the industry has never offered?"),
}


def plot_errc_grid(errc: Mapping[str, Sequence[str | Mapping]], labels: Mapping[str, str] | None = None,
                   evidence: Mapping[str, Mapping] | None = None) -> go.Figure:
    """Four boxes listing the attributes of each action, with their key figures.

    Parameters
    ----------
    errc : mapping
        action -> entries, each an attribute name or a ``summary["errc"]`` entry
        (``{"attribute", "label", "evidence"}``).
    labels : mapping, optional
        attribute -> display label.
    evidence : mapping, optional
        attribute -> {"noncustomer_importance", "industry_performance"}; shown per entry.
    """
    labels = labels or {}
    evidence = evidence or {}
    fig = go.Figure()
    for action, (x0, y0, question) in _BOXES.items():
        color = ERRC_COLORS[action]
        fig.add_shape(type="rect", x0=x0 + 0.01, x1=x0 + 0.49, y0=y0 + 0.01, y1=y0 + 0.49,
                      line={"color": color, "width": 3}, fillcolor=color, opacity=0.08,
                      layer="below")
        fig.add_annotation(x=x0 + 0.03, y=y0 + 0.46, xanchor="left", yanchor="top",
                           text=f"<b>{action.upper()}</b>", font={"size": 24, "color": color},
                           showarrow=False)
        fig.add_annotation(x=x0 + 0.03, y=y0 + 0.38, xanchor="left", yanchor="top", align="left",
                           text=f"<i>{question}</i>", font={"size": 13, "color": "#555"},
                           showarrow=False)
        lines = []
        for entry in errc.get(action, []):
            name = entry["attribute"] if isinstance(entry, Mapping) else entry
            ev = entry.get("evidence", {}) if isinstance(entry, Mapping) else {}
            ev = ev or evidence.get(name, {})
            figures = ""
            if "noncustomer_importance" in ev:
                figures = (f"<br>   <span style='font-size:14px;color:#555'>valued "
                           f"{ev['noncustomer_importance']:.1f} · delivered "
                           f"{ev['industry_performance']:.1f}"
                           + (" · <b>borderline</b>" if ev.get("confidence") == "borderline"
                              else "") + "</span>")
            lines.append(f"• {labels.get(name, name)}{figures}")
        body = "<br>".join(lines) if lines else "<span style='color:#888'>nothing found</span>"
        fig.add_annotation(x=x0 + 0.03, y=y0 + 0.28, xanchor="left", yanchor="top", align="left",
                           text=body, font={"size": 17}, showarrow=False)
    fig.update_xaxes(visible=False, range=[0, 1])
    fig.update_layout(margin={"l": 40})
    fig.update_yaxes(visible=False, range=[0, 1])
    return style(fig, "Eliminate-Reduce-Raise-Create grid",
                 "Valued: importance to non-customers; delivered: the industry's performance as rated by "
                 "users (both 0-10)")
