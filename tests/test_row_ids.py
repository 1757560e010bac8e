"""id = "@row" numbers the rows; duplicate ids get one line with the first few and a way out."""

from __future__ import annotations

import pandas as pd
import pytest

from noncustomers import analyze, panel_from_frame, parse_schema
from noncustomers.errors import DataError

SCHEMA = """
id = "{id}"

[tiers]
customers  = "member == 'yes'"
unexplored = "true"

[attributes]
price = {{ importance = "imp", performance = "perf", scale = [1, 5] }}
"""


def _frame(ids) -> pd.DataFrame:
    n = len(ids)
    return pd.DataFrame({"rid": ids, "member": ["yes", "no"] * (n // 2) + ["no"] * (n % 2),
                         "imp": [(i % 5) + 1 for i in range(n)],
                         "perf": [((i * 3) % 5) + 1 for i in range(n)]})


def test_row_ids_number_the_rows_from_1():
    frame = _frame(["a", "a", "b", "b", "b", "c"])  # a useless id column is simply ignored
    panel = panel_from_frame(frame, parse_schema(SCHEMA.format(id="@row")))
    assert panel.ids.tolist() == [1, 2, 3, 4, 5, 6]
    assert panel.id_name == "row"
    result = analyze(panel, map=None, stability_runs=0, curve_resamples=0, driver_boot=0)
    assignments = result.assignments
    assert list(assignments.columns[:3]) == ["row", "tier", "segment"]
    assert assignments["row"].tolist() == [1, 2, 3, 4, 5, 6]
    assert result.files()["assignments.csv"].startswith(b"row,tier,segment")


def test_a_column_named_at_row_is_not_hidden():
    frame = _frame(["a", "b"]).rename(columns={"rid": "@row"})
    with pytest.raises(DataError, match="has a column named '@row'"):
        panel_from_frame(frame, parse_schema(SCHEMA.format(id="@row")))


def test_one_repeated_id_is_one_line_with_its_rows_and_the_way_out():
    with pytest.raises(DataError) as caught:
        panel_from_frame(_frame(["a", "b", "a", "c"]), parse_schema(SCHEMA.format(id="rid")))
    message = str(caught.value)
    assert "column 'rid' (id) repeats 'a' in data rows 1 and 3" in message
    assert 'id = "@row"' in message and "\n" not in message


def test_many_repeated_ids_name_how_many_and_the_first_few():
    ids = [f"i{k // 3}" for k in range(30)] + ["solo"]  # ten ids, each three times
    with pytest.raises(DataError) as caught:
        panel_from_frame(_frame(ids), parse_schema(SCHEMA.format(id="rid")))
    message = str(caught.value)
    assert "repeats 10 ids: 'i0' in data rows 1, 2 and 3; 'i1' in data rows 4, 5 and 6; " \
           "'i2' in data rows 7, 8 and 9; ..." in message
    assert 'number the rows with id = "@row"' in message
