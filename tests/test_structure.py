"""'No clear segments' is an answer: the gap statistic's one-segment rule and minimum sizes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from noncustomers import analyze, panel_from_frame, parse_schema
from noncustomers.cli import main
from noncustomers.errors import SchemaError
from noncustomers.segmentation.structure import gap_one_segment

SCHEMA = """\
id = "rid"

[tiers]
customers  = "group == 'c'"
unexplored = "true"

[segmentation]
basis = ["b*"]
k = "auto"
"""


def _frame(customers: np.ndarray, unexplored: np.ndarray) -> pd.DataFrame:
    X = np.r_[customers, unexplored]
    frame = pd.DataFrame(X, columns=[f"b{i}" for i in range(X.shape[1])])
    frame.insert(0, "rid", [f"r{i}" for i in range(len(X))])
    frame["group"] = ["c"] * len(customers) + ["u"] * len(unexplored)
    return frame


def _two_groups(rng, n: int, p: int = 6) -> tuple[np.ndarray, np.ndarray]:
    truth = np.repeat([0, 1], n // 2)
    return rng.normal(np.where(truth[:, None] == 1, 3.0, 0.0), 1.0, (n, p)), truth


def test_the_gap_rule_by_hand_on_the_smallest_case():
    """Two far-apart pairs: W_1 and W_2 of the data are known exactly, and the rule picks 2."""
    X = np.array([[0.0], [0.1], [10.0], [10.1]])
    result = gap_one_segment(X, seed=0, references=10)
    assert result["structure"] and result["gap_2"] - result["s_2"] > result["gap_1"]


@pytest.mark.parametrize("kind", ["gaussian noise", "uniform ratings", "one-factor continuum"])
def test_no_structure_is_found_where_there_is_none(kind):
    rng = np.random.default_rng(7)
    if kind == "gaussian noise":
        X = rng.normal(size=(400, 8))
    elif kind == "uniform ratings":
        X = rng.integers(1, 6, (400, 8)).astype(float)
    else:
        factor = rng.normal(size=(400, 1))
        X = factor @ rng.uniform(0.5, 1.0, (1, 8)) + rng.normal(0, 0.5, (400, 8))
    assert not gap_one_segment(X, seed=0)["structure"]


@pytest.mark.parametrize("method", ["kmeans", "gmm", "agglomerative", "latent-class"])
def test_a_tier_of_pure_noise_is_one_segment_with_a_warning(method):
    rng = np.random.default_rng(1)
    planted, truth = _two_groups(rng, 300)
    noise = rng.normal(1.5, 1.0, (300, 6))
    panel = panel_from_frame(_frame(planted, noise), parse_schema(SCHEMA))
    result = analyze(panel, seed=0, method=method, map=None, stability_runs=0, driver_boot=0)
    segments = result.segments.to_numpy()
    assert set(segments[300:]) == {"unexplored-1"}
    assert any("tier 'unexplored' shows no clear segments" in w for w in result.warnings)
    assert "tier 'unexplored' shows no clear segments" in " ".join(
        result.summary()["warnings"])
    # the planted structure is still found
    found = segments[:300]
    assert len(set(found)) >= 2
    if method != "gmm":  # BIC may split the planted groups further; they are still found
        assert adjusted_rand_score(truth, found) >= 0.98


def test_automatic_k_keeps_segments_above_the_minimum_size(tmp_path):
    """300 respondents and a far group of 10 (3%): every split leaves a segment under 5%."""
    rng = np.random.default_rng(2)
    big = rng.normal(0.0, 1.0, (300, 4))
    outliers = rng.normal(8.0, 0.3, (10, 4))
    noise = rng.normal(size=(60, 4))
    panel = panel_from_frame(_frame(np.r_[big, outliers], noise), parse_schema(SCHEMA))
    result = analyze(panel, seed=0, map=None, stability_runs=0, driver_boot=0)
    assert set(result.segments.to_numpy()[:310]) == {"customers-1"}
    assert any("every split into 2 or more segments leaves one under 30" in w
               for w in result.warnings)
    rows = result.summary()["selection"]["customers"]
    assert all(row["too_small"] for row in rows if row["k"] > 1)
    # a schema that allows small segments finds the far group
    loose = SCHEMA.replace('k = "auto"', 'k = "auto"\nmin_size = 5\nmin_share = 0.02')
    panel = panel_from_frame(_frame(np.r_[big, outliers], noise), parse_schema(loose))
    result = analyze(panel, seed=0, map=None, stability_runs=0, driver_boot=0)
    assert len(set(result.segments.to_numpy()[:310])) >= 2


@pytest.mark.parametrize(("line", "words"), [("min_size = 0", "min_size must be a number >= 1"),
                                             ("min_share = 0.7", "min_share must be a share"),
                                             ("min_share = nan", "min_share must be a share")])
def test_minimum_sizes_are_checked_in_the_schema(line, words):
    with pytest.raises(SchemaError, match=words):
        parse_schema(SCHEMA.replace('k = "auto"', f'k = "auto"\n{line}'))


def test_the_cli_says_so_and_still_succeeds(tmp_path, capsys):
    rng = np.random.default_rng(1)
    planted, _ = _two_groups(rng, 300)
    _frame(planted, rng.normal(1.5, 1.0, (300, 6))).to_csv(tmp_path / "panel.csv", index=False)
    (tmp_path / "schema.toml").write_text(SCHEMA)
    assert main(["analyze", str(tmp_path / "panel.csv"), "--schema", str(tmp_path / "schema.toml"),
                 "--out", str(tmp_path / "out"), "--stability-runs", "5"]) == 0
    err = capsys.readouterr().err
    assert "warning: tier 'unexplored' shows no clear segments" in err
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert "unexplored-1" in summary["segments"] and "unexplored-2" not in summary["segments"]
    assert any("no clear segments" in w for w in summary["warnings"])


def test_each_tier_can_have_its_own_k_and_method():
    rng = np.random.default_rng(1)
    planted, truth = _two_groups(rng, 300)
    three = np.r_[rng.normal(0, 0.5, (100, 6)), rng.normal(3, 0.5, (100, 6)),
                  rng.normal(-3, 0.5, (100, 6))]
    schema = SCHEMA + "\n[segmentation.tiers.unexplored]\nk = 3\nmethod = \"agglomerative\"\n"
    panel = panel_from_frame(_frame(planted, three), parse_schema(schema))
    result = analyze(panel, seed=0, map=None, stability_runs=0, driver_boot=0, curve_resamples=0)
    segments = result.segments.to_numpy()
    assert len(set(segments[:300])) == 2 and len(set(segments[300:])) == 3
    assert type(result.segmentation.models["unexplored"].estimator).__name__ == \
        "AgglomerativeClustering"
    assert type(result.segmentation.models["customers"].estimator).__name__ == "KMeans"
    # the CLI's --k sets the default; the tier's own k stays
    result = analyze(panel, seed=0, k=4, map=None, stability_runs=0, driver_boot=0,
                     curve_resamples=0)
    assert len(set(result.segments.to_numpy()[300:])) == 3


@pytest.mark.parametrize(("table", "words"), [
    ("[segmentation.tiers.refusin]\nk = 2\n", "unknown tier 'refusin' in segmentation.tiers"),
    ("[segmentation.tiers.refusing]\nk = 0\n", "segmentation.tiers.refusing.k must be"),
    ("[segmentation.tiers.refusing]\nmethod = \"kmean\"\n", "(did you mean 'kmeans'?)"),
    ("[segmentation.tiers.refusing]\nsize = 2\n", "unknown key 'size' in segmentation.tiers"),
])
def test_per_tier_settings_are_checked(table, words):
    with pytest.raises(SchemaError) as exc:
        parse_schema(SCHEMA + "\n" + table)
    assert words in str(exc.value)
