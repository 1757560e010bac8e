"""Segments: how many, how stable, who they are (profiles), and what to call them."""

import pandas as pd
import streamlit as st

from noncustomers.charts import plot_k_selection
from noncustomers.charts.profile import plot_segment_profile
from noncustomers.ui import state
from noncustomers.ui.widgets import readable, rename_segments, show_chart
from noncustomers.vocabulary import segment_label

loaded = state.current()
analysis = state.require()  # with the session's renames
summary = analysis.summary()
names = analysis.segment_names
st.title("Segments within each tier")
st.caption(f"Method: {summary['config']['method']}. Stability: mean bootstrap Jaccard "
           f"({summary['config']['stability_runs']} refits; Hennig: ≥ 0.75 stable, 0.6-0.75 "
           "doubtful, < 0.6 unstable).")

for message in analysis.segmentation.notes:  # no clear segments, small or unstable ones
    st.warning(message)

if not summary["segments"]:
    st.info("No segments: the schema has no basis columns or the tiers are too small.")
    st.stop()
segments = pd.DataFrame([{
    "segment": name,
    "name": names.get(name, name),
    "tier": seg["tier"],
    "respondents": f"{seg['n']:,}",
    "share of its tier": f"{seg['share_of_tier']:.0%}",
    "95% interval": f"{seg['share_of_tier_lo']:.0%} to {seg['share_of_tier_hi']:.0%}",
    "effective base": f"{seg['n_eff']:,.0f}" + (" (low: read with care)" if seg["low_base"]
                                               else ""),
    "how stable": (seg.get("stability_label") or "not measured")
                  + (f" ({seg['stability']:.2f})" if seg.get("stability") is not None else ""),
} for name, seg in summary["segments"].items()])
largest = max(summary["segments"].items(), key=lambda item: item[1]["n"])
st.markdown(f"**{len(summary['segments'])} segments** across the tiers; the largest is "
            f"**{segment_label(largest[0], names)}** ({largest[1]['share_of_tier']:.0%} of the "
            f"{largest[1]['tier']}).")
# The editor starts afresh after each rename (a new key), so it always shows the names in use.
version = st.session_state.setdefault("segment_names_version", 0)
edited = st.data_editor(
    segments, hide_index=True, width="stretch", key=f"segment_names_{loaded.key}_{version}",
    disabled=[c for c in segments.columns if c != "name"],
    column_config={"name": st.column_config.TextColumn(
        "name (click to rename)", max_chars=60,
        help="What sets the segment apart, from its profile; type your own name. Empty "
             "gives back the automatic name. Every page, file, deck and report uses it.")})
changed = {seg: str(new or "").strip() for seg, new, old in
           zip(edited["segment"], edited["name"], segments["name"], strict=True) if new != old}
if changed and rename_segments(loaded.key, changed):
    st.session_state["segment_names_version"] = version + 1
    st.rerun()
st.caption("Names come from the answers that set each segment furthest apart from everyone "
           "(highest and lowest index): \"values X\" or \"X-driven\" where it rates X "
           "more important than everyone, \"cool on X\" where less. The segment ids "
           "(refusing-2) stay the same in every file.")
schema = analysis.settings.schema if analysis.settings is not None else analysis.panel.schema
if schema.text:
    st.download_button(
        "Schema with these names (TOML)", data=schema.text, file_name="schema.toml",
        mime="application/toml", key="dl_schema_names", on_click="ignore",
        help="Your schema with the names you gave in [segments.names]: `noncustomers "
             "analyze --schema` then names the segments the same way.")

tiers = list(summary["selection"])
if tiers:
    tier = st.segmented_control("Tier", tiers, default=tiers[0], key="selection_tier") or tiers[0]
    chosen = sum(1 for s in summary["segments"].values()
                 if s["tier"] == tier and s.get("stability_label") != "noise")
    show_chart(plot_k_selection(summary["selection"][tier], tier, chosen), key="k_selection",
               height=460)

st.subheader("Profile of a segment")
segment = st.selectbox("Segment", list(summary["segments"]), key="profile_segment",
                       format_func=lambda seg: segment_label(seg, names))
if (analysis.profiles["segment"] == segment).any():
    rows = int((analysis.profiles["segment"] == segment).sum())
    show_chart(plot_segment_profile(analysis.profiles, segment, names.get(segment)),
               key=f"profile_{segment}", height=max(520, 260 + 26 * rows))
profile = analysis.profiles[analysis.profiles["segment"] == segment].drop(columns="segment")
shown = profile.drop(columns=["basis"]).round({"value": 2, "total": 2, "index": 0}).astype(
    {"p_value": object, "q_value": object})
untested = profile["basis"].to_numpy()
shown["significant"] = ["not tested (basis)" if basis else ("yes" if flag else "no")
                        for basis, flag in zip(untested, profile["significant"], strict=True)]
for column in ("p_value", "q_value"):
    shown[column] = ["" if basis or pd.isna(v) else f"{v:.3g}"
                     for basis, v in zip(untested, profile[column], strict=True)]
shown["variable"] = shown.pop("label")  # in people's words (variable labels)
st.dataframe(readable(shown), hide_index=True, width="stretch")
st.caption("value: weighted mean or share in the segment; total: in the whole sample; index: "
           "100 = average. significant: q < 0.05 against the rest of the sample (weighted "
           "test, Benjamini-Hochberg): among the flagged rows, about 5% or fewer are expected "
           "to be chance findings; it does not prove any one row. basis: the segment was "
           "built from this variable, so it is described but not tested (a segment made to "
           "differ on it always does).")
