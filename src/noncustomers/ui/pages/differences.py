"""Differences: what sets each non-customer tier (or one of its segments) apart from
customers or from everyone else, the significant differences first."""

import math

import pandas as pd
import streamlit as st

from noncustomers.analytics.differences import SIGNIFICANT_Q, ranked_differences
from noncustomers.charts import plot_differences
from noncustomers.charts.differences import (
    MEASURE_WORDS,
    chart_rows,
    difference_sentence,
    group_words,
    versus_words,
)
from noncustomers.ui import state
from noncustomers.ui.widgets import attribute_labels, show_chart
from noncustomers.vocabulary import NON_CUSTOMER_TIERS, segment_label, segment_tier

analysis = state.require()
st.title("The differences that matter")
table = analysis.differences
tiers = [t for t in NON_CUSTOMER_TIERS if (table.get("group", pd.Series()) == t).any()]
if not tiers:
    st.info("Differences need attribute ratings and at least one non-customer tier.")
    st.stop()
st.caption("How to read: each row is the chosen group's weighted figure minus the comparison "
           "group's, on 0-10. Significant differences come first, the largest on top; the bar "
           "around each dot is its 95% interval.")

summary = analysis.summary()
left, middle, right = st.columns([3, 3, 2])
tier = left.segmented_control("Tier", tiers, default=tiers[0], key="diff_tier") or tiers[0]
segments = [g for g in dict.fromkeys(table["group"]) if segment_tier(g, [tier]) == tier]


def describe(group: str) -> str:
    if group == tier:
        return f"the whole tier ({summary['tiers'][tier]['n']:,} respondents)"
    seg = summary["segments"].get(group, {})
    name = segment_label(group, {group: seg.get("name", group)})
    return (f"segment {name} ({seg['n']:,}, {seg['share_of_tier']:.0%} of the tier)"
            if seg else f"segment {name}")


group = middle.selectbox("Whole tier or one of its segments", [tier, *segments],
                         format_func=describe, key=f"diff_group_{tier}")
versus = right.segmented_control("Compared with", ["customers", "rest"], default="customers",
                                 format_func=versus_words, key="diff_versus") or "customers"
labels = attribute_labels(analysis)
who, other = group_words(group), versus_words(versus)
subject = who[0].lower() + who[1:]  # mid-sentence
compared = {"customers": f"the {summary['tiers']['customers']['n']:,} customers (the whole "
                         "customers tier)",
            "rest": "everyone else in the survey (customers and the other non-customers)"}
base = summary["tiers"][tier]["n"] if group == tier else summary["segments"][group]["n"]

top = chart_rows(table, group, versus, labels)
rows = ranked_differences(table, group, versus)
tested = rows["q_value"].notna().any()
if len(top):
    lead = top.iloc[0]
    st.markdown(f"**{who} differ most from {other} on {lead['factor']}: "
                f"{difference_sentence(lead)}.**")
elif tested:
    st.markdown(f"**{who} show no significant difference from {other} on importance or on "
                "their rating of the industry.**")
else:
    st.markdown(f"**Nothing here can be tested: {subject} "
                "are described, not tested, on what they were built from, and they rated "
                "nothing else.**")
st.caption(f"Compared: {subject} ({base:,} respondents) against "
           f"{compared[versus]}, with the survey weights.")
if tested:
    show_chart(plot_differences(table, group, versus, labels),
               key=f"differences_{group}_{versus}", height=max(460, 44 * len(top) + 240))
low = analysis.gaps[(analysis.gaps["group"] == group) & analysis.gaps["low_base"]]
if len(low):
    st.warning(f"Low base: the effective sample size of {group} is {low['n_eff'].iloc[0]:.0f} "
               "(< 30); its differences are uncertain and few will reach significance.")
if group != tier:
    st.caption("A segment is built from its segmentation basis (here the importance ratings): "
               "those rows are described, never tested, since a group made to differ on a "
               "variable always does.")


def _figure(value: float, measure: str) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{value * 10:.0f}%" if measure == "importance_t2b" else f"{value:.1f}"


def _signed(value: float, measure: str) -> str:
    text = f"{value * 10:+.0f}" if measure == "importance_t2b" else f"{value:+.1f}"
    return "0" if text.strip("+-0.") == "" else text  # no "-0.0"


def _difference(value: float, measure: str) -> str:
    return _signed(value, measure) + (" pts" if measure == "importance_t2b" else "")


def _interval(lo: float, hi: float, measure: str) -> str:
    if math.isnan(lo):
        return "n/a"
    return (f"{_signed(lo, measure)} to {_signed(hi, measure)}"
            + (" pts" if measure == "importance_t2b" else ""))


def _q(q: float) -> str:
    if math.isnan(q):
        return "n/a"
    return "< 0.001" if q < 0.001 else f"{q:.3f}"


VERDICT = {"significant": "significant", "not significant": "not significant",
           "not tested": "not tested: built from it"}
shown = pd.DataFrame({
    "factor": [labels.get(a, a) for a in rows["attribute"]],
    "measure": rows["measure"].map(MEASURE_WORDS),
    group: [_figure(v, m) for v, m in zip(rows["value"], rows["measure"])],
    other: [_figure(v - d, m) for v, d, m in zip(rows["value"], rows["difference"],
                                                 rows["measure"])],
    "difference": [_difference(d, m) for d, m in zip(rows["difference"], rows["measure"])],
    "95% interval": [_interval(lo, hi, m) for lo, hi, m in
                     zip(rows["difference_lo"], rows["difference_hi"], rows["measure"])],
    "q": [_q(q) for q in rows["q_value"]],
    "verdict": rows["status"].map(VERDICT),
    "index": rows["index"].round(0),
})
st.subheader(f"Every difference, {group} vs {other}")
st.dataframe(shown, hide_index=True, width="stretch", height=35 * (len(shown) + 1) + 3,
             column_config={"factor": st.column_config.TextColumn(width=180),
                            "measure": st.column_config.TextColumn(width=135),
                            group: st.column_config.TextColumn(width=80),
                            other: st.column_config.TextColumn(width=90),
                            "difference": st.column_config.TextColumn(width=85),
                            "95% interval": st.column_config.TextColumn(width=110),
                            "q": st.column_config.TextColumn(width=70),
                            "verdict": st.column_config.TextColumn(width=150),
                            "index": st.column_config.NumberColumn(
                                format="%d", width=60,
                                help="The group's figure as a % of all respondents' "
                                     "(100 = average)")})
st.caption(f"Significant: Benjamini-Hochberg q < {SIGNIFICANT_Q:g} across every test of the "
           "differences table (of the rows so flagged, about 5% or fewer are expected to be "
           "chance findings). Means are on 0-10; the top-box share is the share rating a factor "
           "in the top quarter of the scale, its difference in percentage points. The 95% "
           "interval is for its own row, not adjusted for the many rows as q is. Index: the "
           "group's figure as a percentage of all respondents' (100 = average). The full "
           "table is differences.csv in the sidebar.")
