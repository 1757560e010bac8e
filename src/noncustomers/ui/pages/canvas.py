"""Strategy canvas: the industry's value curve against what each tier values."""

import streamlit as st

from noncustomers.analytics.canvas import INDUSTRY_CURVE
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
st.dataframe(wide, width="stretch")
st.caption(f"'{INDUSTRY_CURVE}': performance as rated by everyone who has used the offering; "
           "tier curves: how important each factor is to that tier. All on 0-10.")
