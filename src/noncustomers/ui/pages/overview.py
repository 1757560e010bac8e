"""Tier sizes: who buys, and who does not yet."""

import pandas as pd
import streamlit as st

from noncustomers.charts import plot_tier_sizes
from noncustomers.ui import state
from noncustomers.ui.widgets import show_chart
from noncustomers.vocabulary import NON_CUSTOMER_TIERS

TIER_MEANING = {
    "customers": "buy from the industry today",
    "soon-to-be": "on the edge: buy minimally and reluctantly, ready to leave",
    "refusing": "considered or tried it, and chose against it",
    "unexplored": "never saw the industry's offering as an option for them",
    "unclassified": "matched no tier rule (check the schema)",
}

# Only the tiers: this page shows while the rest of the analysis runs in the background.
first = state.first()
tiers = first.tier_summary
st.title("Who buys, and who does not yet")

non_customer_share = sum(tiers[t]["share"] for t in NON_CUSTOMER_TIERS if t in tiers)
present = [t for t in NON_CUSTOMER_TIERS if t in tiers and tiers[t]["n"]]
if present:
    biggest = max(present, key=lambda t: tiers[t]["share"])
    st.markdown(f"**{non_customer_share:.0%} of the market does not buy yet; the {biggest} "
                f"are the largest group ({tiers[biggest]['share']:.0%}).** Each bar is a "
                "tier's weighted share of the market; the table gives its 95% interval.")
# The chart first: its drawing code is the largest the browser fetches for this page.
show_chart(plot_tier_sizes(tiers), key="tier_sizes")
cols = st.columns(3)
cols[0].metric("Respondents", f"{len(first.panel):,}")
cols[1].metric("Customers (weighted)", f"{tiers['customers']['share']:.0%}")
cols[2].metric("Non-customers (weighted)", f"{non_customer_share:.0%}",
               help="Soon-to-be, refusing and unexplored together: the blue-ocean demand.")

if tiers["unclassified"]["n"]:
    st.warning(f"{tiers['unclassified']['n']:,} respondents matched no tier rule; they are "
               "kept as 'unclassified'. Add a catch-all rule such as unexplored = \"true\".")

rules = first.panel.schema.tiers
table = pd.DataFrame([
    {"tier": t, "who": TIER_MEANING[t], "rule": rules[t].text if t in rules else "(no rule matched)",
     "respondents": f"{v['n']:,}", "weighted share": f"{v['share']:.1%}",
     "95% interval": f"{v['share_lo']:.1%} to {v['share_hi']:.1%}"}  # as on Segments
    for t, v in tiers.items() if t != "unclassified" or v["n"]
])
# A static table: five rows need no data grid, and the grid's code (1.2 MB) would load and
# run in the browser before this page's chart is drawn.
st.table(table.set_index("tier"))
st.caption("Rules are tried top to bottom; the first that matches places the respondent. "
           "Shares use the survey weights.")
