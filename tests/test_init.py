"""`noncustomers init`: a draft schema for any file, that runs as it is (noncustomers.draft)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from noncustomers.cli import main
from noncustomers.draft import draft_from_file, draft_schema
from noncustomers.panel import panel_from_frame
from noncustomers.schema import load_schema, parse_schema
from noncustomers.tiers import assign_tiers

pytestmark = pytest.mark.usefixtures("single_native_thread")

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FAST = ["--stability-runs", "0", "--curve-resamples", "0"]


@pytest.fixture(scope="module")
def gym_draft(gym_panel_path):
    return draft_from_file(gym_panel_path)


def analyze_exit(panel: Path, schema: Path, out: Path, *extra: str) -> int:
    return main(["analyze", str(panel), "--schema", str(schema), "--out", str(out), *FAST,
                 *extra])


# ---- the sample panel: the draft recovers the hand-written schema ---------------------------


def test_sample_id_weight_and_every_attribute_pair(gym_draft, gym_schema_path):
    truth = load_schema(gym_schema_path)
    assert gym_draft.id.value == truth.id == "respondent_id"
    assert gym_draft.id.confidence == "sure"
    assert gym_draft.weight.value == truth.weight == "weight"
    drafted = {(a.importance, a.performance): a for a in gym_draft.attributes}
    for attr in truth.attributes.values():
        assert (attr.importance, attr.performance) in drafted, attr.name
        guess = drafted[(attr.importance, attr.performance)]
        assert guess.name == attr.name
        assert guess.scale == attr.scale == (1.0, 5.0)
    assert len(gym_draft.attributes) == len(truth.attributes)
    # 9 ("don't know") sits apart from every 1-5 scale; 6 ("not applicable") only in childcare
    assert gym_draft.missing.value == (9.0,)
    assert drafted[("imp_childcare", "perf_childcare")].missing == (6.0, 9.0)
    assert gym_draft.basis.value == ["imp_*"]
    assert gym_draft.barriers.columns == ("barrier_*",)
    assert set(truth.profile) <= set(gym_draft.profile.value)


def test_sample_tiers_are_the_planted_ones(gym_draft, gym_panel_path, gym_truth_path):
    schema = gym_draft.schema()
    frame = pd.read_csv(gym_panel_path, dtype={"respondent_id": str})
    tiers = assign_tiers(panel_from_frame(frame, schema))
    truth = pd.read_csv(gym_truth_path, dtype=str)["tier"]
    assert (tiers.to_numpy() == truth.to_numpy()).all()
    assert {g.tier: g.count for g in gym_draft.tiers} == tiers.value_counts().to_dict()


def test_sample_draft_runs_as_it_is(gym_draft, gym_panel_path, tmp_path, capsys):
    schema = tmp_path / "draft.toml"
    assert main(["init", str(gym_panel_path), "--out", str(schema)]) == 0
    assert schema.read_text(encoding="utf-8") == gym_draft.toml()
    assert analyze_exit(gym_panel_path, schema, tmp_path / "out") == 0
    assert (tmp_path / "out" / "summary.json").is_file()


def test_every_guess_says_why_and_how_sure(gym_draft):
    text = gym_draft.toml()
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line and not line.startswith(("#", "[", " ")) and " # " not in line:
            assert lines[i - 1].startswith("#"), line  # each setting has its comment
    assert "# sure: unique and never empty; named like an id" in lines
    for guess in [gym_draft.id, gym_draft.weight, gym_draft.basis, *gym_draft.tiers,
                  *gym_draft.attributes]:
        assert guess.confidence in ("sure", "likely", "guess")
        assert guess.reason


# ---- the real surveys in ../shared/data --------------------------------------------------

REAL = ["mcdonalds.csv", "vacmot.csv", "phone.sav"]


@pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is not present")
@pytest.mark.parametrize("name", REAL)
def test_real_file_draft_is_written_and_runs(name, tmp_path, capsys):
    panel = DATA / name
    if not panel.exists():
        pytest.skip(f"{name} is not present")
    schema = tmp_path / "draft.toml"
    assert main(["init", str(panel), "--out", str(schema)]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {schema}")
    parse_schema(schema.read_text(encoding="utf-8"))
    assert analyze_exit(panel, schema, tmp_path / "out") == 0, capsys.readouterr().err


@pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is not present")
@pytest.mark.parametrize("name, why", [("mcdonalds.csv", "no column is unique"),
                                       ("phone.sav", "'id' is empty in 15 rows")])
def test_id_falls_back_to_the_row_number(name, why):
    if not (DATA / name).exists():
        pytest.skip(f"{name} is not present")
    draft = draft_from_file(DATA / name)
    assert draft.id.value == "@row"
    assert why in draft.id.reason


@pytest.mark.skipif(not (DATA / "mcdonalds.csv").exists(), reason="mcdonalds.csv is absent")
def test_mcdonalds_frequency_tiers_and_derived_importance(tmp_path):
    draft = draft_from_file(DATA / "mcdonalds.csv")
    rules = {g.tier: g.rule for g in draft.tiers}
    assert rules == {"customers": "VisitFrequency >= 'Once a month'",
                     "soon-to-be": "VisitFrequency >= 'Once a year'",
                     "refusing": "VisitFrequency == 'Never'"}
    assert draft.order["VisitFrequency"].value == [
        "Never", "Once a year", "Every three months", "Once a month", "Once a week",
        "More than once a week"]
    assert draft.importance.value == "Like"
    text = draft.toml()
    assert tomllib.loads(text)["importance"] == {"derived_from": "Like",
                                                 "method": "relative-weights"}
    assert len(draft.basis.value) == 11  # the Yes/No perception items
    # the perceptions as performance-only attributes, those going with less liking reversed
    assert {a.performance for a in draft.derived} == set(draft.basis.value)
    assert {"greasy", "fattening", "disgusting"} <= {a.name for a in draft.derived if a.reverse}
    assert not any(a.reverse for a in draft.derived if a.name in ("yummy", "tasty"))
    schema = parse_schema(text)
    assert schema.importance_from == "Like" and len(schema.attributes) == 11
    # as it is, the draft gives non-empty gaps with derived importance
    path = tmp_path / "draft.toml"
    path.write_text(text, encoding="utf-8")
    assert analyze_exit(DATA / "mcdonalds.csv", path, tmp_path / "out") == 0
    gaps = pd.read_csv(tmp_path / "out" / "gaps.csv")
    assert (gaps["importance_source"] == "derived").all() and gaps["importance"].notna().any()


@pytest.mark.skipif(not (DATA / "phone.sav").exists(), reason="phone.sav is absent")
def test_phone_brand_funnel_and_multi_response_barriers():
    draft = draft_from_file(DATA / "phone.sav")
    rules = {g.tier: g.rule for g in draft.tiers}
    assert rules["customers"] == "q7 == 'Optus'"  # the most common current brand
    assert "Q5_4 == 'Yes'" in rules["refusing"]   # unaided awareness of Optus
    assert draft.barriers.multi == "q14" and draft.barriers.separator == ","
    assert draft.basis.value == ["q23*"]          # the 25 attitude statements, 1-5
    assert 9.0 in draft.missing.value              # labelled "DON'T KNOW"


# ---- odd names, nothing to go on --------------------------------------------------------


def test_names_with_spaces_quotes_backticks_and_accents(tmp_path):
    rng = np.random.default_rng(0)
    n = 200
    frame = pd.DataFrame({
        "Resp ID": [f"R{i:04d}" for i in range(n)],
        "Heard of \"it\"": rng.choice(["Yes", "No"], n),
        "Uses it now": rng.choice(["Yes", "No"], n),
        "How often": rng.choice(["Never", "Less than once a month", "Once a month", "Weekly",
                                 "Daily"], n),
        "importance price": rng.integers(1, 8, n),
        "rating_price": rng.integers(1, 8, n),
        "importance qualité": rng.integers(1, 8, n),
        "rating_qualité": rng.integers(1, 8, n),
        "importance `odd`": rng.integers(1, 8, n),
        "Why not: too expensive": rng.choice([0, 1], n),
        "Why not: no time": rng.choice([0, 1], n),
        "Why not: [other]": rng.choice([0, 1], n),
    })
    draft = draft_schema(frame, source="odd names.csv")
    text = draft.toml()
    tomllib.loads(text)
    schema = parse_schema(text)
    assert schema.id == "Resp ID"
    assert schema.attributes["price"].importance == "importance price"
    assert schema.attributes["price"].performance == "rating_price"
    assert schema.attributes["qualité"].performance == "rating_qualité"
    assert schema.tiers["customers"].text == (
        "`Uses it now` == 'Yes' and `How often` >= 'Once a month'")
    assert schema.tiers["refusing"].columns == ['Heard of "it"']
    assert schema.barriers.labels["Why not: [other]"] == "Other"
    panel = panel_from_frame(frame, schema)
    assert schema.barrier_columns(list(frame.columns)) == [
        "Why not: too expensive", "Why not: no time", "Why not: [other]"]
    assert {g.tier: g.count for g in draft.tiers} == assign_tiers(panel).value_counts().to_dict()


def test_nothing_funnel_like_still_runs():
    frame = pd.DataFrame({"a": [1.5, 2.5, 3.5, 4.5], "b": ["x", "y", "x", "z"]})
    draft = draft_schema(frame)
    assert [(g.tier, g.rule, g.count) for g in draft.tiers] == [("customers", "true", 4)]
    assert "write the tiers by hand" in " ".join(draft.toml().replace("#", "").split())
    panel_from_frame(frame, draft.schema())


def test_performance_only_with_an_outcome_offers_derived_importance():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({f"perf_{x}": rng.integers(1, 6, 100) for x in "abc"})
    frame["overall_satisfaction"] = rng.integers(0, 11, 100)
    draft = draft_schema(frame)
    assert [a.performance for a in draft.attributes] == ["perf_a", "perf_b", "perf_c"]
    assert all(a.importance is None for a in draft.attributes)
    assert draft.importance.value == "overall_satisfaction"
    assert 'derived_from = "overall_satisfaction"' in draft.toml()
    panel_from_frame(frame, draft.schema())


# ---- the command line --------------------------------------------------------------------


def test_init_prints_the_draft_without_out(gym_draft, gym_panel_path, capsys):
    assert main(["init", str(gym_panel_path)]) == 0
    captured = capsys.readouterr()
    assert captured.out == gym_draft.toml()
    assert captured.err == ""


def test_init_refuses_to_overwrite_without_force(gym_panel_path, tmp_path, capsys):
    schema = tmp_path / "schema.toml"
    schema.write_text("mine", encoding="utf-8")
    assert main(["init", str(gym_panel_path), "--out", str(schema)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "exists; use --force" in err[0]
    assert schema.read_text(encoding="utf-8") == "mine"
    assert main(["init", str(gym_panel_path), "--out", str(schema), "--force"]) == 0
    assert schema.read_text(encoding="utf-8").startswith("# Draft schema for gym_panel.csv")
    assert [p.name for p in tmp_path.iterdir()] == ["schema.toml"]  # no staging file left


def test_init_one_line_errors(gym_panel_path, tmp_path, capsys):
    assert main(["init", str(tmp_path / "absent.csv")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [f"noncustomers: error: {tmp_path / 'absent.csv'}: no such file"]
    assert main(["init", str(gym_panel_path), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "is a folder" in err[0]
