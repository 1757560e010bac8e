"""Weighted statistics and the gaps table, against hand-computed numbers (the ERRC grid is
in test_blue_ocean.py)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from noncustomers.analysis import analyze
from noncustomers.analytics import (GAP_COLUMNS, rescale, strategy_canvas, top_box_share,
                                    weighted_mean)
from noncustomers.analytics.weighted import top_box_threshold
from noncustomers.panel import panel_from_frame
from noncustomers.schema import parse_schema

# ---- weighted statistics ---------------------------------------------------------------------


def test_rescale_1_5_to_0_10():
    np.testing.assert_allclose(rescale([1, 2, 3, 4, 5], (1, 5)), [0, 2.5, 5, 7.5, 10])


def test_rescale_other_scales_and_nan():
    np.testing.assert_allclose(rescale([1, 4, 7], (1, 7)), [0, 5, 10])
    np.testing.assert_allclose(rescale([0, 1], (0, 1)), [0, 10])
    out = rescale([np.nan, 3], (1, 5))
    assert np.isnan(out[0]) and out[1] == 5


def test_weighted_mean_skips_nan():
    # (1*1 + 3*3) / (1 + 3) = 2.5; the NaN's weight 5 is left out
    assert weighted_mean(np.array([1.0, 3.0, np.nan]), np.array([1.0, 3.0, 5.0])) == 2.5
    # unweighted: (2 + 4 + 9) / 3 = 5
    assert weighted_mean(np.array([2.0, 4.0, 9.0]), np.ones(3)) == 5.0


def test_weighted_mean_all_missing_is_nan():
    assert math.isnan(weighted_mean(np.array([np.nan, np.nan]), np.array([1.0, 2.0])))
    assert math.isnan(weighted_mean(np.array([]), np.array([])))


@pytest.mark.parametrize("scale, first_top_point", [((1, 5), 4), ((1, 7), 6), ((0, 1), 1),
                                                    ((0, 10), 8), ((1, 10), 8)])
def test_top_box_threshold(scale, first_top_point):
    # The top box is the top quarter of the scale: its lowest scale point is 4 on 1-5,
    # 6 on 1-7 and 1 on 0/1.
    lo, hi = scale
    threshold = top_box_threshold(scale)
    assert first_top_point - 1 < threshold <= first_top_point
    points = np.arange(lo, hi + 1, dtype=float)
    in_top = [top_box_share(np.array([p]), np.ones(1), scale) == 1.0 for p in points]
    assert [p for p, top in zip(points, in_top) if top] == list(range(first_top_point, hi + 1))


def test_top_box_threshold_on_1_5_is_exactly_4():
    assert top_box_threshold((1, 5)) == 4


def test_top_box_share_weighted_with_nan():
    values = np.array([5.0, 4.0, 3.0, np.nan, 1.0])
    weights = np.array([1.0, 2.0, 3.0, 10.0, 4.0])
    # top box (>= 4): weights 1 + 2 = 3 of the non-missing 1 + 2 + 3 + 4 = 10
    assert top_box_share(values, weights, (1, 5)) == pytest.approx(0.3)
    assert math.isnan(top_box_share(np.array([np.nan]), np.ones(1), (1, 5)))


# ---- the gaps table on a hand-built panel ----------------------------------------------------

SCHEMA = """
id = "id"
weight = "w"
missing = [9]

[tiers]
customers  = "member == 'yes'"
unexplored = "true"

[attributes]
price = { importance = "imp_price", performance = "perf_price", scale = [1, 5], missing = [6] }
hours = { performance = "perf_hours", scale = [1, 5] }
"""

# price on 1-5 rescales to 0-10 as 1->0, 2->2.5, 3->5, 4->7.5, 5->10.
#        id   w  member  imp_price            perf_price             perf_hours
ROWS = [("r1", 1, "yes", 5, 4, 3),
        ("r2", 2, "yes", 3, 4, 5),
        ("r3", 1, "no", 9, 5, 1),          # imp 9 = schema-wide "don't know"
        ("r4", 3, "no", 4, None, 4),       # perf blank
        ("r5", 1, "no", 1, 6, 2),          # perf 6 = price's own "not applicable"
        ("r6", 2, "no", None, 3, 5)]       # imp blank


@pytest.fixture(scope="module")
def tiny_panel_result():
    frame = pd.DataFrame(ROWS, columns=["id", "w", "member", "imp_price", "perf_price",
                                        "perf_hours"])
    panel = panel_from_frame(frame, parse_schema(SCHEMA))
    result = analyze(panel, map=None, k=1)
    assert result.tiers.tolist() == ["customers"] * 2 + ["unexplored"] * 4
    return result


@pytest.fixture(scope="module")
def gaps(tiny_panel_result) -> pd.DataFrame:
    return tiny_panel_result.gaps


def _row(gaps: pd.DataFrame, group: str, attribute: str) -> dict:
    hit = gaps[(gaps["group"] == group) & (gaps["attribute"] == attribute)]
    assert len(hit) == 1
    return hit.iloc[0].to_dict()


def test_gaps_columns_and_groups(gaps):
    # The foundation contract's columns first, in order; later columns are appended.
    assert list(gaps.columns) == GAP_COLUMNS
    assert GAP_COLUMNS[:10] == [
        "group", "attribute", "importance", "performance", "gap", "importance_t2b",
        "performance_t2b", "opportunity", "n", "weighted_n"]
    assert GAP_COLUMNS[10:] == ["n_eff", "importance_lo", "importance_hi", "performance_lo",
                                "performance_hi", "low_base", "quadrant", "opportunity_band",
                                "importance_source"]
    assert set(gaps["importance_source"]) <= {"stated", ""}  # no [importance] derived_from
    # all, then the tiers, then the segments (k=1: one per tier); attributes in schema order
    assert gaps["group"].tolist() == [g for g in ("all", "customers", "unexplored",
                                                  "customers-1", "unexplored-1")
                                      for _ in range(2)]
    assert gaps["attribute"].tolist() == ["price", "hours"] * 5


def _expect(row: dict, **expected) -> None:
    for key, value in expected.items():
        assert row[key] == pytest.approx(value, abs=1e-12), key


def test_gaps_all(gaps):
    # All 6 rows; weights 1, 2, 1, 3, 1, 2 -> weighted_n = 10.
    # importance answered by r1 (5 -> 10, w1), r2 (3 -> 5, w2), r4 (4 -> 7.5, w3),
    #   r5 (1 -> 0, w1): (10 + 10 + 22.5 + 0) / (1 + 2 + 3 + 1) = 42.5 / 7 = 6.0714...
    # performance by r1 (4 -> 7.5, w1), r2 (4 -> 7.5, w2), r3 (5 -> 10, w1), r6 (3 -> 5, w2):
    #   (7.5 + 15 + 10 + 10) / 6 = 42.5 / 6 = 7.0833...
    # importance t2b (>= 4): r1 + r4 = 1 + 3 of 7 -> 4/7 * 10 = 40/7 = 5.714...
    # performance t2b: r1 + r2 + r3 = 4 of 6 -> 20/3 = 6.667
    # opportunity = 40/7 + max(40/7 - 20/3, 0) = 40/7 (the gap term is negative, clamped)
    _expect(_row(gaps, "all", "price"),
            importance=42.5 / 7, performance=42.5 / 6, gap=42.5 / 7 - 42.5 / 6,
            importance_t2b=40 / 7, performance_t2b=20 / 3, opportunity=40 / 7,
            n=6, weighted_n=10.0)


def test_gaps_tier_unexplored(gaps):
    # r3..r6, weights 1, 3, 1, 2 -> n 4, weighted_n 7.
    # importance: r4 (7.5, w3), r5 (0, w1): 22.5 / 4 = 5.625   (r3 is code 9, r6 blank)
    # performance: r3 (10, w1), r6 (5, w2): 20 / 3 = 6.667   (r4 blank, r5 is code 6)
    # gap = 5.625 - 20/3 = -1.0417
    # importance t2b: r4 -> 3/4 -> 7.5; performance t2b: r3 -> 1/3 -> 3.333
    # opportunity = 7.5 + max(7.5 - 10/3, 0) = 15 - 10/3 = 11.667
    _expect(_row(gaps, "unexplored", "price"),
            importance=5.625, performance=20 / 3, gap=5.625 - 20 / 3,
            importance_t2b=7.5, performance_t2b=10 / 3, opportunity=15 - 10 / 3,
            n=4, weighted_n=7.0)
    # with k=1 the single segment holds the same rows as its tier
    seg = _row(gaps, "unexplored-1", "price")
    tier = _row(gaps, "unexplored", "price")
    assert seg.pop("group") == "unexplored-1" and tier.pop("group") == "unexplored"
    assert seg == pytest.approx(tier)


def test_gaps_tier_customers(gaps):
    # r1 (w1), r2 (w2) -> n 2, weighted_n 3.
    # importance: (10*1 + 5*2) / 3 = 20/3; performance: (7.5*1 + 7.5*2) / 3 = 7.5
    # importance t2b: r1 -> 1/3 -> 3.333; performance t2b: both -> 10
    # opportunity = 10/3 + max(10/3 - 10, 0) = 10/3
    _expect(_row(gaps, "customers", "price"),
            importance=20 / 3, performance=7.5, gap=20 / 3 - 7.5,
            importance_t2b=10 / 3, performance_t2b=10.0, opportunity=10 / 3,
            n=2, weighted_n=3.0)


def test_attribute_with_only_performance(gaps):
    # hours, all: 3, 5, 1, 4, 2, 5 -> 5, 10, 0, 7.5, 2.5, 10 with weights 1, 2, 1, 3, 1, 2:
    #   (5 + 20 + 0 + 22.5 + 2.5 + 20) / 10 = 7.0; t2b: r2 + r4 + r6 = 7 of 10 -> 7.0
    row = _row(gaps, "all", "hours")
    _expect(row, performance=7.0, performance_t2b=7.0, n=6, weighted_n=10.0)
    for key in ("importance", "gap", "importance_t2b", "opportunity"):
        assert math.isnan(row[key]), key
    # customers: (5*1 + 10*2) / 3 = 25/3; t2b: r2 -> 2/3 -> 20/3
    _expect(_row(gaps, "customers", "hours"), performance=25 / 3, performance_t2b=20 / 3)


def test_strategy_canvas_from_gaps(gaps):
    canvas = strategy_canvas(gaps, ["customers", "unexplored"])
    assert list(canvas.columns) == ["curve", "attribute", "level"]
    industry = canvas[canvas["curve"] == "industry offering"].set_index("attribute")["level"]
    assert industry["price"] == pytest.approx(42.5 / 6)
    assert industry["hours"] == pytest.approx(7.0)
    unexplored = canvas[canvas["curve"] == "unexplored"].set_index("attribute")["level"]
    assert unexplored["price"] == pytest.approx(5.625)
    assert math.isnan(unexplored["hours"])


def test_effective_base_and_interval_by_hand(gaps):
    # customers = rows 001 and 002, weights 1 and 2: n_eff = (1 + 2)^2 / (1 + 4) = 1.8
    row = _row(gaps, "customers", "price")
    assert row["n_eff"] == pytest.approx(1.8)
    assert bool(row["low_base"])
    # importance 5 and 3 on 1-5 -> 10 and 5 on 0-10; weighted mean (10 + 2*5) / 3 = 6.667
    # Taylor variance n/(n-1) sum w^2 (y - m)^2 / (sum w)^2
    #   = 2 * (1 * (10/3)^2 + 4 * (5/3)^2) / 9 = 400/81; half width 1.96 * 20/9 = 4.3555
    half = 1.959963984540054 * 20 / 9
    assert row["importance_lo"] == pytest.approx(20 / 3 - half)
    assert row["importance_hi"] == pytest.approx(20 / 3 + half)
    # all 6 respondents, weights 1,2,1,3,1,2: n_eff = 10^2 / 20 = 5
    assert _row(gaps, "all", "price")["n_eff"] == pytest.approx(5.0)


@pytest.mark.parametrize(("importance", "performance", "expected"), [
    (8.0, 3.0, "concentrate here"), (8.0, 7.0, "keep up"), (2.0, 3.0, "low priority"),
    (2.0, 7.0, "possible overkill"), (5.0, 5.0, "keep up"), (np.nan, 5.0, "")])
def test_quadrants_at_the_midpoint(importance, performance, expected):
    from noncustomers.analytics.gaps import quadrant

    assert quadrant(importance, performance) == expected


@pytest.mark.parametrize(("opportunity", "band"), [(15.01, "extreme"), (15.0, "high"),
                                                   (12.0, "high"), (11.99, "solid"),
                                                   (10.0, "solid"), (9.99, "low"),
                                                   (np.nan, "")])
def test_opportunity_bands_after_ulwick(opportunity, band):
    from noncustomers.analytics.gaps import opportunity_band

    assert opportunity_band(opportunity) == band


def test_mean_crosshair_uses_the_group_means(tiny_panel_result):
    from noncustomers.analytics.gaps import attribute_gaps, group_masks

    result = tiny_panel_result
    masks = group_masks(result.tiers, result.segments, result.tier_order)
    table = attribute_gaps(result.panel, masks, crosshair="mean")
    # Only price has both ratings: its importance is the group's mean importance (>= holds);
    # the performance crosshair is the mean of price's and hours' performance.
    for group, rows in table.groupby("group"):
        price = rows.set_index("attribute").loc["price"]
        if np.isnan(price["performance"]) or np.isnan(price["importance"]):
            assert price["quadrant"] == ""
            continue
        cross = rows["performance"].mean()
        expected = "keep up" if price["performance"] >= cross else "concentrate here"
        assert price["quadrant"] == expected, group
    assert (table["quadrant"] == "concentrate here").any()  # differs from the midpoint rule
    with pytest.raises(ValueError, match="crosshair"):
        attribute_gaps(result.panel, masks, crosshair="median")


def test_mean_and_share_intervals_match_samplics_when_weights_relate_to_answers():
    """Taylor (linearised) standard errors against samplics, a survey package, on a sample
    whose weights depend on the answer (the case Kish's design effect gets wrong)."""
    import warnings

    from conftest import korn_graubard_wilson
    from noncustomers.analytics.weighted import (Z95, mean_interval, taylor_share_interval,
                                                 taylor_variance)

    rng = np.random.default_rng(11)
    group = rng.random(400) < 0.3
    y = np.where(group, rng.normal(7, 3, 400), rng.normal(4, 1, 400))
    w = np.where(group, 4.0, 1.0) * rng.uniform(0.8, 1.2, 400)
    y[::37] = np.nan  # missing answers are left out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from samplics.estimation import TaylorEstimator
        from samplics.utils.types import PopParam

        est = TaylorEstimator(PopParam.mean)
        ok = ~np.isnan(y)
        est.estimate(y=y[ok], samp_weight=w[ok])
    assert taylor_variance(y, w) ** 0.5 == pytest.approx(float(est.stderror), rel=1e-10)
    lo, hi = mean_interval(y, w)
    assert (lo, hi) == pytest.approx((float(est.point_est) - Z95 * float(est.stderror),
                                      float(est.point_est) + Z95 * float(est.stderror)))
    top = np.where(np.isnan(y), np.nan, (y >= 6).astype(float))
    assert taylor_share_interval(top, w) == pytest.approx(korn_graubard_wilson(top, w))
