"""The 2-D map: PCA and UMAP coordinates, seeded, with the transform path for large panels."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.decomposition import PCA

from noncustomers.cli import main
from noncustomers.embedding import exact_neighbours, map_coordinates
from noncustomers.errors import NoncustomersError


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=600, centers=3, n_features=6, cluster_std=0.6, random_state=3)
    return X, y


def test_pca_matches_sklearn_up_to_sign(blobs):
    X, _ = blobs
    ours = map_coordinates(X, "pca", seed=0)
    ref = PCA(n_components=2).fit_transform(X)
    for j in range(2):
        assert np.allclose(np.abs(ours[:, j]), np.abs(ref[:, j]))


def test_unknown_method_is_a_clear_error(blobs):
    with pytest.raises(NoncustomersError, match="map method 'tsne' is not known"):
        map_coordinates(blobs[0], "tsne")


def test_no_columns_gives_empty_coordinates():
    assert np.isnan(map_coordinates(np.empty((5, 0)), "pca")).all()


def _separation(coords: np.ndarray, labels: np.ndarray) -> float:
    """Between-centre distance over within-cluster spread (higher = clusters kept apart)."""
    centres = np.array([coords[labels == c].mean(axis=0) for c in np.unique(labels)])
    spread = np.mean([coords[labels == c].std(axis=0).mean() for c in np.unique(labels)])
    gaps = [np.linalg.norm(a - b) for i, a in enumerate(centres) for b in centres[i + 1:]]
    return min(gaps) / spread


@pytest.mark.umap
def test_umap_is_seeded_and_keeps_clusters_apart(warm_umap, blobs):
    X, y = blobs
    a = map_coordinates(X, "umap", seed=7)
    b = map_coordinates(X, "umap", seed=7)
    assert a.shape == (600, 2)
    assert np.array_equal(a, b)
    assert _separation(a, y) > 3


def test_exact_neighbours_are_the_nearest_by_the_full_distance_matrix():
    X = np.random.default_rng(4).normal(size=(300, 5))  # no ties
    indices, distances = exact_neighbours(X, k=15)
    full = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    expected = np.argsort(full, axis=1, kind="stable")[:, :15]
    assert np.array_equal(indices, expected) and indices[:, 0].tolist() == list(range(300))
    assert np.allclose(distances, np.take_along_axis(full, expected, axis=1))


@pytest.mark.umap
def test_umap_is_fitted_on_the_exact_graph_without_pynndescents_search(warm_umap, blobs,
                                                                        monkeypatch):
    import umap.umap_

    def refuse(*args, **kwargs):
        raise AssertionError("umap-learn searched the neighbours itself (pynndescent)")

    monkeypatch.setattr(umap.umap_, "nearest_neighbors", refuse)  # where it calls NNDescent
    X, y = blobs
    assert _separation(map_coordinates(X, "umap", seed=2), y) > 3


@pytest.mark.umap
def test_umap_places_rows_beyond_the_fit_sample_with_transform(warm_umap, blobs):
    X, y = blobs
    coords = map_coordinates(X, "umap", seed=1, max_fit=400)
    assert np.isfinite(coords).all()
    assert _separation(coords, y) > 3  # transformed rows land with their own cluster


@pytest.mark.umap
def test_cli_writes_umap_coordinates(warm_umap, gym_panel_path, gym_schema_path, tmp_path):
    out = tmp_path / "umap"
    assert main(["analyze", str(gym_panel_path), "--schema", str(gym_schema_path),
                 "--out", str(out), "--map", "umap", "--k", "2", "--curve-resamples", "0",
                 "--stability-runs", "0"]) == 0  # the map is what is checked here
    import pandas as pd

    coords = pd.read_csv(out / "assignments.csv")[["x", "y"]]
    assert len(coords) == 5000 and coords.notna().all().all()
    pca = pd.read_csv(tmp_path / "umap" / "assignments.csv")
    assert coords["x"].std() > 0 and pca["y"].std() > 0


def test_umap_kernels_use_numbas_disk_cache():
    """import_umap turns numba's cache on for every module-level kernel of umap-learn and
    pynndescent (umap-learn declares one itself), so that a process after the first loads
    the machine code instead of compiling it again."""
    import sys

    from numba.core.caching import FunctionCache
    from numba.core.registry import CPUDispatcher

    from noncustomers.embedding import import_umap

    import_umap()
    kernels = [kernel for name, module in list(sys.modules.items())
               if module is not None and name.startswith(("umap.", "pynndescent."))
               for kernel in vars(module).values() if isinstance(kernel, CPUDispatcher)]
    assert len(kernels) > 100
    uncached = sorted(k.__name__ for k in kernels if not isinstance(k._cache, FunctionCache))
    assert not uncached, f"kernels without numba's cache: {uncached[:10]}"
