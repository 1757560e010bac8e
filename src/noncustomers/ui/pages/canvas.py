"""Strategy canvas: the industry's value curve against what each tier values."""

import streamlit as st

import pandas as pd

from noncustomers.analytics.canvas import INDUSTRY_CURVE, PROPOSED_CURVE, curve_metrics
from noncustomers.charts import plot_curve_test, plot_strategy_canvas
from noncustomers.ui import state
from noncustomers.vocabulary import NON_CUSTOMER_TIERS
from noncustomers.ui.widgets import attribute_labels, show_chart

analysis = state.require()
st.title("Strategy canvas")
if not analysis.panel.schema.attributes:
    st.info("The schema maps no [attributes], so there is no canvas to draw.")
    st.stop()

curves = list(dict.fromkeys(analysis.canvas["curve"]))
# Opens on three curves a reader can follow: the industry, the largest non-customer tier and
# the proposed curve; the others are one click away.
tiers = analysis.summary()["tiers"]
largest = max((t for t in NON_CUSTOMER_TIERS if t in tiers and tiers[t]["n"]),
              key=lambda t: tiers[t]["share"], default=None)
default = [c for c in curves if c in (INDUSTRY_CURVE, PROPOSED_CURVE)
           or (largest is not None and largest in c)]
chosen = st.multiselect("Curves", curves, default=default or curves, key="canvas_curves",
                        help="The industry's offering, what each tier values, and the curve "
                             "the ERRC grid proposes; add or remove curves here.")
if not chosen:
    st.info("Choose at least one curve.")
    st.stop()
labels = attribute_labels(analysis)
show_chart(plot_strategy_canvas(analysis.canvas, labels, curves=chosen,
                                derived_from=analysis.panel.schema.importance_from),
           key="canvas",
           height=640)

wide = analysis.canvas.pivot(index="attribute", columns="curve", values="level")
wide = wide.reindex(list(dict.fromkeys(analysis.canvas["attribute"])))[curves].round(1)
wide.index = [labels.get(a, a) for a in wide.index]
st.dataframe(wide.style.format("{:.1f}"), width="stretch")
st.caption(f"'{INDUSTRY_CURVE}': performance as rated by everyone who has used the offering; "
           f"tier curves: how important each factor is to that tier; '{PROPOSED_CURVE}': the "
           "industry curve moved by the ERRC grid (eliminate to 0, reduce and raise to what "
           "non-customers value, create the new factor). All on 0-10.")

curves_by_name = analysis.curves
industry = curves_by_name.get(INDUSTRY_CURVE, {})
metrics = pd.DataFrame([{"curve": name, **curve_metrics(curve, industry)}
                        for name, curve in curves_by_name.items()])
st.subheader("Divergence and focus")
st.dataframe(metrics.rename(columns={"divergence": "divergence from the industry (RMS)",
                                     "focus": "focus (sd of levels)"}).round(2),
             hide_index=True, width="stretch")

prize = analysis.prize
total = prize.get("total", {})
if total.get("people") is not None and total["n"]:
    st.subheader("The prize: the non-customer market")
    columns = st.columns(1 + len(prize["tiers"]))
    columns[0].metric("All non-customers", f"{total['people']:,.0f}",
                      help=f"95% interval {total['people_lo']:,.0f}-{total['people_hi']:,.0f}")
    for column, (tier, figures) in zip(columns[1:], prize["tiers"].items(), strict=True):
        column.metric(tier, f"{figures['people']:,.0f}",
                      help=f"95% interval {figures['people_lo']:,.0f}-"
                           f"{figures['people_hi']:,.0f}")
    spend = (f" They spend {total['spend']:,.0f} in all ({prize['spend_column']})."
             if total.get("spend") is not None else "")
    st.caption("Weighted people in each non-customer tier (people when the weights are "
               f"grossed up to the population, respondents otherwise).{spend}")


def _served(block: dict, group: str) -> str:
    value, lo, hi = block.get(group), block.get(f"{group}_lo"), block.get(f"{group}_hi")
    if value is None:
        return "n/a"
    return f"{value:.0%}" + (f" ({lo:.0%} to {hi:.0%})" if lo is not None and hi is not None
                             else "")


for name, test in analysis.curves_tested.items():
    st.subheader(f"Curve test: {name}")
    if test["better_served"].get("non-customers") is not None:
        show_chart(plot_curve_test(test, name), key=f"curve_test_{name}", height=480)
    groups = [g for g in test["better_served"] if not g.endswith(("_lo", "_hi"))]
    table = pd.DataFrame([{"group": g, "better served": _served(test["better_served"], g),
                           "worse served": _served(test["worse_served"], g),
                           "net": _served(test["net"], g)} for g in groups])
    st.dataframe(table, hide_index=True, width="stretch")
    level = test["offering_level"]
    st.caption(
        f"A respondent is better (worse) served when the curve lowers (raises) their "
        f"importance-weighted unmet need by at least {test['margin']:g} "
        f"point{'' if test['margin'] == 1 else 's'} (0-10) against "
        f"today's industry curve; 95% intervals from {test['resamples']} bootstrap resamples "
        "that re-derive the ERRC grid and the curve. Offering level: "
        + ("n/a" if level is None else f"{level:.2f}") + " x the industry's (mean level of "
        "the curve; above 1 the curve offers more overall, a proxy for cost). Going above "
        "needs costs nothing in this score, so read the shares beside the offering level.")
    sensitivity = pd.DataFrame(test["sensitivity"]).rename(columns={
        "margin": "margin (points)", "better_served": "non-customers better served",
        "worse_served": "non-customers worse served",
        "customers_worse_served": "customers worse served"})
    st.dataframe(sensitivity.style.format({"margin (points)": "{:g}",
                                           **{c: "{:.0%}" for c in sensitivity.columns[1:]}}),
                 hide_index=True, width="stretch")
