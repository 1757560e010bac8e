"""AnalysisConfig: one typed configuration, saved as config.toml, that replays a run."""

from __future__ import annotations

import dataclasses
import filecmp
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import AgglomerativeClustering

from noncustomers import AnalysisConfig, ConfigError, analyze, load_schema, read_panel
from noncustomers.analysis import OUTPUT_FILES
from noncustomers.analytics import ErrcRules
from noncustomers.cli import main
from noncustomers.errors import NoncustomersError, Problems

pytestmark = pytest.mark.usefixtures("single_native_thread")


@pytest.fixture(scope="module")
def schema(gym_schema_path):
    return load_schema(gym_schema_path)


# ---- the object ------------------------------------------------------------------------------

def test_from_schema_takes_the_schema_settings_and_overrides(schema):
    config = AnalysisConfig.from_schema(schema)
    assert (config.k, config.method, config.seed, config.map) == (schema.k, schema.method, 0,
                                                                  "pca")
    assert config.errc_rules == ErrcRules.from_schema(schema.errc)
    other = AnalysisConfig.from_schema(schema, seed=9, k=3, method="gmm",
                                       tier_settings={"refusing": {"k": 2}})
    assert (other.seed, other.k, other.method) == (9, 3, "gmm")
    assert dict(other.tier_settings["refusing"]) == {"k": 2}
    assert other.replace(tier_settings={"refusing": {"method": "hdbscan"}}).tier_settings[
        "refusing"] == {"k": 2, "method": "hdbscan"}  # laid over, tier by tier


def test_the_config_is_frozen_all_the_way_down(schema):
    config = AnalysisConfig.from_schema(schema, tier_settings={"refusing": {"k": 2}},
                                        curve={"price": 8.0})
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.seed = 3
    with pytest.raises(TypeError):
        config.tier_settings["refusing"]["k"] = 5
    with pytest.raises(TypeError):
        config.curve["price"] = 1.0


def test_every_bad_setting_is_reported_at_once(schema):
    with pytest.raises(Problems) as caught:
        AnalysisConfig.from_schema(schema, seed=-1, k=0, method="kmeens", stability_runs=1.5,
                                   curve={"pricey": 5.0}, prize_margin=11)
    lines = [str(p) for p in caught.value.problems]
    assert len(lines) == 6
    assert "seed must be a whole number from 0 to" in lines[0]
    assert "k must be 'auto' or a whole number >= 1, got 0" in lines[1]
    assert "method 'kmeens' is not known (did you mean 'kmeans'?)" in lines[2]
    assert any("stability_runs" in line for line in lines)
    assert any("curve names 'pricey'" in line and "did you mean 'price'" in line
               for line in lines)
    # one problem is raised as itself, and is a ValueError as analyze raised before
    with pytest.raises(ConfigError, match="seed") as one:
        AnalysisConfig.from_schema(schema, seed=2 ** 32)
    assert isinstance(one.value, ValueError)


def test_toml_round_trip_keeps_every_setting(schema):
    config = AnalysisConfig.from_schema(
        schema, seed=41, k=4, method="agglomerative", map=None, stability_runs=3,
        tier_settings={"refusing": {"k": 2, "method": "gmm"}, "unexplored": {"k": "auto"}},
        errc_rules=ErrcRules(valued=6.5, reach=0.4), prize_margin=1.5, curve={"price": 8.0},
        curve_name="cheaper", curve_resamples=7, driver_boot=3, panel_file="p.csv",
        panel_sha256="ab" * 32)
    text = config.to_toml()
    again = AnalysisConfig.from_toml(text)
    assert again == config
    assert again.schema.text == schema.text and again.schema.source == schema.source
    assert again.to_toml() == text  # deterministic
    assert (again.panel_file, again.panel_sha256) == ("p.csv", "ab" * 32)


def test_a_custom_clusterer_is_recorded_but_must_be_given_again(schema):
    config = AnalysisConfig.from_schema(schema, clusterer=AgglomerativeClustering(n_clusters=3))
    text = config.to_toml()
    assert 'clusterer = "AgglomerativeClustering(n_clusters=3)"' in text
    with pytest.raises(ConfigError, match=r"custom clusterer \(AgglomerativeClustering"):
        AnalysisConfig.from_toml(text, source="c.toml")
    again = AnalysisConfig.from_toml(text, clusterer=AgglomerativeClustering(n_clusters=3))
    assert again.clusterer is not None


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("seed = 0", "seed = -4"), "c.toml: seed must be a whole number"),
    (lambda t: t.replace("[run]\n", "[run]\nseeds = 3\n"),
     "c.toml: unknown key 'seeds' in [run] (did you mean 'seed'?)"),
    (lambda t: t.replace("format = 1", "format = 7"), "c.toml: not a noncustomers config.toml"),
    (lambda t: t.replace("valued = 6.0", "valued = 60.0"), "valued must be a number from 0"),
    (lambda t: t + "\n[[oops", "c.toml: not valid TOML"),
])
def test_a_broken_config_file_is_one_line_naming_it(schema, edit, message):
    text = edit(AnalysisConfig.from_schema(schema).to_toml())
    with pytest.raises(NoncustomersError, match=re.escape(message)):
        AnalysisConfig.from_toml(text, source="c.toml")


def test_analyze_takes_a_config_or_the_keyword_shortcut(small_panel, schema):
    panel = read_panel(small_panel, schema)
    config = AnalysisConfig.from_schema(schema, seed=3, map=None, stability_runs=0,
                                        curve_resamples=0, driver_boot=0, k=2)
    by_config = analyze(panel, config)
    by_keywords = analyze(panel, seed=3, map=None, stability_runs=0, curve_resamples=0,
                          driver_boot=0, k=2)
    assert by_config.files() == by_keywords.files()
    assert by_config.settings == config
    with pytest.raises(TypeError, match="AnalysisConfig"):
        analyze(panel, 3)


# ---- replaying a run from the CLI ------------------------------------------------------------

def _run(*args: str) -> int:
    return main(["analyze", *map(str, args)])


def test_config_toml_replays_a_run_byte_for_byte(small_panel, gym_schema_path, tmp_path,
                                                 capsys):
    first, replay, changed = tmp_path / "first", tmp_path / "replay", tmp_path / "changed"
    options = ["--seed", "5", "--k", "3", "--method", "gmm", "--tier-k", "refusing=2",
               "--tier-method", "unexplored=agglomerative", "--tier-k", "unexplored=auto",
               "--stability-runs", "2", "--curve-resamples", "4", "--prize-margin", "1.5",
               "--map", "none"]
    assert _run(small_panel, "--schema", gym_schema_path, "--out", first, *options) == 0
    assert (first / "config.toml").is_file()
    assert _run(small_panel, "--config", first / "config.toml", "--out", replay) == 0
    for name in OUTPUT_FILES + ("manifest.json",):
        assert filecmp.cmp(first / name, replay / name, shallow=False), name
    summary = json.loads((first / "summary.json").read_text())
    assert summary["config"]["seed"] == 5 and summary["config"]["method"] == "gmm"
    assert summary["config"]["tier_settings"] == {
        "refusing": {"k": 2}, "unexplored": {"k": "auto", "method": "agglomerative"}}
    segments = pd.read_csv(first / "assignments.csv")
    refusing = segments.loc[segments["tier"] == "refusing", "segment"]
    assert set(refusing) == {"refusing-1", "refusing-2"}  # the tier's own k
    assert "unexplored" in summary["selection"]  # auto k for that tier: a selection table
    # an option given on the command line overrides the file
    capsys.readouterr()
    assert _run(small_panel, "--config", first / "config.toml", "--out", changed,
                "--seed", "6") == 0
    assert json.loads((changed / "summary.json").read_text())["config"]["seed"] == 6
    assert "seed = 6" in (changed / "config.toml").read_text()


def test_the_config_warns_when_the_panel_is_not_the_one_it_was_run_on(
        small_panel, gym_schema_path, tmp_path, capsys):
    out = tmp_path / "a"
    assert _run(small_panel, "--schema", gym_schema_path, "--out", out, "--stability-runs", "0",
                "--curve-resamples", "0", "--k", "2") == 0
    other = tmp_path / "other.csv"
    other.write_bytes(small_panel.read_bytes().replace(b"\n", b"\r\n"))
    capsys.readouterr()
    assert _run(other, "--config", out / "config.toml", "--out", tmp_path / "b") == 0
    assert "is not the panel" in capsys.readouterr().err


@pytest.mark.parametrize("args", [[], ["--schema", "S", "--config", "C"]])
def test_schema_or_config_exactly_one(small_panel, tmp_path, capsys, args):
    assert _run(small_panel, "--out", tmp_path / "o", *args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--schema" in err[0] and "--config" in err[0]
    assert not (tmp_path / "o").exists()


def test_a_bad_tier_option_is_one_line(small_panel, gym_schema_path, tmp_path, capsys):
    with pytest.raises(SystemExit) as caught:
        _run(small_panel, "--schema", gym_schema_path, "--out", tmp_path / "o",
             "--tier-method", "refusing=kmeens")
    assert caught.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "method 'kmeens' of tier 'refusing' is not known" in err[0]


# ---- a clusterer without predict -------------------------------------------------------------

def test_a_clusterer_without_predict_places_respondents_by_the_nearest_centroid(
        small_panel, schema):
    panel = read_panel(small_panel, schema)
    result = analyze(panel, clusterer=AgglomerativeClustering(n_clusters=3), map=None,
                     stability_runs=0, curve_resamples=0, driver_boot=0)
    placed = result.segmentation.predict(panel)
    agreement = float(np.mean(placed.to_numpy() == result.segments.to_numpy()))
    assert agreement >= 0.95
    # never everyone in segment 1 (what a missing predict used to do)
    for tier in panel.schema.tier_names:
        assert placed[result.tiers == tier].nunique() == 3


# ---- the app ---------------------------------------------------------------------------------

def test_the_app_reads_the_method_registry_and_offers_config_toml(app_cwd):
    from streamlit.testing.v1 import AppTest

    from noncustomers.segmentation import METHODS

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"),
                           default_timeout=180)
    at.run()
    assert list(at.selectbox(key="method").options)[1:] == [
        f"{m}: {spec.description}" for m, spec in METHODS.items()]
    at.selectbox(key="method").set_value("gmm")
    at.selectbox(key="k").set_value(2)
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    settings = at.session_state["noncustomers.loaded"].analysis.settings
    assert (settings.method, settings.k, settings.panel_file) == ("gmm", 2, "gym_panel.csv")
    assert "config.toml" in [b.label for b in at.get("download_button")]
