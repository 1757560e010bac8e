"""A curve of your own: its ERRC moves, its curve test and its CSV, against hand-computed
values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from noncustomers.analysis import analyze
from noncustomers.analytics.canvas import INDUSTRY_CURVE, read_curve
from noncustomers.analytics.own_curve import (
    curve_csv,
    errc_from_curve,
    own_curve_test,
    read_curve_upload,
)
from noncustomers.errors import DataError
from noncustomers.panel import panel_from_frame
from noncustomers.schema import parse_schema

SCHEMA = """
id = "id"
weight = "w"

[tiers]
customers  = "t == 'c'"
unexplored = "true"

[attributes]
a = { importance = "imp_a", performance = "perf_a", scale = [0, 10] }
b = { importance = "imp_b", performance = "perf_b", scale = [0, 10] }
"""


@pytest.fixture(scope="module")
def small():
    """Five respondents; everyone rates the industry a 4 on a and 6 on b, so its curve is
    {a: 4, b: 6} and each respondent's unmet need follows from their importance alone."""
    rows = [("c", 1, "c", 5, 5, 4, 6), ("u1", 1, "u", 8, 2, 4, 6), ("u2", 2, "u", 2, 8, 4, 6),
            ("u3", 1, "u", 5, 5, 4, 6), ("u4", 1, "u", None, None, 4, 6)]
    frame = pd.DataFrame(rows, columns=["id", "w", "t", "imp_a", "imp_b", "perf_a", "perf_b"])
    panel = panel_from_frame(frame, parse_schema(SCHEMA))
    return analyze(panel, map=None, k=1, stability_runs=0, driver_boot=0, curve_resamples=0)


def test_errc_from_curve_by_hand():
    industry = {"spa": 7.8, "gym": 8.6, "kids": 1.6, "hours": 7.5, "price": 7.0, "new": 0.0}
    curve = {"spa": 0.0, "gym": 5.0, "kids": 6.0, "hours": 9.0, "price": 7.04, "new": 3.0}
    assert errc_from_curve(curve, industry) == {
        "eliminate": ["spa"], "reduce": ["gym"], "raise": ["hours"], "create": ["kids", "new"]}
    # kids at 1.6 is on the market once "hardly offered" is below it; price moved 0.04 < 0.05
    assert errc_from_curve(curve, industry, hardly_offered=1.0)["raise"] == ["kids", "hours"]
    assert errc_from_curve({"price": 7.1}, industry)["raise"] == ["price"]
    # not offered, absent from the industry curve, or no level: create / left out
    assert errc_from_curve({"hours": 9.0, "pool": 4.0, "gym": np.nan}, industry,
                           offered={"hours": False}) == {
        "eliminate": [], "reduce": [], "raise": [], "create": ["hours", "pool"]}
    assert errc_from_curve({"new": 0.0, "kids": 0.0}, industry)["eliminate"] == ["kids"]


def test_own_curve_test_by_hand(small):
    assert small.curves[INDUSTRY_CURVE] == pytest.approx({"a": 4.0, "b": 6.0})
    test = own_curve_test(small, {"a": 8.0, "b": 3.0})
    # unmet need today (curve 4, 6): u1 (8*4 + 2*0)/10 = 3.2, u2 (2*0 + 8*2)/10 = 1.6,
    # u3 (5*1)/10 = 0.5; with (8, 3): 0, (8*5)/10 = 4.0, (5*2)/10 = 1.0: u1 gains 3.2
    # (better), u2 loses 2.4 (worse), u3 loses 0.5 (neither, margin 1); weights 1, 2, 1
    assert test["better_served"]["unexplored"] == pytest.approx(1 / 4)
    assert test["worse_served"]["unexplored"] == pytest.approx(2 / 4)
    assert test["worse_served"]["customers"] == 0.0  # needs 5, 5: loses 0.5
    assert test["offering_level"] == pytest.approx((8 + 3) / (4 + 6))
    assert test["resamples"] == 0 and test["better_served"]["unexplored_lo"] is None
    # a factor left out stays at the industry's level: only u1 gains (3.2), nobody loses
    left_out = own_curve_test(small, {"a": 8.0})
    assert left_out["curve"] == {"a": 8.0, "b": 6.0}
    assert left_out["better_served"]["unexplored"] == pytest.approx(1 / 4)
    assert left_out["worse_served"]["unexplored"] == 0.0


def test_own_curve_test_intervals_are_seeded(small):
    first = own_curve_test(small, {"a": 8.0, "b": 3.0}, resamples=30)
    assert first["resamples"] == 30
    block = first["better_served"]
    assert block["unexplored_lo"] <= block["unexplored"] <= block["unexplored_hi"]
    assert own_curve_test(small, {"a": 8.0, "b": 3.0}, resamples=30) == first
    assert own_curve_test(small, {"a": 8.0, "b": 3.0}, resamples=30, seed=1) != first


def test_analysis_curve_test_gives_what_analyze_writes_for_the_same_curve(small):
    """Analysis.curve_test (behind the app's editor) and ``analyze --curve`` run the same test:
    the same intervals from the same seeded resamples."""
    curve = {"a": 8.0, "b": 3.0}
    run = analyze(small.panel, map=None, k=1, stability_runs=0, driver_boot=0,
                  curve_resamples=40, curve=curve, curve_name="mine")
    assert small.curve_test(curve, resamples=40) == run.curves_tested["mine"]
    assert own_curve_test(small, curve, resamples=40) == run.curves_tested["mine"]


def test_curve_csv_reads_back_exactly(tmp_path):
    curve = {"price": 7.0, "spa": 0.0, "childcare": 0.1 + 0.2, "hours": 6.432145678901,
             "kids": 10.0}
    text = curve_csv(curve)
    assert text.startswith("attribute,level\nprice,7\nspa,0\nchildcare,0.30000000000000004\n")
    path = tmp_path / "curve.csv"
    path.write_text(text, encoding="utf-8")
    assert read_curve(path, list(curve)) == curve  # the same floats, not approximately


def test_read_curve_upload_names_the_file_not_the_temporary_path():
    assert read_curve_upload(b"attribute,level\na,3\n", "mine.csv", ["a", "b"]) == {"a": 3.0}
    with pytest.raises(DataError) as caught:
        read_curve_upload(b"attribute,level\nc,3\n", "../secret/mine.csv", ["a", "b"])
    assert str(caught.value).startswith("mine.csv: data row 1 names the attribute 'c'")
    assert "/tmp" not in str(caught.value) and "noncustomers-curve" not in str(caught.value)
