"""Analysing some respondents (``where``) or without weights (``weighted=False``): the
filters of the app and of ``noncustomers analyze --where RULE --unweighted``."""

from __future__ import annotations

import filecmp
from pathlib import Path

import numpy as np
import pytest

from noncustomers import AnalysisConfig, ConfigError, analyze, load_schema, read_panel
from noncustomers.analysis import OUTPUT_FILES
from noncustomers.cli import main
from noncustomers.rules import parse_rule, rule_selecting

pytestmark = pytest.mark.usefixtures("single_native_thread")

QUICK = {"stability_runs": 0, "curve_resamples": 0, "driver_boot": 0, "k": 2}


@pytest.fixture(scope="module")
def panel(small_panel, gym_schema_path):
    return read_panel(small_panel, load_schema(gym_schema_path))


def _share_by_hand(panel, keep, tier, weighted=True):
    """The tier's share among the kept rows, from the panel's own data and weights."""
    from noncustomers.tiers import assign_tiers

    tiers = assign_tiers(panel).to_numpy()[keep]
    w = panel.weights[keep] if weighted else np.ones(int(keep.sum()))
    return float(w[tiers == tier].sum() / w.sum())


def test_where_analyses_only_the_respondents_it_selects(panel):
    where = "region in ['East', 'West'] and age >= 35"
    result = analyze(panel, where=where, **QUICK)
    data = panel.data
    keep = (data["region"].isin(["East", "West"]) & (data["age"] >= 35)).to_numpy()
    summary = result.summary()
    assert summary["n"] == keep.sum() == len(result.tiers) < len(panel)
    assert summary["config"]["where"] == where
    for tier in ("customers", "refusing"):
        assert summary["tiers"][tier]["share"] == pytest.approx(
            _share_by_hand(panel, keep, tier), abs=1e-6)
    ids = result.files()["assignments.csv"].decode().splitlines()[1:]
    assert [line.split(",")[0] for line in ids] == data.loc[keep, "respondent_id"].tolist()


def test_unweighted_shares_are_shares_of_respondents(panel):
    result = analyze(panel, weighted=False, **QUICK)
    everyone = np.ones(len(panel), dtype=bool)
    summary = result.summary()
    assert summary["config"]["weighted"] is False
    share = summary["tiers"]["customers"]["share"]
    assert share == pytest.approx(_share_by_hand(panel, everyone, "customers", False), abs=1e-6)
    assert share != pytest.approx(_share_by_hand(panel, everyone, "customers", True), abs=1e-4)


def test_config_toml_records_the_selection_and_a_run_on_everyone_keeps_its_bytes(panel):
    plain = AnalysisConfig.from_schema(panel.schema)
    assert "where" not in plain.to_toml() and "weighted" not in plain.to_toml()
    chosen = plain.replace(where="gender == 'female'", weighted=False)
    again = AnalysisConfig.from_toml(chosen.to_toml())
    assert (again.where, again.weighted) == ("gender == 'female'", False)


def test_bad_selections_are_one_sentence_each(panel):
    with pytest.raises(ConfigError, match="rule 'where': at position 11 expected"):
        AnalysisConfig.from_schema(panel.schema, where="region == ")
    with pytest.raises(ConfigError, match="weighted must be true or false"):
        AnalysisConfig.from_schema(panel.schema, weighted="no")
    with pytest.raises(ConfigError, match=r"column 'regoin' .* \(did you mean 'region'\?\)"):
        analyze(panel, where="regoin == 'East'", **QUICK)
    with pytest.raises(ConfigError, match="selects no respondent of 1,200; loosen it"):
        analyze(panel, where="region == 'Mars'", **QUICK)


def test_the_cli_selects_and_its_config_replays_byte_for_byte(small_panel, gym_schema_path,
                                                              tmp_path, capsys):
    first, second = tmp_path / "first", tmp_path / "second"
    args = ["--stability-runs", "0", "--curve-resamples", "0", "--k", "2", "--quiet"]
    assert main(["analyze", str(small_panel), "--schema", str(gym_schema_path), "--out",
                 str(first), "--where", "income in ['under 25k', '25-50k']", "--unweighted",
                 *args]) == 0
    assert capsys.readouterr().out.startswith(
        "analysed: where income in ['under 25k', '25-50k'], unweighted\n")
    assert main(["analyze", str(small_panel), "--config", str(first / "config.toml"), "--out",
                 str(second), "--quiet"]) == 0
    match, mismatch, errors = filecmp.cmpfiles(first, second, OUTPUT_FILES, shallow=False)
    assert not mismatch and not errors and len(match) == len(OUTPUT_FILES)
    assert main(["analyze", str(small_panel), "--schema", str(gym_schema_path), "--out",
                 str(tmp_path / "none"), "--where", "region == 'Mars'", *args]) == 2
    assert not (tmp_path / "none").exists()
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["noncustomers: error: " + str(small_panel) + ": where \"region == 'Mars'\" "
                   "selects no respondent of 1,200; loosen it"]


def test_rule_selecting_writes_a_rule_that_selects_the_choices():
    import pandas as pd

    text = rule_selecting({"region": ["East", "O'Neill land"], "age band": ["18-34"],
                           "gender": []})
    assert text == "region in ['East', 'O\\'Neill land'] and `age band` in ['18-34']"
    frame = pd.DataFrame({"region": ["East", "O'Neill land", "West"],
                          "age band": ["18-34", "18-34", "18-34"], "gender": ["f"] * 3})
    assert parse_rule(text).evaluate(frame).tolist() == [True, True, False]
    assert rule_selecting({"region": []}) is None


def test_the_app_filters_apply_to_every_page(app_cwd):
    """A profile filter set in the sidebar: the first page counts the respondents it keeps,
    the sidebar says so, and the analysis behind every page is of those respondents."""
    from streamlit.testing.v1 import AppTest

    from noncustomers.sample import sample_paths
    from noncustomers.ui import state

    panel_path, schema_path = sample_paths()
    token = state.source_key(panel_path.read_bytes(), schema_path.read_text(encoding="utf-8"))
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"),
                           default_timeout=180)
    at.session_state[f"filter.{token}.children_at_home"] = ["yes"]
    at.session_state["filter.weighted"] = False
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    kept = {m.label: m.value for m in at.metric}["Respondents"]
    expected = int((read_panel(panel_path, load_schema(schema_path)).data["children_at_home"]
                    == "yes").sum())
    assert kept == f"{expected:,}" and expected < 5000
    assert any(f"Every page shows {expected:,} of 5,000 respondents, unweighted" in c.value
               for c in at.sidebar.caption)
    analysis = at.session_state["noncustomers.loaded"].analysis
    assert analysis.settings.where == "children_at_home in ['yes']"
    assert analysis.settings.weighted is False and len(analysis.panel) == expected
    assert "deck.pptx (PowerPoint)" in {b.proto.label for b in at.get("download_button")}
