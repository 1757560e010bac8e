"""Segment names in words (analytics/naming.py), renames (schema, Analysis) and where they show."""

from __future__ import annotations

import io
import json
import tomllib

import pandas as pd
import pytest

from noncustomers.analytics.naming import schema_with_names, segment_names
from noncustomers.charts.profile import KINDS, plot_segment_profile
from noncustomers.charts.theme import SEGMENT_PALETTE, segment_colors
from noncustomers.errors import SchemaError
from noncustomers.schema import Attribute, parse_schema

ATTRS = {"price": Attribute("price", importance="imp_price", label="Price"),
         "kit": Attribute("kit", importance="imp_kit", label="Range of equipment"),
         "tasty": Attribute("tasty", performance="tasty", label="Tasty"),
         "greasy": Attribute("greasy", performance="greasy", label="Not greasy", reverse=True)}


def _row(segment, variable, index, basis=True, level="", value=0.5, significant=None,
         label=None):
    return {"segment": segment, "variable": variable, "level": level, "value": value,
            "total": value * 100 / index, "index": float(index), "p_value": None,
            "significant": significant, "q_value": None, "basis": basis,
            "label": label or variable}


def _table(rows):
    return pd.DataFrame(rows)


def test_names_by_hand_on_a_small_case():
    table = _table([
        # refusing-1: wants price (index 140), cold on equipment (60) -> one of each side
        _row("refusing-1", "imp_price", 140), _row("refusing-1", "imp_kit", 60),
        _row("refusing-1", "age", 300, basis=False, significant=True),  # basis comes first
        # refusing-2: two highs only (130 > 120), nothing low -> the two highs, same verb
        _row("refusing-2", "imp_price", 120), _row("refusing-2", "imp_kit", 130),
        # refusing-3: nothing beyond 115/87 in the basis -> a significant profile level
        _row("refusing-3", "imp_price", 105), _row("refusing-3", "imp_kit", 95),
        _row("refusing-3", "gender", 150, basis=False, level="female", value=0.6,
             significant=True),
        _row("refusing-3", "gender", 400, basis=False, level="other", value=0.04,
             significant=True),  # a rare level: left out however high its index
        # unexplored-1: perceptions; "Not greasy" low reads "greasy"
        _row("unexplored-1", "tasty", 50), _row("unexplored-1", "greasy", 20),
        # unexplored-2: nothing at all beyond the marks
        _row("unexplored-2", "tasty", 101), _row("unexplored-2", "greasy", 99),
    ])
    names = segment_names(table, ATTRS)
    assert names == {
        "refusing-1": "Price-driven, cool on range of equipment",
        "refusing-2": "Values range of equipment, price-driven",
        "refusing-3": "Gender: female",
        "unexplored-1": "Finds it greasy and not tasty",
        "unexplored-2": "Close to the average",
    }


def test_names_are_unique_within_a_tier_and_given_names_are_kept():
    table = _table([
        _row("soon-to-be-1", "imp_price", 150), _row("soon-to-be-1", "imp_kit", 60),
        _row("soon-to-be-1", "tasty", 70),
        _row("soon-to-be-2", "imp_price", 150), _row("soon-to-be-2", "imp_kit", 60),
        _row("soon-to-be-2", "tasty", 130),
        _row("customers-1", "imp_price", 150), _row("customers-1", "imp_kit", 60),
    ])
    names = segment_names(table, ATTRS)
    # same first two parts: soon-to-be-1 keeps them, soon-to-be-2 takes its next part
    assert names["soon-to-be-1"] == "Price-driven, cool on range of equipment"
    assert names["soon-to-be-2"] == "Price-driven, finds it tasty"
    assert names["customers-1"] == names["soon-to-be-1"]  # another tier: may repeat
    given = segment_names(table, ATTRS, fixed={"soon-to-be-2": "Foodies"})
    assert given["soon-to-be-2"] == "Foodies"
    assert given["soon-to-be-1"] == "Price-driven, cool on range of equipment"
    assert all(len(n) <= 45 for n in names.values())
    assert segment_names(table, ATTRS) == names  # deterministic


def test_long_names_drop_values_then_the_second_part():
    attrs = {"a": Attribute("a", importance="imp_a", label="Personal trainers on the floor"),
             "b": Attribute("b", importance="imp_b", label="Childcare on site")}
    table = _table([_row("refusing-1", "imp_a", 160), _row("refusing-1", "imp_b", 50)])
    assert segment_names(table, attrs) == {"refusing-1": "Values personal trainers on the floor"}
    short = {"a": Attribute("a", importance="imp_a", label="Personal trainers"),
             "b": Attribute("b", importance="imp_b", label="Childcare on site")}
    assert segment_names(table, short) == {
        "refusing-1": "Personal trainers, cool on childcare on site"}


def test_schema_names_table_is_parsed_and_checked():
    base = 'id = "id"\n[tiers]\ncustomers = "true"\n'
    schema = parse_schema(base + '[segments.names]\n"refusing-2" = " Price-driven sceptics "\n')
    assert schema.segment_names == {"refusing-2": "Price-driven sceptics"}
    for text, words in [
        ('[segments]\nname = {}\n', "unknown key 'name' in [segments] (did you mean 'names'?)"),
        ('[segments.names]\nrefusing2 = "x"\n', "'refusing2' in [segments.names] is not a"),
        ('[segments.names]\nrefusing-2 = 3\n', "segments.names.refusing-2 must be a name"),
        ('[segments.names]\nrefusing-2 = ""\n', "segments.names.refusing-2 must be a name"),
        ('[segments]\nnames = ["x"]\n', "segments.names maps a segment to its name"),
    ]:
        with pytest.raises(SchemaError, match=None) as info:
            parse_schema(base + text)
        assert words in str(info.value), text


def test_schema_with_names_keeps_comments_and_replaces_the_table():
    text = 'id = "id"  # the id\n[tiers]\ncustomers = "true"\n'
    once = schema_with_names(text, {"customers-1": "Loyal"})
    assert once.startswith(text) and "# the id" in once
    twice = schema_with_names(once + "[errc]\nvalued = 6.5\n", {"customers-2": "Lapsing"})
    parsed = tomllib.loads(twice)
    assert parsed["segments"]["names"] == {"customers-2": "Lapsing"}
    assert parsed["errc"] == {"valued": 6.5} and "# the id" in twice
    assert "segments" not in tomllib.loads(schema_with_names(once, {}))


def test_renames_reach_summary_files_and_config(sample_analysis):
    auto = sample_analysis.segment_names
    assert set(auto) == set(sample_analysis.summary()["segments"])
    tiers = {seg: info["tier"] for seg, info in sample_analysis.summary()["segments"].items()}
    pairs = {(tiers[seg], name.casefold()) for seg, name in auto.items()}
    assert len(pairs) == len(auto)  # unique within each tier
    renamed = sample_analysis.with_segment_names({"refusing-2": "Price-driven sceptics"})
    assert renamed.segment_names["refusing-2"] == "Price-driven sceptics"
    assert sample_analysis.segment_names == auto  # the original is untouched
    assert renamed.summary()["segments"]["refusing-2"]["name"] == "Price-driven sceptics"
    files = renamed.files()
    profiles = pd.read_csv(io.BytesIO(files["profiles.csv"]), keep_default_na=False)
    assert list(profiles.columns)[-1] == "name"
    assert set(profiles.loc[profiles["segment"] == "refusing-2", "name"]) == {
        "Price-driven sceptics"}
    gaps = pd.read_csv(io.BytesIO(files["gaps.csv"]), keep_default_na=False)
    assert list(gaps.columns)[-1] == "name"
    assert set(gaps.loc[gaps["group"].isin(["all", "refusing"]), "name"]) == {""}
    assert json.loads(files["summary.json"])["segments"]["customers-1"]["name"] == auto[
        "customers-1"]
    config = tomllib.loads(files["config.toml"].decode())
    replayed = parse_schema(config["schema"]["text"])
    assert replayed.segment_names == {"refusing-2": "Price-driven sceptics"}
    # back to the automatic name, and unknown segments refused
    assert renamed.with_segment_names({"refusing-2": ""}).segment_names == auto
    with pytest.raises(ValueError, match="refusing-9"):
        sample_analysis.with_segment_names({"refusing-9": "x"})


def test_profile_chart_bars_carry_the_index(sample_analysis):
    profiles = sample_analysis.profiles
    fig = plot_segment_profile(profiles, "refusing-2", "Price-driven sceptics")
    rows = profiles[profiles["segment"] == "refusing-2"]
    drawn = {}
    for trace in fig.data:
        for y, x, base in zip(trace.y, trace.x, trace.base, strict=True):
            drawn[y] = (x + base, trace.name)
    assert len(drawn) == len(rows)
    for row in rows.itertuples():
        text = f"{row.label}: {row.level}" if row.level else row.label
        assert drawn[text][0] == pytest.approx(row.index)
        assert drawn[text][1] == (KINDS[0] if row.basis else
                                  KINDS[1] if row.significant else KINDS[2])
    assert "Price-driven sceptics (refusing-2)" in fig.layout.title.text


def test_twelve_segments_get_twelve_colours():
    segments = [f"{t}-{n}" for t in ("customers", "soon-to-be", "refusing") for n in range(1, 5)]
    colors = segment_colors(segments)
    assert len(set(colors.values())) == 12 == len(SEGMENT_PALETTE)
    assert segment_colors(["refusing-noise", "refusing-1"])["refusing-noise"] == "#999999"
