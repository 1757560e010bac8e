"""One place for colours, fonts and sizes used by every chart.

Tier colours are the Okabe-Ito palette (safe for colour-blind readers); segments take
:data:`SEGMENT_PALETTE`, twelve distinguishable colours; charts default to 16:9 at
1280x720 with fonts that stay readable on a slide.
"""

from __future__ import annotations

import plotly.graph_objects as go

__all__ = ["TIER_COLORS", "ERRC_COLORS", "INDUSTRY_COLOR", "PROPOSED_COLOR", "SEGMENT_PALETTE",
           "WIDTH", "HEIGHT", "style", "tier_color", "segment_colors"]

TIER_COLORS = {
    "customers": "#0072B2",
    "soon-to-be": "#56B4E9",
    "refusing": "#E69F00",
    "unexplored": "#009E73",
    "unclassified": "#999999",
}
ERRC_COLORS = {"eliminate": "#D55E00", "reduce": "#E69F00", "raise": "#0072B2",
               "create": "#009E73"}
INDUSTRY_COLOR = "#333333"
PROPOSED_COLOR = "#CC79A7"  # the proposed blue-ocean curve
IMPORTANCE_COLOR = "#0072B2"
PERFORMANCE_COLOR = "#D55E00"
WIDTH, HEIGHT = 1280, 720
FONT = "Arial, Helvetica, sans-serif"


def tier_color(tier: str) -> str:
    return TIER_COLORS.get(tier, "#999999")


#: Colours of segments, in order: Plotly's "Safe" qualitative palette (CARTO, chosen to
#: stay apart for colour-blind readers) without its grey (grey is ``unclassified`` and
#: noise), then a blue and an orange of Plotly's "Bold": twelve distinguishable colours.
SEGMENT_PALETTE = ("#88CCEE", "#CC6677", "#DDCC77", "#117733", "#332288", "#AA4499",
                   "#44AA99", "#999933", "#882255", "#661100", "#3969AC", "#E68310")
NOISE_COLOR = "#999999"


def segment_colors(segments: list[str]) -> dict[str, str]:
    """One colour of :data:`SEGMENT_PALETTE` per segment, in the order given (pass every
    segment of the run, tier by tier, so a segment keeps its colour from chart to chart);
    twelve segments get twelve different colours, more reuse them in turn.  Noise
    (``<tier>-noise``) and ``unclassified`` are grey."""
    out: dict[str, str] = {}
    for seg in segments:
        if seg in out:
            continue
        if seg.endswith("-noise") or seg == "unclassified":
            out[seg] = NOISE_COLOR
        else:
            taken = sum(1 for color in out.values() if color != NOISE_COLOR)
            out[seg] = SEGMENT_PALETTE[taken % len(SEGMENT_PALETTE)]
    return out


def style(fig: go.Figure, title: str, subtitle: str | None = None) -> go.Figure:
    """Apply the house style: white template, 16:9, slide-readable fonts, title + subtitle."""
    text = f"<b>{title}</b>" + (f"<br><span style='font-size:15px;color:#555'>{subtitle}</span>"
                                if subtitle else "")
    fig.update_layout(
        template="plotly_white",
        width=WIDTH, height=HEIGHT,
        font={"family": FONT, "size": 16, "color": "#222"},
        title={"text": text, "x": 0.02, "xanchor": "left", "font": {"size": 24}},
        # room for each further line of the title and of the subtitle
        margin={"l": 80, "r": 40, "b": 70,
                "t": 110 + 30 * title.count("<br>") + 28 * (subtitle or "").count("<br>")},
        legend={"font": {"size": 15}},
        hoverlabel={"font_size": 14},
    )
    return fig
