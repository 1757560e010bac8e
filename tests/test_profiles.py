"""Segment profiles: figures, index, weighted tests and BH, against hand or independent numbers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from noncustomers import DataError, panel_from_frame, parse_schema
from noncustomers.analytics import segment_profiles as _segment_profiles
from noncustomers.analytics.profiles import PROFILE_COLUMNS, kish_n_eff

def segment_profiles(*args, **kwargs):
    """Every variable tested: these segments are made by hand, not from their basis."""
    kwargs.setdefault("describe_only", ())
    return _segment_profiles(*args, **kwargs)


# A tiny weighted panel: one basis column (imp_a, code 9 = don't know), a numeric profile
# column (age) and a text one (kids, one empty answer).
SCHEMA = """\
id = "rid"
weight = "w"
missing = [9]

[tiers]
customers  = "member == 'yes'"
unexplored = "true"

[segmentation]
basis = ["imp_*"]
profile = ["age", "kids"]
"""

FRAME = pd.DataFrame({
    "rid":    ["1", "2", "3", "4", "5", "6", "7", "8"],
    "w":      [1, 2, 1, 2, 1, 3, 1, 1],
    "member": ["yes", "yes", "no", "no", "no", "no", "no", "no"],
    "imp_a":  [5, 4, 9, 2, 1, 3, 2, 5],
    "age":    [30, 40, 50, 20, 60, 35, 45, 25],
    "kids":   ["yes", "no", "yes", "no", None, "yes", "no", "maybe"],
})
# Hand-made labels; unexplored-2 comes first in the data, row 8 is unclassified.
TIERS = pd.Series(["customers"] * 2 + ["unexplored"] * 5 + ["unclassified"])
SEGMENTS = pd.Series(["customers-1", "customers-1", "unexplored-2", "unexplored-2",
                      "unexplored-2", "unexplored-1", "unexplored-1", "unclassified"])


@pytest.fixture(scope="module")
def tiny():
    return panel_from_frame(FRAME, parse_schema(SCHEMA))


@pytest.fixture(scope="module")
def tiny_table(tiny):
    return segment_profiles(tiny, TIERS, SEGMENTS)


def cell(table, segment, variable, level=""):
    rows = table[(table.segment == segment) & (table.variable == variable) & (table.level == level)]
    assert len(rows) == 1, (segment, variable, level)
    return rows.iloc[0]


# ---- shape and order -------------------------------------------------------------------------


def test_columns_and_order(tiny_table):
    assert list(tiny_table.columns) == PROFILE_COLUMNS
    assert PROFILE_COLUMNS == ["segment", "variable", "level", "value", "total", "index",
                               "p_value", "significant", "q_value", "basis", "label"]
    # Segments by tier then number (unexplored-1 before unexplored-2 although it comes later in
    # the data); unclassified skipped; variables = basis then profile columns; kids levels by
    # descending total share, the tie no/yes (5/11 each) alphabetically, then maybe (1/11).
    expected = []
    for seg in ["customers-1", "unexplored-1", "unexplored-2"]:
        expected += [(seg, "imp_a", ""), (seg, "age", ""), (seg, "kids", "no"),
                     (seg, "kids", "yes"), (seg, "kids", "maybe")]
    assert list(tiny_table[["segment", "variable", "level"]].itertuples(index=False,
                                                                        name=None)) == expected
    assert set(tiny_table["significant"]) <= {True, False}  # every row tested here
    assert not tiny_table["basis"].any()


def test_variables_argument_keeps_given_order(tiny):
    table = segment_profiles(tiny, TIERS, SEGMENTS, variables=["kids", "imp_a"])
    assert list(table.variable[table.segment == "customers-1"]) == ["kids"] * 3 + ["imp_a"]


# ---- figures and index -----------------------------------------------------------------------


def test_numeric_basis_value_total_index(tiny_table):
    # imp_a with 9 -> missing (row 3 left out); weights 1,2,1,2,1,3,1,1.
    # total: rows 1,2,4,5,6,7,8: sum w = 11, sum wx = 5+8+4+1+9+2+5 = 34  -> 34/11
    total = 34 / 11
    # customers-1 (rows 1,2): (5*1 + 4*2) / 3 = 13/3; index = 100 * (13/3) / (34/11) = 14300/102
    row = cell(tiny_table, "customers-1", "imp_a")
    assert row.value == pytest.approx(13 / 3)
    assert row.total == pytest.approx(total)
    assert row["index"] == pytest.approx(14300 / 102)
    # unexplored-2 (rows 3,4,5; row 3 missing): (2*2 + 1*1) / 3 = 5/3; index = 5500/102
    row = cell(tiny_table, "unexplored-2", "imp_a")
    assert row.value == pytest.approx(5 / 3)
    assert row["index"] == pytest.approx(5500 / 102)
    # unexplored-1 (rows 6,7): (3*3 + 2*1) / 4 = 11/4; index = 100 * 121 / 136
    assert cell(tiny_table, "unexplored-1", "imp_a")["index"] == pytest.approx(12100 / 136)


def test_numeric_profile_from_data(tiny_table):
    # age (no missing-code cleaning on profile columns): total sum w = 12,
    # sum wx = 30 + 80 + 50 + 40 + 60 + 105 + 45 + 25 = 435 -> 36.25
    row = cell(tiny_table, "unexplored-2", "age")
    # unexplored-2 (rows 3,4,5): (50*1 + 20*2 + 60*1) / 4 = 37.5; index = 100 * 37.5 / 36.25
    assert (row.value, row.total) == (pytest.approx(37.5), pytest.approx(36.25))
    assert row["index"] == pytest.approx(3750 / 36.25)


def test_categorical_shares_and_index(tiny_table):
    # kids, answered by rows 1,2,3,4,6,7,8 (row 5 empty): sum w = 11;
    # yes = rows 1,3,6 -> 1+1+3 = 5/11; no = rows 2,4,7 -> 2+2+1 = 5/11; maybe = row 8 -> 1/11
    yes = cell(tiny_table, "unexplored-1", "kids", "yes")
    # unexplored-1 (rows 6,7; w 3,1): yes 3/4, no 1/4, maybe 0; index yes = 100 * (3/4) / (5/11)
    assert yes.value == pytest.approx(3 / 4)
    assert yes.total == pytest.approx(5 / 11)
    assert yes["index"] == pytest.approx(165.0)
    assert cell(tiny_table, "unexplored-1", "kids", "no").value == pytest.approx(1 / 4)
    maybe = cell(tiny_table, "unexplored-1", "kids", "maybe")
    assert (maybe.value, maybe.total, maybe["index"]) == (0.0, pytest.approx(1 / 11), 0.0)
    # customers-1 (rows 1,2; w 1,2): no 2/3 -> index 100 * (2/3) / (5/11) = 2200/15
    assert cell(tiny_table, "customers-1", "kids", "no")["index"] == pytest.approx(2200 / 15)
    # unexplored-2: row 5 (empty) left out -> rows 3,4 (w 1,2): yes 1/3, no 2/3
    assert cell(tiny_table, "unexplored-2", "kids", "yes").value == pytest.approx(1 / 3)
    # shares of one segment add up to 1 over the levels
    for seg in ["customers-1", "unexplored-1", "unexplored-2"]:
        assert tiny_table.query("segment == @seg and variable == 'kids'").value.sum() == \
            pytest.approx(1.0)


def test_index_empty_when_total_is_zero(tiny):
    frame = FRAME.assign(zero=0.0)
    schema = parse_schema(SCHEMA.replace('"kids"]', '"kids", "zero"]'))
    table = segment_profiles(panel_from_frame(frame, schema), TIERS, SEGMENTS,
                             variables=["zero"])
    assert (table.total == 0).all() and table["index"].isna().all()
    # both sides constant and equal: no evidence of a difference
    assert (table.p_value == 1.0).all() and not table.significant.any()


def test_kish_effective_size():
    assert kish_n_eff(np.ones(7)) == pytest.approx(7)
    # (1 + 2)^2 / (1 + 4) = 9/5
    assert kish_n_eff(np.array([1.0, 2.0])) == pytest.approx(1.8)
    assert kish_n_eff(np.array([])) == 0.0


# ---- tests against hand and independent computations ----------------------------------------


def test_weighted_welch_by_hand(tiny_table):
    # customers-1 vs the rest on imp_a.
    # segment: x = 5, 4; w = 1, 2: mean 13/3, V1 = 3, V2 = 5, n_eff = 9/5;
    #   sum w (x - m)^2 = 1 (2/3)^2 + 2 (1/3)^2 = 2/3; variance = (2/3) / (V1 - V2/V1) = 1/2
    # rest (rows 4..8, row 3 missing; the unclassified row 8 counts): x = 2,1,3,2,5; w = 2,1,3,1,1:
    #   mean 21/8, V1 = 8, V2 = 16, n_eff = 4; sum w (x - m)^2 = 9.875; variance = 9.875 / 6
    a, b = 0.5 / 1.8, (9.875 / 6) / 4
    t = (13 / 3 - 21 / 8) / math.sqrt(a + b)
    df = (a + b) ** 2 / (a ** 2 / 0.8 + b ** 2 / 3)
    expected = 2 * stats.t.sf(t, df)
    assert cell(tiny_table, "customers-1", "imp_a").p_value == pytest.approx(expected, rel=1e-12)


def test_weighted_two_proportion_by_hand(tiny_table):
    # customers-1 vs the rest on kids == 'no'.
    # segment: w = 1, 2 -> n_eff = 9/5, share 2/3; rest: rows 3,4,6,7,8 (row 5 empty),
    # w = 1,2,3,1,1 -> n_eff = 64/16 = 4, share (2 + 1)/8 = 3/8.
    # pooled = (1.8 * 2/3 + 4 * 3/8) / 5.8 = 2.7 / 5.8
    pooled = 2.7 / 5.8
    z = (2 / 3 - 3 / 8) / math.sqrt(pooled * (1 - pooled) * (1 / 1.8 + 1 / 4))
    expected = math.erfc(z / math.sqrt(2))  # two-sided normal tail
    assert cell(tiny_table, "customers-1", "kids", "no").p_value == pytest.approx(expected,
                                                                                rel=1e-12)


UNWEIGHTED_SCHEMA = """\
id = "rid"

[tiers]
customers = "true"

[segmentation]
basis = ["imp_*"]
profile = ["group"]
"""


def two_segment_panel(imp, group, weights=None, seg_a=None):
    """Two segments, customers-1 (the first ``seg_a`` rows) and customers-2 (the rest)."""
    n = len(imp)
    seg_a = n // 2 if seg_a is None else seg_a
    frame = pd.DataFrame({"rid": [str(i) for i in range(n)], "imp_x": imp, "group": group})
    schema_text = UNWEIGHTED_SCHEMA
    if weights is not None:
        frame["w"] = weights
        schema_text = 'weight = "w"\n' + schema_text
    panel = panel_from_frame(frame, parse_schema(schema_text))
    tiers = pd.Series(["customers"] * n)
    segments = pd.Series(["customers-1"] * seg_a + ["customers-2"] * (n - seg_a))
    return panel, tiers, segments


def test_unweighted_means_match_scipy_welch():
    rng = np.random.default_rng(1)
    a, b = rng.normal(3.2, 0.7, 40), rng.normal(3.0, 1.4, 70)
    group = np.where(rng.random(110) < 0.5, "x", "y")
    panel, tiers, segments = two_segment_panel(np.r_[a, b], group, seg_a=40)
    table = segment_profiles(panel, tiers, segments, variables=["imp_x"])
    # without weights n_eff = n, and the rest of customers-1 is exactly customers-2
    expected = stats.ttest_ind(a, b, equal_var=False).pvalue
    np.testing.assert_allclose(table.p_value, [expected, expected], rtol=1e-9)


def test_unweighted_shares_match_chi_square():
    rng = np.random.default_rng(2)
    group = np.r_[np.where(rng.random(60) < 0.6, "x", "y"),
                  np.where(rng.random(90) < 0.45, "x", "y")]
    panel, tiers, segments = two_segment_panel(rng.normal(size=150), group, seg_a=60)
    table = segment_profiles(panel, tiers, segments, variables=["group"])
    counts = [[(group[:60] == "x").sum(), (group[:60] == "y").sum()],
              [(group[60:] == "x").sum(), (group[60:] == "y").sum()]]
    # the pooled two-proportion z-test is the 2x2 Pearson chi-square without continuity correction
    expected = stats.chi2_contingency(counts, correction=False).pvalue
    np.testing.assert_allclose(table.p_value, expected, rtol=1e-9)


def test_weights_scale_free_and_discount_unequal_weights():
    rng = np.random.default_rng(3)
    imp = np.r_[rng.normal(3.3, 1, 100), rng.normal(3.0, 1, 100)]
    group = np.where(rng.random(200) < 0.5, "x", "y")
    weights = rng.uniform(0.2, 3.0, 200)
    base = segment_profiles(*two_segment_panel(imp, group, weights))
    doubled = segment_profiles(*two_segment_panel(imp, group, weights * 2))
    pd.testing.assert_frame_equal(base, doubled)
    # unequal weights shrink n_eff, so the same weighted difference is less significant than it
    # would be with the raw n: recompute the mean test pretending n_eff = n.
    row = base.iloc[0]
    w_a, w_b, x_a, x_b = weights[:100], weights[100:], imp[:100], imp[100:]

    def mean_var(x, w, n):
        m = np.average(x, weights=w)
        return m, np.average((x - m) ** 2, weights=w) * n / (n - 1)

    n_a, n_b = kish_n_eff(w_a), kish_n_eff(w_b)
    assert n_a < 100 and n_b < 100
    (m_a, v_a), (m_b, v_b) = mean_var(x_a, w_a, n_a), mean_var(x_b, w_b, n_b)
    a, b = v_a / n_a, v_b / n_b
    t = (m_a - m_b) / math.sqrt(a + b)
    df = (a + b) ** 2 / (a ** 2 / (n_a - 1) + b ** 2 / (n_b - 1))
    assert row.p_value == pytest.approx(2 * stats.t.sf(abs(t), df), rel=1e-9)
    (_, v_a100), (_, v_b100) = mean_var(x_a, w_a, 100), mean_var(x_b, w_b, 100)
    naive = 2 * stats.norm.sf(abs(m_a - m_b) / math.sqrt(v_a100 / 100 + v_b100 / 100))
    assert row.p_value > naive


def test_planted_difference_is_significant_and_no_difference_is_not():
    rng = np.random.default_rng(4)
    n = 300
    seg_vals = rng.normal(3.0, 1.0, n)
    # imp_x: the rest is the same answers shifted by +0.6 (planted); no difference in imp_same:
    # the rest answers exactly what the segment answers, in another order.
    frame = pd.DataFrame({
        "rid": [str(i) for i in range(2 * n)],
        "imp_x": np.r_[seg_vals, seg_vals + 0.6],
        "imp_same": np.r_[seg_vals, rng.permutation(seg_vals)],
        "group": ["x"] * 210 + ["y"] * 90 + ["x"] * 120 + ["y"] * 180,       # 70% vs 40%
        "flat": ["x", "y"] * n,                                                # 50% vs 50%
    })
    panel = panel_from_frame(frame, parse_schema(UNWEIGHTED_SCHEMA.replace(
        'profile = ["group"]', 'profile = ["group", "flat"]')))
    tiers = pd.Series(["customers"] * (2 * n))
    segments = pd.Series(["customers-1"] * n + ["customers-2"] * n)
    table = segment_profiles(panel, tiers, segments)
    seg1 = table[table.segment == "customers-1"].set_index(["variable", "level"])
    assert seg1.loc[("imp_x", ""), "significant"]
    assert seg1.loc[("imp_x", ""), "p_value"] < 1e-6
    assert seg1.loc[("group", "x"), "significant"] and seg1.loc[("group", "y"), "significant"]
    assert not seg1.loc[("imp_same", ""), "significant"]
    assert seg1.loc[("imp_same", ""), "p_value"] == pytest.approx(1.0)
    assert not seg1.loc[("flat", "x"), "significant"]
    assert seg1.loc[("flat", "x"), "p_value"] == pytest.approx(1.0)


def test_significance_is_benjamini_hochberg_over_the_table(tiny_table, sample_table):
    for table in (tiny_table, sample_table):
        p = table.p_value.to_numpy()
        ok = ~np.isnan(p)
        q = stats.false_discovery_control(p[ok], method="bh")
        np.testing.assert_array_equal(table.significant.to_numpy()[ok], q < 0.05)
        assert not table.significant.to_numpy()[~ok].any()


def test_significant_uses_the_adjusted_q_not_the_raw_p():
    # One real but small difference (rest = segment + 0.18, equal variances, n = 300 per side:
    # t = 0.18 / sqrt(2 s^2 / 300), raw p about 0.03) among 20 exact null variables (p = 1).
    # BH: q = p * 21 / 1 > 0.05, so the cell is not significant although p < 0.05.
    rng = np.random.default_rng(5)
    n = 300
    vals = rng.normal(3.0, 1.0, n)
    data = {"rid": [str(i) for i in range(2 * n)], "imp_small": np.r_[vals, vals + 0.18],
            "group": ["x"] * (2 * n)}
    for k in range(20):
        data[f"imp_null{k:02d}"] = np.r_[vals, rng.permutation(vals)]
    panel = panel_from_frame(pd.DataFrame(data), parse_schema(UNWEIGHTED_SCHEMA))
    table = segment_profiles(panel, pd.Series(["customers"] * (2 * n)),
                             pd.Series(["customers-1"] * n + ["customers-2"] * n),
                             variables=[c for c in data if c.startswith("imp_")])
    small = table[(table.segment == "customers-1") & (table.variable == "imp_small")].iloc[0]
    t = 0.18 / math.sqrt(2 * np.var(vals, ddof=1) / n)
    assert small.p_value == pytest.approx(2 * stats.t.sf(t, 2 * n - 2), rel=1e-9)
    assert 0.01 < small.p_value < 0.05
    assert not small.significant
    assert not table.significant.any()


def test_alpha_changes_the_cut(tiny):
    table = segment_profiles(tiny, TIERS, SEGMENTS, alpha=0.5)
    q = stats.false_discovery_control(table.p_value.dropna(), method="bh")
    assert table.significant[table.p_value.notna()].tolist() == list(q < 0.5)


def test_bad_arguments(tiny):
    with pytest.raises(DataError, match="'kidz'.*did you mean 'kids'"):
        segment_profiles(tiny, TIERS, SEGMENTS, variables=["kidz"])
    with pytest.raises(ValueError, match="one label per respondent"):
        segment_profiles(tiny, TIERS[:3], SEGMENTS[:3])
    with pytest.raises(ValueError, match="alpha"):
        segment_profiles(tiny, TIERS, SEGMENTS, alpha=1.5)


# ---- the sample panel -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_table(sample_analysis) -> pd.DataFrame:
    """The profiles of the sample's segments (the session's shared analysis, conftest)."""
    result = sample_analysis
    return _segment_profiles(result.panel, result.tiers, result.segments)


def test_sample_panel_young_parents(sample_analysis, sample_table):
    table = sample_table
    result = sample_analysis
    segments = [s for s in result.segments.unique() if s != "unclassified"]
    tier_rank = {t: i for i, t in enumerate(result.panel.schema.tier_names)}
    expected_order = sorted(segments, key=lambda s: (tier_rank[s.rsplit("-", 1)[0]],
                                                    int(s.rsplit("-", 1)[1])))
    assert list(dict.fromkeys(table.segment)) == expected_order
    childcare = table[(table.variable == "imp_childcare")
                      & table.segment.str.startswith("unexplored-")].set_index("segment")
    parents = childcare.value.idxmax()
    assert childcare.loc[parents, "index"] > 120
    # the segments were built from imp_childcare: described, never tested
    assert childcare["basis"].all() and childcare["p_value"].isna().all()
    assert childcare["significant"].isna().all()
    kids = cell(table, parents, "children_at_home", "yes")
    assert kids["index"] > 100 and not kids["basis"] and kids["significant"]
    # every default variable is there: the basis, then age, gender, children_at_home, income
    assert list(dict.fromkeys(table.variable)) == result.panel.basis + [
        "age", "gender", "children_at_home", "income"]


def test_a_segment_is_not_tested_on_the_basis_it_was_built_from(tiny):
    """Default: basis and tier-rule columns described, not tested, and outside BH."""
    table = _segment_profiles(tiny, TIERS, SEGMENTS)
    basis = table[table.variable == "imp_a"]
    assert basis["basis"].all() and basis["p_value"].isna().all()
    assert basis["q_value"].isna().all() and basis["significant"].isna().all()
    tested = table[~table["basis"]]
    assert tested["p_value"].notna().any()
    # BH over the tested rows only: the same q-values as BH over their p-values alone
    p = tested["p_value"].dropna()
    np.testing.assert_allclose(tested.loc[p.index, "q_value"],
                               stats.false_discovery_control(p, method="bh"))


def test_pure_noise_segments_flag_no_independent_profile_variable():
    """Segments carved out of noise on their basis: the basis is not tested (it would reject
    on every item), and two profile variables drawn independently of everything stay
    unflagged, as their q-values no longer ride on the basis's sure rejections."""
    from noncustomers import analyze

    rng = np.random.default_rng(4)
    n = 600
    data = {"rid": [str(i) for i in range(n)], "group": ["x"] * n,
            "noise_a": rng.normal(0, 1, n), "noise_b": rng.normal(0, 1, n)}
    for k in range(8):
        data[f"imp_{k}"] = rng.normal(5, 2, n)
    schema = UNWEIGHTED_SCHEMA.replace('profile = ["group"]',
                                       'profile = ["noise_a", "noise_b"]\nk = 3')
    panel = panel_from_frame(pd.DataFrame(data), parse_schema(schema))
    result = analyze(panel, seed=0, map=None, stability_runs=0, driver_boot=0,
                      curve_resamples=0)
    table = result.profiles
    basis = table[table.variable.str.startswith("imp_")]
    assert basis["basis"].all() and basis["p_value"].isna().all()
    noise = table[table.variable.isin(["noise_a", "noise_b"])]
    assert (~noise["basis"]).all() and noise["p_value"].notna().all()
    assert not noise["significant"].astype(bool).any()
