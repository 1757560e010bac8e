"""The 2-D map of respondents (display only, never used for analysis).

Two methods:

``pca``
    Principal components of the standardised basis. Instant; the CLI default.
``umap``
    UMAP (McInnes et al.), fitted on a seeded sample of at most
    ``max_fit`` rows; each other row is placed at the inverse-distance weighted mean of
    its 5 nearest fitted rows in the basis space (:func:`place_by_neighbours`).
    ``UMAP.transform`` would place them too, but took 219 of 226 s on a million rows;
    the neighbours take seconds and keep the map as trustworthy
    (``benchmarks/map_quality.py``).
    umap-learn compiles its numba kernels on the first fit of every process
    (about a minute here, and its on-disk cache does not remove that: see
    ``benchmarks/map_speed.py``), so the app warms it once per server process
    with :func:`warm_umap`, and tests share one warm fit.
"""

from __future__ import annotations

import threading
import warnings

import numpy as np
from sklearn.decomposition import PCA
from sklearn.utils import check_random_state

from noncustomers.errors import NoncustomersError

__all__ = ["MAP_METHODS", "is_warm", "map_coordinates", "place_by_neighbours", "warm_umap"]

MAP_METHODS = ("umap", "pca")
_warm_lock = threading.Lock()
_warm = False


def _umap(X: np.ndarray, seed: int, max_fit: int) -> np.ndarray:
    with warnings.catch_warnings():
        # umap-learn warns that a seed disables parallelism and that numba is
        # slow on first use: both are expected here.
        warnings.simplefilter("ignore")
        import umap

        rng = check_random_state(seed)
        n = X.shape[0]
        fit_rows = np.arange(n) if n <= max_fit else np.sort(rng.choice(n, max_fit, replace=False))
        model = umap.UMAP(n_components=2, n_neighbors=min(15, max(2, len(fit_rows) - 1)),
                          min_dist=0.1, random_state=seed, n_jobs=1,
                          force_approximation_algorithm=True)
        out = np.empty((n, 2))
        out[fit_rows] = model.fit_transform(X[fit_rows])
        rest = np.setdiff1d(np.arange(n), fit_rows)
        if rest.size:
            out[rest] = place_by_neighbours(X[fit_rows], out[fit_rows], X[rest])
    return out


def place_by_neighbours(fitted: np.ndarray, coordinates: np.ndarray, new: np.ndarray,
                        k: int = 5, chunk: int = 50_000) -> np.ndarray:
    """2-D places of ``new`` rows: the inverse-distance weighted mean of the coordinates of
    their ``k`` nearest ``fitted`` rows (a row equal to a fitted row takes its place).

    >>> fitted = np.array([[0.0], [1.0], [10.0]])
    >>> place_by_neighbours(fitted, np.array([[0, 0], [2, 2], [9, 9]]), np.array([[1.0]]), k=2)
    array([[2., 2.]])
    """
    from sklearn.neighbors import NearestNeighbors

    k = min(k, len(fitted))
    index = NearestNeighbors(n_neighbors=k).fit(fitted)
    out = np.empty((len(new), 2))
    for start in range(0, len(new), chunk):  # bounded memory on a million rows
        distance, nearest = index.kneighbors(new[start:start + chunk])
        exact = distance[:, 0] <= 1e-12
        weight = 1.0 / np.maximum(distance, 1e-12)
        weight[exact] = 0.0
        weight[exact, 0] = 1.0
        weight /= weight.sum(axis=1, keepdims=True)
        out[start:start + chunk] = np.einsum("ik,ikd->id", weight, coordinates[nearest])
    return out


def warm_umap() -> None:
    """Compile umap-learn's kernels once in this process (a tiny seeded fit)."""
    global _warm
    with _warm_lock:
        if _warm:
            return
        # Large enough to take the code paths of a real panel, fit and transform.
        X = check_random_state(0).normal(size=(1200, 6))
        _umap(X, seed=0, max_fit=1000)
        _warm = True


def is_warm() -> bool:
    """Whether :func:`warm_umap` has run in this process."""
    return _warm


def map_coordinates(X: np.ndarray, method: str = "pca", seed: int = 0,
                    max_fit: int = 10_000) -> np.ndarray:
    """Project rows of a standardised, complete matrix to 2-D.

    Parameters
    ----------
    X : ndarray of shape (n, p)
    method : {"pca", "umap"}
    seed : int
    max_fit : int
        UMAP is fitted on at most this many rows; the rest are placed by their nearest
        fitted neighbours.

    Returns
    -------
    ndarray of shape (n, 2); NaN when ``X`` has no columns.
    """
    if method not in MAP_METHODS:
        raise NoncustomersError(f"map method '{method}' is not known; use one of "
                                f"{', '.join(MAP_METHODS)}")
    n = X.shape[0]
    if X.shape[1] == 0 or n < 3:
        return np.full((n, 2), np.nan)
    if method == "pca":
        k = min(2, X.shape[1])
        out = np.zeros((n, 2))
        out[:, :k] = PCA(n_components=k, svd_solver="full").fit_transform(X)
        return out
    return _umap(X, seed, max_fit)
