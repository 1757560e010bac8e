"""Coverage of the 95% intervals under survey weights that relate to the answers.

    .venv/bin/python benchmarks/interval_coverage.py [--reps 2000] [--n 600] [--seed 0]

A seeded simulation (the issue's set-up): a group that is 30% of the population is
sampled at a quarter of the rate of everyone else, so its members carry four times the
weight (times a little noise, as calibrated weights do), and it answers differently: its
ratings are higher and three times as spread, its top-box share is higher and it is far
more often a customer.  Each replicate draws a sample of ``n`` respondents, and the table
counts how often the interval covers the population value for

- the mean rating, a top-box share and a tier share,
- with the intervals the toolkit uses (Taylor / linearised variance; Wilson on the
  Korn-Graubard effective base for shares) and with the Kish design-effect intervals they
  replaced (weighted sd / sqrt(Kish n_eff); Wilson on Kish's n_eff).

Nominal coverage is 95%; with 2,000 replicates a coverage estimate has a standard error
of about 0.5 points.  Results: benchmarks/results/interval_coverage-<date>.txt.
"""

from __future__ import annotations

import argparse
import math
import platform
from datetime import date

import numpy as np

from noncustomers.analytics.weighted import (Z95, kish_n_eff, mean_interval, share_interval,
                                             taylor_share_interval, weighted_moments)

GROUP_SHARE = 0.3          # of the population
GROUP_SAMPLING = 0.25      # its sampling rate relative to everyone else
MEAN, SD = (4.0, 7.0), (1.0, 3.0)          # rating in the rest / in the group (0-10 scale)
TOP = 6.0                                   # top box: rating >= 6
CUSTOMER = (0.15, 0.60)                    # P(customer) in the rest / in the group


def truths() -> dict[str, float]:
    """Population values, from the model's formulas (no sampling)."""
    from scipy.stats import norm

    g = GROUP_SHARE
    mean = (1 - g) * MEAN[0] + g * MEAN[1]
    top = ((1 - g) * norm.sf(TOP, MEAN[0], SD[0]) + g * norm.sf(TOP, MEAN[1], SD[1]))
    customers = (1 - g) * CUSTOMER[0] + g * CUSTOMER[1]
    return {"mean rating": mean, "top-box share": top, "tier share": customers}


def draw(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    in_sample = GROUP_SHARE * GROUP_SAMPLING / (GROUP_SHARE * GROUP_SAMPLING + 1 - GROUP_SHARE)
    group = rng.random(n) < in_sample
    rating = np.where(group, rng.normal(MEAN[1], SD[1], n), rng.normal(MEAN[0], SD[0], n))
    customer = rng.random(n) < np.where(group, CUSTOMER[1], CUSTOMER[0])
    weight = np.where(group, 1 / GROUP_SAMPLING, 1.0) * rng.uniform(0.8, 1.2, n)
    return rating, customer.astype(float), weight


def kish_mean_interval(y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    mean, variance, n_eff = weighted_moments(y, w)
    half = Z95 * math.sqrt(variance / n_eff)
    return mean - half, mean + half


def kish_share_interval(x: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    return share_interval(float(np.dot(x, w) / w.sum()), kish_n_eff(w))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--n", type=int, default=600)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    truth = truths()
    hits = {(name, how): 0 for name in truth for how in ("taylor", "kish")}
    deff = []
    for _ in range(args.reps):
        rating, customer, w = draw(rng, args.n)
        top = (rating >= TOP).astype(float)
        deff.append(len(w) / kish_n_eff(w))
        for name, how, (lo, hi) in (
                ("mean rating", "taylor", mean_interval(rating, w)),
                ("mean rating", "kish", kish_mean_interval(rating, w)),
                ("top-box share", "taylor", taylor_share_interval(top, w)[1:]),
                ("top-box share", "kish", kish_share_interval(top, w)),
                ("tier share", "taylor", taylor_share_interval(customer, w)[1:]),
                ("tier share", "kish", kish_share_interval(customer, w))):
            hits[name, how] += lo <= truth[name] <= hi
    print(f"interval coverage, {args.reps} replicates of n = {args.n}, seed {args.seed}; "
          f"Kish design effect {np.mean(deff):.2f}; {date.today()} on {platform.machine()}, "
          f"Python {platform.python_version()}")
    print(f"{'figure':<15} {'truth':>7} {'Taylor (ours)':>14} {'Kish (before)':>14}")
    for name, value in truth.items():
        taylor = 100 * hits[name, "taylor"] / args.reps
        kish = 100 * hits[name, "kish"] / args.reps
        print(f"{name:<15} {value:>7.4f} {taylor:>13.1f}% {kish:>13.1f}%")
    print("nominal 95%; one replicate-set's standard error is about "
          f"{100 * math.sqrt(0.95 * 0.05 / args.reps):.1f} points")


if __name__ == "__main__":
    main()
