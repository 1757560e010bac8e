"""Blue-ocean analytics against hand-computed or independently computed values: share
intervals, differences, commonalities, drivers, the ERRC grid, the proposed curve, the size of
the prize and RFM scores."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

from conftest import korn_graubard_wilson

from noncustomers.analysis import analyze
from noncustomers.analytics.canvas import (INDUSTRY_CURVE, PROPOSED_CURVE, curve_metrics,
                                           proposed_curve, read_curve, strategy_canvas)
from noncustomers.analytics.commonalities import commonalities, top_commonalities
from noncustomers.analytics.differences import DIFFERENCE_COLUMNS, attribute_differences
from noncustomers.analytics.drivers import permutation_log_loss, tier_drivers
from noncustomers.analytics.errc import (ERRC_ACTIONS, TIER_CALL_COLUMNS, ErrcRules, errc_grid,
                                         tier_calls)
from noncustomers.analytics.prize import (curve_test, market_size, unmet_need,
                                          weighted_total_interval)
from noncustomers.analytics.rfm import rfm_scores, value_tier
from noncustomers.analytics.significance import bh_qvalues
from noncustomers.analytics.weighted import Z95, share_interval, weighted_quantile_scores
from noncustomers.cli import main
from noncustomers.errors import DataError, SchemaError
from noncustomers.panel import panel_from_frame
from noncustomers.schema import parse_schema
from noncustomers.tiers import assign_tiers

FOUR_TIERS = """
id = "id"
weight = "w"

[tiers]
customers  = "t == 'c'"
soon-to-be = "t == 's'"
refusing   = "t == 'r'"
unexplored = "true"
"""


def _panel(schema_text: str, rows: list[tuple], columns: list[str]):
    panel = panel_from_frame(pd.DataFrame(rows, columns=columns), parse_schema(schema_text))
    return panel, assign_tiers(panel)


# ---- share intervals ---------------------------------------------------------------------


@pytest.mark.parametrize("k, n", [(50, 100), (1, 20), (0, 12), (12, 12), (37, 211)])
def test_share_interval_is_wilsons(k, n):
    # scipy's binomtest implements Wilson's score interval independently
    expected = stats.binomtest(k, n).proportion_ci(0.95, method="wilson")
    lo, hi = share_interval(k / n, n)
    assert lo == pytest.approx(expected.low, abs=1e-9)
    assert hi == pytest.approx(expected.high, abs=1e-9)


def test_share_interval_uses_the_effective_base_and_handles_edges():
    # n_eff 2.5, share 0.4, by the formula written out
    z2 = Z95 ** 2
    centre = (0.4 + z2 / 5) / (1 + z2 / 2.5)
    half = Z95 / (1 + z2 / 2.5) * math.sqrt(0.4 * 0.6 / 2.5 + z2 / 25)
    assert share_interval(0.4, 2.5) == pytest.approx((centre - half, centre + half))
    assert all(math.isnan(v) for v in share_interval(float("nan"), 10))
    assert all(math.isnan(v) for v in share_interval(0.5, 0))


# ---- weighted quintile scores and RFM ----------------------------------------------------


def test_weighted_quantile_scores_by_hand():
    # levels 1, 2, 3 with weights 1, 2, 1 of 4: mid-ranks 0.125, 0.5, 0.875
    # -> floor(5 F) + 1 = 1, 3, 5; the NaN stays NaN
    scores = weighted_quantile_scores(np.array([3.0, 1.0, 2.0, 2.0, np.nan]), np.ones(5))
    np.testing.assert_array_equal(scores[:4], [5, 1, 3, 3])
    assert np.isnan(scores[4])
    # weights 3 and 1: value 1 has mid-rank 1.5/4 -> 2; value 2 has 3.5/4 -> 5
    np.testing.assert_array_equal(weighted_quantile_scores(np.array([1.0, 2.0]),
                                                           np.array([3.0, 1.0])), [2, 5])


def test_weighted_quantile_scores_match_qcut_without_weights_or_ties():
    x = np.random.default_rng(3).normal(size=50)
    expected = pd.qcut(x, 5, labels=False) + 1
    np.testing.assert_array_equal(weighted_quantile_scores(x, np.ones(50)), expected)


RFM_SCHEMA = FOUR_TIERS + """
[rfm]
recency = "months"
frequency = "visits"
monetary = "spend"
"""


def test_rfm_scores_by_hand():
    rows = [("c1", 1, "c", 1, 10, 50), ("c2", 1, "c", 2, 8, 40), ("c3", 1, "c", 3, 6, 30),
            ("c4", 1, "c", 4, 4, 20), ("c5", 1, "c", 5, 2, 10), ("c6", 1, "c", 1, 9, None),
            ("u1", 1, "u", 9, None, None)]
    panel, tiers = _panel(RFM_SCHEMA, rows, ["id", "w", "t", "months", "visits", "spend"])
    table = rfm_scores(panel, tiers)
    # c1 is the most recent (1 month) and the most frequent and valuable: 5, 5, 5 = 15 -> top
    assert table["recency_score"].tolist()[:5] == [5, 4, 3, 2, 1]
    assert table["frequency_score"].tolist()[:5] == [5, 4, 3, 2, 1]
    assert table["monetary_score"].tolist()[:5] == [5, 4, 3, 2, 1]
    # sums 15, 12, 9, 6, 3; c6 lacks spend; u1 is not a customer
    assert table["value_tier"].tolist() == ["top", "high", "mid", "low", "low", "unscored", ""]
    assert table["recency_score"].isna().tolist() == [False] * 5 + [True, True]
    assert [value_tier(t) for t in (13, 10, 9, 3)] == ["top", "high", "mid", "low"]


def test_rfm_schema_needs_all_three_roles():
    with pytest.raises(SchemaError, match=r"\[rfm\] needs all of .*'monetary' is missing"):
        parse_schema(FOUR_TIERS + '[rfm]\nrecency = "a"\nfrequency = "b"\n')
    with pytest.raises(SchemaError, match="unknown key 'value' in \\[rfm\\]"):
        parse_schema(FOUR_TIERS + '[rfm]\nrecency = "a"\nfrequency = "b"\nmonetary = "c"\n'
                                  'value = "d"\n')


# ---- differences -------------------------------------------------------------------------

DIFF_SCHEMA = """
id = "id"
[tiers]
customers  = "t == 'c'"
unexplored = "true"
[attributes]
a = { importance = "imp", performance = "perf", scale = [1, 5] }
"""
C_IMP, C_PERF = [5, 4, 4, 3], [4, 5, 3, 4]
U_IMP, U_PERF = [2, 3, 1, 5, 2], [3, None, 2, 4, None]


@pytest.fixture(scope="module")
def differences():
    rows = ([(f"c{i}", "c", imp, perf) for i, (imp, perf) in enumerate(zip(C_IMP, C_PERF))]
            + [(f"u{i}", "u", imp, perf) for i, (imp, perf) in enumerate(zip(U_IMP, U_PERF))])
    panel, tiers = _panel(DIFF_SCHEMA, rows, ["id", "t", "imp", "perf"])
    masks = {"all": np.ones(len(panel), bool), "customers": (tiers == "customers").to_numpy(),
             "unexplored": (tiers == "unexplored").to_numpy()}
    return attribute_differences(panel, masks)


def _diff(table, group, versus, measure):
    return table.query("group == @group and versus == @versus and measure == @measure").iloc[0]


def test_differences_means_against_scipy_welch(differences):
    assert list(differences.columns) == DIFFERENCE_COLUMNS
    row = _diff(differences, "unexplored", "customers", "importance")
    # 0-10: (mean - 1) * 2.5; unexplored 2.6 -> 4.0, customers 4.0 -> 7.5
    assert row["difference"] == pytest.approx(4.0 - 7.5)
    assert row["p_value"] == pytest.approx(stats.ttest_ind(U_IMP, C_IMP, equal_var=False).pvalue)
    # index vs total: all nine answers average 29/9 -> (29/9 - 1) * 2.5 = 50/9
    assert row["index"] == pytest.approx(100 * 4.0 / (50 / 9))
    perf = _diff(differences, "unexplored", "customers", "performance")
    u_perf = [v for v in U_PERF if v is not None]
    assert perf["difference"] == pytest.approx((np.mean(u_perf) - np.mean(C_PERF)) * 2.5)
    assert perf["p_value"] == pytest.approx(
        stats.ttest_ind(u_perf, C_PERF, equal_var=False).pvalue)


def test_differences_top_box_against_chi_square(differences):
    row = _diff(differences, "unexplored", "customers", "importance_t2b")
    # top box (4-5): unexplored 1 of 5, customers 3 of 4 -> (0.2 - 0.75) x 10
    assert row["difference"] == pytest.approx(-5.5)
    chi2 = stats.chi2_contingency([[1, 4], [3, 1]], correction=False)
    assert row["p_value"] == pytest.approx(chi2.pvalue)
    # all: 4 of 9 top box -> index 100 * 0.2 / (4/9) = 45
    assert row["index"] == pytest.approx(45.0)


def test_difference_intervals_against_scipy_and_by_hand(differences):
    row = _diff(differences, "unexplored", "customers", "importance")
    assert row["value"] == pytest.approx(4.0)  # the group's own figure, 0-10
    welch = stats.ttest_ind(U_IMP, C_IMP, equal_var=False).confidence_interval(0.95)
    assert row["difference_lo"] == pytest.approx(welch.low * 2.5)  # 1-5 -> 0-10: x 2.5
    assert row["difference_hi"] == pytest.approx(welch.high * 2.5)
    # top box, unpooled Wald: -0.55 +/- 1.96 sqrt(.2 x .8 / 5 + .75 x .25 / 4), x 10
    t2b = _diff(differences, "unexplored", "customers", "importance_t2b")
    half = stats.norm.ppf(0.975) * math.sqrt(0.2 * 0.8 / 5 + 0.75 * 0.25 / 4)
    assert t2b["difference_lo"] == pytest.approx((-0.55 - half) * 10)
    assert t2b["difference_hi"] == pytest.approx((-0.55 + half) * 10)
    assert t2b["value"] == pytest.approx(2.0)


def test_differences_compare_with_customers_and_the_rest(differences):
    pairs = set(zip(differences["group"], differences["versus"]))
    # customers are compared with the rest only; "all" is the total, not a group
    assert pairs == {("customers", "rest"), ("unexplored", "customers"), ("unexplored", "rest")}
    # with two tiers, the rest of the unexplored are the customers
    a = _diff(differences, "unexplored", "customers", "importance")
    b = _diff(differences, "unexplored", "rest", "importance")
    assert a["difference"] == b["difference"] and a["p_value"] == b["p_value"]


def test_q_values_are_benjamini_hochberg_across_the_table(differences):
    p = differences["p_value"].to_numpy()
    # BH by hand: q_(i) = min over j >= i of p_(j) m / j
    order = np.argsort(p)
    m = len(p)
    q_sorted = np.minimum.accumulate((p[order] * m / np.arange(1, m + 1))[::-1])[::-1]
    expected = np.empty(m)
    expected[order] = np.minimum(q_sorted, 1)
    np.testing.assert_allclose(differences["q_value"].to_numpy(), expected)
    np.testing.assert_allclose(bh_qvalues(np.array([0.01, 0.04, np.nan, 0.03])),
                               [0.03, 0.04, np.nan, 0.04])


# ---- commonalities -----------------------------------------------------------------------

BARRIER_SCHEMA = FOUR_TIERS + """
[attributes]
a = { importance = "imp_a", scale = [1, 5], label = "A" }

[barriers]
columns = ["bar_*"]
multi = "why"
labels = { bar_x = "Reason X" }
"""
BARRIER_ROWS = [  # id, w, t, bar_x, bar_y, why, imp_a
    ("1", 1, "c", None, None, None, 5),
    ("2", 1, "s", 1, "yes", "a;b", 4),
    ("3", 3, "s", 0, "no", "b", 2),
    ("4", 2, "r", 1, "yes", "a", 5),
    ("5", 2, "r", 1, "no", "", 1),
    ("6", 1, "u", 0, "no", "b", 4),
    ("7", 1, "u", None, "yes", "a; b", 3),
]
BARRIER_COLUMNS = ["id", "w", "t", "bar_x", "bar_y", "why", "imp_a"]


@pytest.fixture(scope="module")
def common():
    panel, tiers = _panel(BARRIER_SCHEMA, BARRIER_ROWS, BARRIER_COLUMNS)
    return panel, commonalities(panel, tiers)


def test_barriers_read_binary_yes_no_and_multi_response(common):
    panel, _ = common
    assert list(panel.barriers.columns) == ["bar_x", "bar_y", "why=a", "why=b"]
    np.testing.assert_array_equal(panel.barriers["bar_y"].to_numpy()[1:], [1, 0, 1, 0, 0, 1])
    # an empty multi-response answer means "not asked": missing, not "no reason"
    np.testing.assert_array_equal(panel.barriers["why=a"].to_numpy(),
                                  [np.nan, 1, 0, 1, np.nan, 0, 1])
    assert panel.barrier_labels["bar_x"] == "Reason X" and panel.barrier_labels["why=a"] == "a"


def test_commonality_figures_by_hand(common):
    _, table = common
    rows = table.set_index("item")
    # tier sizes (weights): soon-to-be 1 + 3 = 4, refusing 2 + 2 = 4, unexplored 1 + 1 = 2
    x = rows.loc["bar_x"]
    # soon-to-be 1 of 4, refusing 4 of 4, unexplored 0 of 1 (row 7 not asked)
    assert (x["prevalence_soon-to-be"], x["prevalence_refusing"],
            x["prevalence_unexplored"]) == pytest.approx((0.25, 1.0, 0.0))
    assert (x["floor"], x["peak"], x["evenness"], x["breadth"]) == (0.0, 1.0, 0.0, 1)
    assert x["reach"] == pytest.approx(0.25 * 4 + 1.0 * 4 + 0 * 2)
    # interval on the effective base of those asked (Korn & Graubard): soon-to-be answers
    # 1 (weight 1) and 0 (weight 3): Taylor variance 2/1 (0.75^2 + 9 x 0.25^2) / 16 =
    # 0.140625, base 0.1875 / 0.140625 = 4/3
    assert (x["prevalence_lo_soon-to-be"], x["prevalence_hi_soon-to-be"]) == pytest.approx(
        share_interval(0.25, 4 / 3))
    assert (x["prevalence_lo_soon-to-be"], x["prevalence_hi_soon-to-be"]) == pytest.approx(
        korn_graubard_wilson([1.0, 0.0], [1.0, 3.0])[1:])
    # refusing: 2 of 2 answers with weights 2, 2 (share 1: Kish base 2) is Wilson's 2 in 2
    wilson = stats.binomtest(2, 2).proportion_ci(0.95, method="wilson")
    assert x["prevalence_lo_refusing"] == pytest.approx(wilson.low)
    assert x["prevalence_hi_refusing"] == pytest.approx(wilson.high)
    y = rows.loc["bar_y"]  # 1/4, 2/4, 1/2
    assert (y["floor"], y["peak"], y["evenness"], y["breadth"]) == pytest.approx((.25, .5, .5, 2))
    assert y["reach"] == pytest.approx(1 + 2 + 1)
    a = rows.loc["why=a"]  # 1/4, 2/2 (row 5 not asked), 1/2
    assert (a["floor"], a["evenness"], a["reach"]) == pytest.approx((0.25, 0.25, 1 + 4 + 1))
    assert x["low_base"] == "soon-to-be;refusing;unexplored"  # a handful each: all under 30
    need = rows.loc["a"]  # top box (4-5): 1/4, 2/4, 1/2
    assert need["kind"] == "need" and need["label"] == "A"
    assert (need["floor"], need["breadth"]) == pytest.approx((0.25, 2))


def test_commonalities_rank_by_floor_then_reach(common):
    _, table = common
    barriers = table[table["kind"] == "barrier"]
    # floors .25 (why=a reach 6, bar_y reach 4), then 0 (why=b reach 6, bar_x reach 5)
    assert barriers["item"].tolist() == ["why=a", "bar_y", "why=b", "bar_x"]
    assert barriers["rank"].tolist() == [1, 2, 3, 4]
    top = top_commonalities(table, top=2)
    assert [b["item"] for b in top["barriers"]] == ["why=a", "bar_y"]
    assert top["needs"][0]["prevalence"]["refusing"] == 0.5
    assert top["needs"][0]["low_base"] == ["soon-to-be", "refusing", "unexplored"]


def test_barrier_column_must_be_binary():
    rows = [r[:3] + (2,) + r[4:] if r[0] == "4" else r for r in BARRIER_ROWS]
    with pytest.raises(DataError, match=r"column 'bar_x' \(barrier\) has the value '2\.0' in "
                                        r"data row 4 \(id 4\); a barrier column must be 0/1"):
        _panel(BARRIER_SCHEMA, rows, BARRIER_COLUMNS)


def test_barrier_schema_errors():
    with pytest.raises(SchemaError, match=r"\[barriers\] needs 'columns'"):
        parse_schema(FOUR_TIERS + "[barriers]\nseparator = ','\n")
    with pytest.raises(SchemaError, match=r"unknown key 'column' in \[barriers\] \(did you "
                                          r"mean 'columns'\?\)"):
        parse_schema(FOUR_TIERS + "[barriers]\ncolumn = ['x']\n")
    schema = parse_schema(FOUR_TIERS + "[barriers]\ncolumns = ['nope_*']\n")
    with pytest.raises(SchemaError, match="pattern 'nope_\\*' in barriers.columns matches no"):
        schema.check_columns(["id", "w", "t"])


# ---- the ERRC grid, the proposed curve and its metrics -----------------------------------

SIZES = {"soon-to-be": 20.0, "refusing": 30.0, "unexplored": 50.0}
#            industry (perf, perf_t2b)   per tier (importance, importance_t2b): s, r, u
ERRC_CASES = {
    "kids": ((2.0, 1.0), [(7, 8), (7, 8), (6, 6)]),
    "spa": ((8.0, 8.0), [(2, 0), (3, 1), (3.4, 1)]),
    "spa_edge": ((8.0, 8.0), [(2, 0), (3, 1), (3.5, 1)]),
    "welcome": ((4.0, 1.0), [(8, 9), (6, 5), (4.5, 4)]),
    "hours": ((6.0, 7.0), [(7, 9.5), (6, 6), (6, 6)]),
    "price": ((6.0, 6.0), [(6, 6), (6, 6), (6, 6)]),
    "opp": ((6.0, 2.0), [(5, 3), (5, 3), (6, 7)]),
    "gone": ((float("nan"), float("nan")), [(7, 8), (7, 8), (7, 8)]),
}


def _gaps_table(cases=ERRC_CASES) -> pd.DataFrame:
    rows = []
    for name, ((perf, perf_t2b), tiers) in cases.items():
        rows.append({"group": "all", "attribute": name, "importance": 5.0, "performance": perf,
                     "importance_t2b": 5.0, "performance_t2b": perf_t2b, "importance_lo": 4.0,
                     "importance_hi": 6.0, "low_base": False})
        for tier, (imp, imp_t2b) in zip(SIZES, tiers):
            rows.append({"group": tier, "attribute": name, "importance": float(imp),
                         "performance": np.nan, "importance_t2b": float(imp_t2b),
                         "performance_t2b": np.nan, "importance_lo": imp - 1.0,
                         "importance_hi": imp + 1.0, "low_base": tier == "soon-to-be"})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def errc():
    return errc_grid(_gaps_table(), SIZES, offered={"gone": False}, labels={"kids": "Kids"})


def test_errc_cells_by_hand(errc):
    grid, evidence, warnings = errc
    names = {action: [e["attribute"] for e in entries] for action, entries in grid.items()}
    # kids: non-customers value it .2*7 + .3*7 + .5*6 = 6.5 >= 6, delivered 2 < 3.5 -> create;
    # gone: valued 7, not offered (no rating, offered = false) -> create;
    # spa: every tier < 3.5, delivered 8 >= 6 -> eliminate; spa_edge: unexplored at 3.5 is
    # not "barely", but every tier is "possible overkill" by >= 2 points -> reduce (reach 1);
    # welcome: soon-to-be (8 vs 4) and refusing (6 vs 4) are "concentrate here" by >= 1.5,
    # unexplored (4.5) is not and its opportunity 4 + 3 = 7 < 12 -> reach .2 + .3 = .5 -> raise;
    # opp: unexplored's opportunity 7 + (7 - 2) = 12 >= 12 -> reach .5 -> raise;
    # hours: only soon-to-be's opportunity 9.5 + 2.5 = 12 -> reach .2 < .5 -> stays.
    assert names == {"eliminate": ["spa"], "reduce": ["spa_edge"], "raise": ["welcome", "opp"],
                     "create": ["kids", "gone"]}
    assert list(grid) == list(ERRC_ACTIONS)
    assert evidence["hours"]["action"] is None and evidence["price"]["action"] is None
    assert evidence["hours"]["raise_reach"] == pytest.approx(0.2)
    assert warnings == []


def test_errc_evidence_figures(errc):
    grid, evidence, _ = errc
    kids = grid["create"][0]
    assert kids["label"] == "Kids" and kids["evidence"] is evidence["kids"]
    ev = evidence["welcome"]
    assert ev["noncustomer_importance"] == pytest.approx(0.2 * 8 + 0.3 * 6 + 0.5 * 4.5)
    assert ev["gap"] == pytest.approx(5.65 - 4.0)
    assert ev["raise_reach"] == pytest.approx(0.5) and ev["reduce_reach"] == 0
    soon = ev["tiers"]["soon-to-be"]
    assert soon == {"importance": 8.0, "importance_lo": 7.0, "importance_hi": 9.0,
                    "importance_t2b": 9.0, "opportunity": 17.0, "quadrant": "concentrate here",
                    "calls_to_raise": True, "calls_to_reduce": False, "low_base": True,
                    "share": 0.2, "call": "raise"}
    assert ev["tiers"]["unexplored"]["quadrant"] == "low priority"
    assert evidence["gone"]["industry_performance"] == 0.0 and not evidence["gone"]["offered"]
    assert "every non-customer tier barely values it" in evidence["spa"]["rule"]


def test_each_tiers_own_call_beside_the_grids(errc):
    _, evidence, _ = errc
    table = tier_calls(evidence, {"welcome": "Welcome"})
    assert list(table.columns) == TIER_CALL_COLUMNS
    assert len(table) == 3 * len(evidence)  # every attribute has all three tiers
    rows = table.set_index(["attribute", "tier"])
    # welcome (delivered 4.0, grid: raise): soon-to-be 8 and refusing 6 are "concentrate
    # here" by >= 1.5 -> raise; unexplored 4.5 is "low priority", opportunity 4 + 3 = 7 < 12
    # -> as it is.  Tiers holding .2 + .3 = .5 of non-customers make the call.
    welcome = rows.loc["welcome"]
    assert welcome["call"].fillna("-").tolist() == ["raise", "raise", "-"]
    assert welcome["makes_the_call"].tolist() == [True, True, False]
    assert welcome["share"].tolist() == pytest.approx([0.2, 0.3, 0.5])
    assert welcome["gap"].tolist() == pytest.approx([4.0, 2.0, 0.5])
    assert welcome["importance_lo"].tolist() == pytest.approx([7.0, 5.0, 3.5])
    assert (welcome["label"] == "Welcome").all() and (welcome["grid"] == "raise").all()
    assert welcome["low_base"].tolist() == [True, False, False]
    # hours (grid: as it is): soon-to-be alone would raise it (opportunity 9.5 + 2.5 = 12),
    # the others (6 vs 6, opportunity 6) leave it: the one tier that wants more, outvoted
    hours = rows.loc["hours"]
    assert hours["call"].fillna("-").tolist() == ["raise", "-", "-"] and hours["grid"].isna().all()
    assert not hours["makes_the_call"].any()
    # spa: every tier alone barely values it (< 3.5) while it is delivered at 8 -> eliminate
    assert rows.loc["spa", "call"].tolist() == ["eliminate"] * 3
    # kids: 7, 7 and 6 each >= 6 (valued) with 2 delivered (< 3.5) -> create, by every tier
    assert rows.loc["kids", "makes_the_call"].all()
    _, lean, _ = errc_grid(_gaps_table(), SIZES, explain=False)
    with pytest.raises(ValueError, match="explain=True"):
        tier_calls(lean)


def test_errc_thresholds_are_parameters():
    rules = ErrcRules(reach=0.6)
    grid, _, _ = errc_grid(_gaps_table(), SIZES, rules, offered={"gone": False})
    assert [e["attribute"] for e in grid["raise"]] == []  # reach .5 no longer enough
    assert ErrcRules().as_dict() == {
        "valued": 6.0, "hardly_offered": 3.5, "under_delivered": 1.5, "over_delivered": 2.0,
        "barely_valued": 3.5, "delivered": 6.0, "high_opportunity": 12.0, "reach": 0.5,
        "crosshair": 5.0}


def test_schema_errc_table_sets_the_thresholds(write_tiny_panel, tmp_path, capsys):
    from conftest import TINY_SCHEMA

    # price: non-customers (rows 3-6) value it 5.625 against 42.5/6 = 7.08 delivered, so no
    # rule applies by default; with the crosshair at 7 and no margin, 5.625 < 7 <= 7.08 is
    # "possible overkill" for the one tier holding all non-customers -> reduce
    schema = TINY_SCHEMA + "\n[errc]\ncrosshair = 7\nover_delivered = 0\n"
    panel, schema_path = write_tiny_panel(schema_text=schema)
    out = tmp_path / "out"
    assert main(["analyze", str(panel), "--schema", str(schema_path), "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert [e["attribute"] for e in summary["errc"]["reduce"]] == ["price"]
    assert summary["config"]["errc_rules"]["crosshair"] == 7.0
    capsys.readouterr()
    bad = TINY_SCHEMA + "\n[errc]\nvalue = 7\n"
    panel, schema_path = write_tiny_panel(schema_text=bad)
    assert main(["analyze", str(panel), "--schema", str(schema_path), "--out",
                 str(tmp_path / "o2")]) == 2
    err = capsys.readouterr().err
    assert "unknown key 'value' in [errc] (did you mean 'valued'?)" in err
    assert err.count("\n") == 1 and not (tmp_path / "o2").exists()
    with pytest.raises(SchemaError, match=r"\[errc\] valued must be a finite number"):
        parse_schema(TINY_SCHEMA + "\n[errc]\nvalued = 'high'\n")


def test_errc_warns_when_a_side_is_empty():
    only_raise = {k: v for k, v in ERRC_CASES.items() if k in ("welcome", "price")}
    grid, _, warnings = errc_grid(_gaps_table(only_raise), SIZES)
    assert [e["attribute"] for e in grid["raise"]] == ["welcome"]
    assert len(warnings) == 1 and "nothing to eliminate or reduce" in warnings[0]
    only_cut = {k: v for k, v in ERRC_CASES.items() if k in ("spa", "price")}
    assert "nothing to raise or create" in errc_grid(_gaps_table(only_cut), SIZES)[2][0]
    assert "is empty" in errc_grid(_gaps_table({"price": ERRC_CASES["price"]}), SIZES)[2][0]


def test_proposed_curve_by_hand(errc):
    _, evidence, _ = errc
    gaps = _gaps_table()
    canvas = strategy_canvas(gaps, list(SIZES), evidence, offered={"gone": False})
    curves = {c: dict(zip(p["attribute"], p["level"])) for c, p in canvas.groupby("curve")}
    industry, proposed = curves[INDUSTRY_CURVE], curves[PROPOSED_CURVE]
    assert industry["gone"] == 0.0  # not offered: on the canvas at 0
    assert proposed == pytest.approx({
        "kids": 6.5,          # create: up to what non-customers value
        "spa": 0.0,           # eliminate
        "spa_edge": 0.2 * 2 + 0.3 * 3 + 0.5 * 3.5,  # reduce: down to what they value (3.05)
        "welcome": 5.65,      # raise: up to what they value
        "hours": 6.0, "price": 6.0,  # unchanged
        "opp": 6.0,           # raise, but they value it at 5.5: never below today's level
        "gone": 7.0,          # create a factor the industry does not offer
    })
    assert proposed == proposed_curve(industry, evidence)


def test_curve_metrics_by_hand():
    # differences 3, -4, 0 -> RMS sqrt((9 + 16 + 0) / 3); levels 8, 0, 4 -> population sd
    metrics = curve_metrics({"a": 8.0, "b": 0.0, "c": 4.0}, {"a": 5.0, "b": 4.0, "c": 4.0})
    assert metrics["divergence"] == pytest.approx(math.sqrt(25 / 3), abs=1e-6)
    assert metrics["focus"] == pytest.approx(math.sqrt((16 + 16 + 0) / 3), abs=1e-6)


# ---- the size of the prize ---------------------------------------------------------------

PRIZE_SCHEMA = FOUR_TIERS + """
[attributes]
a = { importance = "imp_a", scale = [0, 10] }
b = { importance = "imp_b", scale = [0, 10] }
"""


def test_unmet_need_by_hand():
    needs = np.array([[8.0, 2.0], [2.0, 8.0], [5.0, np.nan], [np.nan, np.nan]])
    got = unmet_need(needs, np.array([4.0, 6.0]))
    # (8*4 + 2*0)/10, (2*0 + 8*2)/10, 5*1/5 (b not rated), no rating
    np.testing.assert_allclose(got[:3], [3.2, 1.6, 1.0])
    assert np.isnan(got[3])


def test_market_size_by_hand():
    rows = [("c", 1, "c", 5, 5), ("u1", 1, "u", 8, 2), ("u2", 2, "u", 2, 8),
            ("u3", 1, "u", 5, 5), ("u4", 1, "u", None, None)]
    panel, tiers = _panel(PRIZE_SCHEMA, rows, ["id", "w", "t", "imp_a", "imp_b"])
    prize = market_size(panel, tiers)
    block = prize["tiers"]["unexplored"]
    assert (block["n"], block["people"]) == (4, 5.0)  # weights 1 + 2 + 1 + 1
    # total of w_i d_i = (0, 1, 2, 1, 1); mean 1; n/(n-1) sum (x - 1)^2 = 5/4 x 2 = 2.5
    half = 1.959963984540054 * 2.5 ** 0.5
    assert (block["people_lo"], block["people_hi"]) == pytest.approx((5 - half, 5 + half))
    assert prize["total"]["people"] == 5.0
    assert prize["tiers"]["refusing"]["people"] == 0.0  # a tier with nobody in it
    # (1, 0): mean 0.5, 2/1 x (0.25 + 0.25) = 1: 1 +/- 1.96, the lower limit kept at 0
    assert weighted_total_interval(np.array([1.0, 0.0]), np.ones(2)) == pytest.approx(
        (1.0, 0.0, 1 + 1.959963984540054))


def test_market_size_counts_spend_where_the_schema_maps_it():
    schema = PRIZE_SCHEMA + "\n[prize]\nspend = \"budget\"\n"
    rows = [("c", 1, "c", 5, 5, 10), ("u1", 1, "u", 8, 2, 20), ("u2", 2, "u", 2, 8, 30),
            ("u3", 1, "u", 5, 5, None)]
    panel, tiers = _panel(schema, rows, ["id", "w", "t", "imp_a", "imp_b", "budget"])
    block = market_size(panel, tiers)["tiers"]["unexplored"]
    assert block["spend"] == pytest.approx(1 * 20 + 2 * 30) and block["n_spend"] == 2
    assert block["spend_lo"] < block["spend"] < block["spend_hi"]


def test_curve_test_by_hand():
    rows = [("c", 1, "c", 5, 5), ("u1", 1, "u", 8, 2), ("u2", 2, "u", 2, 8),
            ("u3", 1, "u", 5, 5), ("u4", 1, "u", None, None)]
    panel, tiers = _panel(PRIZE_SCHEMA, rows, ["id", "w", "t", "imp_a", "imp_b"])
    test = curve_test(panel, tiers, {"a": 4.0, "b": 6.0}, {"a": 8.0, "b": 3.0}, margin=1.0)
    # unmet need today 3.2, 1.6, 0.5 (u1..u3), with the curve 0, 4.0, 1.0: u1 gains 3.2
    # (better), u2 loses 2.4 (worse), u3 loses 0.5 (neither); weights 1, 2, 1 of 4 rated
    assert test["better_served"]["unexplored"] == pytest.approx(0.25)
    assert test["worse_served"]["unexplored"] == pytest.approx(0.5)
    assert test["net"]["unexplored"] == pytest.approx(-0.25)
    # the customer (needs 5, 5): today 0.5, with the curve 1.0: loses 0.5, neither
    assert test["worse_served"]["customers"] == 0.0
    assert test["offering_level"] == pytest.approx((8 + 3) / (4 + 6))
    assert test["resamples"] == 0 and test["better_served"]["unexplored_lo"] is None
    by_margin = {row["margin"]: row for row in test["sensitivity"]}
    assert by_margin[0.5]["worse_served"] == pytest.approx(0.75)  # u3's 0.5 counts now
    assert by_margin[2.0]["better_served"] == pytest.approx(0.25)


def test_raising_everything_shows_as_the_expensive_curve():
    """Over-delivery is free in the unmet need, so a curve at 10 everywhere serves most
    people better: the offering level is what gives it away."""
    rng = np.random.default_rng(3)
    rows = [(str(i), 1.0, "u" if i % 3 else "c", int(rng.integers(0, 11)),
             int(rng.integers(0, 11))) for i in range(90)]
    panel, tiers = _panel(PRIZE_SCHEMA, rows, ["id", "w", "t", "imp_a", "imp_b"])
    industry = {"a": 5.0, "b": 5.0}
    everything = curve_test(panel, tiers, industry, {"a": 10.0, "b": 10.0})
    focused = curve_test(panel, tiers, industry, {"a": 8.0, "b": 2.0})
    assert everything["better_served"]["non-customers"] >= focused["better_served"][
        "non-customers"]
    assert everything["offering_level"] == pytest.approx(2.0)
    assert focused["offering_level"] == pytest.approx(1.0)
    assert everything["worse_served"]["customers"] == 0.0
    assert focused["worse_served"]["customers"] > 0  # cutting b costs some customers


def test_curve_test_intervals_come_from_resamples_that_rederive_the_curve():
    rows = [(str(i), 1.0 + (i % 3), "u" if i % 4 else "c", 8 if i % 2 else 3, 4 + i % 5)
            for i in range(120)]
    panel, tiers = _panel(PRIZE_SCHEMA, rows, ["id", "w", "t", "imp_a", "imp_b"])
    calls = []

    def derive(weights):  # a curve that follows the resample: a at its weighted mean need
        calls.append(weights.copy())
        ok = ~np.isnan(panel.ratings("a", "importance"))
        level = float(np.average(panel.ratings("a", "importance")[ok], weights=weights[ok]))
        return {"a": 4.0, "b": 6.0}, {"a": level, "b": 6.0}

    first = curve_test(panel, tiers, {"a": 4.0, "b": 6.0}, {"a": 5.5, "b": 6.0},
                       derive=derive, resamples=50, seed=7)
    assert len(calls) == 50 and first["resamples"] == 50
    # every resample is a multinomial reweighting of the respondents: n draws in all
    assert all(np.isclose((w / panel.weights).sum(), len(panel.weights)) for w in calls)
    block = first["better_served"]
    assert block["non-customers_lo"] <= block["non-customers_hi"]
    again = curve_test(panel, tiers, {"a": 4.0, "b": 6.0}, {"a": 5.5, "b": 6.0},
                       derive=derive, resamples=50, seed=7)
    assert again == first  # seeded


def test_analyze_tests_a_curve_of_your_own_beside_the_grids():
    rows = [("c", 1, "c", 5, 5), ("u1", 1, "u", 8, 2), ("u2", 2, "u", 2, 8),
            ("u3", 1, "u", 5, 5)]
    panel, _ = _panel(PRIZE_SCHEMA, rows, ["id", "w", "t", "imp_a", "imp_b"])
    result = analyze(panel, map=None, k=1, stability_runs=0, driver_boot=0,
                     curve={"a": 10.0, "b": 10.0}, prize_margin=0.5, curve_name="mine",
                     curve_resamples=5)
    assert set(result.curves_tested) == {"blue ocean", "mine"}
    mine = result.curves_tested["mine"]
    assert mine["curve"] == {"a": 10.0, "b": 10.0}
    # no performance ratings, so no industry curve to compare with: nothing is compared
    assert mine["factors"] == [] and mine["better_served"]["non-customers"] is None
    # figures that cannot be computed are null in summary.json, never NaN (invalid JSON)
    json.dumps(result.summary(), allow_nan=False)
    with pytest.raises(ValueError, match="curve names 'c', which is not an attribute"):
        analyze(panel, map=None, k=1, stability_runs=0, driver_boot=0, curve={"c": 1.0})


def test_read_curve_errors(tmp_path):
    path = tmp_path / "curve.csv"
    path.write_text("attribute,level\nprice,7\nspa,0\n")
    assert read_curve(path, ["price", "spa"]) == {"price": 7.0, "spa": 0.0}
    path.write_text("attribute,level\nprise,7\n")
    with pytest.raises(DataError, match=r"data row 1 names the attribute 'prise', which is not "
                                        r"in the schema \(did you mean 'price'\?\)"):
        read_curve(path, ["price", "spa"])
    path.write_text("attribute,level\nprice,11\n")
    with pytest.raises(DataError, match="gives 'price' the level '11'; levels are numbers from "
                                        "0 to 10"):
        read_curve(path, ["price"])
    path.write_text("name,value\nprice,1\n")
    with pytest.raises(DataError, match="columns attribute, level"):
        read_curve(path, ["price"])


def test_cli_curve_option(write_tiny_panel, tmp_path, capsys):
    panel, schema = write_tiny_panel()
    curve = tmp_path / "curve.csv"
    curve.write_text("attribute,level\nprice,9\n")
    out = tmp_path / "out"
    assert main(["analyze", str(panel), "--schema", str(schema), "--out", str(out),
                 "--curve", str(curve)]) == 0
    out_text = capsys.readouterr().out
    assert "curve test, curve:" in out_text  # the curve is named after its file
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["curves"]) == {"blue ocean", "curve"}
    assert summary["curves"]["curve"]["curve"]["price"] == 9.0
    curve.write_text("attribute,level\nprice,x\n")
    assert main(["analyze", str(panel), "--schema", str(schema), "--out", str(tmp_path / "o2"),
                 "--curve", str(curve)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "levels are numbers from 0 to 10" in err
    assert not (tmp_path / "o2").exists()


# ---- drivers -----------------------------------------------------------------------------


def test_permutation_log_loss_against_sklearn():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    y = (x[:, 0] + 0.3 * rng.normal(size=200) > 0).astype(int)
    w = rng.uniform(0.5, 2, 200)
    model = LogisticRegression().fit(x, y, sample_weight=w)
    perm = rng.permutation(200)
    got = permutation_log_loss(model.coef_[0], model.intercept_[0], x, y, w, [perm])
    base = log_loss(y, model.predict_proba(x), sample_weight=w)
    for j in range(3):
        shuffled = x.copy()
        shuffled[:, j] = x[perm, j]
        expected = log_loss(y, model.predict_proba(shuffled), sample_weight=w) - base
        assert got[j] == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_drivers_find_the_planted_need():
    rng = np.random.default_rng(1)
    n = 300
    tier = np.where(np.arange(n) < 150, "c", "u")
    imp_a = np.where(tier == "u", rng.integers(7, 11, n), rng.integers(0, 5, n))
    imp_b = rng.integers(0, 11, n)
    rows = list(zip(map(str, range(n)), rng.uniform(0.5, 1.5, n), tier, imp_a, imp_b))
    panel, tiers = _panel(PRIZE_SCHEMA, rows, ["id", "w", "t", "imp_a", "imp_b"])
    table, models = tier_drivers(panel, tiers, seed=0, n_boot=20)
    assert set(table["tier"]) == {"unexplored"}
    a, b = table.set_index("attribute").loc["a"], table.set_index("attribute").loc["b"]
    assert a["rank"] == 1 and a["higher_among"] == "unexplored"
    assert a["coefficient_lo"] > 0 and a["importance_lo"] > 0.1
    assert b["importance"] < 0.05 and b["coefficient_lo"] < 0 < b["coefficient_hi"]
    assert a["odds_ratio"] == pytest.approx(math.exp(a["coefficient"]))
    assert models["unexplored"]["auc"] > 0.95 and models["unexplored"]["top"][0] == "a"
    again, _ = tier_drivers(panel, tiers, seed=0, n_boot=20)
    pd.testing.assert_frame_equal(table, again)  # seeded


# ---- ERRC calls with their uncertainty and their segments -----------------------------------

def _one_factor(perf: float, perf_t2b: float, tiers: dict, perf_interval=(None, None),
                segments: dict | None = None) -> pd.DataFrame:
    """A gaps table for one factor: tier -> (importance, lo, hi, t2b); segments likewise
    with their weighted size."""
    lo, hi = perf_interval
    rows = [{"group": "all", "attribute": "f", "importance": 5.0, "performance": perf,
             "importance_t2b": 5.0, "performance_t2b": perf_t2b,
             "performance_lo": perf - 0.2 if lo is None else lo,
             "performance_hi": perf + 0.2 if hi is None else hi, "importance_lo": 4.0,
             "importance_hi": 6.0, "low_base": False, "weighted_n": 100.0}]
    for group, (imp, imp_lo, imp_hi, t2b, size) in {**tiers, **(segments or {})}.items():
        rows.append({"group": group, "attribute": "f", "importance": imp, "performance": np.nan,
                     "importance_t2b": t2b, "performance_t2b": np.nan, "importance_lo": imp_lo,
                     "importance_hi": imp_hi, "low_base": False, "weighted_n": size})
    return pd.DataFrame(rows)


TIERS3 = {"soon-to-be": 20.0, "refusing": 30.0, "unexplored": 50.0}


def test_a_create_threshold_coin_toss_is_borderline():
    # every tier rates it 5.92 (interval 5.62-6.22): raise (5.92 - 2 >= 1.5) but the create
    # threshold 6.0 lies inside the interval, so the call is a coin toss
    tiers = {t: (5.92, 5.62, 6.22, 5.0, s) for t, s in TIERS3.items()}
    _, evidence, _ = errc_grid(_one_factor(2.0, 1.0, tiers), TIERS3)
    ev = evidence["f"]
    assert ev["action"] == "raise" and ev["confidence"] == "borderline"
    assert "would make it create" in ev["borderline_because"]
    # far from every threshold: clear
    tiers = {t: (8.0, 7.7, 8.3, 8.0, s) for t, s in TIERS3.items()}
    _, evidence, _ = errc_grid(_one_factor(2.0, 1.0, tiers), TIERS3)
    assert evidence["f"]["action"] == "create" and evidence["f"]["confidence"] == "clear"
    assert evidence["f"]["borderline_because"] is None


def test_a_near_miss_on_opportunity_is_borderline_too():
    # opportunity 5.8 + (5.8 - 0) = 11.6 < 12 in every tier; importance 4.5 against 4.0
    # delivered is not "concentrate here": no call, but 5 more top-box points would make it
    tiers = {t: (4.5, 4.3, 4.7, 5.8, s) for t, s in TIERS3.items()}
    _, evidence, _ = errc_grid(_one_factor(4.0, 0.0, tiers), TIERS3)
    ev = evidence["f"]
    assert ev["action"] is None and ev["confidence"] == "borderline"
    assert "top-box importance moved by +0.5 would make it raise" in ev["borderline_because"]


def test_segments_that_want_a_factor_the_tier_means_average_away():
    # tiers rate it 4.5 (nothing to call), but one segment in each tier rates it 7
    tiers = {t: (4.5, 4.2, 4.8, 3.0, s) for t, s in TIERS3.items()}
    segments = {"soon-to-be-2": (7.0, 6.0, 8.0, 7.0, 5.0), "refusing-1": (7.2, 6.5, 7.9, 7.5, 9.0),
                "unexplored-3": (4.0, 3.0, 5.0, 2.0, 20.0)}
    _, evidence, _ = errc_grid(_one_factor(2.0, 1.0, tiers, segments=segments), TIERS3)
    ev = evidence["f"]
    assert ev["action"] is None
    calls = {c["segment"]: c for c in ev["segment_calls"]}
    assert set(calls) == {"soon-to-be-2", "refusing-1"}  # unexplored-3 does not want it
    assert calls["soon-to-be-2"]["call"] == "create"      # 7 >= 6 and delivered 2 < 3.5
    assert calls["refusing-1"]["share_of_noncustomers"] == pytest.approx(9 / 100)


def test_the_bootstraps_lean_rederivation_matches_the_full_pipeline(gym_panel_path,
                                                                    gym_schema_path):
    """The curve test re-derives the curves 200 times through a lean path; on the real
    weights it must give what attribute_gaps -> errc_grid -> the canvas curves give."""
    from noncustomers import read_panel
    from noncustomers.analysis import _rederive
    from noncustomers.analytics.canvas import industry_curve, proposed_curve
    from noncustomers.analytics.errc import ErrcRules
    from noncustomers.analytics.gaps import attribute_gaps
    from noncustomers.tiers import assign_tiers

    panel = read_panel(gym_panel_path, gym_schema_path)
    tiers = assign_tiers(panel)
    offered = {n: a.offered for n, a in panel.schema.attributes.items()}
    masks = {"all": np.ones(len(panel), bool),
             **{t: (tiers == t).to_numpy() for t in panel.schema.tier_names}}
    rng = np.random.default_rng(0)
    for weights in (panel.weights, panel.weights * rng.integers(0, 3, len(panel))):
        resampled = dataclasses.replace(panel, weights=weights)
        sizes = {t: float(weights[(tiers == t).to_numpy()].sum())
                 for t in ("soon-to-be", "refusing", "unexplored")}
        _, evidence, _ = errc_grid(attribute_gaps(resampled, masks), sizes, ErrcRules(), offered)
        industry = industry_curve(attribute_gaps(resampled, masks), offered)
        lean_industry, lean_curve = _rederive(panel, tiers, ErrcRules(), offered)(weights)
        assert lean_industry == pytest.approx(industry, rel=1e-12, abs=1e-12)
        assert lean_curve == pytest.approx(proposed_curve(industry, evidence), rel=1e-12,
                                           abs=1e-12)
