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
if analysis.panel.schema.importance_from:
    st.caption(f"The survey has no importance questions: what non-customers *value* is "
               f"derived from what drives '{analysis.panel.schema.importance_from}' in each "
               "tier (relative weights; 5 = an equal share of what the perceptions explain).")

def _segments(calls: list[dict]) -> str:
    return ", ".join(f"{c['segment']} ({c['call']}, {c['share_of_noncustomers']:.0%})"
                     for c in calls)


evidence = pd.DataFrame([{"factor": labels.get(name, name), "action": ev["action"] or "keep",
                          "confidence": ev["confidence"],
                          "valued by non-customers": ev["noncustomer_importance"],
                          "delivered by the industry": ev["industry_performance"],
                          "gap": ev["gap"], "why": ev["rule"]
                          + (f"; borderline: {ev['borderline_because']}"
                             if ev["borderline_because"] else ""),
                          "segments that want more": _segments(ev["segment_calls"])}
                         for name, ev in analysis.errc_evidence.items()])
st.dataframe(evidence.round(2), hide_index=True, width="stretch",
             column_config={"why": st.column_config.TextColumn("why", width="large"),
                            "segments that want more": st.column_config.TextColumn(
                                "segments that want more", width="large")})
wanted = pd.DataFrame([{"factor": labels.get(name, name), "grid": ev["action"] or "keep",
                        "segment": c["segment"], "calls to": c["call"],
                        "importance": c["importance"],
                        "share of non-customers": f"{c['share_of_noncustomers']:.0%}"
                        + (" (low base)" if c["low_base"] else "")}
                       for name, ev in analysis.errc_evidence.items()
                       for c in ev["segment_calls"] if ev["action"] not in ("raise", "create")])
if not wanted.empty:
    st.subheader("Segments that want more than the grid gives")
    st.dataframe(wanted, hide_index=True, width="stretch")
st.caption("confidence: borderline when moving one figure behind the call within its 95% "
           "interval (or a top-box share by 5 points) would change it. Segments that want "
           "more: segments of non-customer tiers whose own importance calls for raising or "
           "creating the factor, with their share of all non-customers; a tier's mean can "
           "average them away.")
for message in analysis.warnings:
    if message not in analysis.segmentation.notes:  # those are on the Segments page
        st.warning(message)
r = analysis.config["errc_rules"]
st.markdown(
    f"""**How the grid is built** (all on 0-10; *valued* = weighted importance in each
non-customer tier; *delivered* = the industry's performance as rated by its users). A tier
*calls for raising* a factor when it is "concentrate here" (valued ≥ {r['crosshair']:g} >
delivered) by at least {r['under_delivered']:g} points, or its opportunity score is
≥ {r['high_opportunity']:g}; it *calls for reducing* it when it is "possible overkill"
by at least {r['over_delivered']:g} points.

- **Create**: non-customers value it ≥ {r['valued']:g} and it is delivered < {r['hardly_offered']:g} (or not offered at all).
- **Eliminate**: every non-customer tier values it < {r['barely_valued']:g} while it is delivered ≥ {r['delivered']:g}.
- **Raise**: tiers holding ≥ {r['reach']:.0%} of non-customers call for raising it.
- **Reduce**: tiers holding ≥ {r['reach']:.0%} of non-customers call for reducing it.

A factor sits in one cell at most, tried in that order. docs/methods.md has the sources."""
)
