"""Clusterers of our own, for the methods scikit-learn has no estimator for.

Both follow scikit-learn's conventions (``__init__`` stores parameters, ``fit``
validates, seeds, returns ``self``; fitted attributes end in ``_``) and fit one
partition: choosing k, weighting and placing respondents is
:class:`~noncustomers.segmentation.selection.ChooseK`'s job, the same for every method.

:class:`LatentClass`
    Latent class analysis (StepMix) with ``n_components`` classes; ``sample_weight``
    enters the EM; missing answers are handled by the model; ``bic``/``aic`` for
    choosing k.
:class:`DensitySegmenter`
    HDBSCAN with a minimum segment size that follows the tier's size; no
    ``predict`` (ChooseK places respondents by the nearest weighted centroid).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import HDBSCAN
from sklearn.utils.validation import check_is_fitted, validate_data

from noncustomers.segmentation.selection import checked_weights

__all__ = ["DensitySegmenter", "LatentClass"]


class DensitySegmenter(ClusterMixin, BaseEstimator):
    """HDBSCAN: the number of segments comes from the data; noise is labelled -1.

    Parameters
    ----------
    min_cluster_size : int or None
        None means ``max(10, n // 40)``.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
    n_clusters_ : int

    Notes
    -----
    The fitted HDBSCAN (which holds the training rows) is not kept.
    """

    def __init__(self, min_cluster_size: int | None = None) -> None:
        self.min_cluster_size = min_cluster_size

    def fit(self, X, y=None) -> DensitySegmenter:
        X = validate_data(self, X, dtype=np.float64)
        size = self.min_cluster_size or max(10, X.shape[0] // 40)
        if X.shape[0] < 3:  # HDBSCAN needs a few rows: each is its own noise point
            self.labels_ = np.full(X.shape[0], -1)
        else:
            self.labels_ = HDBSCAN(min_cluster_size=min(size, max(2, X.shape[0] - 1)),
                                   copy=True).fit_predict(X)
        self.n_clusters_ = int(np.unique(self.labels_[self.labels_ != -1]).size)
        return self


class LatentClass(ClusterMixin, BaseEstimator):
    """Latent class analysis (StepMix) with ``n_components`` classes.

    The measurement model follows the items: ``binary`` when every item is
    0/1, ``categorical`` when every item holds whole numbers with at most
    ``max_levels`` levels (recoded 0..L-1), ``continuous`` (latent profiles)
    otherwise.  ``sample_weight`` enters StepMix's EM; missing answers are
    handled by the model.  The training answers are never kept.

    Parameters
    ----------
    n_components : int, default=2
    max_levels : int, default=10
    n_init : int, default=1
    max_iter : int, default=300
    random_state : int or None

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
    measurement_ : str
        StepMix's measurement model.
    levels_ : ndarray
        The answer levels of a categorical measurement (absent otherwise).
    model_ : StepMix
    n_iter_ : int
        EM iterations of the best start.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.r_[np.zeros((40, 4)), np.ones((40, 4))]
    >>> LatentClass(n_components=2, random_state=0).fit(X).measurement_
    'binary_nan'
    """

    def __init__(self, n_components: int = 2, max_levels: int = 10, n_init: int = 1,
                 max_iter: int = 300, random_state=None) -> None:
        self.n_components = n_components
        self.max_levels = max_levels
        self.n_init = n_init
        self.max_iter = max_iter
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def _codes(self, X: np.ndarray) -> np.ndarray:
        if self.measurement_ != "categorical_nan":
            return X
        codes = np.clip(np.searchsorted(self.levels_, X), 0, len(self.levels_) - 1)
        return np.where(np.isnan(X), np.nan, codes).astype(float)

    def fit(self, X, y=None, sample_weight=None) -> LatentClass:
        from stepmix.stepmix import StepMix

        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan")
        if sample_weight is not None:
            sample_weight = checked_weights(sample_weight, X.shape[0])
        finite = X[~np.isnan(X)]
        self.measurement_ = "continuous_nan"
        if finite.size and np.isin(finite, (0.0, 1.0)).all():
            self.measurement_ = "binary_nan"
        elif finite.size and np.all(finite == np.round(finite)):
            levels = np.unique(finite)
            if levels.size <= self.max_levels:
                self.measurement_, self.levels_ = "categorical_nan", levels
        codes = self._codes(X)
        # EM stops on a relative change of 1e-6 in the log-likelihood: StepMix's default
        # (1e-10 absolute, 1000 iterations) took minutes per tier for no visible gain.
        self.model_ = StepMix(n_components=self.n_components, measurement=self.measurement_,
                              random_state=self.random_state, n_init=self.n_init,
                              abs_tol=1e-6, rel_tol=1e-6, max_iter=self.max_iter, verbose=0,
                              progress_bar=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # StepMix warns on slow convergence per restart
            self.model_.fit(codes, sample_weight=sample_weight)
            self.labels_ = np.asarray(self.model_.predict(codes))
        self.n_iter_ = int(self.model_.n_iter_)
        # StepMix keeps each training row's class probabilities: not needed to predict,
        # and a saved model holds no respondent's data.
        for name in ("log_resp_",):
            if hasattr(self.model_, name):
                delattr(self.model_, name)
        return self

    def _checked(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        X = validate_data(self, X, dtype=np.float64, reset=False, ensure_all_finite="allow-nan")
        return self._codes(X)

    def predict(self, X) -> np.ndarray:
        codes = self._checked(X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(self.model_.predict(codes))

    def bic(self, X) -> float:
        """Bayesian information criterion of the fitted model on ``X`` (lower is better)."""
        return float(self.model_.bic(self._checked(X)))

    def aic(self, X) -> float:
        """Akaike information criterion of the fitted model on ``X`` (lower is better)."""
        return float(self.model_.aic(self._checked(X)))
