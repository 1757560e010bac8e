"""The app's views of what is computed but was not drawn: the Differences page, the ERRC
page's per-tier calls, and warnings beside the figure they concern (AppTest, in process)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
PAGES = "src/noncustomers/ui/pages"


@pytest.fixture(scope="module")
def app_env(app_cwd, sample_analysis):
    """The app's background analysis of the sample is the session's (conftest
    ``sample_analysis``: the same settings as the app's default, seed 0 and a PCA map), so
    these tests take seconds, not another analysis; the app's remembered analyses are
    dropped before and after, so no other test meets this one."""
    from noncustomers.ui import analysis_worker, state

    patch = pytest.MonkeyPatch()
    patch.setattr(analysis_worker, "analyze",
                  lambda panel, config, progress=None: sample_analysis)
    state.forget_analyses()
    yield
    state.forget_analyses()
    patch.undo()


def run_view(view: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.switch_page(f"{PAGES}/{view}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def test_differences_page_leads_with_the_largest_significant_difference(app_env):
    at = run_view("differences")
    assert at.title[0].value == "The differences that matter"
    assert len(at.get("plotly_chart")) == 1
    headline = at.markdown[0].value
    assert headline.startswith("**Soon-to-be non-customers differ most from customers on "
                               "Childcare on site: they value it")
    table = at.dataframe[0].value
    assert list(table.columns) == ["factor", "measure", "soon-to-be", "customers", "difference",
                                   "95% interval", "q", "verdict", "index"]
    verdicts = table["verdict"].tolist()
    significant = [v == "significant" for v in verdicts]
    assert significant[0] and significant == sorted(significant, reverse=True)  # first
    assert not any("_" in str(c) for c in table.columns)  # no field names
    assert "importance_t2b" not in set(table["measure"])  # measures in words
    # the chart's first row is the table's first significant mean
    spec = at.get("plotly_chart")[0].proto.spec
    assert "Childcare on site (importance)" in spec


def test_differences_page_switches_tier_comparison_and_segment(app_env):
    at = run_view("differences")
    at.segmented_control(key="diff_tier").set_value("unexplored").run()
    at.segmented_control(key="diff_versus").set_value("rest").run()
    assert not at.exception
    assert "everyone else" in at.markdown[0].value
    assert "everyone else" in at.dataframe[0].value.columns
    at.selectbox(key="diff_group_unexplored").set_value("unexplored-1").run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    # a segment is never tested on its basis (its importance ratings): described only
    importance = table[table["measure"] == "importance"]
    assert (importance["verdict"] == "not tested: built from it").all()
    assert (importance["q"] == "n/a").all()
    # the unexplored never used the offering: nothing else to test, so no chart, and the
    # headline says why
    assert not at.get("plotly_chart")
    assert at.markdown[0].value.startswith("**Nothing here can be tested")


def test_errc_page_shows_which_tier_makes_each_call_and_borderline_beside_the_grid(app_env):
    at = run_view("errc")
    assert at.markdown[0].value.startswith("**What would win non-customers: create Childcare")
    # the borderline call is named under the grid, once, and marked in both tables
    notes = [w.value for w in at.warning]
    assert sum("Borderline: Range of equipment (reduce)" in n for n in notes) == 1
    # static tables (the reasons wrap, nothing is cut), one row per factor
    evidence, per_tier = at.table[0].value, at.table[1].value
    assert evidence.loc["Range of equipment", "call"] == "reduce (borderline)"
    assert list(per_tier.columns[:3]) == ["grid", "made by", "delivered"]
    assert [c.split(" (")[0] for c in per_tier.columns[3:]] == ["soon-to-be", "refusing",
                                                                "unexplored"]
    assert per_tier.loc["Range of equipment", "grid"] == "reduce (borderline)"
    # reduce: refusing and unexplored, not soon-to-be, are "possible overkill" by >= 2 points
    assert per_tier.loc["Range of equipment", "made by"] == "refusing, unexplored (80%)"
    assert per_tier.loc["Range of equipment", "soon-to-be (20%)"].startswith("keep: 5.1 (")
    assert per_tier.loc["Childcare on site", "made by"].startswith(
        "soon-to-be, refusing, unexplored")
    for column in per_tier.columns[3:]:
        assert per_tier.loc["Childcare on site", column].startswith("create: ")
    assert not any("_" in str(c) for df in (evidence, per_tier) for c in df.columns)
