"""The Streamlit app through streamlit.testing.v1.AppTest: every view renders, no exception."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
PAGES = "src/noncustomers/ui/pages"
VIEWS = ["overview", "map", "segments", "gaps", "commonalities", "canvas", "errc"]


@pytest.fixture(scope="module")
def app_env(warm_umap):
    """Maps are computed in the test process, which shares the session's warm UMAP."""
    old = os.environ.get("NONCUSTOMERS_MAP_WORKER")
    os.environ["NONCUSTOMERS_MAP_WORKER"] = "inline"
    cwd = os.getcwd()
    os.chdir(ROOT)
    yield
    os.chdir(cwd)
    if old is None:
        os.environ.pop("NONCUSTOMERS_MAP_WORKER", None)
    else:
        os.environ["NONCUSTOMERS_MAP_WORKER"] = old


def run_view(view: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    if view != "overview":
        at.switch_page(f"{PAGES}/{view}.py")
        at.run()
    return at


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_renders_the_sample(app_env, view):
    at = run_view(view)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title and at.title[0].value
    charts = at.get("plotly_chart")
    assert len(charts) == 1, f"{view}: expected one chart, found {len(charts)}"


def test_overview_shows_weighted_shares(app_env):
    at = run_view("overview")
    labels = {m.label: m.value for m in at.metric}
    assert labels["Respondents"] == "5,000"
    customers = float(labels["Customers (weighted)"].rstrip("%"))
    non_customers = float(labels["Non-customers (weighted)"].rstrip("%"))
    assert customers + non_customers == pytest.approx(100, abs=1)


def test_commonalities_view_leads_with_the_shared_barrier_and_switches_to_needs(app_env):
    at = run_view("commonalities")
    spec = at.get("plotly_chart")[0].proto.spec
    assert "What keeps non-customers away" in spec and "Gyms feel intimidating" in spec
    at.radio(key="common_kind").set_value("need").run()
    assert not at.exception
    assert "What non-customers all want" in at.get("plotly_chart")[0].proto.spec
    at.radio(key="drivers_tier").set_value("unexplored").run()
    assert not at.exception and any("AUC" in c.value for c in at.caption)


def test_gap_view_switches_group(app_env):
    at = run_view("gaps")
    at.selectbox(key="gap_group").set_value("customers-1").run()
    assert not at.exception
    assert "customers-1" in at.get("plotly_chart")[0].proto.spec


def test_sidebar_offers_every_output_file(app_env):
    from noncustomers.analysis import OUTPUT_FILES

    at = run_view("overview")
    buttons = at.get("download_button")
    assert {b.proto.label for b in buttons} == set(OUTPUT_FILES)


def test_upload_mode_without_files_asks_for_them(app_env):
    at = run_view("overview")
    at.sidebar.radio(key="source").set_value("Upload my panel").run()
    assert not at.exception
    assert any("Upload both" in i.value for i in at.sidebar.info)
    assert at.error  # the page explains that nothing is loaded
