"""Attribute gaps for one group: importance vs the industry's performance."""

import pandas as pd
import streamlit as st

from noncustomers.charts import plot_gaps, plot_quadrants
from noncustomers.charts.gaps import group_rows
from noncustomers.ui import state
from noncustomers.ui.widgets import attribute_labels, show_chart
from noncustomers.vocabulary import segment_label, segment_tier

analysis = state.require()
st.title("Gaps: what each group values vs what the industry delivers")

summary = analysis.summary()
groups = list(dict.fromkeys(analysis.gaps["group"]))


def describe(group: str) -> str:
    if group == "all":
        return f"all respondents ({summary['n']:,})"
    if group in summary["tiers"]:
        return f"{group} ({summary['tiers'][group]['n']:,})"
    seg = summary["segments"].get(group)
    if seg is None:
        return group
    return (f"{segment_label(group, {group: seg.get('name', group)})} ({seg['n']:,}, "
            f"{seg['share_of_tier']:.0%} of {seg['tier']})")


if not analysis.panel.schema.attributes:
    st.info("The schema maps no [attributes], so there are no gaps to show.")
    st.stop()

default = groups.index("unexplored") if "unexplored" in groups else 0
group = st.selectbox("Group", groups, index=default, format_func=describe, key="gap_group")
labels = attribute_labels(analysis)
chosen = analysis.gaps[analysis.gaps["group"] == group]
rows, users_rating = group_rows(analysis.gaps, group, labels)
valued = rows.dropna(subset=["gap"]).sort_values("gap", ascending=False)
if len(valued) and valued["gap"].iloc[0] > 0:
    top = valued.iloc[0]
    who = ("All respondents" if group == "all" else
           describe(group).rsplit(" (", 1)[0] if group in summary["segments"] else
           f"The {group}")
    st.markdown(f"**{who} want {top['label']} most beyond what they get: the industry "
                f"under-delivers it by {top['gap']:.1f} points** (importance "
                f"{top['importance']:.1f}, performance {top['performance']:.1f} on 0-10).")
st.caption("Read the chart row by row: the circle is how much the group values a factor, "
           "the diamond what the industry delivers; a long blue bar is an unmet need.")
show_chart(plot_gaps(analysis.gaps, group, labels, analysis.panel.schema.importance_from),
           key=f"gaps_{group}")
# The notes on this chart's figures, here beside it: the group's low base, its tier's size,
# and (a derived importance) how well the perceptions explain the outcome.
if len(chosen) and bool(chosen["low_base"].iloc[0]):
    st.warning(f"Low base: the effective sample size of '{group}' is "
               f"{chosen['n_eff'].iloc[0]:.0f} (< 30); its figures are uncertain.")
tier = group if group in summary["tiers"] else segment_tier(group)
outcome = analysis.panel.schema.importance_from
for message in analysis.warnings:
    if (tier and message.startswith(f"tier '{tier}' has ")
            or outcome and f"'{outcome}'" in message):
        st.warning(message[0].upper() + message[1:] + ".")
empty = [t for t, v in summary["tiers"].items() if not v["n"] and t != "unclassified"]
if empty:
    st.caption(f"No respondents in: {', '.join(empty)}, so no gaps for "
               f"{'it' if len(empty) == 1 else 'them'}.")

if users_rating:
    st.info(f"'{group}' have not used the offering, so they rated nothing: they are compared "
            "with the industry as rated by those who use it.")
cross = analysis.config["errc_rules"].get("crosshair", 5.0)
show_chart(plot_quadrants(analysis.gaps, group, labels, (cross, cross),
                          analysis.panel.schema.importance_from),
           key=f"quadrants_{group}", height=560)


def _one(value: float, signed: bool = False) -> str:
    if pd.isna(value):
        return "n/a"
    return f"{value:+.1f}" if signed else f"{value:.1f}"


rows = rows.sort_values("gap", ascending=False)
table = pd.DataFrame({
    "factor": rows["label"],
    "importance (0-10)": [_one(v) for v in rows["importance"]],
    "95% interval": [f"{lo:.1f} to {hi:.1f}" if pd.notna(lo) else "n/a"
                     for lo, hi in zip(rows["importance_lo"], rows["importance_hi"])],
    "performance (0-10)": [_one(v) for v in rows["performance"]],
    "gap": [_one(v, signed=True) for v in rows["gap"]],
    "opportunity (0-20)": [_one(v) for v in rows["opportunity"]],
    "reading": rows["opportunity_band"].replace("", "n/a"),
})
st.dataframe(table, hide_index=True, width="stretch")
st.caption("95% interval: of the importance. gap = importance - performance. Top box: share answering in the top quarter of "
           "the scale (x10). Opportunity = importance top box + max(importance top box - "
           "performance top box, 0) (Ulwick): above 10 is worth a look, above 15 is extreme."
           + (" A derived importance has no top box: it is used as it is."
              if (rows["importance_source"] == "derived").any() else ""))
