"""The segmentation methods by name: the registry the schema, the CLI and the app read.

A method is a factory that returns an unfitted clusterer for one tier, given the
tier's k ("auto" or a number), the run's seed and the smallest segment allowed::

    factory(k, seed, min_size, min_share) -> clusterer

Built in: ``kmeans``, ``gmm``, ``latent-class``, ``agglomerative`` (Ward) and
``hdbscan``, each a :class:`~noncustomers.segmentation.selection.ChooseK` around a
scikit-learn or StepMix clusterer.  Add your own with one call::

    from sklearn.cluster import SpectralClustering
    from noncustomers.segmentation import ChooseK, register_method

    register_method("spectral", lambda k, seed, min_size, min_share: ChooseK(
        SpectralClustering(), n_clusters=k, min_segment_n_eff=min_size,
        min_segment_share=min_share, random_state=seed))

after which ``method = "spectral"`` works in a schema, ``analyze(..., method="spectral")``
in Python, and the app lists it (see docs/extending.md).

This module sits low in the house (it imports scikit-learn and the segmentation
estimators only), so the schema reader can check method names against it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sklearn.base import ClusterMixin
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.mixture import GaussianMixture

from noncustomers.segmentation.estimators import DensitySegmenter, LatentClass
from noncustomers.segmentation.selection import ChooseK

__all__ = ["METHODS", "Method", "method_names", "make_segmenter", "register_method"]

Factory = Callable[[int | str, int, float, float], ClusterMixin]


@dataclass(frozen=True)
class Method:
    """A named segmentation method.

    Attributes
    ----------
    name : str
    factory : callable
        ``factory(k, seed, min_size, min_share) -> clusterer`` (unfitted).
    description : str
        One line shown in the app and the CLI's help.
    finds_k : bool
        The method finds the number of segments itself (a k of the schema is ignored,
        with a warning).
    raw_answers : bool
        The clusterer sees the answers as they are (missing ones included) rather than
        median-imputed and standardised.
    """

    name: str
    factory: Factory
    description: str = ""
    finds_k: bool = False
    raw_answers: bool = False


def _kmeans(k, seed, min_size, min_share):
    return ChooseK(KMeans(n_init=10), n_clusters=k, criterion="silhouette",
                   min_segment_n_eff=min_size, min_segment_share=min_share, random_state=seed)


def _gmm(k, seed, min_size, min_share):
    # "diag" keeps the parameter count modest for survey items; weights by resampling.
    return ChooseK(GaussianMixture(covariance_type="diag", n_init=2, reg_covar=1e-4),
                   n_clusters=k, criterion="bic", max_fit=20_000,
                   min_segment_n_eff=min_size, min_segment_share=min_share, random_state=seed)


def _latent_class(k, seed, min_size, min_share):
    return ChooseK(LatentClass(), n_clusters=k, criterion="bic",
                   min_segment_n_eff=min_size, min_segment_share=min_share, random_state=seed)


def _ward(k, seed, min_size, min_share):
    # Ward needs O(n^2) memory: larger tiers are fitted on a weighted resample of 3,000.
    return ChooseK(AgglomerativeClustering(linkage="ward"), n_clusters=k,
                   criterion="silhouette", max_fit=3000, min_segment_n_eff=min_size,
                   min_segment_share=min_share, random_state=seed)


def _hdbscan(k, seed, min_size, min_share):
    return ChooseK(DensitySegmenter(), n_clusters=None, max_fit=10_000, random_state=seed)


#: Methods by name, in the order the CLI and the app list them.
METHODS: dict[str, Method] = {m.name: m for m in (
    Method("kmeans", _kmeans, "k-means, k by silhouette width (weights in the fit)"),
    Method("gmm", _gmm, "Gaussian mixture (diagonal), k by BIC (weights by resampling)"),
    Method("latent-class", _latent_class, "latent class analysis (StepMix), k by BIC; "
           "answers as they are, missing ones included", raw_answers=True),
    Method("hdbscan", _hdbscan, "HDBSCAN: finds the number of segments itself and leaves "
           "noise", finds_k=True),
    Method("agglomerative", _ward, "Ward hierarchical clustering, k by silhouette width; "
           "new respondents go to the nearest weighted centroid"),
)}


def method_names() -> tuple[str, ...]:
    """The names of every registered method."""
    return tuple(METHODS)


def register_method(name: str, factory: Factory, *, description: str = "",
                    finds_k: bool = False, raw_answers: bool = False,
                    replace: bool = False) -> Method:
    """Register a segmentation method under ``name`` (see the module docstring).

    Raises
    ------
    ValueError
        When ``name`` is empty or taken (and ``replace`` is False), or ``factory`` is not
        callable.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"a method needs a name, got {name!r}")
    if not callable(factory):
        raise ValueError(f"the factory of method '{name}' must be callable, got "
                         f"{type(factory).__name__}")
    if name in METHODS and not replace:
        raise ValueError(f"a method named '{name}' exists; pass replace=True to replace it")
    METHODS[name] = Method(name, factory, description, finds_k, raw_answers)
    return METHODS[name]


def make_segmenter(method: str, k: int | str, seed: int, min_size: float = 30.0,
                   min_share: float = 0.05) -> ClusterMixin:
    """The unfitted clusterer of a registered method for one tier.

    Raises
    ------
    ValueError
        When no method has that name.
    """
    if method not in METHODS:
        raise ValueError(f"segmentation method '{method}' is not known; use one of "
                         f"{', '.join(METHODS)}")
    return METHODS[method].factory(k, seed, min_size, min_share)
