"""Segment stability by bootstrap (Dolnicar, Gruen & Leisch 2018; Hennig 2007).

Two measures, both on bootstrap samples of the respondents (seeded):

global stability of a k
    Fit the method with that k on B bootstrap samples, place every respondent
    with each fitted model (``predict``), and average the adjusted Rand index
    over all pairs of the B partitions. Near 1: the same segments come back.

segment stability (Hennig's clusterboot)
    For each bootstrap sample, refit and place the sampled respondents; for each
    original segment, take the best Jaccard similarity with any bootstrap segment
    over the sampled respondents, and average over the B runs. Hennig's reading:
    < 0.6 "unstable", 0.6-0.75 "doubtful", >= 0.75 "stable".
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations

import numpy as np
from sklearn.base import clone
from sklearn.metrics import adjusted_rand_score
from sklearn.utils import check_random_state
from sklearn.utils.validation import has_fit_parameter

__all__ = ["DEFAULT_RUNS", "global_stability", "segment_stability", "stability_label",
           "weight_params"]

DEFAULT_RUNS = 10


UNSTABLE, DOUBTFUL = 0.6, 0.75  # Hennig (2007): below 0.6 a segment "dissolves"


def stability_label(jaccard: float) -> str:
    """Hennig's verdict for a mean bootstrap Jaccard."""
    if np.isnan(jaccard):
        return "unknown"
    return "unstable" if jaccard < UNSTABLE else "doubtful" if jaccard < DOUBTFUL else "stable"


def _fit_predict(model, X, w, rows, predict_rows) -> np.ndarray:
    fitted = clone(model)
    fitted.fit(X[rows], **weight_params(fitted, w[rows] if w is not None else None))
    return fitted.predict(X[predict_rows])


def weight_params(model, w) -> dict:
    """``fit`` keyword arguments that pass the weights to every step that takes them."""
    if w is None:
        return {}
    if hasattr(model, "steps"):
        return {f"{name}__sample_weight": w for name, step in model.steps
                if has_fit_parameter(step, "sample_weight")}
    return {"sample_weight": w} if has_fit_parameter(model, "sample_weight") else {}


def segment_stability(model, X: np.ndarray, labels: np.ndarray, w: np.ndarray | None = None,
                      runs: int = DEFAULT_RUNS, seed: int = 0,
                      noise: object = None) -> dict[object, float]:
    """Mean best-match Jaccard of each segment over ``runs`` bootstrap refits.

    Parameters
    ----------
    model : estimator
        Unfitted (it is cloned); must have ``fit`` and ``predict``.
    X : ndarray
    labels : ndarray
        The segments found on the full data.
    w : ndarray, optional
        Survey weights, passed on to the refits.
    runs : int
    seed : int
    noise : label, optional
        A label (HDBSCAN's noise) that is not a segment and gets no stability.
    """
    rng = check_random_state(seed)
    n = len(labels)
    segments = [s for s in dict.fromkeys(labels.tolist()) if s != noise]
    scores: dict[object, list[float]] = {s: [] for s in segments}
    for _ in range(runs):
        rows = rng.choice(n, n, replace=True)
        boot = _fit_predict(model, X, w, rows, rows)
        original = labels[rows]
        for s in segments:
            members = original == s
            if not members.any():
                continue
            best = 0.0
            for b in np.unique(boot):
                other = boot == b
                union = np.sum(members | other)
                best = max(best, np.sum(members & other) / union if union else 0.0)
            scores[s].append(best)
    return {s: float(np.mean(v)) if v else float("nan") for s, v in scores.items()}


def global_stability(model_for_k: Callable[[int], object], X: np.ndarray, ks: list[int],
                     w: np.ndarray | None = None, runs: int = 10,
                     seed: int = 0) -> dict[int, float]:
    """Mean pairwise adjusted Rand index of bootstrap partitions, per k."""
    n = X.shape[0]
    out = {}
    for k in ks:
        rng = check_random_state(seed)
        everyone = np.arange(n)
        partitions = [_fit_predict(model_for_k(k), X, w, rng.choice(n, n, replace=True),
                                   everyone) for _ in range(runs)]
        pairs = [adjusted_rand_score(a, b) for a, b in combinations(partitions, 2)]
        out[k] = float(np.mean(pairs)) if pairs else float("nan")
    return out
