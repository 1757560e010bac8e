"""Derived importance: relative weights and Shapley values against independent
implementations and hand values; the schema, the panel and the gaps table around them."""

from __future__ import annotations

from itertools import combinations
from math import factorial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

from noncustomers import analyze, panel_from_frame, parse_schema, read_panel
from noncustomers.analytics.importance import (derived_importance, relative_weights,
                                               shapley_r2, to_scale, weighted_correlation)
from noncustomers.errors import SchemaError

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"


def _data(n=400, p=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) @ rng.normal(size=(p, p))  # correlated predictors
    y = X @ rng.normal(size=p) + rng.normal(scale=2.0, size=n)
    w = rng.uniform(0.3, 3.0, n)
    return X, y, w


def _johnson_by_svd(X, y, w):
    """Johnson (2000) as published: the SVD of the (weighted, standardised) data matrix
    gives its closest orthonormal counterpart Z = P Q'; regress y on Z; the relative
    weight of x_j is sum_k (Q diag(d) Q')_jk^2 beta_k^2.  No correlation matrix, no
    eigendecomposition."""
    sw = np.sqrt(w / w.sum())[:, None]
    Xs = (X - np.average(X, axis=0, weights=w)) / np.sqrt(
        np.average((X - np.average(X, axis=0, weights=w)) ** 2, axis=0, weights=w))
    ys = (y - np.average(y, weights=w)) / np.sqrt(
        np.average((y - np.average(y, weights=w)) ** 2, weights=w))
    P, d, Qt = np.linalg.svd(Xs * sw, full_matrices=False)
    Z = P @ Qt                       # orthonormal columns (already weighted)
    beta = Z.T @ (ys * sw[:, 0])     # regression of y on Z
    lam = Qt.T @ np.diag(d) @ Qt     # correlations of X with Z
    return (lam ** 2) @ (beta ** 2)


def _r2(X, y, w, subset):
    if not subset:
        return 0.0
    cols = list(subset)
    return LinearRegression().fit(X[:, cols], y, sample_weight=w).score(X[:, cols], y,
                                                                          sample_weight=w)


def test_relative_weights_match_johnsons_svd_route_and_add_up_to_r2():
    X, y, w = _data()
    R = weighted_correlation(np.column_stack([X, y]), w)
    ours = relative_weights(R[:4, :4], R[:4, 4])
    np.testing.assert_allclose(ours, _johnson_by_svd(X, y, w), rtol=1e-8, atol=1e-12)
    assert ours.sum() == pytest.approx(_r2(X, y, w, (0, 1, 2, 3)), rel=1e-9)


def test_shapley_matches_a_brute_force_over_every_subset_with_scikit_learn():
    # General dominance weights (Azen & Budescu 2003) are these Shapley values too.
    X, y, w = _data(p=4, seed=3)
    R = weighted_correlation(np.column_stack([X, y]), w)
    ours = shapley_r2(R[:4, :4], R[:4, 4])
    p = 4
    brute = np.zeros(p)
    for j in range(p):
        others = [i for i in range(p) if i != j]
        for size in range(p):
            for subset in combinations(others, size):
                gain = _r2(X, y, w, tuple(sorted(subset + (j,)))) - _r2(X, y, w, subset)
                brute[j] += factorial(size) * factorial(p - size - 1) / factorial(p) * gain
    np.testing.assert_allclose(ours, brute, rtol=1e-8, atol=1e-12)
    assert ours.sum() == pytest.approx(_r2(X, y, w, (0, 1, 2, 3)), rel=1e-9)


def test_hand_values():
    # Uncorrelated predictors: each weight is its squared correlation with the outcome.
    np.testing.assert_allclose(relative_weights(np.eye(3), np.array([0.5, 0.3, 0.1])),
                               [0.25, 0.09, 0.01])
    # Two predictors correlated 0.5, each correlated 0.5 with y: symmetric, so each holds
    # half of R^2 = r' R^-1 r = 2 * 0.5 * 0.5 / 1.5 = 1/3.
    R = np.array([[1.0, 0.5], [0.5, 1.0]])
    np.testing.assert_allclose(relative_weights(R, np.array([0.5, 0.5])), [1 / 6, 1 / 6])
    np.testing.assert_allclose(shapley_r2(R, np.array([0.5, 0.5])), [1 / 6, 1 / 6])
    # On 0-10: 10 s / (s + 1/p); an equal share is 5, nothing is 0
    np.testing.assert_allclose(to_scale(np.array([0.1, 0.1])), [5.0, 5.0])
    np.testing.assert_allclose(to_scale(np.array([0.3, 0.0, 0.0])), [7.5, 0.0, 0.0])


def test_weights_are_honoured_like_repeated_rows():
    X, y, _ = _data(n=120, seed=5)
    counts = np.random.default_rng(1).integers(1, 4, 120)
    repeated = derived_importance(np.repeat(X, counts, axis=0), np.repeat(y, counts),
                                  np.ones(counts.sum()), {"all": np.ones(counts.sum(), bool)},
                                  list("abcd"), n_boot=0)
    weighted = derived_importance(X, y, counts.astype(float), {"all": np.ones(120, bool)},
                                  list("abcd"), n_boot=0)
    np.testing.assert_allclose(weighted["importance"], repeated["importance"], rtol=1e-9)


def test_groups_missing_answers_small_bases_and_intervals():
    X, y, w = _data(n=300)
    X[0, 1] = np.nan  # listwise: row 0 is left out
    masks = {"all": np.ones(300, bool), "tiny": np.arange(300) < 20}
    table = derived_importance(X, y, w, masks, list("abcd"), n_boot=50, seed=2)
    full = table[table["group"] == "all"]
    assert (full["n_used"] == 299).all()
    assert (full["importance_lo"] <= full["importance"]).all()
    assert (full["importance"] <= full["importance_hi"]).all()
    assert table.loc[table["group"] == "tiny", "importance"].isna().all()  # base < 30
    again = derived_importance(X, y, w, masks, list("abcd"), n_boot=50, seed=2)
    pd.testing.assert_frame_equal(table, again)  # seeded


# ---- the schema, the panel and the gaps table ------------------------------------------------

SCHEMA = """
id = "rid"
weight = "w"

[order]
like = ["hate", "meh", "like", "love"]

[importance]
derived_from = "like"

[tiers]
customers  = "member == 'yes'"
unexplored = "true"

[attributes]
taste = { performance = "taste", scale = [1, 5] }
price = { performance = "price", scale = [1, 5] }
greasy = { performance = "greasy", reverse = true }
service = { importance = "imp_service", performance = "service", scale = [1, 5] }
"""


def _survey(n=600, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    taste = rng.integers(1, 6, n)
    price = rng.integers(1, 6, n)
    greasy = rng.integers(0, 2, n)
    score = 1.2 * taste + 0.3 * price - 1.5 * greasy + rng.normal(0, 1, n)
    like = np.digitize(score, np.quantile(score, [0.25, 0.5, 0.75]))
    return pd.DataFrame({
        "rid": [f"r{i}" for i in range(n)], "w": rng.uniform(0.5, 2.0, n),
        "member": rng.choice(["yes", "no"], n), "like": np.array(["hate", "meh", "like",
                                                                  "love"])[like],
        "taste": taste, "price": price, "greasy": np.where(greasy == 1, "Yes", "No"),
        "imp_service": rng.integers(1, 6, n), "service": rng.integers(1, 6, n)})


def test_the_gaps_table_carries_derived_importance_and_says_so():
    frame = _survey()
    panel = panel_from_frame(frame, parse_schema(SCHEMA))
    # ordered outcome as its level positions; a reversed Yes/No perception is 1 - answer
    np.testing.assert_array_equal(panel.outcome[:5], frame["like"].map(
        {"hate": 0, "meh": 1, "like": 2, "love": 3}).to_numpy()[:5])
    np.testing.assert_array_equal(panel.ratings("greasy", "performance"),
                                  (frame["greasy"] == "No").astype(float))
    result = analyze(panel, map=None, stability_runs=0, curve_resamples=5, driver_boot=0,
                     k=2)
    gaps = result.gaps
    assert set(gaps.loc[gaps["attribute"] == "service", "importance_source"]) == {"stated"}
    derived = gaps[gaps["attribute"] != "service"]
    assert set(derived["importance_source"]) == {"derived"}
    # the figures are the library function's, group by group
    X = np.column_stack([panel.ratings(a, "performance") for a in ("taste", "price", "greasy")])
    from noncustomers.analytics.gaps import group_masks

    masks = group_masks(result.tiers, result.segments, ["customers", "unexplored"])
    expected = derived_importance(X, panel.outcome, panel.weights, masks,
                                  ["taste", "price", "greasy"], seed=0)
    merged = derived.merge(expected, on=["group", "attribute"], suffixes=("", "_lib"))
    np.testing.assert_allclose(merged["importance"], merged["importance_lib"], equal_nan=True)
    np.testing.assert_allclose(merged["importance_t2b"], merged["importance"], equal_nan=True)
    everyone = derived[derived["group"] == "all"].set_index("attribute")["importance"]
    assert everyone["taste"] > everyone["greasy"] > everyone["price"]  # as planted
    assert result.summary()["errc_evidence"]  # the grid runs on it
    assert result.curves_tested["blue ocean"]["factors"]


def test_a_negative_driver_gets_a_warning_until_it_is_reversed():
    frame = _survey()
    schema = parse_schema(SCHEMA.replace(", reverse = true", ""))
    result = analyze(panel_from_frame(frame, schema), map=None, stability_runs=0,
                     curve_resamples=0, driver_boot=0, k=2)
    assert any("'greasy' goes with less 'like'" in w and "reverse = true" in w
               for w in result.warnings)


@pytest.mark.parametrize(("edit", "error", "message"), [
    (lambda s: s.replace('derived_from = "like"', 'method = "shapley"'), SchemaError,
     "[importance] needs derived_from"),
    (lambda s: s.replace('derived_from = "like"', 'derived_from = "like"\nmethod = "shap"'),
     SchemaError, "importance.method 'shap' is not known (did you mean 'shapley'?)"),
    (lambda s: s.replace('derived_from = "like"', 'derived_from = "liking"'), SchemaError,
     "column 'liking' (importance.derived_from) is not in"),
    (lambda s: s.replace('like = ["hate", "meh", "like", "love"]', ""), SchemaError,
     "column 'like' (importance.derived_from) holds text such as 'hate'"),
    (lambda s: s.replace('{ importance = "imp_service", performance = "service", scale = [1, 5] }',
                         '{ importance = "imp_service", reverse = true }'), SchemaError,
     "reverse reverses a performance column"),
])
def test_bad_importance_settings_are_one_line(edit, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]").replace("?", r"\?")):
        panel_from_frame(_survey(50), parse_schema(edit(SCHEMA)))


@pytest.mark.skipif(not (DATA / "mcdonalds.csv").exists(), reason="../shared/data is absent")
def test_mcdonalds_liking_is_driven_first_by_yummy_and_tasty():
    panel = read_panel(DATA / "mcdonalds.csv", EXAMPLES / "mcdonalds.toml")  # the raw file
    result = analyze(panel, map=None, stability_runs=0, curve_resamples=0, driver_boot=0)
    everyone = result.gaps[result.gaps["group"] == "all"].set_index("attribute")
    assert list(everyone["importance"].sort_values(ascending=False).index[:2]) == [
        "yummy", "tasty"]
    assert (everyone["importance_source"] == "derived").all()
    assert not result.canvas.empty and any(result.errc.values())


def test_columns_are_described_in_peoples_words():
    panel = panel_from_frame(_survey(50), parse_schema(SCHEMA))
    assert panel.describe("imp_service") == "service (importance)"
    assert panel.describe("greasy") == "greasy (performance)"
    assert panel.describe("member") == "member"
    panel.labels["member"] = "Member of the club?"
    assert panel.describe("member") == "Member of the club?"
    assert panel.describe("member=yes") == "Member of the club?: yes"
