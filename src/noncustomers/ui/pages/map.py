"""The 2-D map of respondents, coloured by tier or segment."""

from functools import partial

import streamlit as st

from noncustomers.charts.map import plot_map
from noncustomers.export.tables import csv_bytes
from noncustomers.ui import state
from noncustomers.ui.widgets import show_chart

#: At most this many respondents drawn in the browser (a seeded sample above it, said in the
#: chart's subtitle; the download marks who is drawn).  The library's exports draw up to
#: charts.map.MAX_POINTS (20,000); at 100k respondents the switch to this page took 1.12 s
#: with 20,000 points and 0.80 s with 10,000 (benchmarks/app_pages.py, RESULTS.md).
SHOWN_POINTS = 10_000

analysis = state.require()
loaded = state.current()
st.title("Map of respondents")

left, right = st.columns(2)
color_by = left.segmented_control("Colour by", ["tier", "segment"], default="tier",
                                  key="map_color") or "tier"
# PCA at once while the server's map worker compiles UMAP (under a minute the first time
# on a machine, seconds after); the view moves to UMAP by itself when the worker is ready,
# unless the user chose.
ready = state.umap_ready()
if "map_method" not in st.session_state:
    st.session_state["map_method"] = "UMAP" if ready else "PCA"
    st.session_state["map_method_auto"] = not ready
elif ready and st.session_state.get("map_method_auto"):
    st.session_state["map_method"] = "UMAP"
    st.session_state["map_method_auto"] = False


def _chosen() -> None:
    st.session_state["map_method_auto"] = False


method = right.segmented_control("Map", ["UMAP", "PCA"], key="map_method", on_change=_chosen,
                                 help="UMAP keeps neighbourhoods (the first map on a server "
                                      "waits for its compilation, under a minute); PCA is the "
                                      "linear projection (instant).")
method = (method or "PCA").lower()

if method == "pca" and st.session_state.get("map_method_auto"):
    if state.umap_preparing():
        st.info("PCA is shown while UMAP is prepared on this server (under a minute); the "
                "map switches to UMAP by itself when it is ready.")

        @st.fragment(run_every=3)
        def _switch_when_ready() -> None:
            if state.umap_ready():
                st.rerun(scope="app")

        _switch_when_ready()
    else:
        st.caption("PCA map; choose UMAP above for a map that keeps neighbourhoods (the first "
                   "one on this server takes up to a minute).")

notice = st.empty()
if method == "umap" and not ready:
    notice.info("Preparing UMAP for the first time on this server (under a minute); later maps "
                "are quick. PCA is instant.")
seed = analysis.config["seed"]
with st.spinner(f"Computing the {method.upper()} map…"):
    # One view for the picture and the download: the file holds exactly the x, y drawn.
    view = state.map_view_for(loaded.key, method, seed, SHOWN_POINTS, analysis)
notice.empty()
show_chart(plot_map(view, color_by=color_by, method=method, tier_order=analysis.tier_order,
                    names=analysis.segment_names),
           key=f"map_{color_by}_{method}", height=680)
st.caption(f"{view.jitter.describe()} The map is for orientation only: segments are found "
           "in the full answer space, not on this picture.")

columns = [c for c in view.table.columns if c != "drawn" or view.sampled]
if not view.jitter.jittered:
    columns = [c for c in columns if c not in ("map_x", "map_y")]
st.download_button(
    "Download the map's coordinates (CSV)", data=partial(csv_bytes, view.table[columns]),
    file_name=f"map_{method}.csv", mime="text/csv", on_click="ignore", key="dl_map_coordinates",
    help="Every respondent's x, y exactly as drawn here"
         + ("; map_x, map_y before the jitter" if view.jitter.jittered else "")
         + ("; drawn says who is in the sample shown" if view.sampled else "") + ".")
differences = []
if method != "pca":
    differences.append(f"this is the {method.upper()} map, that file has the PCA map's")
if view.jitter.jittered:
    differences.append("here the points are jittered (map_x, map_y in this file are the "
                       "PCA positions)" if method == "pca" else "here the points are jittered")
if differences:
    st.caption("These x, y differ from those in assignments.csv (the sidebar's download and "
               "`noncustomers analyze`): " + "; ".join(differences) + ".")
