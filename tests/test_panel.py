"""Reading panel files and validating them against a schema."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from conftest import TINY_CSV, TINY_SCHEMA
from noncustomers.errors import DataError, NoncustomersError, SchemaError
from noncustomers.io import read_table
from noncustomers.panel import panel_from_frame, read_panel
from noncustomers.schema import parse_schema

HEADER = "rid,w,member,visits,imp_price,perf_price\n"

# Cleaned answers of TINY_CSV: 9 (everywhere) and 6 (price only) are no-answer codes.
IMP = [5.0, 3.0, np.nan, 4.0, 1.0, np.nan]
PERF = [4.0, 4.0, 5.0, np.nan, np.nan, 3.0]
IDS = ["001", "002", "003", "004", "005", "006"]
WEIGHTS = [1.0, 2.0, 1.0, 3.0, 1.0, 2.0]


def check_tiny(panel) -> None:
    assert len(panel) == 6
    assert panel.ids.tolist() == IDS
    np.testing.assert_array_equal(panel.weights, WEIGHTS)
    np.testing.assert_array_equal(panel.answers["imp_price"].to_numpy(), IMP)
    np.testing.assert_array_equal(panel.answers["perf_price"].to_numpy(), PERF)
    np.testing.assert_array_equal(panel.ratings("price", "importance"), IMP)
    assert panel.scales == {"price": (1.0, 5.0)}
    assert panel.notes == []


# ---- file formats ----------------------------------------------------------------------------

@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_delimiters_are_sniffed(write_tiny_panel, delimiter):
    panel_path, schema_path = write_tiny_panel(TINY_CSV.replace(",", delimiter))
    check_tiny(read_panel(panel_path, schema_path))


def test_csv_with_utf8_bom(write_tiny_panel):
    panel_path, schema_path = write_tiny_panel(TINY_CSV.encode("utf-8-sig"))
    assert panel_path.read_bytes().startswith(b"\xef\xbb\xbf")
    frame = read_table(panel_path)
    assert frame.columns[0] == "rid"  # no BOM glued to the first header
    check_tiny(read_panel(panel_path, schema_path))


def test_csv_with_windows_line_endings(write_tiny_panel):
    panel_path, schema_path = write_tiny_panel(TINY_CSV.replace("\n", "\r\n").encode())
    check_tiny(read_panel(panel_path, schema_path))


@pytest.mark.parametrize("suffix", [".tsv", ".tab"])
def test_tsv(write_tiny_panel, suffix):
    panel_path, schema_path = write_tiny_panel(TINY_CSV.replace(",", "\t"), name="p" + suffix)
    check_tiny(read_panel(panel_path, schema_path))


def test_txt_is_read_as_csv(write_tiny_panel):
    panel_path, schema_path = write_tiny_panel(TINY_CSV.replace(",", ";"), name="p.txt")
    check_tiny(read_panel(panel_path, schema_path))


def test_header_whitespace_is_stripped(write_tiny_panel):
    # The id column must stay text even when its header cell has spaces around it.
    panel_path, schema_path = write_tiny_panel(TINY_CSV.replace("rid,w,", " rid , w ,", 1))
    check_tiny(read_panel(panel_path, schema_path))


def test_header_whitespace_keeps_distinct_zero_padded_ids(write_tiny_panel, tmp_path):
    csv_text = HEADER.replace("rid", "rid ") + "001,1,yes,5,5,4\n01,1,no,1,3,3\n"
    panel_path, schema_path = write_tiny_panel(csv_text)
    assert read_panel(panel_path, schema_path).ids.tolist() == ["001", "01"]
    xlsx = tmp_path / "panel.xlsx"
    pd.DataFrame({"rid ": ["001", "01"], "w": [1, 1], "member": ["yes", "no"], "visits": [5, 1],
                  "imp_price": [5, 3], "perf_price": [4, 3]}).to_excel(xlsx, index=False)
    assert read_panel(xlsx, schema_path).ids.tolist() == ["001", "01"]


def _tiny_frame() -> pd.DataFrame:
    return pd.read_csv(pd.io.common.StringIO(TINY_CSV), dtype={"rid": str})


def test_xlsx(tmp_path):
    path = tmp_path / "panel.xlsx"
    _tiny_frame().to_excel(path, index=False)
    schema = parse_schema(TINY_SCHEMA)
    check_tiny(read_panel(path, schema))


@pytest.mark.parametrize("suffix", [".parquet", ".pq"])
def test_parquet(tmp_path, suffix):
    path = tmp_path / f"panel{suffix}"
    _tiny_frame().to_parquet(path)
    check_tiny(read_panel(path, parse_schema(TINY_SCHEMA)))


def test_schema_path_or_object(write_tiny_panel):
    panel_path, schema_path = write_tiny_panel()
    a = read_panel(panel_path, schema_path)
    b = read_panel(str(panel_path), parse_schema(TINY_SCHEMA))
    assert a.ids.tolist() == b.ids.tolist()
    assert a.source == str(panel_path)


def test_ids_with_leading_zeros_stay_text(write_tiny_panel):
    panel_path, schema_path = write_tiny_panel(HEADER + "007,1,yes,5,5,4\n0100,1,no,1,3,3\n")
    panel = read_panel(panel_path, schema_path)
    assert panel.ids.tolist() == ["007", "0100"]


def test_read_table_text_columns_only_for_named_columns(write_tiny_panel):
    panel_path, _ = write_tiny_panel()
    frame = read_table(panel_path, text_columns=("rid",))
    assert frame["rid"].tolist() == IDS
    assert pd.api.types.is_numeric_dtype(frame["w"])
    # without text_columns the id would lose its zeros
    assert read_table(panel_path)["rid"].tolist() == [1, 2, 3, 4, 5, 6]


def test_na_markers_are_missing_but_answer_codes_are_not(write_tiny_panel):
    panel_path, _ = write_tiny_panel(HEADER + "1,1,NA,1,9,N/A\n2,1,n/a,2,,null\n")
    frame = read_table(panel_path)
    assert frame["member"].isna().all()
    assert frame["perf_price"].isna().all()
    assert frame["imp_price"].iloc[0] == 9  # 9 is a schema code, not a file-level NA


def test_no_weight_column_means_unit_weights():
    schema = parse_schema('id = "rid"\n[tiers]\ncustomers = "true"\n')
    panel = panel_from_frame(pd.DataFrame({"rid": ["a", "b", "c"]}), schema)
    np.testing.assert_array_equal(panel.weights, [1.0, 1.0, 1.0])


def test_sample_panel_reads(gym_panel_path, gym_schema_path):
    panel = read_panel(gym_panel_path, gym_schema_path)
    assert len(panel) == 5000
    assert panel.ids.iloc[0] == "GYM00001"
    assert panel.basis == [f"imp_{f}" for f in (
        "price", "equipment", "classes", "personal_training", "location", "opening_hours",
        "atmosphere", "flexibility", "spa", "childcare")]
    imp = panel.answers[panel.basis].to_numpy()
    assert np.nanmin(imp) == 1 and np.nanmax(imp) == 5  # the 9s are gone
    childcare = panel.ratings("childcare", "performance")
    assert set(np.unique(childcare[~np.isnan(childcare)])) <= {1, 2, 3, 4, 5}  # the 6s are gone


# ---- missing codes and scales ----------------------------------------------------------------

def test_missing_codes_top_level_and_per_attribute():
    schema = parse_schema('''
id = "rid"
missing = [9]
[tiers]
customers = "true"
[attributes]
a = { importance = "imp_a", scale = [1, 5], missing = [6] }
b = { importance = "imp_b", scale = [1, 7] }
[segmentation]
basis = ["imp_*", "extra"]
''')
    frame = pd.DataFrame({"rid": ["1", "2", "3", "4"],
                          "imp_a": [6, 9, 5, None],
                          "imp_b": [6, 9, 7, 1],
                          "extra": [9, 6, 2, 1]})
    panel = panel_from_frame(frame, schema)
    np.testing.assert_array_equal(panel.answers["imp_a"], [np.nan, np.nan, 5, np.nan])
    # 6 is only a code of attribute a: on b it is a rating
    np.testing.assert_array_equal(panel.answers["imp_b"], [6, np.nan, 7, 1])
    # a basis column that is no attribute gets the schema-wide codes
    np.testing.assert_array_equal(panel.answers["extra"], [np.nan, 6, 2, 1])
    # the raw data is untouched
    assert frame["imp_a"].iloc[0] == 6 and panel.data["imp_a"].iloc[0] == 6


def test_attribute_without_scale_uses_observed_range_and_warns():
    schema = parse_schema('''
id = "rid"
missing = [99]
[tiers]
customers = "true"
[attributes]
q = { importance = "imp_q", performance = "perf_q" }
''', source="s.toml")
    frame = pd.DataFrame({"rid": ["1", "2", "3"], "imp_q": [2, 99, 4], "perf_q": [3, 7, None]})
    with pytest.warns(UserWarning, match=r"s.toml: attribute 'q' has no scale; using the "
                                         r"observed range \[2, 7\]"):
        panel = panel_from_frame(frame, schema)
    assert panel.scales == {"q": (2.0, 7.0)}  # the 99 code is left out of the range
    assert len(panel.notes) == 1 and "'q'" in panel.notes[0]


def test_attribute_with_scale_does_not_warn(write_tiny_panel):
    panel_path, schema_path = write_tiny_panel()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_panel(panel_path, schema_path)


def test_values_on_the_scale_ends_are_accepted(write_tiny_panel):
    panel_path, schema_path = write_tiny_panel(HEADER + "1,1,yes,5,1,5\n2,0.5,no,0,5,1\n")
    panel = read_panel(panel_path, schema_path)
    np.testing.assert_array_equal(panel.answers["imp_price"], [1, 5])


# ---- errors ----------------------------------------------------------------------------------

def _error(write_tiny_panel, csv_text, exc_type=DataError, **kw) -> str:
    panel_path, schema_path = write_tiny_panel(csv_text, **kw)
    with pytest.raises(exc_type) as exc:
        read_panel(panel_path, schema_path)
    msg = str(exc.value)
    assert msg.startswith(str(panel_path) + ":") or str(schema_path) in msg, msg
    return msg


def test_missing_file(tmp_path):
    path = tmp_path / "absent.csv"
    with pytest.raises(DataError, match=r"absent.csv: no such file"):
        read_table(path)


def test_directory_is_not_a_file(tmp_path):
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(DataError, match=r"folder.csv: is a directory \(folder\), not a panel"):
        read_table(tmp_path / "folder.csv")


def test_unsupported_suffix(tmp_path):
    path = tmp_path / "panel.json"
    path.write_text("{}")
    with pytest.raises(DataError, match=r"panel.json: unsupported file type '.json'; "
                                        r"expected one of .csv"):
        read_table(path)


@pytest.mark.parametrize("content, name", [("", "panel.csv"), ("\n\n  \n", "panel.csv"),
                                           ("", "panel.tsv")])
def test_empty_file(write_tiny_panel, content, name):
    msg = _error(write_tiny_panel, content, name=name)
    assert "the file is empty" in msg


@pytest.mark.parametrize("name", ["panel.csv", "panel.tsv"])
def test_header_only_file(write_tiny_panel, name):
    header = HEADER if name.endswith(".csv") else HEADER.replace(",", "\t")
    msg = _error(write_tiny_panel, header, name=name)
    assert "header but no data rows" in msg


def test_header_only_xlsx(tmp_path):
    path = tmp_path / "panel.xlsx"
    _tiny_frame().iloc[:0].to_excel(path, index=False)
    with pytest.raises(DataError, match="panel.xlsx: the file has a header but no data rows"):
        read_table(path)


def test_not_utf8(write_tiny_panel):
    msg = _error(write_tiny_panel, (HEADER + "1,1,s\xed,5,5,4\n").encode("latin-1"))
    assert "not UTF-8" in msg


def test_corrupt_excel(write_tiny_panel):
    msg = _error(write_tiny_panel, b"this is not a workbook", name="panel.xlsx")
    assert "cannot read the file as xlsx" in msg
    assert "\n" not in msg


def test_duplicate_header(write_tiny_panel):
    msg = _error(write_tiny_panel, "rid,w,w\n1,1,1\n".replace("rid,w,w", "rid,w,w "))
    assert "column 'w' appears twice in the header (columns 2 and 3)" in msg


@pytest.mark.parametrize("rows, row", [
    ("1,1,yes,5,5,4\n,1,no,1,3,3\n", 2),
    ("1,1,yes,5,5,4\n2,1,no,1,3,3\n  ,1,no,1,3,3\n", 3),
])
def test_missing_id(write_tiny_panel, rows, row):
    msg = _error(write_tiny_panel, HEADER + rows)
    assert f"column 'rid' (id) is empty in data row {row}" in msg


def test_duplicate_id_names_both_rows(write_tiny_panel):
    msg = _error(write_tiny_panel, HEADER + "a,1,yes,5,5,4\nb,1,no,1,3,3\nc,1,no,1,3,3\n"
                                            "b,1,no,1,3,3\n")
    assert "column 'rid' (id) repeats 'b' in data rows 2 and 4" in msg


def test_leading_zero_ids_are_not_duplicates(write_tiny_panel):
    panel_path, schema_path = write_tiny_panel(HEADER + "07,1,yes,5,5,4\n007,1,no,1,3,3\n")
    assert read_panel(panel_path, schema_path).ids.tolist() == ["07", "007"]


@pytest.mark.parametrize("old, new, words", [
    ("imp_price", "imp_prices", ["column 'imp_price' (attributes.price.importance)",
                                 "did you mean 'imp_prices'?"]),
    ("rid,", "respondent,", ["column 'rid' (id)"]),
    (",w,", ",weight,", ["column 'w' (weight)"]),
    ("visits", "visit", ["rule 'customers'", "column 'visits' at position 21",
                         "did you mean 'visit'?"]),
])
def test_absent_column_with_suggestion(write_tiny_panel, old, new, words):
    panel_path, schema_path = write_tiny_panel(TINY_CSV.replace(old, new, 1))
    with pytest.raises(SchemaError) as exc:
        read_panel(panel_path, schema_path)
    msg = str(exc.value)
    assert msg.startswith(str(schema_path) + ":")
    assert f"not in {panel_path}" in msg or "not in the panel" in msg
    for w in words:
        assert w in msg, msg


def test_basis_pattern_matching_nothing(write_tiny_panel):
    panel_path, schema_path = write_tiny_panel(
        schema_text=TINY_SCHEMA.replace('basis = ["imp_*"]', 'basis = ["importance_*"]'))
    with pytest.raises(SchemaError, match=r"pattern 'importance_\*' in segmentation.basis"):
        read_panel(panel_path, schema_path)


def test_non_numeric_rating_names_column_and_row(write_tiny_panel):
    msg = _error(write_tiny_panel, HEADER + "a,1,yes,5,5,4\nb,1,no,1,high,3\nc,1,no,1,low,3\n")
    assert "column 'imp_price' (price importance)" in msg
    assert "non-numeric value 'high'" in msg
    assert "data row 2 (id b)" in msg
    assert "1 more rows" in msg


def test_non_numeric_basis_column(write_tiny_panel):
    # yes/no text is a binary basis column (tests/test_survey_io.py has the encodings);
    # numbers mixed with text are still rejected, naming the first text value.
    schema = TINY_SCHEMA.replace('basis = ["imp_*"]', 'basis = ["imp_*", "member"]')
    panel_path, schema_path = write_tiny_panel(TINY_CSV, schema_text=schema)
    panel = read_panel(panel_path, schema_path)
    assert panel.encoding["member"] == "binary"
    np.testing.assert_array_equal(panel.answers["member"], [1, 1, 0, 0, 0, 0])
    msg = _error(write_tiny_panel, TINY_CSV.replace("yes,8", "3,8"), schema_text=schema)
    assert "column 'member' (segmentation basis)" in msg
    assert "'yes' in data row 1 (id 001)" in msg


@pytest.mark.parametrize("value, column, shown", [
    ("7", "imp_price", "7"), ("0", "perf_price", "0"), ("5.5", "imp_price", "5.5"),
    ("-1", "perf_price", "-1"),
])
def test_rating_outside_scale(write_tiny_panel, value, column, shown):
    row = ["b", "1", "no", "1", "3", "3"]
    row[HEADER.strip().split(",").index(column)] = value
    msg = _error(write_tiny_panel, HEADER + "a,1,yes,5,5,4\n" + ",".join(row) + "\n")
    assert f"column '{column}' has the value {shown} in data row 2 (id b)" in msg
    assert "outside the scale [1, 5] of attribute 'price'" in msg


@pytest.mark.parametrize("weight, shown", [("0", "is 0"), ("-2", "is -2"), ("", "is empty"),
                                           ("-0.5", "is -0.5")])
def test_non_positive_or_empty_weight(write_tiny_panel, weight, shown):
    msg = _error(write_tiny_panel, HEADER + f"a,1,yes,5,5,4\nb,{weight},no,1,3,3\n")
    assert f"column 'w' (weight) {shown} in data row 2 (id b)" in msg
    assert "weights must be positive" in msg


def test_non_numeric_weight(write_tiny_panel):
    msg = _error(write_tiny_panel, HEADER + "a,1,yes,5,5,4\nb,heavy,no,1,3,3\n")
    assert "column 'w' (weight) has the non-numeric value 'heavy' in data row 2" in msg


def test_empty_frame():
    schema = parse_schema(TINY_SCHEMA)
    with pytest.raises(DataError, match="mem: the panel has no data rows"):
        panel_from_frame(_tiny_frame().iloc[:0], schema, source="mem")


def test_every_error_is_a_noncustomers_error():
    assert issubclass(DataError, NoncustomersError)
    assert issubclass(SchemaError, NoncustomersError)
