"""The Streamlit app through streamlit.testing.v1.AppTest: every view renders, no exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
PAGES = "src/noncustomers/ui/pages"
VIEWS = ["overview", "map", "segments", "gaps", "commonalities", "canvas", "errc"]


@pytest.fixture(scope="module")
def app_env(warm_umap, app_cwd):
    """Maps are computed in the test process, which shares the session's warm UMAP."""


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
    labels = {b.proto.label for b in at.get("download_button")}
    assert set(OUTPUT_FILES) | {"deck.pptx (PowerPoint)", "report.html"} <= labels


def test_upload_mode_without_files_asks_for_them(app_env):
    at = run_view("overview")
    at.sidebar.radio(key="source").set_value("Upload my panel").run()
    assert not at.exception
    assert any("Upload both" in i.value for i in at.sidebar.info)
    assert at.error  # the page explains that nothing is loaded


# ---- trust: nothing leaves the machine, no traceback reaches the page ------------------------

def test_server_config_keeps_the_app_on_this_machine():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"  # not every interface
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["showErrorDetails"] == "none"
    assert "--server.address 127.0.0.1" in (ROOT / "Makefile").read_text()


def test_an_unexpected_error_shows_one_sentence_and_is_logged(app_env, monkeypatch, caplog):
    """A bug (not a user error) while analysing: one sentence, no traceback or server path."""
    import noncustomers.ui.state as state

    def broken(*args, **kwargs):
        raise RuntimeError("boom at /srv/secret/path.py line 12")

    monkeypatch.setattr(state, "analyze", broken)
    state._analyse.clear()
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.session_state["seed"] = 7  # a fresh cache key
        at.run()
    finally:
        state._analyse.clear()
    assert not at.exception
    shown = " ".join(e.value for e in at.sidebar.error)
    assert "unexpected problem (RuntimeError)" in shown and "server's log" in shown
    assert "/srv/secret" not in shown and "Traceback" not in shown
    assert "boom at /srv/secret" in caplog.text  # the details went to the server's log


def test_uploads_are_read_from_a_private_folder_removed_after_use(app_env, tmp_path,
                                                                  monkeypatch):
    import tempfile

    import noncustomers.ui.state as state

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    seen = []
    real = state.read_panel

    def spy(path, schema):
        seen.append((Path(path).parent, oct(Path(path).parent.stat().st_mode & 0o777)))
        return real(path, schema)

    monkeypatch.setattr(state, "read_panel", spy)
    state._analyse.clear()
    lines = (ROOT / "sample_data" / "gym_panel.csv").read_bytes().splitlines(keepends=True)
    panel = b"".join(lines[:301])  # 300 respondents: quick
    schema = (ROOT / "sample_data" / "gym_schema.toml").read_text(encoding="utf-8")
    analysis, error, _ = state._analyse(panel, "gym_panel.csv", schema, "gym_schema.toml", 3)
    state._analyse.clear()
    assert error is None and analysis is not None
    assert seen and seen[0][1] == oct(0o700)
    assert str(tmp_path) not in analysis.files()["summary.json"].decode()  # no server path
    assert analysis.config["panel"] == "gym_panel.csv"
    assert list(tmp_path.iterdir()) == []  # removed after use
