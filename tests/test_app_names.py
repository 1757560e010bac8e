"""A segment renamed on the Segments page: every page and every file the sidebar offers use
the name (through state.require and the sidebar's downloads)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
PAGES = "src/noncustomers/ui/pages"


def test_a_rename_reaches_every_page_and_the_sidebar_files(app_cwd, monkeypatch):
    import functools

    from noncustomers.ui import sidebar

    made = []  # what the sidebar's download buttons will call when clicked

    def recording(*args, **kwargs):
        made.append(functools.partial(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(sidebar, "partial", recording)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.switch_page(f"{PAGES}/segments.py")
    at.run()
    loaded = at.session_state["noncustomers.loaded"]
    key = f"segment_names_{loaded.key}_0"
    table = at.data_editor(key=key).value
    row = table["segment"].tolist().index("refusing-2")
    at.session_state[key] = {"edited_rows": {row: {"name": "Price-driven sceptics"}},
                             "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["noncustomers.segment_names"] == {
        loaded.key: {"refusing-2": "Price-driven sceptics"}}

    made.clear()
    at.switch_page(f"{PAGES}/gaps.py")
    at.run()
    assert any("Price-driven sceptics" in str(o) for o in at.selectbox(key="gap_group").options)
    files = {call.args[1]: call for call in made if call.func is sidebar._file}
    assert 'refusing-2 = \\"Price-driven sceptics\\"' in files["config.toml"]().decode()
    assert "Price-driven sceptics" in files["gaps.csv"]().decode()
    assert "Price-driven sceptics" not in sidebar._file(loaded.analysis, "gaps.csv").decode()
