"""Segmentation methods on the synthetic gym panel: wall time and recovery of planted segments.

Run ``.venv/bin/python benchmarks/segmentation_methods.py`` (``--sizes 10000`` for a
quick run).  Prints a table; asserts nothing.

For every panel size it generates the seeded synthetic panel
(``sample_data/generate_gym_panel.py``), builds the Panel with
``sample_data/gym_schema.toml``, assigns tiers, and then times

* every method of :data:`noncustomers.schema.METHODS` through
  :func:`noncustomers.segmentation.segment_tiers` (``seed=0``, ``stability_runs=0``,
  ``k="auto"``; latent-class gets a fixed k, see below);
* two "obvious alternatives used directly", fitted tier by tier with k = the planted
  number of segments of the tier:

  - kmodes ``KPrototypes``: the 10 importance items as *numeric* columns (1-5, the
    "don't know" code 9 and blanks replaced by the tier's median, unscaled: all items
    share the 1-5 scale) plus the categorical demographics of the schema's profile
    (gender, children_at_home, income; age is left out, it would dominate the
    unscaled squared distance).  ``init="Cao"``, ``n_init=1``, ``random_state=0``,
    default ``gamma``.  k-prototypes refuses all-categorical data, so "importance as
    categorical" would need a numeric column anyway.
  - StepMix: ``measurement="categorical_nan"`` on the importance items recoded 0..4,
    NaN for "don't know" and blanks; ``random_state=0``; StepMix's own defaults
    otherwise (``max_iter=1000``, ``abs_tol=1e-10``), progress bar off.

  Both get the survey weights as ``sample_weight`` (segment_tiers honours them too).

Columns: seconds of wall time (``time.perf_counter``) of the segmentation call alone
(panel building and tiering are reported once per size); the ratio to
noncustomers' kmeans at the same n; ARI = adjusted Rand index of the labels (tier
prefix makes them unique across tiers) against the planted ``segment`` over all
respondents, unweighted; "ARI in tier" = the mean of the per-tier ARIs weighted by tier
size (the tiers are recovered exactly, which lifts the overall ARI); segments = the
number of segments found (HDBSCAN noise not counted).

An alternative whose estimated time at a size exceeds ``--max-seconds`` (default 600)
is skipped with a note.  The estimate scales the last smaller size's time by
``(n / n_prev) ** p`` with p = 2 for k-prototypes (its pure-Python loop also needs
more passes on bigger data: quadratic-ish in practice) and p = 1.2 for StepMix (EM
is linear per iteration; iteration counts creep up).  Without a smaller size in the
same run, a 10,000-respondent probe is timed first.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "sample_data"))

from generate_gym_panel import SEGMENTS, generate  # noqa: E402

from noncustomers.panel import panel_from_frame  # noqa: E402
from noncustomers.schema import METHODS, load_schema  # noqa: E402
from noncustomers.segmentation import segment_tiers  # noqa: E402
from noncustomers.tiers import assign_tiers  # noqa: E402

SEED = 0  # of the panel generator and of every method
PLANTED_K = {tier: len(segs) for tier, segs in SEGMENTS.items()}
LATENT_CLASS_K = 3  # segment_tiers takes one k for every tier
CATEGORICAL = ["gender", "children_at_home", "income"]
MISSING_CODES = (9,)
EXPONENT = {"kmodes KPrototypes (direct)": 2.0, "StepMix categorical (direct)": 1.2}
PROBE_N = 10_000


def importance_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c.startswith("imp_")]


def importance_matrix(frame: pd.DataFrame) -> np.ndarray:
    """Importance answers as floats, NaN for missing codes and blanks."""
    X = frame[importance_columns(frame)].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    X[np.isin(X, MISSING_CODES)] = np.nan
    return X


def run_kprototypes(frame: pd.DataFrame, tiers: pd.Series, w: np.ndarray) -> np.ndarray:
    from kmodes.kprototypes import KPrototypes

    imp = importance_matrix(frame)
    cats = frame[CATEGORICAL].astype(str).to_numpy(dtype=object)
    labels = np.empty(len(frame), dtype=object)
    for tier, k in PLANTED_K.items():
        rows = np.flatnonzero(tiers.to_numpy() == tier)
        if rows.size == 0:
            continue
        num = imp[rows]
        num = np.where(np.isnan(num), np.nanmedian(num, axis=0), num)
        X = np.concatenate([num.astype(object), cats[rows]], axis=1)
        cat_idx = list(range(num.shape[1], X.shape[1]))
        model = KPrototypes(n_clusters=k, init="Cao", n_init=1, random_state=0)
        raw = model.fit_predict(X, categorical=cat_idx, sample_weight=w[rows])
        labels[rows] = [f"{tier}:{c}" for c in raw]
    return labels


def run_stepmix(frame: pd.DataFrame, tiers: pd.Series, w: np.ndarray) -> np.ndarray:
    from stepmix.stepmix import StepMix

    codes = importance_matrix(frame) - 1.0  # 1..5 -> 0..4, NaN stays NaN
    labels = np.empty(len(frame), dtype=object)
    for tier, k in PLANTED_K.items():
        rows = np.flatnonzero(tiers.to_numpy() == tier)
        if rows.size == 0:
            continue
        model = StepMix(n_components=k, measurement="categorical_nan", random_state=0,
                        verbose=0, progress_bar=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence warnings are part of "direct use"
            model.fit(codes[rows], sample_weight=w[rows])
            raw = model.predict(codes[rows])
        labels[rows] = [f"{tier}:{c}" for c in raw]
    return labels


ALTERNATIVES = {"kmodes KPrototypes (direct)": run_kprototypes,
                "StepMix categorical (direct)": run_stepmix}


def scores(labels: np.ndarray, truth: pd.DataFrame, tiers: np.ndarray) -> tuple[float, float, int]:
    labels = np.asarray(labels, dtype=str)
    segment = truth["segment"].to_numpy(dtype=str)
    overall = adjusted_rand_score(segment, labels)
    parts, sizes = [], []
    for tier in np.unique(tiers):
        rows = tiers == tier
        parts.append(adjusted_rand_score(segment[rows], labels[rows]))
        sizes.append(rows.sum())
    within = float(np.average(parts, weights=sizes))
    found = len({lab for lab in labels if not lab.endswith("-noise")})
    return float(overall), within, found


def prepare(n: int, schema):
    t0 = time.perf_counter()
    frame, truth = generate(n, SEED)
    t1 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = panel_from_frame(frame, schema, source=f"synthetic gym panel n={n}")
    t2 = time.perf_counter()
    tiers = assign_tiers(panel)
    t3 = time.perf_counter()
    return frame, truth, panel, tiers, (t1 - t0, t2 - t1, t3 - t2)


def header() -> None:
    versions = ", ".join(f"{p} {md.version(p)}" for p in
                         ("noncustomers", "scikit-learn", "stepmix", "kmodes", "numpy"))
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"# segmentation methods on the synthetic gym panel, {time.strftime('%Y-%m-%d %H:%M')}, "
          f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"# {versions}; load average at start {load}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--max-seconds", type=float, default=600.0,
                        help="skip an alternative whose estimated time exceeds this")
    args = parser.parse_args(argv)

    header()
    schema = load_schema(ROOT / "sample_data" / "gym_schema.toml")
    cols = f"{'n':>8}  {'method':<30}{'seconds':>9}{'vs kmeans':>11}{'ARI':>8}" \
           f"{'ARI in tier':>13}{'segments':>10}"
    notes: list[str] = []
    last_time: dict[str, tuple[int, float]] = {}
    for n in sorted(args.sizes):
        frame, truth, panel, tiers, (t_gen, t_panel, t_tier) = prepare(n, schema)
        tier_arr = tiers.to_numpy(dtype=str)
        agree = float(np.mean(tier_arr == truth["tier"].to_numpy(dtype=str)))
        print()
        print(f"## n = {n:,}: generate {t_gen:.1f} s, panel_from_frame {t_panel:.1f} s, "
              f"assign_tiers {t_tier:.2f} s; tiers match the planted ones for {agree:.2%}; "
              f"tier sizes " + ", ".join(f"{t} {c:,}" for t, c in tiers.value_counts().items()))
        print(cols)
        print("-" * len(cols))
        kmeans_time = None
        for method in METHODS:
            k = LATENT_CLASS_K if method == "latent-class" else "auto"
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                seg = segment_tiers(panel, tiers, method=method, seed=SEED, stability_runs=0, k=k)
            seconds = time.perf_counter() - t0
            if method == "kmeans":
                kmeans_time = seconds
            ari, within, found = scores(seg.labels.to_numpy(dtype=str), truth, tier_arr)
            name = f"noncustomers {method}" + (f" (k={k})" if k != "auto" else "")
            print(f"{n:>8}  {name:<30}{seconds:>9.2f}{seconds / kmeans_time:>10.1f}x"
                  f"{ari:>8.3f}{within:>13.3f}{found:>10}", flush=True)
            if method == "hdbscan":
                noise = float(np.mean(seg.labels.str.endswith("-noise")))
                notes.append(f"n={n:,}: hdbscan labelled {noise:.1%} of respondents noise "
                             "(one '<tier>-noise' label per tier in the ARI)")
            per_tier = {t: int(np.unique([lab for lab in seg.labels[tiers == t]
                                          if not lab.endswith("-noise")]).size)
                        for t in PLANTED_K}
            if method != "latent-class":
                notes.append(f"n={n:,}: {method} segments per tier {per_tier} "
                             f"(planted {PLANTED_K})")
        for name, run in ALTERNATIVES.items():
            previous = last_time.get(name)
            if previous is None and n > PROBE_N:
                probe = prepare(PROBE_N, schema)
                t0 = time.perf_counter()
                run(probe[0], probe[3], probe[2].weights)
                previous = (PROBE_N, time.perf_counter() - t0)
                notes.append(f"n={n:,}: {name} probe at n={PROBE_N:,} took {previous[1]:.1f} s")
            if previous is not None:
                estimate = previous[1] * (n / previous[0]) ** EXPONENT[name]
                if estimate > args.max_seconds:
                    print(f"{n:>8}  {name:<30}  skipped: estimated {estimate / 60:.0f} min from "
                          f"{previous[1]:.1f} s at n={previous[0]:,} "
                          f"(time ~ n^{EXPONENT[name]:g})", flush=True)
                    continue
            t0 = time.perf_counter()
            labels = run(frame, tiers, panel.weights)
            seconds = time.perf_counter() - t0
            last_time[name] = (n, seconds)
            ari, within, found = scores(labels, truth, tier_arr)
            print(f"{n:>8}  {name:<30}{seconds:>9.2f}{seconds / kmeans_time:>10.1f}x"
                  f"{ari:>8.3f}{within:>13.3f}{found:>10}", flush=True)

    print()
    print("Notes")
    print(f"- segment_tiers takes one k for all tiers, so latent-class runs with "
          f"k={LATENT_CLASS_K} in every tier; the planted k is {PLANTED_K} "
          "(the direct alternatives use it).")
    print("- noncustomers methods: k='auto' (2..8; kmeans/agglomerative by silhouette, "
          "gmm by BIC), seed=0, stability_runs=0, weights honoured; basis = imp_* "
          "(median-imputed and standardised, except latent-class, which sees the raw answers).")
    print("- KPrototypes: importance items numeric (tier-median imputation, unscaled) + gender, "
          "children_at_home, income categorical; default gamma; init='Cao', n_init=1.")
    print("- StepMix direct: categorical_nan on imp_* recoded 0..4 (NaN = 9 or blank), StepMix "
          "defaults (max_iter=1000, abs_tol=1e-10, rel_tol=0).")
    print("- Both alternatives get k = planted k per tier and the survey weights; their labels "
          "are prefixed by the tier.  Thread settings are left at their defaults (the "
          "noncustomers estimators limit native threads to 1 inside their fits).")
    for note in notes:
        print(f"- {note}")


if __name__ == "__main__":
    main()
