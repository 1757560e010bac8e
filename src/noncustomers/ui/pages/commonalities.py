"""Commonalities and drivers: what non-customers share, and what sets them apart from customers."""

import streamlit as st

from noncustomers.charts import plot_commonalities
from noncustomers.ui import state
from noncustomers.ui.widgets import show_chart

analysis = state.require()
st.title("What non-customers share")
table = analysis.commonalities
kinds = [k for k in ("barrier", "need") if (table["kind"] == k).any()]
if not kinds:
    st.info("The schema maps no [barriers] and no attribute importance, so there is nothing "
            "to compare across the non-customer tiers.")
    st.stop()
names = {"barrier": "Reasons for not buying", "need": "Needs (top-box importance)"}
kind = st.radio("Show", kinds, format_func=names.get, horizontal=True, key="common_kind")
show_chart(plot_commonalities(table, kind), key=f"commonalities_{kind}")
shown = table[table["kind"] == kind].drop(columns=["kind", "item"])
st.dataframe(shown.round(3), hide_index=True, width="stretch")
st.caption("Floor: the lowest share across the three tiers (an item is only as common as its "
           "least convinced tier); evenness = floor / peak; breadth: tiers where at least 30% "
           "say it; reach: estimated people (share x weighted tier size). Intervals: 95% Wilson "
           "on each tier's effective base.")

st.header("What sets each tier apart from customers")
drivers = analysis.drivers
if drivers.empty:
    st.info("Drivers need importance ratings and at least 10 customers and 10 respondents in a "
            "non-customer tier.")
    st.stop()
labels = {name: a.display for name, a in analysis.panel.schema.attributes.items()}
tiers = list(dict.fromkeys(drivers["tier"]))
tier = st.radio("Tier", tiers, horizontal=True, key="drivers_tier")
part = drivers[drivers["tier"] == tier].assign(factor=lambda d: d["attribute"].map(labels))
model = analysis.drivers_models.get(tier, {})
st.dataframe(part[["rank", "factor", "higher_among", "odds_ratio", "coefficient",
                   "coefficient_lo", "coefficient_hi", "importance", "importance_lo",
                   "importance_hi"]].round(3), hide_index=True, width="stretch")
st.caption(f"Weighted logistic regression of {tier} against customers on the importance "
           f"ratings (per standard deviation), AUC {model.get('auc', float('nan')):.2f}. "
           "Importance: rise in log-loss when the factor is shuffled; intervals: 95% bootstrap.")
