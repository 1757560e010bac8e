"""Every problem of an input at once: one line each from the CLI, a table in the app."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import TINY_CSV, TINY_SCHEMA
from noncustomers import read_panel
from noncustomers.cli import main
from noncustomers.errors import DataError, Problems, SchemaError

ROOT = Path(__file__).resolve().parents[1]

# Three independent problems: an unknown top-level key, an attribute without a column,
# and a bad segmentation k.
THREE = TINY_SCHEMA.replace('missing = [9]', 'missing = [9]\nweigth = "w"').replace(
    'price = { importance', 'fun = { label = "Fun" }\nprice = { importance').replace(
    'k = "auto"', 'k = 0')


def test_a_schema_with_three_independent_problems_gets_three_lines(write_tiny_panel, tmp_path,
                                                                   capsys):
    panel, schema = write_tiny_panel(schema_text=THREE)
    code = main(["analyze", str(panel), "--schema", str(schema), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.splitlines()
    assert code == 2 and len(err) == 3, err
    assert all(line.startswith("noncustomers: error: ") for line in err)
    assert "unknown key 'weigth' in the schema (did you mean 'weight'?)" in err[0]
    assert "attributes.fun needs an 'importance' or a 'performance' column" in err[1]
    assert "segmentation.k must be" in err[2]
    assert not (tmp_path / "o").exists()


def test_data_problems_are_collected_too(write_tiny_panel):
    """Ids, weights and the tier rules dry-run on the data, all in one error."""
    bad = TINY_CSV.replace("002,2,yes,8,3,4", "001,0,yes,8,3,4")
    schema = TINY_SCHEMA.replace("visits >= 4", "visits >= 'x'")
    panel, schema_path = write_tiny_panel(bad, schema)
    with pytest.raises(Problems) as exc:
        read_panel(panel, schema_path)
    messages = [str(p) for p in exc.value.problems]
    assert len(messages) == 3, messages
    assert "repeats '001' in data rows 1 and 2" in messages[0]
    assert "'w' (weight) is 0 in data row 2" in messages[1]
    assert "rule 'customers': at position" in messages[2] and "compared with text" in messages[2]
    assert isinstance(exc.value, SchemaError) and isinstance(exc.value, DataError)


def test_a_single_problem_is_still_one_line_of_its_own_type(write_tiny_panel, capsys,
                                                            tmp_path):
    panel, schema = write_tiny_panel(schema_text=TINY_SCHEMA.replace('k = "auto"', "k = 0"))
    with pytest.raises(SchemaError) as exc:
        read_panel(panel, schema)
    assert not isinstance(exc.value, Problems)
    assert main(["analyze", str(panel), "--schema", str(schema), "--out",
                 str(tmp_path / "o")]) == 2
    assert len(capsys.readouterr().err.splitlines()) == 1


def test_more_than_twenty_problems_are_cut_with_a_count(write_tiny_panel, tmp_path, capsys):
    extra = "".join(f'bad{i} = {{ label = "x" }}\n' for i in range(25))
    schema = TINY_SCHEMA.replace('[attributes]\n', '[attributes]\n' + extra)
    panel, schema_path = write_tiny_panel(schema_text=schema)
    assert main(["analyze", str(panel), "--schema", str(schema_path), "--out",
                 str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 21 and err[-1] == "noncustomers: error: ... and 5 more problems"


def test_the_app_shows_the_problems_as_a_table(app_cwd, write_tiny_panel):
    from streamlit.testing.v1 import AppTest

    panel, schema = write_tiny_panel(schema_text=THREE)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["source"] = "Upload my panel"
    at.run()
    at.sidebar.file_uploader(key="panel_file").set_value(
        (panel.name, panel.read_bytes(), "text/csv")).run()
    at.sidebar.file_uploader(key="schema_file").set_value(
        (schema.name, schema.read_bytes(), "application/toml")).run()
    assert not at.exception
    assert any("3 problems" in e.value for e in at.sidebar.error)
    table = at.dataframe[0].value
    assert len(table) == 3 and "unknown key 'weigth'" in table["problem"].iloc[0]


def test_absent_columns_are_all_named(write_tiny_panel):
    schema = TINY_SCHEMA.replace('performance = "perf_price"', 'performance = "perf_prise"')
    schema = schema.replace('weight = "w"', 'weight = "wt"')
    panel, schema_path = write_tiny_panel(schema_text=schema)
    with pytest.raises(Problems) as exc:
        read_panel(panel, schema_path)
    messages = [str(p) for p in exc.value.problems]
    assert len(messages) == 2
    assert "column 'wt' (weight) is not in" in messages[0] and "did you mean 'w'?" in messages[0]
    assert "column 'perf_prise'" in messages[1] and "did you mean 'perf_price'?" in messages[1]
