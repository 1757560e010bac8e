"""The ERRC grid: eliminate, reduce, raise, create."""

import pandas as pd
import streamlit as st

from noncustomers.charts import plot_errc_grid
from noncustomers.ui import state
from noncustomers.ui.widgets import attribute_labels, show_chart

analysis = state.require()
st.title("Eliminate - Reduce - Raise - Create")
labels = attribute_labels(analysis)
if not analysis.errc_evidence:
    st.info("The grid needs attributes with both importance and performance ratings.")
    st.stop()

show_chart(plot_errc_grid(analysis.errc, labels, analysis.errc_evidence), key="errc")

evidence = pd.DataFrame([{"factor": labels.get(name, name), "action": ev["action"] or "keep",
                          "valued by non-customers": ev["noncustomer_importance"],
                          "delivered by the industry": ev["industry_performance"],
                          "gap": ev["gap"]}
                         for name, ev in analysis.errc_evidence.items()])
st.dataframe(evidence.round(2), hide_index=True, width="stretch")
r = analysis.config["errc_rules"]
st.markdown(
    f"""**How the grid is built** (all on 0-10; *valued* = weighted importance among the three
non-customer tiers pooled; *delivered* = the industry's performance as rated by its users):

- **Create**: valued ≥ {r['valued']:g} and delivered < {r['hardly_offered']:g} (hardly offered today).
- **Raise**: valued ≥ {r['valued']:g} and valued − delivered ≥ {r['under_delivered']:g}.
- **Eliminate**: delivered − valued ≥ {r['over_delivered']:g} and valued < {r['barely_valued']:g}.
- **Reduce**: delivered − valued ≥ {r['over_delivered']:g}, valued ≥ {r['barely_valued']:g}.

A factor sits in one cell at most; create is tried before raise."""
)
