"""Strategy canvas: the industry's value curve against what each tier values."""

import streamlit as st

import pandas as pd

from noncustomers.analytics.canvas import INDUSTRY_CURVE, PROPOSED_CURVE, curve_metrics
from noncustomers.charts import plot_strategy_canvas
from noncustomers.ui import state
from noncustomers.ui.widgets import attribute_labels, show_chart

analysis = state.require()
st.title("Strategy canvas")
if not analysis.panel.schema.attributes:
    st.info("The schema maps no [attributes], so there is no canvas to draw.")
    st.stop()

curves = list(dict.fromkeys(analysis.canvas["curve"]))
chosen = st.multiselect("Curves", curves, default=curves, key="canvas_curves")
if not chosen:
    st.info("Choose at least one curve.")
    st.stop()
labels = attribute_labels(analysis)
show_chart(plot_strategy_canvas(analysis.canvas, labels, curves=chosen), key="canvas",
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
if prize and prize["total"]["share"] is not None:
    st.subheader("Size of the prize")
    total = prize["total"]
    columns = st.columns(1 + len(prize["tiers"]))
    columns[0].metric("All non-customers won", f"{total['share']:.0%}",
                      help=f"95% interval {total['share_lo']:.0%}-{total['share_hi']:.0%}")
    for column, (tier, figures) in zip(columns[1:], prize["tiers"].items()):
        if figures["share"] is not None:
            column.metric(tier + (" (low base)" if figures["low_base"] else ""),
                          f"{figures['share']:.0%}",
                          help=f"95% interval {figures['share_lo']:.0%}-{figures['share_hi']:.0%}")
    points = "point" if prize["margin"] == 1 else "points"
    st.caption(f"A non-customer counts as won when the proposed curve cuts their "
               f"importance-weighted unmet need by at least {prize['margin']:g} {points} (0-10) "
               f"against today's industry curve: about {total['people']:,.0f} weighted people "
               f"(95% interval {total['people_lo']:,.0f}-{total['people_hi']:,.0f}). An upper "
               "bound to compare curves with, not a sales forecast.")
