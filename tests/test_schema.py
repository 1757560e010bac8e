"""The schema file: the documented format, its errors and column checks."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

import noncustomers.schema
from noncustomers.errors import RuleError, SchemaError
from noncustomers.schema import TIERS, Attribute, load_schema, parse_schema

README_EXAMPLE = """\
id = "respondent_id"
weight = "weight"
missing = [9, 99]

[tiers]
customers  = "visits_per_month >= 4"
soon-to-be = "visits_per_month >= 1"
refusing   = "aware == 'yes'"
unexplored = "true"

[attributes]
price = { importance = "imp_price", performance = "perf_price", scale = [1, 5], label = "Low price", missing = [6] }

[segmentation]
basis = ["imp_*"]
profile = ["age", "gender"]
k = "auto"

[barriers]
columns = ["barrier_*"]
multi = "why_not"
separator = ";"
labels = { barrier_price = "Too expensive" }

[rfm]
recency = "months_since_last_visit"
frequency = "visits_per_month"
monetary = "monthly_spend"

[errc]
valued = 6.5
reach = 0.4
"""

MINIMAL = """\
id = "rid"
[tiers]
customers = "true"
"""


def test_readme_example():
    s = parse_schema(README_EXAMPLE, source="example.toml")
    assert s.id == "respondent_id"
    assert s.weight == "weight"
    assert s.missing == (9.0, 99.0)
    assert list(s.tiers) == ["customers", "soon-to-be", "refusing", "unexplored"]
    assert s.tier_names == list(TIERS)
    assert s.tiers["soon-to-be"].text == "visits_per_month >= 1"
    assert s.barriers.columns == ("barrier_*",) and s.barriers.multi == "why_not"
    assert s.barriers.labels == {"barrier_price": "Too expensive"}
    assert s.rfm == {"recency": "months_since_last_visit", "frequency": "visits_per_month",
                     "monetary": "monthly_spend"}
    assert s.attributes["price"].offered
    assert s.errc == {"valued": 6.5, "reach": 0.4}
    assert s.tiers["soon-to-be"].name == "soon-to-be"
    assert s.tiers["refusing"].columns == ["aware"]
    assert s.attributes == {"price": Attribute("price", "imp_price", "perf_price", (1.0, 5.0),
                                               "Low price", (6.0,))}
    assert s.attributes["price"].display == "Low price"
    assert s.attributes["price"].columns == ["imp_price", "perf_price"]
    assert s.missing_codes(s.attributes["price"]) == (9.0, 99.0, 6.0)
    assert s.missing_codes() == (9.0, 99.0)
    assert s.basis == ("imp_*",)
    assert s.profile == ("age", "gender")
    assert s.k == "auto"
    assert s.source == "example.toml"


def test_documented_example_in_module_docstring_parses():
    # The format block of noncustomers.schema's docstring is the documented contract.
    block = noncustomers.schema.__doc__.split("::\n", 1)[1].split(":func:")[0]
    s = parse_schema(textwrap.dedent(block))
    assert s == parse_schema(README_EXAMPLE)


def test_readme_schema_block_parses():
    # The ```toml block of README.md is the public contract of the format.
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", readme, flags=re.S)
    assert blocks, "README.md has no ```toml block"
    s = parse_schema(blocks[0], source="README.md")
    assert s.id == "respondent_id" and s.weight == "weight" and s.missing == (9.0, 99.0)
    assert list(s.tiers) == ["customers", "soon-to-be", "refusing", "unexplored"]
    assert s.attributes["price"] == Attribute("price", "imp_price", "perf_price", (1.0, 5.0),
                                              "Low price", (6.0,))
    assert s.attributes["fun"] == Attribute("fun", None, "perf fun")
    assert s.basis == ("imp_*",) and s.profile == ("age", "gender") and s.k == "auto"


def test_multiline_inline_table_is_reported_as_invalid_toml():
    # TOML 1.0 (Python's tomllib) has no line breaks inside { ... }.
    text = MINIMAL + '[attributes]\np = { importance = "i",\n      scale = [1, 5] }\n'
    with pytest.raises(SchemaError, match="s.toml: not valid TOML"):
        parse_schema(text, source="s.toml")


def test_defaults_of_a_minimal_schema():
    s = parse_schema(MINIMAL)
    assert s.weight is None
    assert s.missing == ()
    assert s.attributes == {}
    assert s.basis == () and s.profile == ()
    assert s.k == "auto"
    assert s.order == {}


def test_tier_names_follow_canonical_order_but_rules_keep_file_order():
    s = parse_schema('id = "i"\n[tiers]\nunexplored = "true"\ncustomers = "x == 1"\n')
    assert list(s.tiers) == ["unexplored", "customers"]
    assert s.tier_names == ["customers", "unexplored"]


def test_attribute_without_label_or_scale():
    s = parse_schema(MINIMAL + '[attributes]\nhours = { performance = "perf_hours" }\n')
    a = s.attributes["hours"]
    assert a.importance is None and a.performance == "perf_hours"
    assert a.scale is None and a.label is None and a.missing == ()
    assert a.display == "hours"
    assert a.columns == ["perf_hours"]


def test_fixed_k_and_order():
    s = parse_schema(MINIMAL + '[segmentation]\nk = 3\n[order]\nfreq = ["Never", "Often"]\n')
    assert s.k == 3
    assert s.order == {"freq": ("Never", "Often")}


def test_load_schema_from_file_with_bom(tmp_path):
    path = tmp_path / "schema.toml"
    path.write_text(README_EXAMPLE, encoding="utf-8-sig")
    s = load_schema(path)
    assert s.id == "respondent_id"
    assert s.source == str(path)


def test_load_schema_missing_file(tmp_path):
    path = tmp_path / "nope.toml"
    with pytest.raises(SchemaError, match="nope.toml: cannot read the schema file"):
        load_schema(path)


def test_sample_schema_loads(gym_schema_path):
    s = load_schema(gym_schema_path)
    assert s.tier_names == list(TIERS)
    assert len(s.attributes) == 10
    assert s.attributes["childcare"].missing == (6.0,)


# ---- errors ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, words", [
    ('weight = "w"\n[tiers]\ncustomers = "true"\n', ["'id' is required"]),
    ('id = 3\n[tiers]\ncustomers = "true"\n', ["id must be a column name", "3"]),
    ('id = "rid"\n', ["[tiers] table is required"]),
    ('id = "rid"\n[tiers]\n', ["[tiers] table is required"]),
    ('id = "rid"\n[tiers]\nrefusing = "true"\n', ["needs a 'customers' rule"]),
    ('id = "rid"\n[tiers]\ncustomers = "true"\nsoon_to_be = "true"\n',
     ["unknown tier 'soon_to_be'", "did you mean 'soon-to-be'?"]),
    ('id = "rid"\n[tiers]\ncustomer = "true"\n',
     ["unknown tier 'customer'", "did you mean 'customers'?"]),
    (MINIMAL + '[attributes]\np = { importance = "i", scale = [5, 1] }\n',
     ["attributes.p.scale must be [low, high] with low < high", "[5, 1]"]),
    (MINIMAL + '[attributes]\np = { importance = "i", scale = [1, inf] }\n',
     ["attributes.p.scale must be [low, high]", "two finite numbers", "inf"]),
    (MINIMAL + '[errc]\nreach = nan\n', ["[errc] reach must be a finite number", "nan"]),
    (MINIMAL + '[errc]\nvalued = inf\n', ["[errc] valued must be a finite number", "inf"]),
    ('missing = [nan]\n' + MINIMAL, ["missing must be a list of numbers"]),
    ('x = ' + '[' * 5000 + ']' * 5000 + '\n', ["nest too deeply for a TOML reader"]),
    (MINIMAL.replace('"true"', '"' + '(' * 300 + 'true' + ')' * 300 + '"'),
     ["rule 'customers'", "nests more than 50 levels"]),
    (MINIMAL.replace('"true"', '"' + 'not ' * 300 + 'true"'),
     ["rule 'customers'", "nests more than 50 levels"]),
    (MINIMAL + '[attributes]\np = { importance = "i", scale = [1, 1] }\n',
     ["attributes.p.scale"]),
    (MINIMAL + '[attributes]\np = { importance = "i", scale = [1, 5, 7] }\n',
     ["attributes.p.scale"]),
    (MINIMAL + '[attributes]\np = { importance = "i", scale = ["1", "5"] }\n',
     ["attributes.p.scale"]),
    (MINIMAL + '[attributes]\np = { importance = "i", scale = [true, 5] }\n',
     ["attributes.p.scale"]),
    (MINIMAL + '[segmentation]\nk = 0\n', ["segmentation.k must be", "0"]),
    (MINIMAL + '[segmentation]\nk = "three"\n', ["segmentation.k must be", "'three'"]),
    (MINIMAL + '[segmentation]\nk = 2.5\n', ["segmentation.k must be", "2.5"]),
    (MINIMAL + '[segmentation]\nk = true\n', ["segmentation.k must be", "True"]),
    ('wieght = "w"\n' + MINIMAL, ["unknown key 'wieght' in the schema", "did you mean 'weight'?"]),
    (MINIMAL + '[attributes]\np = { importance = "i", lable = "P" }\n',
     ["unknown key 'lable' in attributes.p", "did you mean 'label'?"]),
    (MINIMAL + '[segmentation]\nbases = ["imp_*"]\n',
     ["unknown key 'bases' in [segmentation]", "did you mean 'basis'?"]),
    ('id = "rid"\n[tiers\ncustomers = "true"\n', ["not valid TOML"]),
    ('id = "rid"\nid = "other"\n[tiers]\ncustomers = "true"\n', ["not valid TOML"]),
    ('id = "rid"\nmissing = 9\n' + MINIMAL[len('id = "rid"\n'):], ["missing must be a list"]),
    ('id = "rid"\nmissing = ["9"]\n' + MINIMAL[len('id = "rid"\n'):], ["missing must be a list"]),
    (MINIMAL + '[attributes]\np = { label = "P" }\n',
     ["attributes.p needs an 'importance' or a 'performance'"]),
    (MINIMAL + '[attributes]\np = "imp_p"\n', ["attributes.p must be a table"]),
    (MINIMAL + '[attributes]\np = { importance = "i", label = 3 }\n',
     ["attributes.p.label must be text"]),
    (MINIMAL + '[attributes]\np = { importance = "i", missing = 6 }\n',
     ["attributes.p.missing must be a list"]),
    (MINIMAL + '[segmentation]\nbasis = "imp_*"\n', ["segmentation.basis must be a list"]),
    (MINIMAL + '[order]\nfreq = []\n', ["[order] maps a column to its levels"]),
])
def test_schema_errors(text, words):
    with pytest.raises(SchemaError) as exc:
        parse_schema(text, source="bad.toml")
    msg = str(exc.value)
    assert msg.startswith("bad.toml: ")
    for w in words:
        assert w in msg, msg


def test_bad_rule_in_tiers_is_a_rule_error_naming_the_tier():
    with pytest.raises(RuleError) as exc:
        parse_schema('id = "rid"\n[tiers]\ncustomers = "visits >="\n')
    assert "rule 'customers'" in str(exc.value)
    assert "position 10" in str(exc.value)


def test_rule_that_is_not_text():
    with pytest.raises(RuleError, match="rule 'customers'"):
        parse_schema('id = "rid"\n[tiers]\ncustomers = 4\n')


# ---- columns ---------------------------------------------------------------------------------

COLUMNS = ["respondent_id", "weight", "age", "gender", "aware", "visits_per_month",
           "imp_price", "imp_spa", "perf_price", "imp_hours", "barrier_price", "why_not",
           "months_since_last_visit", "monthly_spend"]


def test_basis_glob_expansion_in_panel_order():
    s = parse_schema(MINIMAL + '[segmentation]\nbasis = ["imp_*", "age", "imp_spa"]\n')
    # panel order within a pattern; no repeats when a column matches twice
    assert s.basis_columns(COLUMNS) == ["imp_price", "imp_spa", "imp_hours", "age"]


@pytest.mark.parametrize("pattern, expected", [
    ("imp_?????", ["imp_price", "imp_hours"]),
    ("[ai]*", ["age", "aware", "imp_price", "imp_spa", "imp_hours"]),
    ("*_price", ["imp_price", "perf_price", "barrier_price"]),
])
def test_basis_glob_kinds(pattern, expected):
    s = parse_schema(MINIMAL + f'[segmentation]\nbasis = ["{pattern}"]\n')
    assert s.basis_columns(COLUMNS) == expected


def test_basis_pattern_matching_nothing_errors():
    s = parse_schema(MINIMAL + '[segmentation]\nbasis = ["importance_*"]\n', source="s.toml")
    with pytest.raises(SchemaError, match=r"s.toml: pattern 'importance_\*' in "
                                          r"segmentation.basis matches no column"):
        s.basis_columns(COLUMNS)


def test_basis_absent_plain_column_suggests():
    s = parse_schema(MINIMAL + '[segmentation]\nprofile = ["gendr"]\n')
    with pytest.raises(SchemaError, match=r"column 'gendr' in segmentation.profile .*"
                                          r"did you mean 'gender'"):
        s.profile_columns(COLUMNS)


def test_check_columns_passes_on_matching_columns():
    parse_schema(README_EXAMPLE).check_columns(COLUMNS + ["age"])


@pytest.mark.parametrize("drop, words", [
    ("respondent_id", ["column 'respondent_id' (id)"]),
    ("weight", ["column 'weight' (weight)"]),
    ("perf_price", ["column 'perf_price' (attributes.price.performance)",
                    "did you mean 'imp_price'?"]),
    ("aware", ["rule 'refusing'", "column 'aware'"]),
    ("gender", ["segmentation.profile"]),
])
def test_check_columns_errors(drop, words):
    s = parse_schema(README_EXAMPLE, source="s.toml")
    with pytest.raises(SchemaError) as exc:
        s.check_columns([c for c in COLUMNS if c != drop], source="panel.csv")
    msg = str(exc.value)
    assert msg.startswith("s.toml: ")
    for w in words:
        assert w in msg, msg


def test_check_columns_suggests_closest_name():
    s = parse_schema(README_EXAMPLE, source="s.toml")
    cols = [c if c != "weight" else "weights" for c in COLUMNS]
    with pytest.raises(SchemaError, match=r"column 'weight' \(weight\) is not in panel.csv "
                                          r"\(did you mean 'weights'\?\)"):
        s.check_columns(cols, source="panel.csv")


@pytest.mark.parametrize(("field", "value"), [("reach", 1.5), ("valued", -1.0),
                                              ("high_opportunity", 25.0), ("crosshair", 11.0)])
def test_errc_thresholds_outside_their_range_are_refused(field, value):
    from noncustomers.analytics.errc import ErrcRules

    with pytest.raises(SchemaError, match=rf"s.toml: \[errc\] {field} must be a number from"):
        ErrcRules.from_schema({field: value}, "s.toml")
