"""Strategy canvas: the industry's value curve against what each tier values."""

import hashlib

import pandas as pd
import streamlit as st

from noncustomers.analytics.canvas import INDUSTRY_CURVE, PROPOSED_CURVE, curve_metrics
from noncustomers.analytics.own_curve import (
    CHANGE_TOLERANCE,
    curve_csv,
    errc_from_curve,
    own_curve_test,
    read_curve_upload,
)
from noncustomers.analytics.prize import DEFAULT_RESAMPLES
from noncustomers.charts import plot_curve_test, plot_strategy_canvas
from noncustomers.charts.own_curve import plot_own_curve
from noncustomers.errors import DataError
from noncustomers.ui import state
from noncustomers.ui.widgets import attribute_labels, show_chart
from noncustomers.vocabulary import NON_CUSTOMER_TIERS

#: The editor of "Shape your own curve" (its edits live in the session under this key).
EDITOR = "my_curve_editor"
#: Streamlit's named colours nearest the ERRC colours of the charts' theme.
ERRC_MARKS = {"eliminate": "red", "reduce": "orange", "raise": "blue", "create": "green"}

analysis = state.require()
st.title("Strategy canvas")
st.caption("Each curve rates the factors 0-10: what the industry offers, what each tier values, "
           "and the curve the ERRC grid proposes. The other tabs test whom that curve would "
           "serve and let you shape your own.")
if not analysis.panel.schema.attributes:
    st.info("The schema maps no [attributes], so there is no canvas to draw.")
    st.stop()

curves = list(dict.fromkeys(analysis.canvas["curve"]))
# Opens on three curves a reader can follow: the industry, the largest non-customer tier and
# the proposed curve; the others are one click away.
tiers = analysis.summary()["tiers"]
largest = max((t for t in NON_CUSTOMER_TIERS if t in tiers and tiers[t]["n"]),
              key=lambda t: tiers[t]["share"], default=None)
labels = attribute_labels(analysis)
curves_by_name = analysis.curves
industry = curves_by_name.get(INDUSTRY_CURVE, {})


def _canvas() -> None:
    """The canvas, its levels, how far each curve departs from the industry, the prize."""
    default = [c for c in curves if c in (INDUSTRY_CURVE, PROPOSED_CURVE)
               or (largest is not None and largest in c)]
    chosen = st.multiselect("Curves", curves, default=default or curves, key="canvas_curves",
                            help="The industry's offering, what each tier values, and the "
                                 "curve the ERRC grid proposes; add or remove curves here.")
    if not chosen:
        st.info("Choose at least one curve.")
        return
    show_chart(plot_strategy_canvas(analysis.canvas, labels, curves=chosen,
                                    derived_from=analysis.panel.schema.importance_from),
               key="canvas", height=640)

    wide = analysis.canvas.pivot(index="attribute", columns="curve", values="level")
    wide = wide.reindex(list(dict.fromkeys(analysis.canvas["attribute"])))[curves].round(1)
    wide.index = [labels.get(a, a) for a in wide.index]
    st.dataframe(wide.style.format("{:.1f}"), width="stretch")
    st.caption(f"'{INDUSTRY_CURVE}': performance as rated by everyone who has used the "
               f"offering; tier curves: how important each factor is to that tier; "
               f"'{PROPOSED_CURVE}': the industry curve moved by the ERRC grid (eliminate to 0, "
               "reduce and raise to what non-customers value, create the new factor). "
               "All on 0-10.")

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
                          help=f"95% interval {total['people_lo']:,.0f}-"
                               f"{total['people_hi']:,.0f}")
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


def _show_served(test: dict) -> None:
    """The curve test's shares per group, with their intervals when it has them."""
    groups = [g for g in test["better_served"] if not g.endswith(("_lo", "_hi"))]
    table = pd.DataFrame([{"group": g, "better served": _served(test["better_served"], g),
                           "worse served": _served(test["worse_served"], g),
                           "net": _served(test["net"], g)} for g in groups])
    st.dataframe(table, hide_index=True, width="stretch")


def _show_sensitivity(test: dict) -> None:
    sensitivity = pd.DataFrame(test["sensitivity"]).rename(columns={
        "margin": "margin (points)", "better_served": "non-customers better served",
        "worse_served": "non-customers worse served",
        "customers_worse_served": "customers worse served"})
    st.dataframe(sensitivity.style.format({"margin (points)": "{:g}",
                                           **{c: "{:.0%}" for c in sensitivity.columns[1:]}},
                                          na_rep="n/a"),
                 hide_index=True, width="stretch")


def _offering(test: dict) -> str:
    level = test["offering_level"]
    return "n/a" if level is None else f"{level:.2f}"


def _curve_tests() -> None:
    """Whom each tested curve serves better and worse than today's industry curve."""
    if not analysis.curves_tested:
        st.info("No curve was tested in this analysis.")
    for name, test in analysis.curves_tested.items():
        st.subheader(f"Curve test: {name}")
        if test["better_served"].get("non-customers") is not None:
            show_chart(plot_curve_test(test, name), key=f"curve_test_{name}", height=480)
        _show_served(test)
        st.caption(
            f"A respondent is better (worse) served when the curve lowers (raises) their "
            f"importance-weighted unmet need by at least {test['margin']:g} "
            f"point{'' if test['margin'] == 1 else 's'} (0-10) against "
            f"today's industry curve; 95% intervals from {test['resamples']} bootstrap "
            "resamples that re-derive the ERRC grid and the curve. Offering level: "
            + _offering(test) + " x the industry's (mean level of "
            "the curve; above 1 the curve offers more overall, a proxy for cost). Going above "
            "needs costs nothing in this score, so read the shares beside the offering level.")
        _show_sensitivity(test)


# ---- Shape your own curve: edit the levels, see the grid and the curve test move ------------

def _add_intervals(curve_key: tuple, mine: dict[str, float]) -> None:
    """The button's callback: the curve test with its bootstrap, kept for this curve."""
    st.session_state["my_curve_intervals"] = (
        curve_key, own_curve_test(analysis, mine, resamples=DEFAULT_RESAMPLES))


@st.fragment  # an edit reruns this section only, not the whole page
def _shape_your_curve() -> None:
    """Shape your own curve: the editor, the grid it implies, its curve test and file."""
    st.caption("Start from the proposed curve, change any level (0-10), and the grid your curve "
               "implies, whom it serves and the canvas follow at once. Download it to test it "
               "from the command line, or load one you saved.")
    offered = {name: a.offered for name, a in analysis.panel.schema.attributes.items()}
    valued = {name: ev["noncustomer_importance"] for name, ev in analysis.errc_evidence.items()}
    loaded_key = state.current().key
    if st.session_state.get("my_curve_of") != loaded_key:  # a new analysis: start afresh
        st.session_state.update(my_curve_of=loaded_key, my_curve_base=dict(
            curves_by_name.get(PROPOSED_CURVE, industry)), my_curve_source="the proposed curve")
        st.session_state.pop(EDITOR, None)


    def _start_from_proposed() -> None:
        st.session_state.update(my_curve_base=dict(curves_by_name.get(PROPOSED_CURVE, industry)),
                                my_curve_source="the proposed curve")
        st.session_state.pop(EDITOR, None)


    upload = st.file_uploader("Load a curve you saved (CSV with the columns attribute, level)",
                              type=["csv"], key="my_curve_file")
    if upload is None:
        st.session_state.pop("my_curve_upload", None)
    else:
        data = upload.getvalue()
        digest = hashlib.sha256(upload.name.encode() + data).hexdigest()
        if st.session_state.get("my_curve_upload", (None,))[0] != digest:  # read each file once
            try:
                read = read_curve_upload(data, upload.name, list(analysis.panel.schema.attributes))
            except DataError as exc:
                st.session_state["my_curve_upload"] = (digest, str(exc))
            else:
                st.session_state["my_curve_upload"] = (digest, None)
                st.session_state.update(my_curve_base={a: read.get(a, level)
                                                       for a, level in industry.items()},
                                        my_curve_source=upload.name)
                st.session_state.pop(EDITOR, None)
        problem = st.session_state["my_curve_upload"][1]
        if problem:
            st.error(problem)

    base = st.session_state["my_curve_base"]
    left, right = st.columns([11, 9], gap="large")
    with left:
        st.caption(f"Starting from {st.session_state['my_curve_source']}: type your levels in "
                   "the second column, beside what the industry offers today and what "
                   "non-customers value (all 0-10).")
        editor = pd.DataFrame({
            "factor": [labels.get(a, a) for a in industry],
            "your level": [base.get(a, today) for a, today in industry.items()],
            "industry offers": list(industry.values()),
            "non-customers value": [valued.get(a) for a in industry]},
            index=list(industry))
        edited = st.data_editor(
            editor, key=EDITOR, hide_index=True, num_rows="fixed", width="stretch",
            height=35 * (len(editor) + 1) + 3,
            disabled=["factor", "industry offers", "non-customers value"],
            column_config={
                "factor": st.column_config.TextColumn("factor", width=180),
                "your level": st.column_config.NumberColumn(
                    "your level ✎", min_value=0.0, max_value=10.0, format="%.1f",
                    width=90, required=True, help="Your curve's level of this factor, 0-10"),
                "industry offers": st.column_config.NumberColumn(
                    "industry", format="%.1f", width=80,
                    help="What the industry offers today: its performance as rated by its "
                         "users (0-10)"),
                "non-customers value": st.column_config.NumberColumn(
                    "non-customers", format="%.1f", width=115,
                    help="What non-customers value: their importance, weighted by the size of "
                         "their tiers (0-10)")})
        mine = {a: (float(level) if pd.notna(level) else industry[a])
                for a, level in edited["your level"].items()}
        st.button("Start again from the proposed curve", on_click=_start_from_proposed,
                  key="my_curve_reset")

    curve_key = (loaded_key, tuple(mine.items()))
    with_intervals = st.session_state.get("my_curve_intervals")
    last = st.session_state.get("my_curve_test")  # the last curve tested, to come back to
    if with_intervals is not None and with_intervals[0] == curve_key:
        mine_test = with_intervals[1]
    elif last is not None and last[0] == curve_key:
        mine_test = last[1]
    else:  # point figures: milliseconds at 5k, 0.3 s at 100k respondents
        mine_test = own_curve_test(analysis, mine)
        st.session_state["my_curve_test"] = (curve_key, mine_test)
    proposed_test = analysis.curves_tested.get(PROPOSED_CURVE)


    def _versus(key: str, group: str) -> str | None:
        """The difference from the proposed curve in percentage points (None: no difference)."""
        if proposed_test is None:
            return None
        ours, theirs = mine_test[key].get(group), proposed_test[key].get(group)
        if ours is None or theirs is None or round((ours - theirs) * 100) == 0:
            return None
        return f"{(ours - theirs) * 100:+.0f} points vs. the proposed curve"


    with right:
        st.markdown("**The grid your curve implies**")
        grid = errc_from_curve(mine, industry, offered,
                               analysis.config["errc_rules"]["hardly_offered"])
        for row in (("eliminate", "raise"), ("reduce", "create")):  # as the ERRC grid lays it out
            for column, action in zip(st.columns(2), row, strict=True):
                entries = "\n".join(f"- {labels.get(a, a)}: {industry[a]:.1f} → {mine[a]:.1f}"
                                    for a in grid[action]) or "nothing"
                column.container(border=True).markdown(
                    f"**:{ERRC_MARKS[action]}[{action.capitalize()}]**\n\n{entries}")
    st.caption("The grid, against the industry's offering: lowered to 0 is eliminate, lowered is "
               "reduce, raised is raise; a factor the industry hardly offers (below "
               f"{analysis.config['errc_rules']['hardly_offered']:g}, as in the ERRC grid) or "
               f"does not offer, given a level, is create. Changes under {CHANGE_TOLERANCE:g} "
               "points keep the factor as it is. Better served, worse served: as in the curve "
               "tests above.")
    better = mine_test["better_served"].get("non-customers")
    worse = mine_test["worse_served"].get("customers")
    columns = st.columns(3)
    columns[0].metric("Non-customers better served",
                      "n/a" if better is None else f"{better:.0%}",
                      _versus("better_served", "non-customers"))
    columns[1].metric("Customers worse served", "n/a" if worse is None else f"{worse:.0%}",
                      _versus("worse_served", "customers"), delta_color="inverse")
    columns[2].metric("Offering level", _offering(mine_test) + " x",
                      help="Mean level of your curve over the industry's (1 = the same; "
                           "above 1 your curve offers more overall, a proxy for cost)")
    show_chart(plot_own_curve(mine, industry, largest, curves_by_name.get(largest), labels),
               key="own_curve", height=600)

    st.subheader("Whom your curve serves")
    _show_served(mine_test)
    _show_sensitivity(mine_test)
    if mine_test["resamples"]:
        st.caption(f"95% intervals from {mine_test['resamples']} bootstrap resamples that "
                   "re-derive the industry's curve (yours stays as you set it); they hold for "
                   "this curve until you change it.")
    else:
        st.caption(f"Figures recomputed on every edit, without intervals (margin "
                   f"{mine_test['margin']:g} point{'' if mine_test['margin'] == 1 else 's'}, as "
                   "above). The button adds 95% intervals from "
                   f"{DEFAULT_RESAMPLES} bootstrap resamples: a few seconds.")
        st.button("Add 95% intervals", key="my_curve_add_intervals", on_click=_add_intervals,
                  args=(curve_key, mine))

    st.download_button("Download my curve (CSV)", data=curve_csv(mine), file_name="my_curve.csv",
                       mime="text/csv", key="dl_my_curve", on_click="ignore",
                       help="The file `noncustomers analyze` reads with --curve my_curve.csv, "
                            "and this page loads above")
    st.caption("Test it from the command line: `noncustomers analyze PANEL --schema SCHEMA "
               "--curve my_curve.csv` writes its curve test with intervals into summary.json.")


# Three tabs, each drawn only while it is open (on_change="rerun"): the page switch draws the
# canvas alone, not the four charts, six tables and the editor of the whole page.
TABS = ("The canvas", "Curve tests", "Shape your own curve")
for tab, draw in zip(st.tabs(TABS, key="canvas_tab", on_change="rerun"),
                     (_canvas, _curve_tests, _shape_your_curve), strict=True):
    with tab:
        if tab.open:
            draw()
