"""Shape your own curve (the canvas page) through AppTest: edit a level, and the grid, the
curve test and the file follow."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from noncustomers.analytics.canvas import INDUSTRY_CURVE, PROPOSED_CURVE, read_curve
from noncustomers.analytics.own_curve import curve_csv, errc_from_curve, own_curve_test

ROOT = Path(__file__).resolve().parents[1]
EDITOR = "my_curve_editor"


@pytest.fixture(scope="module")
def app_env(app_cwd):
    """Maps are computed in the test process (see tests/test_app.py)."""


def open_canvas() -> tuple[AppTest, object]:
    """The sample's canvas page (waiting for the analysis) and the analysis it shows."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("src/noncustomers/ui/pages/canvas.py")
    at.session_state["canvas_tab"] = "Shape your own curve"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at, at.session_state["noncustomers.loaded"].analysis


def edit(at: AppTest, levels: dict[str, float]) -> AppTest:
    """Type ``levels`` (attribute -> level) into the editor's "your level" column."""
    rows = at.data_editor(key=EDITOR).value.index.tolist()
    at.session_state[EDITOR] = {
        "edited_rows": {rows.index(a): {"your level": v} for a, v in levels.items()},
        "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def cell(at: AppTest, action: str) -> str:
    """The text of the grid's ``action`` cell."""
    (text,) = [m.value for m in at.markdown if f"[{action.capitalize()}]**" in m.value]
    return text


def metric(at: AppTest, label: str) -> str:
    (value,) = [m.value for m in at.metric if m.label == label]
    return value


def test_the_editor_starts_from_the_proposed_curve_and_its_grid(app_env):
    at, analysis = open_canvas()
    table = at.data_editor(key=EDITOR).value
    assert list(table.columns) == ["factor", "your level", "industry offers",
                                   "non-customers value"]
    assert table["factor"].tolist() == [a.display for a in
                                        analysis.panel.schema.attributes.values()]
    assert table["your level"].to_dict() == analysis.curves[PROPOSED_CURVE]
    # The proposed curve reads back as the ERRC grid that proposed it.
    for action, entries in analysis.errc.items():
        for entry in entries:
            assert entry["label"] in cell(at, action)
    test = analysis.curves_tested[PROPOSED_CURVE]
    assert metric(at, "Non-customers better served") == (
        f"{test['better_served']['non-customers']:.0%}")


def test_raising_a_factor_moves_it_to_raise_and_the_curve_test_follows(app_env):
    at, analysis = open_canvas()
    proposed = analysis.curves[PROPOSED_CURVE]
    assert "Low price" not in cell(at, "raise")  # the grid keeps the price as it is
    before = metric(at, "Non-customers better served")
    edit(at, {"price": 10.0, "classes": 0.0})
    assert "Low price: 7.0 → 10.0" in cell(at, "raise")
    assert "Group classes: 6.9 → 0.0" in cell(at, "eliminate")
    mine = {**proposed, "price": 10.0, "classes": 0.0}
    expected = own_curve_test(analysis, mine)
    better = expected["better_served"]["non-customers"]
    assert metric(at, "Non-customers better served") == f"{better:.0%}" != before
    assert metric(at, "Customers worse served") == (
        f"{expected['worse_served']['customers']:.0%}")
    assert metric(at, "Offering level") == f"{expected['offering_level']:.2f} x"
    served = at.dataframe[-2].value.set_index("group")  # the table under the metrics
    assert served.loc["non-customers", "better served"] == f"{better:.0%}"
    sensitivity = at.dataframe[-1].value  # the margins
    assert sensitivity["non-customers better served"].tolist() == [
        row["better_served"] for row in expected["sensitivity"]]
    assert expected["resamples"] == 0  # live: no bootstrap on an edit


def test_intervals_come_on_the_button_and_go_when_the_curve_changes(app_env):
    at, _ = open_canvas()
    edit(at, {"price": 10.0})
    assert "(" not in at.dataframe[-2].value.set_index("group").loc["non-customers",
                                                                     "better served"]
    at.button(key="my_curve_add_intervals").click().run()
    assert not at.exception
    _, test = at.session_state["my_curve_intervals"]
    assert test["resamples"] == 200 and test["curve"]["price"] == 10.0
    block = test["better_served"]
    assert block["non-customers_lo"] <= block["non-customers"] <= block["non-customers_hi"]
    shown = at.dataframe[-2].value.set_index("group").loc["non-customers", "better served"]
    assert shown == (f"{block['non-customers']:.0%} ({block['non-customers_lo']:.0%} "
                     f"to {block['non-customers_hi']:.0%})")
    assert any("95% intervals from 200 bootstrap resamples" in c.value for c in at.caption)
    edit(at, {"price": 9.0})  # another curve: its figures, without the old intervals
    assert "(" not in at.dataframe[-2].value.set_index("group").loc["non-customers",
                                                                     "better served"]


def test_the_downloaded_curve_is_what_analyze_reads(app_env, media, tmp_path):
    at, analysis = open_canvas()
    edit(at, {"price": 10.0, "spa": 2.5})
    download = media(at, "dl_my_curve")
    mine = {**analysis.curves[PROPOSED_CURVE], "price": 10.0, "spa": 2.5}
    assert download.filename == "my_curve.csv"
    assert download.content.decode("utf-8") == curve_csv(mine)
    path = tmp_path / "my_curve.csv"
    path.write_bytes(download.content)
    assert read_curve(path, list(analysis.panel.schema.attributes)) == mine  # exactly


def test_a_saved_curve_loads_into_the_editor(app_env):
    at, analysis = open_canvas()
    at.file_uploader(key="my_curve_file").set_value(
        ("gym.csv", b"attribute,level\nprice,9\nspa,3\n", "text/csv")).run()
    assert not at.exception and not at.error
    industry = analysis.curves[INDUSTRY_CURVE]
    mine = {**industry, "price": 9.0, "spa": 3.0}  # left out: the industry's level
    assert at.data_editor(key=EDITOR).value["your level"].to_dict() == mine
    assert any("Starting from gym.csv" in c.value for c in at.caption)
    grid = errc_from_curve(mine, industry)
    assert grid == {"eliminate": [], "reduce": ["spa"], "raise": ["price"], "create": []}
    assert "Spa, sauna & pool: 7.8 → 3.0" in cell(at, "reduce")


@pytest.mark.parametrize(("content", "words"), [
    (b"attribute,level\nprise,8\n",
     "names the attribute 'prise', which is not in the schema (did you mean 'price'?)"),
    (b"attribute,level\nprice,11\n",
     "gives 'price' the level '11'; levels are numbers from 0 to 10"),
    (b"name,value\nprice,1\n", "a curve file has the columns attribute, level"),
    (b"\xff\xfe\x00 not text", "cannot read the curve file"),
])
def test_a_bad_curve_file_gets_one_sentence_naming_it(app_env, content, words):
    at, analysis = open_canvas()
    at.file_uploader(key="my_curve_file").set_value(("mine.csv", content, "text/csv")).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("mine.csv: ") and words in errors[0]
    assert "\n" not in errors[0] and "/tmp" not in errors[0] and "Traceback" not in errors[0]
    # the editor keeps the proposed curve
    assert (at.data_editor(key=EDITOR).value["your level"].to_dict()
            == analysis.curves[PROPOSED_CURVE])
