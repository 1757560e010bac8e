"""The Streamlit app through streamlit.testing.v1.AppTest: every view renders, no exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
PAGES = "src/noncustomers/ui/pages"
VIEWS = ["overview", "map", "segments", "gaps", "commonalities", "canvas", "errc"]


@pytest.fixture(scope="module")
def app_env(app_cwd):
    """Maps are computed in the test process.  UMAP is not compiled here: the map page
    shows PCA until UMAP is ready (test_embedding tests UMAP itself), so these tests need
    not wait for numba."""


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
    # gaps: + the quadrants; commonalities: + the drivers; segments: + the profile of a
    # segment (the canvas page's other tabs: test_every_tab_of_the_canvas_draws_its_charts)
    expected = {"gaps": 2, "commonalities": 2, "segments": 2}.get(view, 1)
    assert len(charts) == expected, f"{view}: expected {expected} charts, found {len(charts)}"


def test_every_tab_of_the_canvas_draws_its_charts_only_when_open(app_env):
    """The canvas page draws the open tab alone: the canvas, the proposed curve's test, or
    the editor with your curve."""
    at = run_view("canvas")
    assert [t.label for t in at.tabs] == ["The canvas", "Curve tests", "Shape your own curve"]
    shown = {}
    for tab in ("Curve tests", "Shape your own curve", "The canvas"):
        at.session_state["canvas_tab"] = tab
        at.run()
        assert not at.exception and not at.error, tab
        shown[tab] = ([c.proto.spec for c in at.get("plotly_chart")], len(at.data_editor))
    canvas, tests, own = (shown[t] for t in ("The canvas", "Curve tests",
                                              "Shape your own curve"))
    assert len(canvas[0]) == 1 and "canvas" in canvas[0][0].lower() and canvas[1] == 0
    assert len(tests[0]) == 1 and "served" in tests[0][0] and tests[1] == 0
    assert len(own[0]) == 1 and own[1] == 1  # your curve's chart and the editor


def test_overview_shows_weighted_shares(app_env):
    at = run_view("overview")
    labels = {m.label: m.value for m in at.metric}
    assert labels["Respondents"] == "5,000"
    customers = float(labels["Customers (weighted)"].rstrip("%"))
    non_customers = float(labels["Non-customers (weighted)"].rstrip("%"))
    assert customers + non_customers == pytest.approx(100, abs=1)
    # the tiers' table is a static one (no data grid before the first chart), in words
    table = at.table[0].value
    assert not at.dataframe
    assert list(table.index) == ["customers", "soon-to-be", "refusing", "unexplored"]
    assert list(table.columns) == ["who", "rule", "respondents", "weighted share",
                                   "95% interval"]
    assert sum(int(n.replace(",", "")) for n in table["respondents"]) == 5000
    shares = [float(s.rstrip("%")) for s in table["weighted share"]]
    assert sum(shares) == pytest.approx(100, abs=0.2)
    assert shares[0] == pytest.approx(customers, abs=0.5)
    for share, interval in zip(shares, table["95% interval"]):  # "lo% to hi%" around it
        lo, hi = (float(x.rstrip("%")) for x in interval.split(" to "))
        assert lo < share < hi and hi - lo < 5


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
    # The run's files sit in one popover (drawn by the browser only when opened); the deck
    # and the report stay in sight.
    (files,) = at.sidebar.get("popover")
    assert files.proto.popover.label.startswith(f"The run's {len(OUTPUT_FILES)} files")
    inside = [c.proto.label for c in files.children.values() if c.type == "download_button"]
    assert inside == list(OUTPUT_FILES)
    outside = {b.proto.label for b in at.sidebar.get("download_button")} - set(inside)
    assert outside == {"deck.pptx (PowerPoint)", "report.html"}


def test_upload_mode_without_files_asks_for_them(app_env):
    at = run_view("overview")
    at.sidebar.radio(key="source").set_value("Upload my panel").run()
    assert not at.exception
    assert any("Upload your survey file" in i.value for i in at.sidebar.info)
    # the page explains that nothing is loaded (a note, not a red error: nothing is wrong)
    assert any("No panel loaded yet" in i.value for i in at.info)


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
    from noncustomers.ui import analysis_worker

    def broken(*args, **kwargs):
        raise RuntimeError("boom at /srv/secret/path.py line 12")

    monkeypatch.setattr(analysis_worker, "analyze", broken)
    before = set(state.remembered_analyses())
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.session_state["seed"] = 7  # a fresh cache key
        at.run()
    finally:  # only this test's failed analysis: the sample's serves the other tests
        state.forget_analyses(set(state.remembered_analyses()) - before)
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
    lines = (ROOT / "sample_data" / "gym_panel.csv").read_bytes().splitlines(keepends=True)
    panel = b"".join(lines[:301])  # 300 respondents: quick
    schema = (ROOT / "sample_data" / "gym_schema.toml").read_text(encoding="utf-8")
    job = state.Job(panel, "gym_panel.csv", schema, "gym_schema.toml", {"seed": 3})
    assert job.wait(120)
    analysis = job.analysis
    assert job.error is None and analysis is not None
    assert seen and seen[0][1] == oct(0o700)
    assert str(tmp_path) not in analysis.files()["summary.json"].decode()  # no server path
    assert analysis.config["panel"] == "gym_panel.csv"
    assert list(tmp_path.iterdir()) == []  # removed after use


# ---- the guided start: a survey file alone, set up in the app -------------------------------

SAMPLE_PANEL = ROOT / "sample_data" / "gym_panel.csv"


def upload_survey(data: bytes | None = None, name: str = "gym_panel.csv") -> AppTest:
    """A new user in upload mode with only a survey file (no schema)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.session_state["source"] = "Upload my panel"
    at.run()
    at.file_uploader(key="panel_file").set_value(
        (name, SAMPLE_PANEL.read_bytes() if data is None else data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def count_captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption if c.value.startswith("→")]


def test_a_survey_file_alone_gets_the_proposed_mapping(app_env):
    at = upload_survey()
    assert at.title[0].value == "Set up your survey"
    assert any("Check the proposed set-up" in i.value for i in at.sidebar.info)
    table = at.data_editor(key="mapping_table").value.set_index("Column")
    role = table["Role"]
    assert role["respondent_id"] == "Respondent id" and role["weight"] == "Survey weight"
    assert role["imp_price"] == "Importance rating" and role["perf_price"] == "Performance rating"
    assert table.loc["imp_price", "Attribute"] == table.loc["perf_price", "Attribute"] == "price"
    assert table.loc["imp_price", "Scale"] == "1 to 5" and table.loc["imp_price", "Segment on"]
    assert role["current_member"] == "Funnel (tier rules)"
    assert role["barrier_price"] == "Barrier (reason not to buy)"
    assert role["age"] == "Profile (describes segments)"
    assert table.loc["current_member", "Examples"] == "yes, no"
    assert not any("_" in c for c in table.columns)  # headers in words
    assert at.text_input(key="rule_customers").value == (
        "current_member == 'yes' and visits_per_month >= 4")
    assert count_captions(at) == ["→ 1,068 respondents (21%; 20% weighted)",
                                  "→ 779 respondents (16%)", "→ 1,386 respondents (28%)",
                                  "→ 1,767 respondents (35%; 36% weighted)"]
    assert not at.error and not at.button(key="analyse").disabled


def test_changing_a_rule_updates_the_counts(app_env):
    at = upload_survey()
    at.text_input(key="rule_customers").input("current_member == 'yes'").run()
    assert not at.exception
    assert count_captions(at)[0] == "→ 1,847 respondents (37%; 36% weighted)"  # 1,068 + 779
    assert any("No respondent matches" in w.value for w in at.warning)  # soon-to-be: empty now
    at.text_input(key="rule_unexplored").input("").run()
    assert any("1,767 respondents match no rule" in w.value for w in at.warning)


@pytest.mark.parametrize(("rule", "words"), [
    ("current_member == ", "found the end of the rule"),
    ("current_membr == 'yes'", "did you mean 'current_member'"),
    ("visits_per_month >= 'often'", "compared with text"),
    ("__import__('os').system('id')", "Unexpected character '.'"),  # parsed, never run
])
def test_a_bad_rule_gets_one_sentence_under_it(app_env, rule, words):
    at = upload_survey()
    at.text_input(key="rule_customers").input(rule).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1, errors
    assert words in errors[0] and "\n" not in errors[0] and "Traceback" not in errors[0]
    assert errors[0][0].isupper() and errors[0].endswith(".")
    assert at.button(key="analyse").disabled
    assert at.download_button(key="dl_mapping").disabled


def test_a_role_changed_in_the_table_changes_the_schema(app_env, media):
    from noncustomers.schema import parse_schema

    at = upload_survey()
    rows = at.data_editor(key="mapping_table").value["Column"].tolist()
    at.session_state["mapping_table"] = {
        "edited_rows": {rows.index("weight"): {"Role": "Ignored"},
                        rows.index("aware"): {"Role": "Profile (describes segments)"}},
        "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception and not at.error
    assert any("every respondent counts once" in c.value for c in at.caption)
    schema = parse_schema(media(at, "dl_mapping").content.decode(), source="download")
    assert schema.weight is None and "aware" in schema.profile


def test_two_weights_are_a_problem_in_the_table(app_env):
    at = upload_survey()
    rows = at.data_editor(key="mapping_table").value["Column"].tolist()
    at.session_state["mapping_table"] = {
        "edited_rows": {rows.index("monthly_spend"): {"Role": "Survey weight"},
                        rows.index("imp_price"): {"Scale": "one to five"}},
        "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    problems = at.dataframe[-1].value["problem"].tolist()  # the app's Problems table
    assert len(problems) == 2
    assert "Only one column can be the survey weight" in problems[0]
    assert "scale of imp_price ('one to five')" in problems[1]
    assert at.button(key="analyse").disabled


def test_the_schema_download_is_the_mapping_and_parse_schema_accepts_it(app_env, media):
    from noncustomers.draft import draft_from_file
    from noncustomers.schema import parse_schema

    at = upload_survey()
    download = media(at, "dl_mapping")
    assert download.filename == "gym_panel_schema.toml"
    text = download.content.decode("utf-8")
    assert text.rstrip("\n") == at.code[0].value  # as shown under "See the schema file"
    schema = parse_schema(text, source="download")
    assert schema.id == "respondent_id" and schema.weight == "weight"
    assert len(schema.attributes) == 10 and list(schema.tiers) == [
        "customers", "soon-to-be", "refusing", "unexplored"]
    # Unchanged, the mapping is `noncustomers init`'s draft, but for its first line.
    draft = draft_from_file(SAMPLE_PANEL).toml()
    assert text.split("\n", 1)[1] == draft.split("\n", 1)[1]


def test_analyse_produces_an_analysis_and_every_page_renders(app_env):
    at = upload_survey()
    at.button(key="analyse").click().run()
    assert not at.exception, [e.value for e in at.exception]
    # Analyse opens the first page of the results.
    assert at.title[0].value.startswith("Who buys")
    assert any("schema: column mapping" in c.value for c in at.sidebar.caption)
    assert "deck.pptx (PowerPoint)" in {b.proto.label for b in at.get("download_button")}
    for view in VIEWS:
        at.switch_page(f"{PAGES}/{view}.py")
        at.run()
        assert not at.exception, (view, [e.value for e in at.exception])
        assert not at.error, (view, [e.value for e in at.error])
        assert at.get("plotly_chart"), view
    at.switch_page(f"{PAGES}/setup.py")
    at.run()
    assert any("Analysed with this set-up" in s.value for s in at.success)
    at.text_input(key="rule_refusing").input("ever_member == 'yes'").run()
    assert any("changed since the last analysis" in i.value for i in at.info)


def test_an_unreadable_survey_file_gets_one_sentence(app_env):
    at = upload_survey(b"\x00\x01 not a survey \xff" * 50, name="survey.sav")
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("survey.sav: cannot read the file as sav")
    assert "\n" not in errors[0] and "/tmp" not in errors[0] and "Traceback" not in errors[0]
    assert not at.data_editor


def test_a_schema_file_still_replaces_the_mapping(app_env):
    at = upload_survey()
    schema = ROOT / "sample_data" / "gym_schema.toml"
    at.file_uploader(key="schema_file").set_value(
        ("gym_schema.toml", schema.read_bytes(), "application/toml")).run()
    assert not at.exception and not at.error
    assert any("schema: gym_schema.toml" in c.value for c in at.sidebar.caption)
    assert any("Your schema file says how to read the survey" in i.value for i in at.info)
    (link,) = at.get("page_link")  # and a way to the results from there
    assert link.proto.label.startswith("See the results") and link.proto.page_script_hash
    at.switch_page(f"{PAGES}/overview.py")
    at.run()
    assert at.title[0].value.startswith("Who buys") and not at.error


def test_the_map_page_keeps_its_view_and_it_is_the_map_of_the_analysis(app_env,
                                                                         monkeypatch):
    import numpy as np

    from noncustomers.analysis import map_matrix
    from noncustomers.charts.map import map_view
    from noncustomers.embedding import map_coordinates
    from noncustomers.ui import state

    made = []
    real = state.map_view
    monkeypatch.setattr(state, "map_view", lambda *a, **k: made.append(1) or real(*a, **k))
    at = run_view("map")
    loaded = at.session_state["noncustomers.loaded"]
    method = at.session_state["map_method"].lower()
    seed = loaded.analysis.config["seed"]
    made_by_the_page = len(made)  # 1, or 0 when an earlier test made this view
    at.run()  # a rerun of the page draws the view it kept: no jitter computed again
    kept = state.map_view_for(loaded.key, method, seed, 10_000, loaded.analysis)
    assert len(made) == made_by_the_page <= 1  # the page's view (10,000 points), kept
    assert at.download_button(key="dl_map_coordinates")  # its file: csv_bytes of this view
    written = kept.table  # (test_map_jitter: the file is the view's table)
    assignments = loaded.analysis.assignments
    coords = map_coordinates(map_matrix(loaded.analysis.panel), method, seed)
    assignments["x"], assignments["y"] = coords[:, 0], coords[:, 1]
    expected = map_view(assignments, seed=seed, max_points=10_000).table
    assert len(written) == len(expected) == 5000
    np.testing.assert_allclose(written[["x", "y"]], expected[["x", "y"]], atol=1e-6)
