"""Permutation importance of the drivers model: ours (one array operation per shuffle)
against scikit-learn's permutation_importance (scoring="neg_log_loss"), on the sample panel.

    .venv/bin/python benchmarks/drivers_permutation.py

Prints one row per (tier, method) with the time of one full drivers bootstrap's worth of
permutation scoring (1 + 50 fits x 5 shuffles), the ratio, and the largest difference
between the two importance vectors of the last round (the two draw different shuffles, so
it is shuffle noise; tests/test_blue_ocean.py checks equality on the same shuffle).
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression

from noncustomers import read_panel
from noncustomers.analytics.drivers import _prepare, permutation_log_loss
from noncustomers.analytics.prize import needs_matrix
from noncustomers.sample import sample_paths
from noncustomers.tiers import assign_tiers

REPEATS, FITS = 5, 51


def main() -> None:
    panel_path, schema_path = sample_paths()
    panel = read_panel(panel_path, schema_path)
    tiers = assign_tiers(panel).to_numpy()
    attributes = [a for a, attr in panel.schema.attributes.items() if attr.importance]
    needs = needs_matrix(panel, attributes)
    print(f"{'tier':<12} {'method':<34} {'seconds':>8} {'ratio':>6} {'max |diff|':>11}")
    for tier in ("soon-to-be", "refusing", "unexplored"):
        pair = (tiers == tier) | (tiers == "customers")
        y = (tiers[pair] == tier).astype(int)
        w = panel.weights[pair] / panel.weights[pair].mean()
        x = _prepare(needs[pair], w)
        model = LogisticRegression(C=1.0, max_iter=1000).fit(x, y, sample_weight=w)
        rng = np.random.default_rng(0)
        start = time.perf_counter()
        for _ in range(FITS):
            perms = [rng.permutation(len(y)) for _ in range(REPEATS)]
            ours = permutation_log_loss(model.coef_[0], model.intercept_[0], x, y, w, perms)
        t_ours = time.perf_counter() - start
        start = time.perf_counter()
        for i in range(FITS):
            theirs = permutation_importance(model, x, y, scoring="neg_log_loss",
                                            n_repeats=REPEATS, random_state=i,
                                            sample_weight=w).importances_mean
        t_sklearn = time.perf_counter() - start
        print(f"{tier:<12} {'vectorised (noncustomers)':<34} {t_ours:>8.2f} {1.0:>6.1f} "
              f"{'':>11}")
        print(f"{tier:<12} {'sklearn permutation_importance':<34} {t_sklearn:>8.2f} "
              f"{t_sklearn / t_ours:>6.1f} {float(np.max(np.abs(theirs - ours))):>11.4f}")


if __name__ == "__main__":
    main()
