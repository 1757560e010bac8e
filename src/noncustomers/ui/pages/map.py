"""The 2-D map of respondents, coloured by tier or segment."""

import streamlit as st

from noncustomers.charts import plot_map
from noncustomers.ui import state
from noncustomers.ui.widgets import show_chart

analysis = state.require()
loaded = state.current()
st.title("Map of respondents")

left, right = st.columns(2)
color_by = left.segmented_control("Colour by", ["tier", "segment"], default="tier",
                                  key="map_color") or "tier"
method = right.segmented_control("Map", ["UMAP", "PCA"], default="UMAP", key="map_method",
                                 help="UMAP keeps neighbourhoods (slower, the first time per "
                                      "server ~1 min); PCA is the linear projection (instant).")
method = (method or "UMAP").lower()

notice = st.empty()
if method == "umap" and not state.umap_ready():
    notice.info("Preparing UMAP for the first time on this server (about a minute); later maps "
                "are quick. PCA is instant.")
with st.spinner(f"Computing the {method.upper()} map…"):
    coords = state.map_for(loaded.key, method, analysis.config["seed"], analysis)
notice.empty()

assignments = analysis.assignments
assignments["x"], assignments["y"] = coords[:, 0], coords[:, 1]
show_chart(plot_map(assignments, color_by=color_by, method=method,
                    tier_order=analysis.tier_order, seed=analysis.config["seed"]),
           key=f"map_{color_by}_{method}", height=680)
st.caption("The map is for orientation only: segments are found in the full answer space, "
           "not on this picture.")
