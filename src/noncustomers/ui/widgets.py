"""Small shared pieces of the pages."""

from __future__ import annotations

from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from noncustomers.analysis import Analysis
from noncustomers.charts.theme import HEIGHT, WIDTH
from noncustomers.export.figures import slug
from noncustomers.export.images import FORMATS, chart_bytes, chromium_path

__all__ = ["HEADERS", "attribute_labels", "readable", "rename_segments", "renamed",
           "segment_names", "show_chart", "shown_figure"]

#: Column names of the library's tables in people's words, for the pages' tables (the
#: files keep the names: they are a contract).
HEADERS = {
    "importance": "importance (0-10)", "performance": "performance (0-10)",
    "importance_t2b": "importance, top box (0-10)",
    "performance_t2b": "performance, top box (0-10)", "opportunity": "opportunity (0-20)",
    "n": "respondents", "weighted_n": "weighted respondents", "n_eff": "effective base",
    "importance_lo": "importance, 95% low", "importance_hi": "importance, 95% high",
    "performance_lo": "performance, 95% low", "performance_hi": "performance, 95% high",
    "low_base": "low base", "opportunity_band": "opportunity band",
    "importance_source": "importance is", "share_of_tier": "% of tier",
    "share_of_tier_lo": "% of tier, 95% low", "share_of_tier_hi": "% of tier, 95% high",
    "stability": "stability (Jaccard)", "stability_label": "stability verdict",
    "p_value": "p", "q_value": "q (Benjamini-Hochberg)", "index": "index (100 = all)",
}


def show_chart(fig: go.Figure, key: str, height: int = 620) -> None:
    """Show a figure full-width, with PNG, SVG and PDF downloads of its slide-sized 16:9
    form (drawn only when clicked, by the same writer as ``analyze --charts``).

    ``theme=None`` keeps the house style, so the app shows what an export shows.
    """
    st.plotly_chart(shown_figure(fig, height), key=key, width="stretch", theme=None, config={
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "width": WIDTH, "height": HEIGHT, "scale": 2,
                                 "filename": key},
    })
    if chromium_path() is None:
        st.caption("PNG, SVG and PDF downloads need a local Chromium on the server "
                   "(apt-get install chromium); the camera icon above saves a PNG.")
        return
    name = slug(key)
    columns = st.columns([1, 1, 1, 7])
    for column, fmt in zip(columns, FORMATS):
        column.download_button(
            fmt.upper(), data=partial(chart_bytes, fig, fmt), file_name=f"{name}.{fmt}",
            mime=_MIME[fmt], key=f"dl_{key}_{fmt}", on_click="ignore",
            help=f"This chart as {fmt.upper()} for a slide (16:9"
                 + (", 1920 x 1080 px)" if fmt == "png" else ", vector)"))


def shown_figure(fig: go.Figure, height: int = 620) -> go.Figure:
    """The figure as :func:`show_chart` draws it: the page's width, ``height`` px high."""
    shown = go.Figure(fig)
    shown.update_layout(width=None, height=height, autosize=True)
    return shown


_MIME = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}


def attribute_labels(analysis: Analysis) -> dict[str, str]:
    return {name: a.display for name, a in analysis.panel.schema.attributes.items()}


def readable(table: pd.DataFrame) -> pd.DataFrame:
    """The table with :data:`HEADERS` for column names (others: underscores as spaces)."""
    return table.rename(columns=lambda c: HEADERS.get(c, str(c).replace("_", " ")))


# ---- segment names the user gave in this session ------------------------------------------

_NAMES = "noncustomers.segment_names"


def segment_names(key: str) -> dict[str, str]:
    """This session's renames of the analysis ``key`` (``Loaded.key``): segment id -> name
    (an empty name gives a segment back its automatic one)."""
    stored = st.session_state.get(_NAMES) or {}
    return dict(stored.get(key, {}))


def rename_segments(key: str, names: dict[str, str]) -> bool:
    """Lay ``names`` over this session's renames of the analysis ``key``; True when that
    changed them.  Renames of another analysis are dropped (they name other segments)."""
    current = segment_names(key)
    merged = {**current, **{seg: str(name).strip() for seg, name in names.items()}}
    if merged == current:
        return False
    st.session_state[_NAMES] = {key: merged}
    return True


def renamed(analysis: Analysis | None, key: str) -> Analysis | None:
    """``analysis`` with this session's renames applied
    (:meth:`~noncustomers.analysis.Analysis.with_segment_names`): what every page shows and
    every download writes.  None stays None; renames that no longer fit are left out."""
    names = segment_names(key)
    if analysis is None or not names:
        return analysis
    known = analysis.segment_names
    return analysis.with_segment_names({s: n for s, n in names.items() if s in known})
