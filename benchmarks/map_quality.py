"""How faithful the UMAP map stays when most rows are placed by their neighbours.

``noncustomers`` fits UMAP on a seeded sample of 10,000 rows and places every other row
at the inverse-distance weighted mean of its 5 nearest fitted rows in the basis space
(``noncustomers.embedding.place_by_neighbours``).  This script compares, on the sample
panel's generator at ``--size`` rows (default 20,000, where a full fit still runs):

- a full UMAP fit on every row (the reference),
- the toolkit's map (sample fit on its exact neighbour graph + neighbours),
- the same with umap-learn's own approximate neighbour graph (pynndescent), as the
  toolkit did before 2026-12-02,
- a sample fit + ``UMAP.transform`` for the rest (umap-learn's own way),

by wall time and by ``sklearn.manifold.trustworthiness`` (how well each map keeps the
nearest neighbours of the basis space; 1 = perfectly), computed on the same seeded
4,000 rows for every map.  Prints a table.  Not part of ``make test``.

    .venv/bin/python benchmarks/map_quality.py [--size 20000]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.manifold import trustworthiness

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "sample_data"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--fit", type=int, default=10_000, help="rows UMAP is fitted on")
    args = parser.parse_args()

    import umap
    from generate_gym_panel import generate

    from noncustomers.analysis import map_matrix
    from noncustomers.embedding import map_coordinates, warm_umap
    from noncustomers.panel import panel_from_frame
    from noncustomers.schema import load_schema

    frame, _ = generate(args.size, 3)
    panel = panel_from_frame(frame, load_schema(ROOT / "sample_data" / "gym_schema.toml"))
    X = map_matrix(panel)
    warm_umap()  # compilation is not what is compared
    rng = np.random.default_rng(0)
    judged = np.sort(rng.choice(len(X), min(4000, len(X)), replace=False))

    rows = []

    def record(name: str, make) -> None:
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            coords = make()
        seconds = time.perf_counter() - start
        trust = trustworthiness(X[judged], coords[judged], n_neighbors=10)
        rows.append((name, seconds, trust))

    def full_fit():
        return umap.UMAP(n_components=2, n_neighbors=15, min_dist=0.1, random_state=0,
                         n_jobs=1, force_approximation_algorithm=True).fit_transform(X)

    def approximate_graph():
        # The toolkit's own path, with the neighbour graph left to umap-learn: UMAP's
        # default precomputed_knn=(None, None, None) makes it search with pynndescent.
        from noncustomers import embedding

        exact = embedding.exact_neighbours
        embedding.exact_neighbours = lambda X, k: (None, None, None)
        try:
            return map_coordinates(X, "umap", seed=0, max_fit=args.fit)
        finally:
            embedding.exact_neighbours = exact

    def sample_transform():
        fit = np.sort(np.random.default_rng(0).choice(len(X), args.fit, replace=False))
        model = umap.UMAP(n_components=2, n_neighbors=15, min_dist=0.1, random_state=0,
                          n_jobs=1, force_approximation_algorithm=True)
        out = np.empty((len(X), 2))
        out[fit] = model.fit_transform(X[fit])
        rest = np.setdiff1d(np.arange(len(X)), fit)
        out[rest] = model.transform(X[rest])
        return out

    record(f"full UMAP fit on {len(X):,} rows (reference)", full_fit)
    record(f"noncustomers: fit {args.fit:,} + 5 nearest neighbours",
           lambda: map_coordinates(X, "umap", seed=0, max_fit=args.fit))
    record("the same on pynndescent's approximate graph", approximate_graph)
    record(f"fit {args.fit:,} + UMAP.transform", sample_transform)
    reference = rows[0][2]
    print(f"# UMAP map quality, {len(X):,} respondents x {X.shape[1]} basis columns "
          f"(trustworthiness on 4,000 rows, 10 neighbours)\n")
    print("| map | seconds | trustworthiness | vs full fit |")
    print("|---|---:|---:|---:|")
    for name, seconds, trust in rows:
        print(f"| {name} | {seconds:.1f} | {trust:.4f} | {trust - reference:+.4f} |")


if __name__ == "__main__":
    main()
