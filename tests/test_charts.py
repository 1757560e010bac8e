"""Charts are checked through their data; the static export through a rendered PNG."""

from __future__ import annotations

import shutil
import struct

import numpy as np
import pytest

from noncustomers.analytics.canvas import INDUSTRY_CURVE
from noncustomers.charts import (TIER_COLORS, plot_commonalities, plot_differences,
                                 plot_errc_grid, plot_gaps, plot_map, plot_strategy_canvas,
                                 plot_tier_sizes)
from noncustomers.charts.theme import HEIGHT, WIDTH, segment_colors


@pytest.fixture(scope="module")
def result(sample_analysis):
    """The sample's analysis, shared with the session (conftest); the charts only read it."""
    return sample_analysis


@pytest.fixture(scope="module")
def labels(result):
    return {name: a.display for name, a in result.panel.schema.attributes.items()}


def test_tier_sizes_bars_are_the_weighted_shares(result):
    tiers = result.summary()["tiers"]
    fig = plot_tier_sizes(tiers)
    bar = fig.data[0]
    assert list(bar.y) == ["customers", "soon-to-be", "refusing", "unexplored"]  # empty unclassified left out
    assert np.allclose(bar.x, [tiers[t]["share"] * 100 for t in bar.y])
    assert list(bar.marker.color) == [TIER_COLORS[t] for t in bar.y]
    assert (fig.layout.width, fig.layout.height) == (WIDTH, HEIGHT)


def test_gap_chart_sorts_by_gap_and_uses_users_performance_for_never_users(result, labels):
    fig = plot_gaps(result.gaps, "unexplored", labels)
    named = [t for t in fig.data if t.name]  # the dumbbell bars are unnamed
    importance = next(t for t in named if t.name.startswith("Importance"))
    performance = next(t for t in named if t.name.startswith("Industry performance"))
    assert "has not used it" in performance.name
    rows = result.gaps[result.gaps["group"] == "unexplored"].set_index("attribute")
    overall = result.gaps[result.gaps["group"] == "all"].set_index("attribute")["performance"]
    by_label = {labels[a]: a for a in rows.index}
    gaps = [rows.loc[by_label[y], "importance"] - overall[by_label[y]] for y in importance.y]
    assert gaps == sorted(gaps, reverse=True)
    assert np.allclose(performance.x, [overall[by_label[y]] for y in performance.y])
    with pytest.raises(ValueError, match="group 'nobody'"):
        plot_gaps(result.gaps, "nobody")
    assert fig.layout.title.text.startswith("<b>What 'unexplored' values vs")
    everyone = plot_gaps(result.gaps, "all", labels)  # the group in words, not its id
    assert everyone.layout.title.text.startswith("<b>What all respondents value vs")


def test_canvas_draws_industry_and_each_tier(result, labels):
    fig = plot_strategy_canvas(result.canvas, labels)
    assert len(fig.data) == 6  # industry, four tiers, the proposed blue-ocean curve
    assert fig.data[-1].name.startswith("Proposed blue-ocean")
    industry = fig.data[0]
    assert industry.name.startswith("Industry offering")
    expected = result.canvas[result.canvas["curve"] == INDUSTRY_CURVE]["level"].to_numpy()
    assert np.allclose(industry.y, expected)
    assert list(industry.x) == [labels[a] for a in result.panel.schema.attributes]


def test_commonalities_chart_draws_each_tier_by_rank(result):
    fig = plot_commonalities(result.commonalities, "barrier", top=3)
    table = result.commonalities[result.commonalities["kind"] == "barrier"].head(3)
    assert [t.name for t in fig.data] == ["soon-to-be", "refusing", "unexplored"]
    for trace in fig.data:
        assert list(trace.y) == table["label"].tolist()  # rank order, intimidating first
        assert np.allclose(trace.x, table[f"prevalence_{trace.name}"] * 100)
        assert np.allclose(np.array(trace.error_x.array) + trace.x,
                           table[f"prevalence_hi_{trace.name}"] * 100)
    assert fig.data[0].y[0] == "Gyms feel intimidating"
    with pytest.raises(ValueError, match="kind must be"):
        plot_commonalities(result.commonalities, "wish")


def test_differences_chart_draws_the_tables_significant_rows_largest_first(result, labels):
    table = result.differences
    fig = plot_differences(table, "refusing", "customers", labels, top=8)
    rows = table[(table["group"] == "refusing") & (table["versus"] == "customers")
                 & table["measure"].isin(["importance", "performance"])
                 & (table["q_value"] < 0.05)].set_index(["attribute", "measure"])
    by_label = {f"{labels[a]} ({'importance' if m == 'importance' else 'rating of the industry'})":
                (a, m) for a, m in rows.index}
    drawn = []
    for trace in fig.data:
        lo = np.asarray(trace.x) - np.asarray(trace.error_x.arrayminus)
        hi = np.asarray(trace.x) + np.asarray(trace.error_x.array)
        for label, x, low, high in zip(trace.y, trace.x, lo, hi):
            row = rows.loc[by_label[label]]
            assert (x, low, high) == pytest.approx(
                (row["difference"], row["difference_lo"], row["difference_hi"]))
            drawn.append((abs(x), label))
    assert len(drawn) == 8
    # the eight largest significant differences, the largest on top
    assert sorted(d for d, _ in drawn) == pytest.approx(
        sorted(rows["difference"].abs().nlargest(8)))
    order = list(fig.layout.yaxis.categoryarray)
    assert [abs(rows.loc[by_label[y], "difference"]) for y in order] == sorted(
        (d for d, _ in drawn), reverse=True)
    assert order[0] == "Childcare on site (importance)"  # the planted need
    assert fig.layout.title.text.startswith(
        "<b>Refusing non-customers differ most from customers on Childcare on site:<br>they "
        "value it 4.1 points more")


def test_differences_chart_never_tests_a_segments_basis(result, labels):
    # unexplored segments were built on their importance and rated no performance
    fig = plot_differences(result.differences, "unexplored-1", "customers", labels)
    assert not any(len(t.x) for t in fig.data)
    assert "no difference from customers could be tested" in fig.layout.title.text


def test_errc_grid_lists_every_attribute_of_every_cell(result, labels):
    fig = plot_errc_grid(result.errc, labels, result.errc_evidence)
    text = " ".join(a.text for a in fig.layout.annotations)
    for entries in result.errc.values():
        for entry in entries:
            assert labels[entry["attribute"]] in text
    assert "nothing found" not in text  # the sample fills all four cells


def test_map_has_one_trace_per_tier_or_segment(result):
    a = result.assignments
    assert len(plot_map(a, "tier", "pca").data) == 4
    fig = plot_map(a, "segment", "pca", max_points=1000)
    assert len(fig.data) == a["segment"].nunique()
    assert sum(len(t.x) for t in fig.data) == 1000
    assert "random 1,000 of 5,000" in fig.layout.title.text
    named = plot_map(a, "segment", "pca", max_points=1000,
                     names={"refusing-2": "Price-driven sceptics"})
    assert {t.name.rsplit(" (", 1)[0] for t in named.data} >= {
        "Price-driven sceptics (refusing-2)", "refusing-1"}


def test_segment_colors_are_distinct_and_stable_by_position():
    colors = segment_colors(["customers-1", "customers-2", "customers-3", "refusing-1"])
    assert len(set(colors.values())) == 4
    assert segment_colors(["customers-1"])["customers-1"] == colors["customers-1"]


@pytest.mark.skipif(shutil.which("chromium") is None, reason="static export needs Chromium")
def test_static_export_is_a_16_9_png(result, labels, tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", shutil.which("chromium"))
    out = tmp_path / "canvas.png"
    plot_strategy_canvas(result.canvas, labels).write_image(out)
    head = out.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    assert (width, height) == (WIDTH, HEIGHT)
