"""Small shared pieces of the pages."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from noncustomers.analysis import Analysis
from noncustomers.charts.theme import HEIGHT, WIDTH

__all__ = ["show_chart", "attribute_labels"]


def show_chart(fig: go.Figure, key: str, height: int = 620) -> None:
    """Show a figure full-width; its camera button exports the slide-sized 16:9 PNG.

    ``theme=None`` keeps the house style, so the app shows what an export shows.
    """
    fig = go.Figure(fig)
    fig.update_layout(width=None, height=height, autosize=True)
    st.plotly_chart(fig, key=key, width="stretch", theme=None, config={
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "width": WIDTH, "height": HEIGHT, "scale": 2,
                                 "filename": key},
    })


def attribute_labels(analysis: Analysis) -> dict[str, str]:
    return {name: a.display for name, a in analysis.panel.schema.attributes.items()}
