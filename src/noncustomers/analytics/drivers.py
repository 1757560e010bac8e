"""Drivers: which needs separate each non-customer tier from the customers.

For each non-customer tier, a survey-weighted logistic regression
(scikit-learn, L2 with ``C = 1``) predicts "in the tier" (1) against "customer"
(0) from the importance ratings (0-10; a missing rating takes the pair's
weighted mean, then each rating is standardised with weighted moments, so a
coefficient is the change in log-odds per standard deviation of importance).

- ``coefficient`` and ``odds_ratio = exp(coefficient)``: the direction; positive
  means the tier values the attribute more than customers do (``higher_among``);
- ``importance``: permutation importance, the rise in the model's weighted
  log-loss (nats per respondent) when the attribute's column is shuffled, mean
  of ``repeats`` shuffles; 0 = the model does not use it;
- ``*_lo``, ``*_hi``: 95% percentile intervals over ``n_boot`` bootstrap
  resamples of the respondents (each refit and re-permuted once, weights carried);
- ``rank``: by importance within the tier (1 = strongest driver).

The model's weighted in-sample AUC per tier goes to ``summary.json``: how well
needs alone tell the tier from customers.

Large panels: a tier and the customers together above :data:`MAX_ROWS` respondents are
modelled on a seeded sample of that many, stratified by side (the tier's share of the
sample is its share of the pair) and carrying the survey weights.  A logistic fit and
its bootstrap on 20,000 rows give the same ranks as on every row (``benchmarks/run.py``);
the intervals then describe a 20,000-row sample, wider than the full panel's would be,
never narrower.  ``n`` in the model summary is the pair's size, ``n_used`` the rows fitted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from noncustomers.analytics.prize import needs_matrix
from noncustomers.panel import Panel
from noncustomers.vocabulary import NON_CUSTOMER_TIERS

__all__ = ["DRIVER_COLUMNS", "permutation_log_loss", "tier_drivers"]

DRIVER_COLUMNS = ["tier", "attribute", "coefficient", "coefficient_lo", "coefficient_hi",
                  "odds_ratio", "importance", "importance_lo", "importance_hi", "higher_among",
                  "rank"]
MIN_PER_SIDE = 10  # fewer respondents than this on either side: no model for the tier
MAX_ROWS = 20_000  # above this, a stratified sample of the pair is modelled (see above)


def _stratified(y: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted row indices of a sample of ``size`` rows keeping each side's share of y."""
    picked = []
    for side in (0, 1):
        rows = np.flatnonzero(y == side)
        take = max(round(size * rows.size / y.size), min(rows.size, MIN_PER_SIDE))
        picked.append(rng.choice(rows, min(take, rows.size), replace=False))
    return np.sort(np.concatenate(picked))


def _prepare(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted-mean imputation, then weighted standardisation (constant columns -> 0)."""
    x = x.copy()
    for j in range(x.shape[1]):
        ok = ~np.isnan(x[:, j])
        mean = float(np.dot(x[ok, j], w[ok]) / w[ok].sum()) if ok.any() else 0.0
        x[~ok, j] = mean
        sd = float(np.sqrt(np.dot(w, (x[:, j] - mean) ** 2) / w.sum()))
        x[:, j] = (x[:, j] - mean) / sd if sd > 0 else 0.0
    return x


def _log_loss(scores: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted mean log-loss of logit ``scores`` (n,) or (n, m) for labels y (0/1)."""
    signed = np.where(y[:, None] == 1, -scores, scores) if scores.ndim == 2 else \
        np.where(y == 1, -scores, scores)
    loss = np.logaddexp(0.0, signed)  # -log p(y | score), numerically stable
    return np.tensordot(w, loss, axes=(0, 0)) / w.sum()


def permutation_log_loss(coef: np.ndarray, intercept: float, x: np.ndarray, y: np.ndarray,
                         w: np.ndarray, permutations: list[np.ndarray]) -> np.ndarray:
    """Mean rise in weighted log-loss when each column of ``x`` alone is permuted.

    For a linear logit, permuting column j changes every score by
    ``coef_j * (x[perm, j] - x[:, j])``, so all columns are scored in one array
    operation.  This is what :func:`sklearn.inspection.permutation_importance`
    with ``scoring="neg_log_loss"`` computes through ``predict_proba`` one column
    at a time; done here because the bootstrap calls it thousands of times
    (``benchmarks/drivers_permutation.py``: 40-60x faster on the sample panel, 0.2 s
    against 10-14 s per tier; the test suite checks that both give the same loss
    rise on the same shuffle).
    """
    base = x @ coef + intercept
    reference = float(_log_loss(base, y, w))
    rises = [_log_loss(base[:, None] + coef[None, :] * (x[perm] - x), y, w) - reference
             for perm in permutations]
    return np.mean(rises, axis=0)


def _fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, repeats: int,
         rng: np.random.Generator) -> tuple[np.ndarray, float, np.ndarray]:
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit(x, y, sample_weight=w)
    coef, intercept = model.coef_[0], float(model.intercept_[0])
    perms = [rng.permutation(len(y)) for _ in range(repeats)]
    return coef, intercept, permutation_log_loss(coef, intercept, x, y, w, perms)


def tier_drivers(panel: Panel, tiers: pd.Series, seed: int = 0, n_boot: int = 50,
                 repeats: int = 5, customers: str = "customers") -> tuple[pd.DataFrame, dict]:
    """The drivers table (see the module docstring) and the per-tier model summary.

    Returns
    -------
    table : DataFrame
        Columns :data:`DRIVER_COLUMNS`, tiers in canonical order, attributes by rank.
    models : dict
        tier -> ``{"auc", "n", "top"}`` (``top``: the three strongest drivers).
    """
    attributes = [a for a, attr in panel.schema.attributes.items() if attr.importance]
    needs = needs_matrix(panel, attributes)
    w_all = np.asarray(panel.weights, dtype=float)
    tier_values = tiers.to_numpy()
    rng = np.random.default_rng(seed)
    rows, models = [], {}
    for tier in NON_CUSTOMER_TIERS:
        in_tier, is_cust = tier_values == tier, tier_values == customers
        if in_tier.sum() < MIN_PER_SIDE or is_cust.sum() < MIN_PER_SIDE or not attributes:
            continue
        pair = np.flatnonzero(in_tier | is_cust)
        y = in_tier[pair].astype(int)
        if pair.size > MAX_ROWS:
            keep = _stratified(y, MAX_ROWS, rng)
            pair, y = pair[keep], y[keep]
        w = w_all[pair] / w_all[pair].mean()
        x = _prepare(needs[pair], w)
        coefs, intercept, importance = _fit(x, y, w, repeats, rng)
        boot_coef, boot_imp = [], []
        for _ in range(n_boot):
            idx = rng.integers(0, len(y), len(y))
            if y[idx].min() == y[idx].max():
                continue
            # one shuffle per resample: the resamples already average over shuffles
            c, _, imp = _fit(x[idx], y[idx], w[idx], 1, rng)
            boot_coef.append(c)
            boot_imp.append(imp)
        if boot_coef:
            c_lo, c_hi = np.percentile(np.array(boot_coef), [2.5, 97.5], axis=0)
            i_lo, i_hi = np.percentile(np.array(boot_imp), [2.5, 97.5], axis=0)
        else:
            c_lo = c_hi = i_lo = i_hi = np.full(len(attributes), np.nan)
        order = sorted(range(len(attributes)), key=lambda j: (-importance[j], attributes[j]))
        for rank, j in enumerate(order, start=1):
            rows.append((tier, attributes[j], coefs[j], c_lo[j], c_hi[j], float(np.exp(coefs[j])),
                         importance[j], i_lo[j], i_hi[j],
                         tier if coefs[j] > 0 else customers, rank))
        auc = roc_auc_score(y, x @ coefs + intercept, sample_weight=w)
        models[tier] = {"auc": round(float(auc), 6),
                        "n": int((in_tier | is_cust).sum()), "n_used": int(pair.size),
                        "top": [attributes[j] for j in order[:3]]}
    table = pd.DataFrame(rows, columns=DRIVER_COLUMNS)
    return table, models
