"""Segmentation engine: methods, weighted fitting, stability, prediction."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from noncustomers import analyze, panel_from_frame, read_panel
from noncustomers.segmentation import (METHODS, ChooseK, make_segmenter,
                                       segment_stability, stability_label)
from sklearn.cluster import KMeans


@pytest.fixture(scope="module")
def blobs():
    return make_blobs(n_samples=400, centers=3, n_features=5, cluster_std=0.7, random_state=4)


@pytest.mark.parametrize("method", ["kmeans", "gmm", "agglomerative", "hdbscan"])
def test_every_method_recovers_planted_blobs(blobs, method):
    X, y = blobs
    model = make_segmenter(method, "auto", seed=0).fit(X)
    assert adjusted_rand_score(y, model.labels_) > 0.9
    # methods with predict place the training rows as they labelled them; Ward and HDBSCAN
    # place them by the nearest weighted centroid, which agrees on at least 95%
    agreement = np.mean(model.predict(X) == model.labels_)
    assert agreement == 1.0 if method in ("kmeans", "gmm") else agreement >= 0.95


def test_latent_class_recovers_binary_classes_and_honours_missing():
    rng = np.random.default_rng(0)
    p = np.array([[0.9, 0.9, 0.1, 0.1, 0.85, 0.2], [0.1, 0.15, 0.9, 0.85, 0.2, 0.9]])
    z = rng.integers(0, 2, 600)
    X = (rng.random((600, 6)) < p[z]).astype(float)
    X[rng.random(X.shape) < 0.05] = np.nan
    model = make_segmenter("latent-class", "auto", seed=0).fit(X)
    assert model.best_estimator_.measurement_ == "binary_nan"
    assert model.n_clusters_ == 2  # BIC picks the planted number
    bics = {row["k"]: row["bic"] for row in model.selection_ if "bic" in row}
    assert min(bics, key=bics.get) == 2
    kept = [*vars(model.best_estimator_).values(), *vars(model.best_estimator_.model_).values()]
    assert not any(v.ndim == 2 and v.shape[0] == 600 for v in kept
                   if isinstance(v, np.ndarray))  # no training answers or probabilities
    assert adjusted_rand_score(z, model.labels_) > 0.8


def test_weights_pull_centres_where_the_weight_is():
    # Two groups on a line; the heavy points of the right group pull its centre to them.
    X = np.r_[np.zeros(20), np.full(10, 10.0), np.full(10, 12.0)][:, None]
    w = np.r_[np.ones(20), np.ones(10), np.full(10, 9.0)]
    plain = make_segmenter("kmeans", 2, seed=0).fit(X)
    weighted = make_segmenter("kmeans", 2, seed=0).fit(X, sample_weight=w)
    assert max(plain.best_estimator_.cluster_centers_.ravel()) == pytest.approx(11.0)
    assert max(weighted.best_estimator_.cluster_centers_.ravel()) == pytest.approx(
        (100 + 9 * 10 * 12) / 100)


def test_weighted_resampling_follows_the_weights():
    # GMM takes no sample_weight: the resample is drawn in proportion to the weights, so a
    # group carrying almost no weight is absorbed rather than found.
    rng = np.random.default_rng(1)
    X = np.r_[rng.normal(0, 0.3, (150, 2)), rng.normal(5, 0.3, (150, 2))]
    w = np.r_[np.ones(150), np.full(150, 1e-6)]
    fitted = make_segmenter("gmm", 2, seed=0).fit(X, sample_weight=w)
    means = fitted.best_estimator_.means_
    assert np.all(means[:, 0] < 2.5)  # both components sit in the weighted group


def test_stability_separates_structure_from_noise():
    X, y = make_blobs(n_samples=300, centers=3, n_features=4, cluster_std=0.6, random_state=2)
    def kmeans(k):
        return ChooseK(KMeans(n_init=10), n_clusters=k, random_state=0)

    labels = kmeans(3).fit(X).labels_
    stable = segment_stability(kmeans(3), X, labels, runs=15)
    assert min(stable.values()) >= 0.85
    noise = np.random.default_rng(0).normal(size=(300, 8))
    labels = kmeans(6).fit(noise).labels_
    unstable = segment_stability(kmeans(6), noise, labels, runs=15)
    assert np.mean(list(unstable.values())) < 0.6


@pytest.mark.parametrize(("jaccard", "label"), [(0.59, "unstable"), (0.6, "doubtful"),
                                                (0.749, "doubtful"), (0.75, "stable")])
def test_hennig_labels(jaccard, label):
    assert stability_label(jaccard) == label


@pytest.fixture(scope="module")
def panel(gym_panel_path, gym_schema_path):
    return read_panel(gym_panel_path, gym_schema_path)


@pytest.fixture(scope="module")
def first_rows(panel):
    """The sample's first 1,500 respondents: every method's plumbing, at a third of the cost."""
    return panel_from_frame(panel.data.iloc[:1500].copy(), panel.schema, source=panel.source)


@pytest.mark.parametrize("method", METHODS)
def test_every_method_runs_on_the_sample(first_rows, method):
    # Latent class with k chosen by BIC takes ~10 s here: the suite fixes k; the CLI run in
    # the closing note covers k = "auto".
    panel = first_rows
    k = 2 if method == "latent-class" else None
    result = analyze(panel, method=method, map=None, stability_runs=3, k=k, curve_resamples=0,
                     driver_boot=0)  # drivers are tested in test_blue_ocean
    summary = result.summary()
    assert summary["config"]["method"] == method
    assert result.segments.str.startswith(tuple(panel.schema.tier_names)).all()
    for name, seg in summary["segments"].items():
        if name.endswith("-noise"):
            assert seg["stability_label"] == "noise"
            continue
        assert 0 <= seg["stability"] <= 1
        assert seg["stability_label"] in ("stable", "doubtful", "unstable")
    if k is None:
        assert set(summary["selection"]) == set(panel.schema.tier_names)


def test_kmeans_segments_of_the_sample_are_stable_and_predictable(panel):
    result = analyze(panel, map=None, stability_runs=5, driver_boot=0, curve_resamples=0)
    summary = result.summary()
    assert all(s["stability_label"] == "stable" for s in summary["segments"].values())
    assert summary["selection"]["customers"][0]["k"] == 1  # the structure test (gap)
    row = summary["selection"]["customers"][1]
    assert {"k", "silhouette", "calinski_harabasz", "stability_ari"} <= set(row)
    again = result.model.predict(result.panel.answers, result.tiers)
    assert (again == result.segments).all()
