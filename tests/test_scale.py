"""Large panels: the estimates that run on samples (k selection, stability, drivers, the
map's placement) and what must stay on every row."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from noncustomers.analytics import drivers as drivers_module
from noncustomers.embedding import place_by_neighbours
from noncustomers.segmentation import ChooseK


@pytest.fixture(scope="module")
def blobs():
    X, truth = make_blobs(n_samples=4000, centers=4, n_features=5, cluster_std=1.5,
                          random_state=3)
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(X))
    return X, truth, w


def test_k_chosen_on_a_sample_matches_the_full_choice(blobs):
    X, truth, w = blobs
    full = ChooseK(KMeans(n_init=10), max_select=None, random_state=0).fit(X, sample_weight=w)
    sampled = ChooseK(KMeans(n_init=10), max_select=1000, random_state=0).fit(
        X, sample_weight=w)
    assert sampled.n_clusters_ == full.n_clusters_ == 4
    assert len(sampled.labels_) == len(X)  # every row gets its segment from the full fit
    assert adjusted_rand_score(full.labels_, sampled.labels_) > 0.99
    assert adjusted_rand_score(truth, sampled.labels_) > 0.95
    # the selection table is the sample's, one row per k (and the k = 1 gap test)
    assert [row["k"] for row in sampled.selection_] == [1, *range(2, 9)]
    # the final fit is on every row: its centres are the weighted means of its segments
    for c in range(4):
        members = sampled.labels_ == c
        assert sampled.best_estimator_.cluster_centers_[c] == pytest.approx(
            np.average(X[members], axis=0, weights=w[members]), abs=1e-6)
    again = ChooseK(KMeans(n_init=10), max_select=1000, random_state=0).fit(X, sample_weight=w)
    assert np.array_equal(again.labels_, sampled.labels_)  # seeded


def test_a_small_tier_is_chosen_on_every_row(blobs):
    X, _, w = blobs
    a = ChooseK(KMeans(n_init=10), max_select=len(X), random_state=0).fit(X, sample_weight=w)
    b = ChooseK(KMeans(n_init=10), max_select=None, random_state=0).fit(X, sample_weight=w)
    assert np.array_equal(a.labels_, b.labels_)
    assert a.selection_ == b.selection_


def test_drivers_sample_keeps_each_sides_share():
    rng = np.random.default_rng(1)
    y = (rng.random(50_000) < 0.3).astype(int)
    rows = drivers_module._stratified(y, 20_000, np.random.default_rng(0))
    assert len(rows) == 20_000 and len(np.unique(rows)) == 20_000
    assert y[rows].mean() == pytest.approx(y.mean(), abs=1e-4)
    # a rare side keeps at least MIN_PER_SIDE rows
    rare = np.zeros(50_000, dtype=int)
    rare[:3] = 1
    picked = drivers_module._stratified(rare, 1000, np.random.default_rng(0))
    assert rare[picked].sum() == 3


def test_drivers_on_a_large_pair_use_the_sample_and_say_so(monkeypatch, gym_panel_path,
                                                           gym_schema_path):
    from noncustomers import read_panel
    from noncustomers.tiers import assign_tiers

    panel = read_panel(gym_panel_path, gym_schema_path)
    tiers = assign_tiers(panel)
    monkeypatch.setattr(drivers_module, "MAX_ROWS", 1500)
    _, models = drivers_module.tier_drivers(panel, tiers, seed=0, n_boot=5)
    pair = int(((tiers == "unexplored") | (tiers == "customers")).sum())
    assert models["unexplored"]["n"] == pair > 1500
    assert models["unexplored"]["n_used"] == 1500
    # the planted need still leads (childcare sets the unexplored apart)
    assert models["unexplored"]["top"][0] == "childcare"


def test_neighbours_place_new_rows_among_the_fitted_ones():
    rng = np.random.default_rng(2)
    fitted = rng.normal(size=(300, 4))
    coords = fitted[:, :2] * 3.0  # a map that is a scaled projection
    # a fitted row placed again lands on its own position
    assert place_by_neighbours(fitted, coords, fitted[:10]) == pytest.approx(coords[:10])
    # a new row lands within the hull of its neighbours' positions, near its projection
    new = fitted[:50] + rng.normal(scale=0.05, size=(50, 4))
    placed = place_by_neighbours(fitted, coords, new, chunk=7)  # chunks give the same
    assert placed == pytest.approx(place_by_neighbours(fitted, coords, new))
    assert np.median(np.linalg.norm(placed - new[:, :2] * 3.0, axis=1)) < 1.0


def test_curve_test_on_a_subsample_keeps_the_figures_and_the_interval_widths(sample_analysis):
    """m-out-of-n: the bootstrap of half the sample, shrunk by sqrt(1/2), gives intervals
    about as wide as the bootstrap of every respondent, around the same figures."""
    from noncustomers.analysis import _rederive
    from noncustomers.analytics.errc import ErrcRules
    from noncustomers.analytics.prize import curve_test

    a = sample_analysis
    panel, tiers = a.panel, a.tiers
    offered = {n: attr.offered for n, attr in panel.schema.attributes.items()}
    rules = ErrcRules(**a.config["errc_rules"])
    industry = a.curves["industry offering"]
    proposed = a.curves["blue ocean"]
    full = curve_test(panel, tiers, industry, proposed, 1.0,
                      derive=_rederive(panel, tiers, rules, offered), resamples=60, seed=1)
    rows = np.sort(np.random.default_rng(1).choice(len(panel), len(panel) // 2, replace=False))
    half = curve_test(panel, tiers, industry, proposed, 1.0,
                      derive=_rederive(panel, tiers, rules, offered, rows), resamples=60,
                      seed=1, bootstrap_rows=rows)
    for block in ("better_served", "worse_served"):
        for group in ("non-customers", "customers", "unexplored"):
            assert half[block][group] == full[block][group]  # the figures: every row
            lo, hi = half[block][f"{group}_lo"], half[block][f"{group}_hi"]
            assert lo <= half[block][group] + 1e-9 and half[block][group] <= hi + 1e-9
            width_full = full[block][f"{group}_hi"] - full[block][f"{group}_lo"]
            if width_full > 0.01:
                assert 0.4 < (hi - lo) / width_full < 2.5, (block, group)
