"""The ERRC grid: eliminate, reduce, raise, create, and which tier makes each call."""

import math

import pandas as pd
import streamlit as st

from noncustomers.analytics.errc import tier_calls
from noncustomers.charts import plot_errc_grid
from noncustomers.ui import state
from noncustomers.ui.widgets import attribute_labels, show_chart
from noncustomers.vocabulary import NON_CUSTOMER_TIERS

analysis = state.require()
st.title("Eliminate - Reduce - Raise - Create")
labels = attribute_labels(analysis)
if not analysis.errc_evidence:
    st.info("The grid needs attributes with both importance and performance ratings.")
    st.stop()
evidence = analysis.errc_evidence
ORDER = ("create", "raise", "reduce", "eliminate")


def _call(ev: dict) -> str:
    return (ev["action"] or "keep") + (" (borderline)" if ev["confidence"] == "borderline"
                                       else "")


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _in_cell(action: str) -> list[str]:
    return [labels.get(name, name) + (" (borderline)" if ev["confidence"] == "borderline" else "")
            for name, ev in evidence.items() if ev["action"] == action]


calls = [f"{action} {_listed(_in_cell(action))}" for action in ORDER if _in_cell(action)]
st.markdown(f"**What would win non-customers: {'; '.join(calls)}.**" if calls else
            "**No factor meets a rule: the grid proposes no new value curve.**")
st.caption("How to read: each factor sits in the cell its evidence calls for (the rules are at "
           "the bottom of the page); the tables below give its figures and which non-customer "
           "tier makes the call.")
show_chart(plot_errc_grid(analysis.errc, labels, evidence), key="errc")
borderline = [f"{labels.get(name, name)} ({ev['action'] or 'keep'}): {ev['borderline_because']}"
              for name, ev in evidence.items() if ev["confidence"] == "borderline"]
if borderline:
    st.warning("Borderline: " + "; ".join(borderline) + ". One figure moved within its 95% "
               "interval would change the call: read it with care.")
for message in analysis.warnings:
    if "ERRC grid" in message:  # the grid's own notes; other notes sit beside their figures
        st.warning(message)
if analysis.panel.schema.importance_from:
    st.caption(f"The survey has no importance questions: what non-customers *value* is "
               f"derived from what drives '{analysis.panel.schema.importance_from}' in each "
               "tier (relative weights; 5 = an equal share of what the perceptions explain).")


def _num(value: float | None, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:+.1f}" if signed else f"{value:.1f}"


def _segments(calls: list[dict]) -> str:
    return ", ".join(f"{c['segment']} ({c['call']}, {c['share_of_noncustomers']:.0%})"
                     for c in calls)


names = sorted(evidence, key=lambda n: (ORDER.index(evidence[n]["action"])
                                        if evidence[n]["action"] in ORDER else len(ORDER)))
st.subheader("The evidence behind each call")
table = pd.DataFrame([{
    "factor": labels.get(name, name), "call": _call(evidence[name]),
    "valued": _num(evidence[name]["noncustomer_importance"]),
    "delivered": _num(evidence[name]["industry_performance"]),
    "gap": _num(evidence[name]["gap"], signed=True),
    "why": evidence[name]["rule"] + (f"; borderline: {evidence[name]['borderline_because']}"
                                     if evidence[name]["borderline_because"] else ""),
    "segments that want more": _segments(evidence[name]["segment_calls"]),
} for name in names])
st.table(table.set_index("factor"))  # a static table: the reasons wrap instead of being cut
st.caption("Valued: importance to non-customers (0-10), weighted by tier size; delivered: the "
           "industry's performance as rated by its users (0-10); gap = valued - delivered. "
           "Borderline: moving one figure behind the call within its 95% interval (or a "
           "top-box share by 5 points) would change it. Segments that want more: segments of "
           "non-customer tiers whose own importance calls for raising or creating the factor, "
           "with their share of all non-customers; a tier's mean can average them away.")

st.subheader("Which tier makes each call")
per_tier = tier_calls(evidence, labels)
present = [t for t in NON_CUSTOMER_TIERS if (per_tier["tier"] == t).any()]
shares = per_tier.drop_duplicates("tier").set_index("tier")["share"]


def _tier_cell(row) -> str:
    if pd.isna(row["importance"]):
        return ""
    interval = (f" ({row['importance_lo']:.1f}-{row['importance_hi']:.1f})"
                if pd.notna(row["importance_lo"]) else "")
    return (f"{row['call'] if isinstance(row['call'], str) else 'keep'}: "
            f"{row['importance']:.1f}{interval}" + (" · low base" if row["low_base"] else ""))


def _makers(rows: pd.DataFrame) -> str:
    makers = rows[rows["makes_the_call"]]
    if makers.empty:
        return "" if pd.isna(rows["grid"].iloc[0]) else "no tier alone"
    return f"{', '.join(makers['tier'])} ({makers['share'].sum():.0%})"


by_factor = []
for name in names:
    rows = per_tier[per_tier["attribute"] == name].set_index("tier", drop=False)
    by_factor.append({
        "factor": labels.get(name, name), "grid": _call(evidence[name]),
        "made by": _makers(rows),
        "delivered": _num(evidence[name]["industry_performance"]),
        **{f"{t} ({shares[t]:.0%})": _tier_cell(rows.loc[t]) if t in rows.index else ""
           for t in present},
    })
st.table(pd.DataFrame(by_factor).set_index("factor"))
st.caption("Each tier's cell: the call the same rules give if that tier alone were the "
           "non-customers, then how much it values the factor (0-10, with its 95% interval), "
           "to set against what the industry delivers; the percentage beside a tier is its "
           "share of all non-customers. Made by: the tiers whose own call is the grid's, with "
           "their share of non-customers; raise and reduce "
           f"need tiers holding at least {analysis.config['errc_rules']['reach']:.0%} of "
           "non-customers.")
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
