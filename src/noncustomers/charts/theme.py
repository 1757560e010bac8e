"""One place for colours, fonts and sizes used by every chart.

Colours are the Okabe-Ito palette (safe for colour-blind readers); charts
default to 16:9 at 1280x720 with fonts that stay readable on a slide.
"""

from __future__ import annotations

import plotly.graph_objects as go

__all__ = ["TIER_COLORS", "ERRC_COLORS", "INDUSTRY_COLOR", "PROPOSED_COLOR", "WIDTH", "HEIGHT", "style",
           "tier_color", "segment_colors"]

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


def _shade(hex_color: str, factor: float) -> str:
    """Lighten (factor > 0) or darken (factor < 0) a hex colour."""
    rgb = [int(hex_color[i:i + 2], 16) for i in (1, 3, 5)]
    if factor >= 0:
        rgb = [round(c + (255 - c) * factor) for c in rgb]
    else:
        rgb = [round(c * (1 + factor)) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def segment_colors(segments: list[str]) -> dict[str, str]:
    """Shades of the tier colour for each ``<tier>-<n>`` segment, darkest for n = 1."""
    out = {}
    by_tier: dict[str, list[str]] = {}
    for seg in segments:
        by_tier.setdefault(seg.rsplit("-", 1)[0] if seg[-1].isdigit() else seg, []).append(seg)
    for tier, segs in by_tier.items():
        base = tier_color(tier)
        steps = len(segs)
        for i, seg in enumerate(segs):
            out[seg] = _shade(base, -0.35 + 0.85 * i / max(steps - 1, 1)) if steps > 1 else base
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
        margin={"l": 80, "r": 40, "t": 110, "b": 70},
        legend={"font": {"size": 15}},
        hoverlabel={"font_size": 14},
    )
    return fig
