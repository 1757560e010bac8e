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
    UMAP's neighbour graph is searched exactly with scikit-learn
    (:func:`exact_neighbours`) and handed to umap-learn, which would otherwise search it
    approximately with pynndescent.  That is what made UMAP slow to start: umap-learn
    compiles its numba kernels on the first fit of every process, about a minute, most of
    it pynndescent's search, some of whose kernels numba cannot keep on disk.  What is left
    to compile (about 35 s cold, mostly pynndescent's own start-up when umap-learn imports
    it) :func:`import_umap` keeps in numba's on-disk cache, so that a process after the
    first starts in about 5 s (``benchmarks/map_speed.py``).  The first process on a
    machine fills the cache (not ``make install``: that would make a fresh machine wait
    longer before the app serves, where the app's map worker compiles in the background
    while pages show PCA).  The app still warms UMAP once per server process with
    :func:`warm_umap`, and tests share one warm fit.

Answers on a few levels (yes/no items, short scales) put many respondents on exactly the
same spot: 1,453 McDonald's respondents on 264 PCA positions.  :func:`jitter_overlaps`
spreads them for the picture only (a seeded displacement of at most
``JITTER`` of the map's wider axis range) when more than ``OVERLAP_SHARE`` of the
respondents are hidden behind another one; the analysis never sees it.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import PCA
from sklearn.utils import check_random_state

from noncustomers.errors import NoncustomersError

__all__ = ["JITTER", "MAP_METHODS", "OVERLAP_SHARE", "Jittered", "exact_neighbours",
           "import_umap", "is_warm", "jitter_overlaps", "map_coordinates",
           "place_by_neighbours", "warm_umap"]

MAP_METHODS = ("umap", "pca")
_warm_lock = threading.Lock()
_warm = False
_cache_lock = threading.Lock()
_cached = False  # numba's cache is on for umap-learn's kernels (import_umap)


def import_umap():
    """umap-learn, with numba's on-disk cache on for its kernels and pynndescent's.

    umap-learn declares one kernel ``cache=True``; numba's ``Dispatcher.enable_caching``
    (its public switch for a dispatcher made without it) turns the cache on for the
    module-level kernels of both packages, before their first call compiles them.  The
    machine code goes where numba puts it for ``cache=True`` (``__pycache__`` beside the
    package's source, or numba's user cache folder when that is read-only), keyed by the
    source file's stamp and the CPU, so an upgraded package or another machine compiles
    afresh.  The code is the same as without the cache: maps stay byte-identical.
    """
    global _cached
    import umap

    with _cache_lock:  # not _warm_lock: warm_umap holds it while it fits
        if not _cached:
            import sys

            from numba.core.caching import NullCache
            from numba.core.registry import CPUDispatcher

            for name, module in list(sys.modules.items()):
                if module is None or not name.startswith(("umap.", "pynndescent.")):
                    continue
                for kernel in list(vars(module).values()):
                    if (isinstance(kernel, CPUDispatcher)
                            and isinstance(kernel._cache, NullCache)):
                        kernel.enable_caching()
            _cached = True
    return umap


def _umap(X: np.ndarray, seed: int, max_fit: int) -> np.ndarray:
    with warnings.catch_warnings():
        # umap-learn warns that a seed disables parallelism and that numba is
        # slow on first use: both are expected here.
        warnings.simplefilter("ignore")
        umap = import_umap()

        rng = check_random_state(seed)
        n = X.shape[0]
        fit_rows = np.arange(n) if n <= max_fit else np.sort(rng.choice(n, max_fit, replace=False))
        fit = X[fit_rows]
        k = min(15, max(2, len(fit_rows) - 1))
        model = umap.UMAP(n_components=2, n_neighbors=k, min_dist=0.1, random_state=seed,
                          n_jobs=1, force_approximation_algorithm=True,
                          precomputed_knn=exact_neighbours(fit, k))
        out = np.empty((n, 2))
        out[fit_rows] = model.fit_transform(fit)
        rest = np.setdiff1d(np.arange(n), fit_rows)
        if rest.size:
            out[rest] = place_by_neighbours(X[fit_rows], out[fit_rows], X[rest])
    return out


def exact_neighbours(X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest rows of every row of ``X`` (itself among them), exactly: UMAP's
    graph, handed to ``umap.UMAP(precomputed_knn=...)``.

    Not left to umap-learn, which would search them approximately with pynndescent: its
    numba kernels took about 40 of the 60 s a new process spent compiling UMAP, while
    scikit-learn's exact search takes 0.3 s on the 10,000 rows a map is fitted on (and
    exact neighbours are at least as good).  One thread, so that ties among identical
    answers fall the same way on every machine.

    >>> indices, distances = exact_neighbours(np.array([[0.0], [1.0], [3.0]]), k=2)
    >>> indices.tolist(), distances.tolist()
    ([[0, 1], [1, 0], [2, 1]], [[0.0, 1.0], [0.0, 1.0], [0.0, 2.0]])
    """
    from sklearn.neighbors import NearestNeighbors
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        distances, indices = (NearestNeighbors(n_neighbors=k, algorithm="brute")
                              .fit(X).kneighbors(X))
    return indices, distances


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


#: A map is jittered when more than this share of its respondents are hidden: drawn exactly
#: on a position another respondent already occupies ((respondents - positions) / respondents).
OVERLAP_SHARE = 0.2
#: The largest jitter: a displacement of at most this share of the map's wider axis range
#: (the distance from a respondent's position to where it is drawn).
JITTER = 0.02


@dataclass(frozen=True)
class Jittered:
    """Coordinates as drawn, and how they were spread (:func:`jitter_overlaps`).

    Attributes
    ----------
    coordinates : ndarray of shape (n, 2)
        As drawn: the map's coordinates, displaced when ``jittered``.
    share : float
        The largest displacement as a share of the wider axis range (0 when not jittered).
    radius : float
        The same in the map's units.
    positions : int
        Distinct exact positions before jitter (rows with coordinates).
    respondents : int
        Rows with coordinates.
    """

    coordinates: np.ndarray
    share: float
    radius: float
    positions: int
    respondents: int

    @property
    def jittered(self) -> bool:
        return self.radius > 0

    @property
    def hidden_share(self) -> float:
        """Share of respondents drawn exactly on another one's position (before jitter)."""
        return 1 - self.positions / self.respondents if self.respondents else 0.0

    def describe(self) -> str:
        """One sentence for a caption."""
        counts = f"{self.positions:,} distinct positions for {self.respondents:,} respondents"
        if not self.jittered:
            return f"Points drawn at their exact positions ({counts})."
        return (f"Points jittered by up to {self.share:.0%} of the map's span to show "
                f"overlapping respondents; {counts}.")


def jitter_overlaps(coordinates: np.ndarray, seed: int = 0, share: float = JITTER,
                    threshold: float = OVERLAP_SHARE) -> Jittered:
    """Spread respondents who sit on the same spot, for the picture only.

    When more than ``threshold`` of the respondents are hidden (``1 - positions /
    respondents``, positions counted exactly), every point is moved by a seeded
    displacement drawn uniformly from a disc of radius ``share`` times the map's wider
    axis range; otherwise the coordinates are returned unchanged.  Rows with NaN stay NaN.

    Parameters
    ----------
    coordinates : ndarray of shape (n, 2)
    seed : int
        The run's seed: the same map and seed give the same picture.
    share : float
        Largest displacement as a share of the wider axis range.
    threshold : float
        Share of hidden respondents above which the map is jittered.

    Returns
    -------
    Jittered

    Examples
    --------
    >>> yes_no = np.repeat([[0.0, 0.0], [1.0, 1.0]], 50, axis=0)
    >>> drawn = jitter_overlaps(yes_no, seed=0)
    >>> drawn.positions, drawn.respondents, drawn.jittered
    (2, 100, True)
    >>> bool(np.abs(drawn.coordinates - yes_no).max() <= 0.02)
    True
    """
    if not 0 <= share <= 1:
        raise NoncustomersError(f"jitter share must be between 0 and 1, got {share}")
    coordinates = np.asarray(coordinates, dtype=float)
    valid = np.isfinite(coordinates).all(axis=1)
    points = coordinates[valid]
    respondents = len(points)
    if respondents == 0:
        return Jittered(coordinates.copy(), 0.0, 0.0, 0, 0)
    width = float(np.ptp(points, axis=0).max())
    # Exact positions, up to floating-point noise far below anything drawn.
    scale = width if width > 0 else 1.0
    positions = len(np.unique(np.round(points / scale, 9), axis=0))
    hidden = 1 - positions / respondents
    if hidden <= threshold or share == 0:
        return Jittered(coordinates.copy(), 0.0, 0.0, positions, respondents)
    radius = share * scale
    rng = np.random.default_rng(seed)
    # Uniform on the disc: the distance is radius * sqrt(u), the angle uniform.
    distance = radius * np.sqrt(rng.random(respondents))
    angle = 2 * np.pi * rng.random(respondents)
    out = coordinates.copy()
    out[valid] = points + np.column_stack([distance * np.cos(angle), distance * np.sin(angle)])
    return Jittered(out, share, radius, positions, respondents)
