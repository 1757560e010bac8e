"""Commonalities and drivers: what non-customers share, and what sets them apart from customers."""

import pandas as pd
import streamlit as st

from noncustomers.charts import plot_commonalities, plot_drivers
from noncustomers.ui import state
from noncustomers.ui.widgets import attribute_labels, show_chart
from noncustomers.vocabulary import NON_CUSTOMER_TIERS

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
rows = table[table["kind"] == kind]
lead = rows.sort_values("rank").iloc[0]
says = "give it as a reason" if kind == "barrier" else "rate it top-box important"
st.markdown(f"**{lead['label']} is what non-customers share most: at least {lead['floor']:.0%} "
            f"of every non-customer tier {says}.**")
st.caption("How to read: one group of bars per item, one bar per tier with its 95% interval; "
           "items are ranked by their lowest share across the tiers, so the top one is the "
           "most widely shared.")
show_chart(plot_commonalities(table, kind, top=len(rows)), key=f"commonalities_{kind}",
           height=max(620, 60 * len(rows) + 200))
low = sorted({t for cell in rows["low_base"] if isinstance(cell, str) for t in cell.split(";")
              if t})
if low:
    st.warning(f"Low base: the effective sample size of {', '.join(low)} is under 30 on some "
               "items (the table's last column); their shares are uncertain.")


def _share(row, tier: str) -> str:
    value = row[f"prevalence_{tier}"]
    if pd.isna(value):
        return ""
    return (f"{value:.0%} ({row[f'prevalence_lo_{tier}']:.0%}-"
            f"{row[f'prevalence_hi_{tier}']:.0%})")


def _num(value: float) -> str:
    return f"{value:.3f}".replace("-0.000", "0.000")


shown = pd.DataFrame({
    "rank": rows["rank"],
    "item": rows["label"],
    **{tier: [_share(r, tier) for _, r in rows.iterrows()] for tier in NON_CUSTOMER_TIERS},
    "floor": [f"{v:.0%}" for v in rows["floor"]],
    "evenness": [f"{v:.2f}" for v in rows["evenness"]],
    "breadth": rows["breadth"],
    "reach (people)": [f"{v:,.0f}" for v in rows["reach"]],
    **({"low base in": rows["low_base"].fillna("").str.replace(";", ", ")} if low else {}),
})
st.dataframe(shown, hide_index=True, width="stretch",
             column_config={"rank": st.column_config.NumberColumn(width=50),
                            "item": st.column_config.TextColumn("item", width="medium")})
st.caption("Share of each tier with its 95% Wilson interval (on the tier's effective base). "
           "Floor: the lowest share across the three tiers (an item is only as common as its "
           "least convinced tier); evenness = floor / peak; breadth: tiers where at least 30% "
           "say it; reach: estimated people (share x weighted tier size). The full table is "
           "commonalities.csv in the sidebar.")

st.header("What sets each tier apart from customers")
drivers = analysis.drivers
if drivers.empty:
    st.info("Drivers need importance ratings and at least 10 customers and 10 respondents in a "
            "non-customer tier.")
    st.stop()
labels = attribute_labels(analysis)
tiers = list(dict.fromkeys(drivers["tier"]))
tier = st.radio("Tier", tiers, horizontal=True, key="drivers_tier")
part = drivers[drivers["tier"] == tier].assign(factor=lambda d: d["attribute"].map(labels))
model = analysis.drivers_models.get(tier, {})
show_chart(plot_drivers(drivers, tier, labels, model.get("auc")), key=f"drivers_{tier}",
           height=520)
lead = part.sort_values("rank").iloc[0]
st.markdown(f"**{lead['factor']}** sets the {tier} apart from customers most: the "
            f"{lead['higher_among']} value it more.")
with st.expander("The figures behind the chart"):
    st.dataframe(pd.DataFrame({
        "rank": part["rank"],
        "factor": part["factor"],
        "valued more by": part["higher_among"],
        "odds ratio per sd": part["odds_ratio"].round(2),
        "importance (log-loss rise)": [f"{_num(v)} ({_num(lo)} to {_num(hi)})" for v, lo, hi in
                                       zip(part["importance"], part["importance_lo"],
                                           part["importance_hi"])],
    }), hide_index=True, width="stretch")
st.caption(f"Weighted logistic regression of {tier} against customers on the importance "
           f"ratings (per standard deviation), AUC {model.get('auc', float('nan')):.2f}. "
           "Importance: rise in log-loss when the factor is shuffled; intervals: 95% bootstrap.")
