"""Survey files (SPSS, Stata, Excel sheets); binary, ordinal and nominal answers encoded."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from conftest import ROOT
from noncustomers.errors import DataError, NoncustomersError, RuleError, SchemaError
from noncustomers.io import SUPPORTED_SUFFIXES, SurveyMeta, read_survey, read_table
from noncustomers.panel import ENCODINGS, panel_from_frame, read_panel
from noncustomers.rules import parse_rule
from noncustomers.schema import parse_schema
from noncustomers.tiers import assign_tiers

SHARED_DATA = next((p for p in (ROOT.parent / "shared" / "data", Path("/work/shared/data"))
                    if p.is_dir()), None)


def shared_file(name: str) -> Path:
    """A file of the shared real-data folder, or skip the test when it is absent."""
    if SHARED_DATA is None or not (SHARED_DATA / name).is_file():
        pytest.skip(f"shared data file {name} is absent")
    return SHARED_DATA / name


def quiet_panel(frame: pd.DataFrame, schema_text: str, **kw):
    """panel_from_frame that fails on any warning (no unexpected notes)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return panel_from_frame(frame, parse_schema(schema_text, source="s.toml"), **kw)


# ---- SPSS -------------------------------------------------------------------------------------

# Six respondents.  bought: 0/1 labelled, 9 = "Don't know" is an SPSS user-missing value.
# freq: 1-4 labelled, 90-99 a user-missing range (99 = "Refused").  carrier: nominal.
# imp_price: a 1-5 rating labelled only at its ends (stays numeric).  gender: two levels 1/2.
SAV = pd.DataFrame({
    "rid": [101.0, 102, 103, 104, 105, 106],
    "w": [1.0, 2, 1, 1, 2, 1],
    "bought": [1.0, 0, 1, 9, 0, 1],
    "freq": [4.0, 1, 3, 99, 2, np.nan],
    "carrier": [1.0, 2, 3, 1, 2, 1],
    "imp_price": [5.0, 2, 3, 4, 1, 5],
    "gender": [1.0, 2, 2, 1, 1, 2],
})
SAV_VALUE_LABELS = {
    "bought": {0: "Not selected", 1: "Selected", 9: "Don't know"},
    "freq": {1: "Never", 2: "Sometimes", 3: "Often", 4: "Always", 99: "Refused"},
    "carrier": {1: "Optus", 2: "Telstra", 3: "Vodafone"},
    "imp_price": {1: "Not at all important", 5: "Very important"},
    "gender": {1: "male", 2: "female"},
}
SAV_LABELS = {"rid": "Respondent", "bought": "Bought a plan in the last year?",
              "freq": "How often do you call?", "carrier": "Current carrier",
              "imp_price": "Importance: low price"}
SAV_SCHEMA = """\
id = "rid"
weight = "w"

[tiers]
customers = "bought == 'Selected'"
refusing  = "bought == 'Not selected' and freq >= 'Sometimes'"
unexplored = "true"

[attributes]
price = { importance = "imp_price", scale = [1, 5] }

[segmentation]
basis = ["bought", "freq", "carrier", "imp_price"]
profile = ["gender"]

[order]
freq = ["Never", "Sometimes", "Often", "Always"]
"""


@pytest.fixture
def sav_path(tmp_path) -> Path:
    path = tmp_path / "survey.sav"
    pyreadstat.write_sav(SAV, path, column_labels=SAV_LABELS,
                         variable_value_labels=SAV_VALUE_LABELS,
                         missing_ranges={"bought": [9], "freq": [{"lo": 90, "hi": 99}]})
    return path


def test_sav_and_dta_are_supported_suffixes():
    assert {".sav", ".zsav", ".dta"} <= set(SUPPORTED_SUFFIXES)


def test_sav_value_labels_become_answers(sav_path):
    frame, meta = read_survey(sav_path, text_columns=("rid",))
    assert frame["bought"].tolist()[:3] == ["Selected", "Not selected", "Selected"]
    assert frame["carrier"].tolist() == ["Optus", "Telstra", "Vodafone", "Optus", "Telstra",
                                         "Optus"]
    assert frame["gender"].tolist()[:2] == ["male", "female"]
    # a scale labelled only at its ends keeps its numbers (its labels stay in the metadata)
    assert frame["imp_price"].tolist() == [5, 2, 3, 4, 1, 5]
    assert meta.value_labels["imp_price"] == {1: "Not at all important", 5: "Very important"}
    assert "imp_price" not in meta.codes
    np.testing.assert_array_equal(meta.codes["carrier"], [1, 2, 3, 1, 2, 1])
    # numeric ids are read as text, without a trailing .0
    assert frame["rid"].tolist() == ["101", "102", "103", "104", "105", "106"]


def test_sav_variable_labels_are_kept(sav_path):
    _, meta = read_survey(sav_path)
    assert meta.labels == SAV_LABELS
    panel = read_panel(sav_path, parse_schema(SAV_SCHEMA))
    assert panel.labels == SAV_LABELS
    assert panel.label("carrier") == "Current carrier"
    assert panel.label("gender") == "gender"  # no variable label: the column name


def test_sav_user_missing_values_are_missing_answers(sav_path):
    frame, meta = read_survey(sav_path)
    assert pd.isna(frame["bought"].iloc[3])  # 9 = Don't know
    assert pd.isna(frame["freq"].iloc[3])  # 99 lies in the missing range 90-99
    assert meta.missing == {"bought": [(9, 9)], "freq": [(90, 99)]}
    assert meta.user_missing["bought"].iloc[3] == "Don't know"
    assert meta.user_missing["bought"].isna().sum() == 5
    assert meta.user_missing["freq"].iloc[3] == "Refused"
    assert pd.isna(meta.user_missing["freq"].iloc[5])  # system-missing is not user-missing
    assert np.isnan(meta.codes["bought"].iloc[3])
    panel = read_panel(sav_path, parse_schema(SAV_SCHEMA))
    assert set(panel.user_missing) == {"bought", "freq"}
    assert np.isnan(panel.answers["bought"].iloc[3])
    assert np.isnan(panel.answers["freq"].iloc[3])


def test_sav_rules_compare_labels(sav_path):
    panel = read_panel(sav_path, parse_schema(SAV_SCHEMA))
    # row 2 said "Not selected" but calls "Never"; row 4's answer is user-missing
    assert assign_tiers(panel).tolist() == ["customers", "unexplored", "customers", "unexplored",
                                            "refusing", "customers"]


def test_sav_basis_encoding(sav_path):
    panel = read_panel(sav_path, parse_schema(SAV_SCHEMA))
    assert panel.encoding == {"bought": "binary", "freq": "ordinal", "carrier": "nominal",
                              "imp_price": "numeric"}
    # nominal levels in the order of their codes
    assert panel.basis_encoded == ["bought", "freq", "carrier=Optus", "carrier=Telstra",
                                   "carrier=Vodafone", "imp_price"]
    assert panel.basis_groups["carrier"] == ["carrier=Optus", "carrier=Telstra",
                                             "carrier=Vodafone"]
    a = panel.answers
    np.testing.assert_array_equal(a["bought"], [1, 0, 1, np.nan, 0, 1])
    np.testing.assert_array_equal(a["freq"], [3, 0, 2, np.nan, 1, np.nan])
    np.testing.assert_array_equal(a["carrier=Telstra"], [0, 1, 0, 0, 1, 0])
    np.testing.assert_array_equal(a["imp_price"], [5, 2, 3, 4, 1, 5])
    assert a[panel.basis_encoded].to_numpy(dtype=float).shape == (6, 6)


def test_sav_labelled_rating_scores_its_codes(tmp_path):
    frame = SAV.assign(imp_price=[5.0, 2, 3, 4, 1, 9])
    path = tmp_path / "rating.sav"
    pyreadstat.write_sav(frame, path, missing_ranges={"imp_price": [9]},
                         variable_value_labels={"imp_price": {1: "Not at all", 2: "A little",
                                                              3: "Somewhat", 4: "Much",
                                                              5: "Very much", 9: "Don't know"}})
    assert read_table(path)["imp_price"].iloc[0] == "Very much"
    # written without the other columns' labels: the tier rules are dry-run against the
    # data when it is read, so this panel gets rules it can answer
    schema = SAV_SCHEMA.replace(', scale = [1, 5] }', ' }').replace(
        'basis = ["bought", "freq", "carrier", "imp_price"]', 'basis = ["imp_price"]').replace(
        "customers = \"bought == 'Selected'\"", "customers = \"bought == 1\"").replace(
        "refusing  = \"bought == 'Not selected' and freq >= 'Sometimes'\"", "")
    with pytest.warns(UserWarning, match=r"attribute 'price' has no scale; using the range of "
                                         r"its value labels and answers \[1, 5\]"):
        panel = read_panel(path, parse_schema(schema))
    np.testing.assert_array_equal(panel.ratings("price", "importance"), [5, 2, 3, 4, 1, np.nan])
    assert panel.scales["price"] == (1.0, 5.0)  # 9 is user-missing: not part of the scale
    assert panel.encoding == {"imp_price": "numeric"}


def test_sav_two_level_labels_need_an_order_in_the_basis(sav_path):
    schema = SAV_SCHEMA.replace('"imp_price"]', '"imp_price", "gender"]')
    with pytest.raises(SchemaError) as exc:
        read_panel(sav_path, parse_schema(schema, source="s.toml"))
    msg = str(exc.value)
    assert msg.startswith("s.toml: column 'gender' (segmentation basis) has two text levels")
    assert '[order] gender = ["male", "female"]' in msg  # labelled levels in code order
    panel = read_panel(sav_path, parse_schema(schema + 'gender = ["male", "female"]\n'))
    assert panel.encoding["gender"] == "binary"
    np.testing.assert_array_equal(panel.answers["gender"], [0, 1, 1, 0, 0, 1])


def test_sav_schema_missing_codes_apply_to_labelled_codes(sav_path):
    # 3 declared "no answer" in the schema: the code is matched (Often, Vodafone), not the label
    panel = read_panel(sav_path, parse_schema(SAV_SCHEMA.replace(
        'weight = "w"', 'weight = "w"\nmissing = [3]').replace('"carrier", ', "")))
    np.testing.assert_array_equal(panel.answers["freq"], [3, 0, np.nan, np.nan, 1, np.nan])
    assert panel.data["freq"].iloc[2] == "Often"  # rules still see the answer
    # without Vodafone, carrier has two levels left: a nominal column needs more
    with pytest.raises(SchemaError, match="column 'carrier' .* has two text levels, 'Optus' "
                                          "and 'Telstra', and no order"):
        read_panel(sav_path, parse_schema(SAV_SCHEMA.replace('weight = "w"',
                                                             'weight = "w"\nmissing = [3]')))


def test_sav_mostly_unlabelled_codes_stay_numbers_and_stray_codes_show(tmp_path):
    path = tmp_path / "mixed.sav"
    frame = pd.DataFrame({"rid": [1.0, 2, 3, 4, 5], "yes_no": [1.0, 2, 1, 5, 2],
                          "scale": [0.0, 4, 7, 10, 3]})
    pyreadstat.write_sav(frame, path, variable_value_labels={
        "yes_no": {1: "Yes", 2: "No"}, "scale": {0: "Not at all", 10: "Completely"}})
    table = read_table(path)
    assert table["yes_no"].tolist() == ["Yes", "No", "Yes", "5", "No"]  # a stray code shows
    assert table["scale"].tolist() == [0, 4, 7, 10, 3]  # labelled at its ends only


def test_corrupt_sav(tmp_path):
    path = tmp_path / "broken.sav"
    path.write_bytes(b"not an SPSS file at all")
    with pytest.raises(DataError) as exc:
        read_table(path)
    assert str(exc.value).startswith(f"{path}: cannot read the file as sav (")
    assert "\n" not in str(exc.value)


def test_cli_analyzes_a_sav_file(sav_path, tmp_path, single_native_thread):
    from noncustomers.cli import main

    rows = pd.concat([SAV.assign(rid=SAV["rid"] + 10 * i) for i in range(5)], ignore_index=True)
    path = tmp_path / "big.sav"
    pyreadstat.write_sav(rows, path, column_labels=SAV_LABELS,
                         variable_value_labels=SAV_VALUE_LABELS,
                         missing_ranges={"bought": [9], "freq": [{"lo": 90, "hi": 99}]})
    schema = tmp_path / "s.toml"
    schema.write_text(SAV_SCHEMA.replace('profile = ["gender"]', 'profile = ["gender"]\nk = 2'),
                      encoding="utf-8")
    out = tmp_path / "out"
    assert main(["analyze", str(path), "--schema", str(schema), "--out", str(out),
                 "--map", "pca"]) == 0
    assignments = pd.read_csv(out / "assignments.csv", dtype={"rid": str})
    assert assignments["rid"].tolist()[:3] == ["101", "102", "103"]
    assert assignments["tier"].tolist()[:6] == ["customers", "unexplored", "customers",
                                                "unexplored", "refusing", "customers"]


def test_cli_bad_sav_exits_2_with_one_line(tmp_path, capsys):
    from noncustomers.cli import main

    path = tmp_path / "broken.sav"
    path.write_bytes(b"not an SPSS file")
    schema = tmp_path / "s.toml"
    schema.write_text(SAV_SCHEMA, encoding="utf-8")
    assert main(["analyze", str(path), "--schema", str(schema), "--out",
                 str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert "cannot read the file as sav" in err and "\n" not in err
    assert not (tmp_path / "out").exists()


# ---- Stata ------------------------------------------------------------------------------------

def test_dta_labels_and_extended_missing_values(tmp_path):
    path = tmp_path / "survey.dta"
    frame = pd.DataFrame({
        "rid": [1.0, 2, 3, 4],
        "aware": pd.Series([1.0, 0.0, "a", 1.0], dtype=object),  # .a = refused
        "region": [1.0, 2, 3, np.nan],
    })
    pyreadstat.write_dta(frame, path, column_labels={"aware": "Heard of the brand?",
                                                     "region": "Region"},
                         variable_value_labels={"aware": {0: "No", 1: "Yes"},
                                                "region": {1: "North", 2: "South", 3: "West"}},
                         missing_user_values={"aware": ["a"]})
    table, meta = read_survey(path, text_columns=("rid",))
    assert table["aware"].tolist()[:2] == ["Yes", "No"] and pd.isna(table["aware"].iloc[2])
    assert meta.user_missing["aware"].iloc[2] == ".a"
    assert meta.labels == {"aware": "Heard of the brand?", "region": "Region"}
    schema = """\
id = "rid"
[tiers]
customers = "aware == 'Yes'"
unexplored = "true"
[segmentation]
basis = ["aware", "region"]
"""
    panel = quiet_panel(table, schema, meta=meta)
    assert assign_tiers(panel).tolist() == ["customers", "unexplored", "unexplored", "customers"]
    assert panel.encoding == {"aware": "binary", "region": "nominal"}
    np.testing.assert_array_equal(panel.answers["aware"], [1, 0, np.nan, 1])
    np.testing.assert_array_equal(panel.answers["region=West"], [0, 0, 1, np.nan])
    assert read_panel(path, parse_schema(schema)).ids.tolist() == ["1", "2", "3", "4"]


# ---- Excel sheets -----------------------------------------------------------------------------

EXCEL_SCHEMA = """\
id = "rid"
{sheet}
[tiers]
customers = "member == 'yes'"
unexplored = "true"
"""


@pytest.fixture
def workbook(tmp_path) -> Path:
    path = tmp_path / "panel.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"note": ["read me first"]}).to_excel(writer, sheet_name="About", index=False)
        pd.DataFrame({"rid": ["007", "008"], "member": ["yes", "no"]}).to_excel(
            writer, sheet_name="Data", index=False)
    return path


def test_excel_named_sheet(workbook):
    panel = read_panel(workbook, parse_schema(EXCEL_SCHEMA.format(sheet='sheet = "Data"')))
    assert panel.ids.tolist() == ["007", "008"]
    assert read_table(workbook, sheet="Data")["member"].tolist() == ["yes", "no"]


def test_excel_first_sheet_by_default(workbook):
    assert read_table(workbook).columns.tolist() == ["note"]
    with pytest.raises(SchemaError, match="column 'rid' \\(id\\) is not in"):
        read_panel(workbook, parse_schema(EXCEL_SCHEMA.format(sheet="")))


def test_excel_absent_sheet(workbook):
    with pytest.raises(DataError) as exc:
        read_panel(workbook, parse_schema(EXCEL_SCHEMA.format(sheet='sheet = "data "')))
    assert str(exc.value) == (f"{workbook}: no sheet named 'data ' (did you mean 'Data'?); "
                              "the workbook has 'About', 'Data'")


def test_sheet_is_ignored_for_other_files(write_tiny_panel):
    panel_path, _ = write_tiny_panel()
    assert len(read_table(panel_path, sheet="Data")) == 6


@pytest.mark.parametrize("value", ["3", '""', "[\"Data\"]"])
def test_bad_sheet_in_schema(value):
    with pytest.raises(SchemaError, match=r"s.toml: sheet must be the name of an Excel sheet"):
        parse_schema(EXCEL_SCHEMA.format(sheet=f"sheet = {value}"), source="s.toml")


# ---- binary answers ---------------------------------------------------------------------------

BINARY_SCHEMA = """\
id = "rid"
[tiers]
customers = "true"
[attributes]
a = { importance = "x" }
[segmentation]
basis = ["x"]
"""


@pytest.mark.parametrize("low, high", [
    ("No", "Yes"), ("no", "YES"), ("False", "True"), ("Not selected", "Selected"),
    ("not  Selected", "SELECTED"), ("No", "Selected"),
])
def test_yes_no_text_is_binary(low, high):
    frame = pd.DataFrame({"rid": list("abcd"), "x": [high, low, None, high]})
    panel = quiet_panel(frame, BINARY_SCHEMA)  # the 0/1 scale needs no warning
    assert panel.encoding == {"x": "binary"}
    np.testing.assert_array_equal(panel.answers["x"], [1, 0, np.nan, 1])
    assert panel.scales == {"a": (0.0, 1.0)}


@pytest.mark.parametrize("values", [[True, False, True, False], [1, 0, 1, 0], [1.0, 0.0, 1.0, 0.0],
                                    ["1", "0", "1", "0"]])
def test_booleans_and_zero_one_numbers_are_binary(values):
    frame = pd.DataFrame({"rid": list("abcd"), "x": pd.Series(values, dtype=object)
                          if isinstance(values[0], str) else values})
    panel = quiet_panel(frame, BINARY_SCHEMA)
    assert panel.encoding == {"x": "binary"}
    np.testing.assert_array_equal(panel.answers["x"], [1, 0, 1, 0])
    assert panel.scales == {"a": (0.0, 1.0)}


def test_only_one_yes_no_level_is_still_binary():
    with pytest.warns(UserWarning, match="basis column 'x' has the same answer for everyone"):
        panel = panel_from_frame(pd.DataFrame({"rid": list("ab"), "x": ["No", "No"]}),
                                 parse_schema(BINARY_SCHEMA, source="s.toml"))
    np.testing.assert_array_equal(panel.answers["x"], [0, 0])


@pytest.mark.parametrize("role, schema", [
    ("segmentation basis", BINARY_SCHEMA.replace('a = { importance = "x" }', "")),
    ("a importance", BINARY_SCHEMA.replace('basis = ["x"]', "")),
])
def test_other_two_level_text_needs_an_order(role, schema):
    frame = pd.DataFrame({"rid": list("abc"), "x": ["high", "low", "high"]})
    with pytest.raises(SchemaError) as exc:
        quiet_panel(frame, schema)
    assert str(exc.value) == (f"s.toml: column 'x' ({role}) has two text levels, 'high' and "
                              "'low', and no order; add [order] x = [\"high\", \"low\"] to the "
                              "schema, lowest first (the last level counts as 1)")
    panel = quiet_panel(frame, schema + '[order]\nx = ["low", "high"]\n')
    np.testing.assert_array_equal(panel.answers["x"], [1, 0, 1])


def test_yes_and_true_together_are_not_a_pair():
    frame = pd.DataFrame({"rid": list("abc"), "x": ["Yes", "True", "Yes"]})
    with pytest.raises(SchemaError, match="has two text levels, 'True' and 'Yes'"):
        quiet_panel(frame, BINARY_SCHEMA.replace('a = { importance = "x" }', ""))


def test_single_unknown_text_level_needs_an_order():
    frame = pd.DataFrame({"rid": list("ab"), "Visit frequency": ["often", "often"]})
    schema = BINARY_SCHEMA.replace('a = { importance = "x" }', "").replace(
        '["x"]', '["Visit frequency"]')
    with pytest.raises(SchemaError) as exc:
        quiet_panel(frame, schema)
    assert ("column 'Visit frequency' (segmentation basis) has the single text level 'often' "
            "and no order; list its levels under [order], e.g. \"Visit frequency\" = "
            "[\"often\", \"...\"]") in str(exc.value)


def test_labelled_zero_one_codes_are_binary_whatever_their_labels(tmp_path):
    path = tmp_path / "grid.sav"
    pyreadstat.write_sav(pd.DataFrame({"rid": [1.0, 2, 3], "q5_1": [1.0, 0, 1]}), path,
                         variable_value_labels={"q5_1": {0: "Not mentioned", 1: "Optus"}})
    frame, meta = read_survey(path, text_columns=("rid",))
    panel = quiet_panel(frame, BINARY_SCHEMA.replace('"x"', '"q5_1"'), meta=meta)
    assert panel.data["q5_1"].tolist() == ["Optus", "Not mentioned", "Optus"]
    assert panel.encoding == {"q5_1": "binary"}
    np.testing.assert_array_equal(panel.answers["q5_1"], [1, 0, 1])
    assert panel.scales == {"a": (0.0, 1.0)}


# ---- mixed basis: numeric, ordinal, binary, nominal -------------------------------------------

MIXED_SCHEMA = """\
id = "rid"
missing = [99]
[tiers]
customers = "true"
[segmentation]
basis = ["age", "satisfaction", "member", "channel"]
[order]
satisfaction = ["Low", "Medium", "High"]
"""
MIXED = pd.DataFrame({
    "rid": ["1", "2", "3", "4", "5"],
    "age": [30, 99, 45, None, 60],
    "satisfaction": ["High", "Low", None, "Medium", "High"],
    "member": ["Yes", "No", "No", None, "yes"],
    "channel": ["web", "shop", None, "phone", "web"],
})


def test_mixed_basis_is_encoded_per_column():
    panel = quiet_panel(MIXED, MIXED_SCHEMA)
    assert panel.encoding == {"age": "numeric", "satisfaction": "ordinal", "member": "binary",
                              "channel": "nominal"}
    assert set(panel.encoding.values()) <= set(ENCODINGS)
    # nominal text levels sorted alphabetically; one 0/1 column per level
    assert panel.basis_encoded == ["age", "satisfaction", "member", "channel=phone",
                                   "channel=shop", "channel=web"]
    assert panel.basis_groups == {"age": ["age"], "satisfaction": ["satisfaction"],
                                  "member": ["member"],
                                  "channel": ["channel=phone", "channel=shop", "channel=web"]}
    a = panel.answers
    np.testing.assert_array_equal(a["age"], [30, np.nan, 45, np.nan, 60])  # 99 = no answer
    np.testing.assert_array_equal(a["satisfaction"], [2, 0, np.nan, 1, 2])
    np.testing.assert_array_equal(a["member"], [1, 0, 0, np.nan, 1])
    np.testing.assert_array_equal(a["channel=web"], [1, 0, np.nan, 0, 1])
    np.testing.assert_array_equal(a["channel=phone"], [0, 0, np.nan, 1, 0])
    # a missing nominal answer is missing in every one of its columns
    assert a.loc[2, panel.basis_groups["channel"]].isna().all()
    assert a[panel.basis_encoded].dtypes.eq(float).all()
    # the raw data is untouched
    assert panel.data["member"].tolist()[0] == "Yes" and panel.data["age"].iloc[1] == 99


def test_without_basis_nothing_is_encoded():
    panel = quiet_panel(MIXED, "id = \"rid\"\n[tiers]\ncustomers = \"true\"\n")
    assert panel.encoding == {} and panel.basis_encoded == [] and panel.basis_groups == {}


def test_value_missing_from_the_order_names_column_value_and_row():
    frame = MIXED.assign(satisfaction=["High", "Low", "Very high", "Medium", "Huge"])
    with pytest.raises(DataError) as exc:
        panel_from_frame(frame, parse_schema(MIXED_SCHEMA), source="p.csv")
    assert str(exc.value) == ("p.csv: column 'satisfaction' (segmentation basis) has the value "
                              "'Very high' in data row 3 (id 3) and 1 more rows, which is not "
                              "one of its [order] levels ['Low', 'Medium', 'High']; add it to "
                              "[order] satisfaction in the schema")


def test_numbers_mixed_with_text_in_the_basis_are_rejected():
    frame = MIXED.assign(age=["30", "41", "unknown", "50", "60"])
    with pytest.raises(DataError) as exc:
        panel_from_frame(frame, parse_schema(MIXED_SCHEMA), source="p.csv")
    assert str(exc.value) == ("p.csv: column 'age' (segmentation basis) has the non-numeric "
                              "value 'unknown' in data row 3 (id 3); expected numbers (declare "
                              "no-answer codes under 'missing'), or list every text level, "
                              "lowest first, under [order] age")


def test_numbers_written_as_text_are_numbers():
    panel = quiet_panel(MIXED.assign(age=["30", "99", "45", None, "60"]), MIXED_SCHEMA)
    assert panel.encoding["age"] == "numeric"
    np.testing.assert_array_equal(panel.answers["age"], [30, np.nan, 45, np.nan, 60])


# ---- attribute ratings ------------------------------------------------------------------------

RATING_SCHEMA = """\
id = "rid"
[tiers]
customers = "true"
[attributes]
service = {{ importance = "imp", performance = "perf"{scale} }}
[order]
imp = ["Not important", "Somewhat", "Important", "Very important"]
perf = ["Poor", "Fair", "Good", "Very good"]
"""
RATINGS = pd.DataFrame({"rid": list("abc"), "imp": ["Important", "Not important", None],
                        "perf": ["Very good", "Fair", "Poor"]})


def test_ordinal_ratings_score_zero_to_levels_minus_one():
    panel = quiet_panel(RATINGS, RATING_SCHEMA.format(scale=""))
    assert panel.scales == {"service": (0.0, 3.0)}
    np.testing.assert_array_equal(panel.ratings("service", "importance"), [2, 0, np.nan])
    np.testing.assert_array_equal(panel.ratings("service", "performance"), [3, 1, 0])


def test_ordinal_ratings_start_at_the_low_end_of_a_given_scale():
    panel = quiet_panel(RATINGS, RATING_SCHEMA.format(scale=", scale = [1, 5]"))
    assert panel.scales == {"service": (1.0, 5.0)}
    np.testing.assert_array_equal(panel.ratings("service", "performance"), [4, 2, 1])


def test_ordinal_levels_that_do_not_fit_the_scale():
    with pytest.raises(SchemaError) as exc:
        quiet_panel(RATINGS, RATING_SCHEMA.format(scale=", scale = [1, 3]"))
    assert str(exc.value) == ("s.toml: attribute 'service' has the scale [1, 3] but column "
                              "'imp' has 4 ordered levels, scored 1 to 4; widen the scale or "
                              "leave it out")


def test_text_rating_without_order_is_rejected():
    schema = RATING_SCHEMA.format(scale="").split("[order]")[0]
    with pytest.raises(SchemaError) as exc:
        quiet_panel(RATINGS.assign(imp=["Important", "Not important", "Somewhat"]), schema)
    assert str(exc.value) == ("s.toml: column 'imp' (service importance) holds text such as "
                              "'Important'; ratings must be numbers or yes/no answers, or text "
                              "levels listed lowest first under [order], e.g. imp = "
                              "[\"Important\", \"Not important\", \"Somewhat\"] in the right "
                              "order")


# ---- rules on ordered text (the McDonald's case) ----------------------------------------------

VISITS = ["Never", "Once a year", "Every three months", "Once a month", "Once a week",
          "More than once a week"]


def test_rule_on_ordered_visit_frequency():
    rule = parse_rule("VisitFrequency >= 'Once a month'", "customers")
    data = pd.DataFrame({"VisitFrequency": ["Never", "Once a month", "More than once a week",
                                            None, "Every three months", "Once a week"]})
    result = rule.evaluate(data, {"VisitFrequency": VISITS})
    assert result.tolist() == [False, True, True, False, False, True]
    assert parse_rule("VisitFrequency < 'Once a year'", "x").evaluate(
        data, {"VisitFrequency": VISITS}).tolist() == [True, False, False, False, False, False]


def test_rule_value_absent_from_the_order():
    rule = parse_rule("VisitFrequency >= 'Once a month'", "customers")
    data = pd.DataFrame({"VisitFrequency": ["Never", "Weekly"]})
    with pytest.raises(RuleError) as exc:
        rule.evaluate(data, {"VisitFrequency": VISITS})
    msg = str(exc.value)
    assert msg.startswith("rule 'customers': at position 16 column 'VisitFrequency' has the "
                          "value 'Weekly', which is not one of the ordered levels")
    # a rule value outside the order names the rule instead
    with pytest.raises(RuleError, match="the rule has the value 'Monthly'"):
        parse_rule("VisitFrequency >= 'Monthly'", "c").evaluate(data.iloc[:1],
                                                                {"VisitFrequency": VISITS})


def test_ordered_rule_through_the_panel_names_the_schema():
    schema = parse_schema(
        'id = "rid"\n[tiers]\ncustomers = "VisitFrequency >= \'Once a month\'"\n'
        'unexplored = "true"\n[order]\nVisitFrequency = ' + str(VISITS).replace("'", '"') + "\n",
        source="mcd.toml")
    frame = pd.DataFrame({"rid": ["1", "2", "3"],
                          "VisitFrequency": ["Once a week", "Never", "Once a year"]})
    panel = panel_from_frame(frame, schema)
    assert assign_tiers(panel).tolist() == ["customers", "unexplored", "unexplored"]
    with pytest.raises(RuleError, match=r"^mcd.toml: rule 'customers': .* 'Sometimes'"):
        assign_tiers(panel_from_frame(frame.assign(VisitFrequency=["Sometimes"] * 3), schema))


# ---- real survey files (skipped when ../shared/data is absent) --------------------------------

def test_phone_sav_reads_with_its_labels():
    path = shared_file("phone.sav")
    frame, meta = read_survey(path)
    assert frame.shape == (725, 283)
    assert meta.labels["q1"] == "Does respondent have a mobile phone?"
    assert meta.labels["q7"] == "Company currently with"
    assert set(frame["Q5_6"].dropna()) == {"Yes", "No"}
    assert "Telstra (Mobile Net)" in set(frame["q7"])
    # phone.sav has no unique respondent id: number the rows
    frame.insert(0, "row", [str(i + 1) for i in range(len(frame))])
    schema = """\
id = "row"
missing = [-9, 99]
[tiers]
customers = "q7 == 'Telstra (Mobile Net)'"
refusing = "Q6_6 == 'Yes'"
unexplored = "true"
[attributes]
reliable = { performance = "q20g6" }
[segmentation]
basis = ["q20?6", "q37", "q26"]
[order]
q26 = ["0", "Less that $10 a month", "$10 to $19 a month", "$20 to $29 a month",
       "$30 to $39 a month", "$40 to $49 a month", "$50 to $74 a month", "$75 to $99 a month",
       "$100 to $149 a month", "$150 to $199 a month", "$200 or more a month"]
"""
    panel = quiet_panel(frame, schema, meta=meta, source=str(path))
    assert panel.label("q37") == "Marital status"
    assert panel.scales["reliable"] == (0.0, 1.0)
    assert {panel.encoding[c] for c in panel.basis if c.startswith("q20")} == {"binary"}
    assert panel.encoding["q37"] == "nominal" and panel.encoding["q26"] == "ordinal"
    assert panel.basis_groups["q37"] == ["q37=Single", "q37=Married/de facto",
                                         "q37=Separated/divorced", "q37=Widowed"]
    # the 0/1 grid keeps its codes: the share of 1s equals the share of 'Yes' labels
    share = panel.answers["q20g6"].mean()
    assert share == pytest.approx((frame["q20g6"] == "Yes").sum() / frame["q20g6"].notna().sum())
    tiers = assign_tiers(panel).value_counts()
    assert tiers["customers"] == (frame["q7"] == "Telstra (Mobile Net)").sum()


def test_mcdonalds_csv_yes_no_items_and_ordered_visits():
    path = shared_file("mcdonalds.csv")
    frame = read_table(path)
    items = ["yummy", "convenient", "spicy", "fattening", "greasy", "fast", "cheap", "tasty",
             "expensive", "healthy", "disgusting"]
    frame.insert(0, "row", [str(i + 1) for i in range(len(frame))])
    likes = ["I hate it!-5", "-4", "-3", "-2", "-1", "0", "1", "2", "3", "4", "I love it!+5"]
    schema = f"""\
id = "row"
[tiers]
customers  = "VisitFrequency >= 'Once a month'"
soon-to-be = "VisitFrequency >= 'Once a year'"
refusing   = "true"
[attributes]
like = {{ importance = "Like" }}
[segmentation]
basis = {str(items).replace("'", '"')}
profile = ["Age", "Gender"]
[order]
VisitFrequency = {str(VISITS).replace("'", '"')}
Like = {str(likes).replace("'", '"')}
"""
    panel = quiet_panel(frame, schema, source=str(path))
    assert set(panel.encoding.values()) == {"binary"} and panel.basis_encoded == items
    shares = panel.answers[items].mean().round(2).tolist()
    assert shares == [.55, .91, .09, .87, .53, .90, .60, .64, .36, .20, .24]  # as in the book
    assert panel.scales["like"] == (0.0, 10.0)
    tiers = assign_tiers(panel)
    visits = frame["VisitFrequency"]
    assert (tiers == "customers").sum() == visits.isin(VISITS[3:]).sum()
    assert (tiers == "refusing").sum() == (visits == "Never").sum()


def test_every_new_error_is_a_noncustomers_error():
    assert issubclass(SchemaError, NoncustomersError) and issubclass(DataError, NoncustomersError)
    assert SurveyMeta().labels == {}
