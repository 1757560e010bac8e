"""Segments: how many, how stable, and who they are (profiles)."""

import pandas as pd
import streamlit as st

from noncustomers.charts import plot_k_selection
from noncustomers.ui import state
from noncustomers.ui.widgets import readable, show_chart

analysis = state.require()
summary = analysis.summary()
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
            f"**{largest[0]}** ({largest[1]['share_of_tier']:.0%} of the {largest[1]['tier']}).")
st.dataframe(segments, hide_index=True, width="stretch")

tiers = list(summary["selection"])
if tiers:
    tier = st.segmented_control("Tier", tiers, default=tiers[0], key="selection_tier") or tiers[0]
    chosen = sum(1 for s in summary["segments"].values()
                 if s["tier"] == tier and s.get("stability_label") != "noise")
    show_chart(plot_k_selection(summary["selection"][tier], tier, chosen), key="k_selection",
               height=460)

st.subheader("Profile of a segment")
names = list(summary["segments"])
segment = st.selectbox("Segment", names, key="profile_segment")
profile = analysis.profiles[analysis.profiles["segment"] == segment].drop(columns="segment")
shown = profile.drop(columns=["basis"]).round(3).astype({"p_value": object, "q_value": object})
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
