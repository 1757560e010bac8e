"""Attribute gaps for one group: importance vs the industry's performance."""

import streamlit as st

from noncustomers.charts import plot_gaps
from noncustomers.ui import state
from noncustomers.ui.widgets import attribute_labels, readable, show_chart

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
    return f"{group} ({seg['n']:,}, {seg['share_of_tier']:.0%} of {seg['tier']})" if seg else group


if not analysis.panel.schema.attributes:
    st.info("The schema maps no [attributes], so there are no gaps to show.")
    st.stop()

default = groups.index("unexplored") if "unexplored" in groups else 0
group = st.selectbox("Group", groups, index=default, format_func=describe, key="gap_group")
labels = attribute_labels(analysis)
chosen = analysis.gaps[analysis.gaps["group"] == group]
if len(chosen) and bool(chosen["low_base"].iloc[0]):
    st.warning(f"Low base: the effective sample size of '{group}' is "
               f"{chosen['n_eff'].iloc[0]:.0f} (< 30); its figures are uncertain.")
show_chart(plot_gaps(analysis.gaps, group, labels, analysis.panel.schema.importance_from),
           key=f"gaps_{group}")

table = analysis.gaps[analysis.gaps["group"] == group].drop(columns=["group"]).copy()
table.insert(0, "factor", table.pop("attribute").map(labels))
st.dataframe(readable(table.sort_values("opportunity", ascending=False).round(2)),
             hide_index=True, width="stretch")
st.caption("gap = importance - performance. Top box: share answering in the top quarter of "
           "the scale (x10). Opportunity = importance top box + max(importance top box - "
           "performance top box, 0) (Ulwick): above 10 is worth a look, above 15 is extreme."
           + (" A derived importance has no top box: it is used as it is."
              if (table["importance_source"] == "derived").any() else ""))
