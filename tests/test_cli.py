"""The command line, end to end: the sample panel, reproducibility and bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import adjusted_rand_score

from conftest import TINY_CSV, TINY_SCHEMA, korn_graubard_wilson
from noncustomers.cli import main
from noncustomers.schema import TIERS

pytestmark = pytest.mark.usefixtures("single_native_thread")

OUTPUT_FILES = ["assignments.csv", "canvas.csv", "commonalities.csv", "differences.csv",
                "drivers.csv", "gaps.csv", "profiles.csv", "summary.json", "config.toml"]
# the foundation's five columns, then the RFM columns the sample schema's [rfm] adds
ASSIGNMENT_COLUMNS = ["respondent_id", "tier", "segment", "x", "y", "recency_score",
                      "frequency_score", "monetary_score", "value_tier"]
GAP_COLUMNS = ["group", "attribute", "importance", "performance", "gap", "importance_t2b",
               "performance_t2b", "opportunity", "n", "weighted_n"]


def run(panel, schema, out, *extra: str) -> int:
    return main(["analyze", str(panel), "--schema", str(schema), "--out", str(out),
                 "--map", "pca", *extra])


# ---- the sample panel, analysed once per session (conftest.sample_cli_run) --------------------

@pytest.fixture(scope="module")
def sample_run(sample_cli_run):
    """``run(sample, --seed 0)``: its exit code and output folder (shared, read-only)."""
    return sample_cli_run.code, sample_cli_run.out


@pytest.fixture(scope="module")
def assignments(sample_run) -> pd.DataFrame:
    return pd.read_csv(sample_run[1] / "assignments.csv", dtype={"respondent_id": str},
                       keep_default_na=False)


@pytest.fixture(scope="module")
def gaps(sample_run) -> pd.DataFrame:
    return pd.read_csv(sample_run[1] / "gaps.csv", keep_default_na=False, na_values=[""])


@pytest.fixture(scope="module")
def summary(sample_run) -> dict:
    return json.loads((sample_run[1] / "summary.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def truth(gym_truth_path) -> pd.DataFrame:
    return pd.read_csv(gym_truth_path, dtype=str)


def test_sample_exit_code_and_files(sample_run):
    code, out = sample_run
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES + ["manifest.json"])
    # no staging folder left next to the output
    assert [p.name for p in out.parent.iterdir()] == ["out"]


def test_assignments_shape_and_order(assignments, gym_panel_path):
    assert list(assignments.columns) == ASSIGNMENT_COLUMNS
    assert len(assignments) == 5000
    panel_ids = pd.read_csv(gym_panel_path, usecols=["respondent_id"], dtype=str)
    assert assignments["respondent_id"].tolist() == panel_ids["respondent_id"].tolist()
    assert np.isfinite(assignments[["x", "y"]].to_numpy(dtype=float)).all()


def test_tiers_recovered_exactly(assignments, truth):
    assert assignments["respondent_id"].tolist() == truth["respondent_id"].tolist()
    assert assignments["tier"].tolist() == truth["tier"].tolist()


def test_segments_recovered(assignments, truth):
    assert adjusted_rand_score(truth["segment"], assignments["segment"]) >= 0.98
    # every segment is named <tier>-<n>, within its tier, numbered from 1 without holes
    for tier, rows in assignments.groupby("tier"):
        names = sorted(rows["segment"].unique())
        expected_count = truth.loc[truth["tier"] == tier, "segment"].nunique()
        assert names == [f"{tier}-{i}" for i in range(1, expected_count + 1)]


def test_gaps_table(gaps, assignments, summary):
    assert list(gaps.columns)[:len(GAP_COLUMNS)] == GAP_COLUMNS  # contract first, extensions after
    segments = sorted(assignments["segment"].unique(),
                      key=lambda s: (TIERS.index(s.rsplit("-", 1)[0]), int(s.rsplit("-", 1)[1])))
    assert list(dict.fromkeys(gaps["group"])) == ["all", *TIERS, *segments]
    attributes = list(summary["attributes"])
    assert len(attributes) == 10
    for _, rows in gaps.groupby("group", sort=False):
        assert rows["attribute"].tolist() == attributes
    all_rows = gaps[gaps["group"] == "all"]
    assert (all_rows["n"] == 5000).all()
    # performance was asked only of past and present members: the unexplored tier (never
    # members) has none, so its performance and opportunity are empty; all else is on 0-10
    unexplored = gaps["group"].str.startswith("unexplored").to_numpy()
    assert gaps.loc[unexplored, ["performance", "gap", "performance_t2b",
                                 "opportunity"]].isna().all().all()
    rated = gaps[~unexplored]
    assert not rated.drop(columns=["group", "attribute", "name"]).isna().any().any()  # name: text
    for col in ("importance", "performance", "importance_t2b", "performance_t2b"):
        assert rated[col].between(0, 10).all(), col
    assert gaps["importance"].between(0, 10).all()
    assert rated["opportunity"].between(0, 20).all()
    np.testing.assert_allclose(rated["gap"], rated["importance"] - rated["performance"],
                               atol=2e-6)
    # group sizes agree with the assignments
    sizes = gaps.drop_duplicates("group").set_index("group")["n"]
    for tier, n in assignments["tier"].value_counts().items():
        assert sizes[tier] == n
    for seg, n in assignments["segment"].value_counts().items():
        assert sizes[seg] == n


def test_summary_document(summary, assignments):
    assert {"n", "tiers", "segments", "errc"} <= set(summary)
    assert summary["n"] == 5000
    tiers = summary["tiers"]
    assert list(tiers) == [*TIERS, "unclassified"]  # every schema tier plus unclassified
    counts = assignments["tier"].value_counts()
    for tier in TIERS:
        assert set(tiers[tier]) == {"n", "share", "share_lo", "share_hi", "n_eff", "low_base"}
        assert tiers[tier]["n"] == counts[tier]
        assert tiers[tier]["share_lo"] < tiers[tier]["share"] < tiers[tier]["share_hi"]
    assert sum(t["share"] for t in tiers.values()) == pytest.approx(1.0, abs=1e-5)
    assert tiers.get("unclassified", {"n": 0})["n"] == 0

    segments = summary["segments"]
    assert set(segments) == set(assignments["segment"])
    seg_counts = assignments["segment"].value_counts()
    for name, seg in segments.items():
        assert {"tier", "n", "share_of_tier", "stability", "stability_label"} <= set(seg)
        assert name.startswith(seg["tier"] + "-")
        assert seg["n"] == seg_counts[name]
    for tier in TIERS:
        mine = [s for s in segments.values() if s["tier"] == tier]
        assert sum(s["n"] for s in mine) == tiers[tier]["n"]
        assert sum(s["share_of_tier"] for s in mine) == pytest.approx(1.0, abs=1e-5)
        shares = [s["share_of_tier"] for s in mine]
        assert shares == sorted(shares, reverse=True)  # numbered by weighted size


def test_summary_errc_names_the_planted_story_with_evidence(summary):
    errc = summary["errc"]
    assert summary["format"] == 3
    assert list(errc) == ["eliminate", "reduce", "raise", "create"]
    names = {action: [e["attribute"] for e in entries] for action, entries in errc.items()}
    assert names == {"eliminate": ["spa"], "reduce": ["equipment"],
                     "raise": ["atmosphere", "flexibility"], "create": ["childcare"]}
    for action, entries in errc.items():
        for entry in entries:
            ev = entry["evidence"]
            assert ev["action"] == action and ev["rule"]
            assert set(ev["tiers"]) == {"soon-to-be", "refusing", "unexplored"}
            assert ev == summary["errc_evidence"][entry["attribute"]]
    spa = errc["eliminate"][0]["evidence"]
    assert all(t["importance"] < 3.5 for t in spa["tiers"].values())
    assert spa["industry_performance"] >= 6
    assert errc["raise"][0]["evidence"]["raise_reach"] >= 0.5
    assert errc["reduce"][0]["evidence"]["reduce_reach"] >= 0.5
    assert not any("ERRC grid has nothing" in w for w in summary["warnings"])


def test_summary_commonalities_top_the_planted_shared_barrier(summary, sample_run):
    top = summary["commonalities"]["barriers"][0]
    assert top["item"] == "barrier_intimidating"
    assert top["breadth"] == 3 and top["floor"] > 0.35
    table = pd.read_csv(sample_run[1] / "commonalities.csv")
    assert table.loc[0, "item"] == "barrier_intimidating" and table.loc[0, "rank"] == 1
    assert table["low_base"].isna().all() and top["low_base"] == []  # hundreds per tier


def test_summary_prize_is_the_market_and_the_curve_test_has_intervals(summary, assignments,
                                                                      gym_panel_path):
    prize = summary["prize"]
    assert set(prize["tiers"]) == {"soon-to-be", "refusing", "unexplored"}
    panel = pd.read_csv(gym_panel_path)
    for tier, block in prize["tiers"].items():
        weights = panel["weight"][assignments["tier"] == tier]
        assert block["n"] == len(weights)
        assert block["people"] == pytest.approx(weights.sum(), abs=1e-4)  # weighted people
        assert block["people_lo"] < block["people"] < block["people_hi"]
    test = summary["curves"]["blue ocean"]
    assert test["curve"]["spa"] == 0.0 and test["resamples"] == 200
    for figure in ("better_served", "worse_served"):
        for group in ("soon-to-be", "refusing", "unexplored", "non-customers", "customers"):
            block = test[figure]
            assert block[f"{group}_lo"] <= block[group] <= block[f"{group}_hi"]
    # the planted blue ocean serves most non-customers better and nearly none worse
    assert test["better_served"]["non-customers"] > 0.6
    assert test["worse_served"]["non-customers"] < 0.01
    assert 0.9 < test["offering_level"] < 1.2
    margins = [row["margin"] for row in test["sensitivity"]]
    assert margins == [0.5, 1.0, 2.0]
    better = [row["better_served"] for row in test["sensitivity"]]
    assert better == sorted(better, reverse=True)  # a larger margin counts fewer
    assert summary["format"] == 3
    assert summary["canvas"]["blue ocean"]["divergence"] > 0


def test_drivers_and_differences_files(sample_run, summary):
    drivers = pd.read_csv(sample_run[1] / "drivers.csv")
    assert set(drivers["tier"]) == {"soon-to-be", "refusing", "unexplored"}
    # the planted create factor, childcare, is what most separates every tier from customers
    first = drivers[drivers["rank"] == 1]
    assert set(first["attribute"]) == {"childcare"}
    assert (first["coefficient_lo"] > 0).all() and (first["higher_among"] == first["tier"]).all()
    assert all(m["auc"] > 0.8 for m in summary["drivers"].values())
    diffs = pd.read_csv(sample_run[1] / "differences.csv", keep_default_na=False,
                        na_values=[""])
    assert set(diffs["versus"]) == {"customers", "rest"}
    childcare = diffs.query("group == 'refusing' and versus == 'customers' and "
                            "attribute == 'childcare' and measure == 'importance'")
    assert childcare["difference"].item() > 3 and childcare["q_value"].item() < 1e-6
    # segments were built from the importance ratings (the basis): described, not tested;
    # their performance, and every tier comparison, is tested, and BH runs over those only
    segments = diffs[diffs["group"].str.match(r".+-\d+$")]
    own = segments[segments["measure"].isin(["importance", "importance_t2b"])]
    assert own["basis"].all() and own["p_value"].isna().all() and own["q_value"].isna().all()
    perf = segments[segments["measure"] == "performance"]
    assert not perf["basis"].any() and perf["p_value"].notna().any()
    tiers = diffs[diffs["group"].isin(["soon-to-be", "refusing", "unexplored"])]
    assert not tiers["basis"].any()
    tested = diffs["p_value"].notna()
    np.testing.assert_allclose(diffs.loc[tested, "q_value"],
                               stats.false_discovery_control(diffs.loc[tested, "p_value"]),
                               rtol=1e-4, atol=1e-12)


def test_value_tiers_only_for_customers(assignments, summary):
    customers = assignments["tier"] == "customers"
    assert (assignments.loc[customers, "value_tier"] != "").all()
    assert (assignments.loc[~customers, "value_tier"] == "").all()
    assert sum(summary["value_tiers"].values()) == customers.sum()


def test_same_seed_gives_byte_identical_files(sample_cli_run, sample_analysis):
    # Two independent runs of the sample with seed 0 in this session: the CLI's
    # (sample_cli_run) and the library's (sample_analysis, the same defaults; its files()
    # are what the CLI writes, see test_output_folder).  Every file, byte for byte.
    first = sample_cli_run.out
    assert sample_cli_run.code == 0
    second = sample_analysis.files()
    for name in OUTPUT_FILES:
        assert second[name] == (first / name).read_bytes(), name
    # what the run printed
    assert sample_cli_run.stdout.startswith("5000 respondents: customers ")
    assert ("most shared barrier: Gyms feel intimidating (40% to 57% of each non-customer "
            "tier)") in sample_cli_run.stdout
    assert sample_cli_run.stderr == ""


# ---- a tiny panel ----------------------------------------------------------------------------

def test_tiny_panel_runs(write_tiny_panel, tmp_path, capsys):
    panel, schema = write_tiny_panel()
    out = tmp_path / "out"
    assert run(panel, schema, out) == 0
    frame = pd.read_csv(out / "assignments.csv", dtype=str)
    assert frame["respondent_id" if "respondent_id" in frame else "rid"].tolist() == [
        "001", "002", "003", "004", "005", "006"]
    assert frame["tier"].tolist() == ["customers"] * 2 + ["unexplored"] * 4
    # one attribute that meets no ERRC rule: said once, as a warning
    assert capsys.readouterr().err == (
        "noncustomers: warning: tier 'customers' has 2 respondents (fewer than 30): its "
        "segments and figures rest on a very small base\n"
        "noncustomers: warning: tier 'unexplored' has 4 respondents (fewer than 30): its "
        "segments and figures rest on a very small base\n"
        "noncustomers: warning: The ERRC grid is empty: no "
                                       "attribute meets a rule, so there is no new value curve "
                                       "to propose; see ErrcRules to loosen the thresholds.\n")


def test_row_matching_no_rule_is_unclassified_and_kept(write_tiny_panel, tmp_path):
    # No catch-all rule: 003 (visits 0) and 005 (visits blank) match neither rule.
    schema = TINY_SCHEMA.replace('unexplored = "true"',
                                 'refusing = "member == \'no\' and visits >= 1"')
    panel, schema_path = write_tiny_panel(schema_text=schema)
    out = tmp_path / "out"
    assert run(panel, schema_path, out) == 0
    frame = pd.read_csv(out / "assignments.csv", dtype=str)
    assert list(frame.columns) == ["rid", "tier", "segment", "x", "y"]
    assert frame["rid"].tolist() == ["001", "002", "003", "004", "005", "006"]
    assert frame["tier"].tolist() == ["customers", "customers", "unclassified", "refusing",
                                      "unclassified", "refusing"]
    assert frame["segment"].tolist() == ["customers-1", "customers-1", "unclassified",
                                         "refusing-1", "unclassified", "refusing-1"]
    summary = json.loads((out / "summary.json").read_text())
    # weights 1, 2, 1, 3, 1, 2: unclassified holds 1 + 1 of 10 (share 0.2). Its Taylor
    # variance is 6/5 (2 x 0.8^2 + (1 + 4 + 9 + 4) x 0.2^2) / 100 = 0.024, so the effective
    # base is 0.16 / 0.024 = 6.67, capped at the 6 respondents: Wilson's 1.2 in 6
    unclassified = summary["tiers"]["unclassified"]
    assert (unclassified["n"], unclassified["share"]) == (2, 0.2)
    _, lo, hi = korn_graubard_wilson([0, 0, 1, 0, 1, 0], [1, 2, 1, 3, 1, 2])
    assert (lo, hi) == pytest.approx((0.041118, 0.593082), abs=1e-6)
    assert unclassified["share_lo"] == pytest.approx(lo, abs=1e-6)
    assert unclassified["share_hi"] == pytest.approx(hi, abs=1e-6)
    assert unclassified["n_eff"] == pytest.approx(2.0) and unclassified["low_base"]
    assert summary["n"] == 6
    gaps = pd.read_csv(out / "gaps.csv")
    assert "unclassified" in set(gaps["group"])


def test_k_option_must_be_auto_or_positive(write_tiny_panel, tmp_path):
    panel, schema = write_tiny_panel()
    with pytest.raises(SystemExit) as exc:
        run(panel, schema, tmp_path / "out", "--k", "0")
    assert exc.value.code == 2
    assert not (tmp_path / "out").exists()


# ---- bad input: exit 2, one line on stderr, nothing written ---------------------------------

HEADER = TINY_CSV.splitlines()[0] + "\n"

BAD_INPUTS = {
    # case: (csv text or bytes or None for "no file", schema text, file name, words in message)
    "missing file": (None, TINY_SCHEMA, "absent.csv", ["absent.csv", "no such file"]),
    "not utf-8": ((HEADER + "1,1,s\xed,5,5,4\n").encode("latin-1"), TINY_SCHEMA, "panel.csv",
                  ["panel.csv", "not UTF-8"]),
    "corrupt xlsx": (b"PK\x03\x04 not really a workbook", TINY_SCHEMA, "panel.xlsx",
                     ["panel.xlsx", "cannot read the file as xlsx"]),
    "unsupported type": ("{}", TINY_SCHEMA, "panel.json", ["panel.json", "unsupported"]),
    "empty file": ("", TINY_SCHEMA, "panel.csv", ["panel.csv", "empty"]),
    "header only": (HEADER, TINY_SCHEMA, "panel.csv", ["panel.csv", "no data rows"]),
    "duplicate ids": (HEADER + "1,1,yes,5,5,4\n2,1,no,1,3,3\n1,1,no,1,3,3\n", TINY_SCHEMA,
                      "panel.csv", ["panel.csv", "'rid'", "repeats '1'", "rows 1 and 3"]),
    "missing id": (HEADER + "1,1,yes,5,5,4\n,1,no,1,3,3\n", TINY_SCHEMA, "panel.csv",
                   ["panel.csv", "'rid'", "empty in data row 2"]),
    "absent column": (TINY_CSV.replace("perf_price", "perf_prise"), TINY_SCHEMA, "panel.csv",
                      ["schema.toml", "'perf_price'", "did you mean 'perf_prise'?"]),
    "absent rule column": (TINY_CSV.replace("member", "membership"), TINY_SCHEMA, "panel.csv",
                           ["schema.toml", "rule 'customers'", "'member'"]),
    "rating out of scale": (HEADER + "1,1,yes,5,5,4\n2,1,no,1,8,3\n", TINY_SCHEMA, "panel.csv",
                            ["panel.csv", "'imp_price'", "value 8", "data row 2"]),
    "non-numeric rating": (HEADER + "1,1,yes,5,5,4\n2,1,no,1,3,good\n", TINY_SCHEMA,
                           "panel.csv", ["panel.csv", "'perf_price'", "'good'", "data row 2"]),
    "bad rule syntax": (TINY_CSV, TINY_SCHEMA.replace("visits >= 4", "visits >= 4 and"),
                        "panel.csv", ["rule 'customers'", "position 36"]),
    "zero weight": (HEADER + "1,1,yes,5,5,4\n2,0,no,1,3,3\n", TINY_SCHEMA, "panel.csv",
                    ["panel.csv", "'w' (weight) is 0", "data row 2"]),
    "negative weight": (HEADER + "1,-1,yes,5,5,4\n", TINY_SCHEMA, "panel.csv",
                        ["panel.csv", "'w' (weight) is -1", "data row 1"]),
    "invalid schema": (TINY_CSV, TINY_SCHEMA + "[oops\n", "panel.csv",
                       ["schema.toml", "not valid TOML"]),
}


@pytest.mark.parametrize("preexisting", [False, True], ids=["new-out", "existing-out"])
@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_exits_2_with_one_line(case, preexisting, write_tiny_panel, tmp_path, capsys):
    content, schema_text, name, words = BAD_INPUTS[case]
    panel, schema = write_tiny_panel("" if content is None else content, schema_text, name=name)
    if content is None:
        panel.unlink()
    work = tmp_path / "work"
    work.mkdir()
    out = work / "out"
    if preexisting:
        out.mkdir()

    code = run(panel, schema, out)

    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("noncustomers: error: ")
    for word in words:
        assert word in lines[0], lines[0]
    assert "Traceback" not in captured.err + captured.out
    assert captured.out == ""
    if preexisting:
        assert list(out.iterdir()) == []
    else:
        assert not out.exists()
    assert [p.name for p in work.iterdir()] == (["out"] if preexisting else [])


def test_missing_schema_file(write_tiny_panel, tmp_path, capsys):
    panel, _ = write_tiny_panel()
    code = run(panel, tmp_path / "nope.toml", tmp_path / "out")
    err = capsys.readouterr().err.splitlines()
    assert code == 2 and len(err) == 1
    assert "nope.toml" in err[0] and "cannot read the schema file" in err[0]
    assert not (tmp_path / "out").exists()


def test_out_path_is_a_file(write_tiny_panel, tmp_path, capsys):
    panel, schema = write_tiny_panel()
    blocker = tmp_path / "taken"
    blocker.write_text("not a folder")
    code = run(panel, schema, blocker)
    err = capsys.readouterr().err.splitlines()
    assert code == 2 and len(err) == 1
    assert "taken" in err[0] and "Traceback" not in err[0]
    assert blocker.read_text() == "not a folder"


def test_a_reader_that_stops_early_ends_the_command_quietly(write_tiny_panel, tmp_path):
    """`noncustomers analyze ... | head -1`: the files are written first; the closed pipe
    is not an error (no message, exit 0), as with any Unix tool."""
    import subprocess
    import sys

    panel, schema = write_tiny_panel()
    out = tmp_path / "out"
    command = [sys.executable, "-c", "from noncustomers.cli import main; raise SystemExit(main())",
               "analyze", str(panel), "--schema", str(schema), "--out", str(out), "--quiet"]
    run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    run.stdout.close()  # the reader goes away before the command prints
    err = run.stderr.read().decode()
    assert run.wait(timeout=120) == 0, err
    assert "Broken pipe" not in err and "Traceback" not in err
    assert (out / "summary.json").is_file()
