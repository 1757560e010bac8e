"""Generate the synthetic sample panel: a fitness-club (gym) market survey.

Run ``python sample_data/generate_gym_panel.py`` (seeded: the output is the same
on every run).  It writes, next to this script:

- ``gym_panel.csv``        the panel (5,000 respondents), as a survey agency would deliver it;
- ``gym_panel_truth.csv``  the planted tier and segment of every respondent, for tests only.

What is planted (so that tests can check recovery):

* Tiers, exactly recoverable with ``gym_schema.toml``: customers are members visiting
  4+ times a month; soon-to-be are members who rarely go; refusing are lapsed members
  and people who considered joining and chose not to; unexplored never considered a gym.
* Segments within each tier, as distinct importance profiles (10 factors, 1-5).
* A blue-ocean story in the ratings (cf. the Curves case in Kim & Mauborgne):
  non-customers barely value the spa/pool the industry delivers well (eliminate),
  value the equipment range less than it is delivered (reduce), want a welcoming,
  non-intimidating atmosphere and contract flexibility that are under-delivered
  (raise), and value on-site childcare that hardly any club offers (create).
* A barrier shared across all three non-customer tiers: "gyms feel intimidating".
* Survey realities: post-stratification weights (young people over-sampled),
  performance asked only of people who have been members, "don't know" coded 9,
  "not applicable" coded 6 for childcare performance, and item non-response.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20261125
N = 5000
HERE = Path(__file__).resolve().parent

FACTORS = ["price", "equipment", "classes", "personal_training", "location", "opening_hours",
           "atmosphere", "flexibility", "spa", "childcare"]

# Mean importance (1-5) of customers and of non-customers.
BASE_IMPORTANCE = {
    "customers": [3.6, 4.3, 3.8, 3.4, 4.0, 4.0, 3.4, 3.2, 3.3, 2.2],
    "noncustomers": [4.0, 3.0, 3.5, 2.8, 3.8, 3.5, 4.4, 4.2, 1.8, 3.9],
}
# What members experience (1-5): the industry's offering.
INDUSTRY_PERFORMANCE = [3.8, 4.5, 3.8, 3.4, 3.9, 4.0, 2.6, 2.8, 4.2, 1.6]

SEPARATION = 1.4  # scales every segment offset below: how distinct the planted segments are

TIER_SHARES = {"customers": 0.22, "soon-to-be": 0.15, "refusing": 0.28, "unexplored": 0.35}

# Segments per tier: (name, share of tier, importance offsets on the 1-5 scale).
SEGMENTS: dict[str, list[tuple[str, float, dict[str, float]]]] = {
    "customers": [
        ("athletes", 0.45, {"personal_training": 1.3, "equipment": 0.5, "classes": -1.2, "price": -0.8}),
        ("class lovers", 0.35, {"classes": 1.2, "atmosphere": 0.8, "personal_training": -1.2, "equipment": -0.9}),
        ("bargain hunters", 0.20, {"price": 1.3, "spa": -1.3, "personal_training": -1.2, "opening_hours": 0.6}),
    ],
    "soon-to-be": [
        ("time-pressed", 0.60, {"opening_hours": 1.3, "location": 1.1, "price": -1.2}),
        ("price-squeezed", 0.40, {"price": 1.0, "opening_hours": -1.3, "location": -1.2}),
    ],
    "refusing": [
        ("burnt by contracts", 0.55, {"flexibility": 0.8, "price": 0.8, "classes": -1.2, "personal_training": -0.8}),
        ("home exercisers", 0.45, {"classes": 1.0, "personal_training": 1.2, "price": -1.2, "flexibility": -0.9}),
    ],
    "unexplored": [
        ("young parents", 0.40, {"childcare": 1.1, "opening_hours": 0.7, "personal_training": -1.0, "location": -0.8}),
        ("health seekers", 0.35, {"personal_training": 1.4, "location": 0.8, "childcare": -1.6, "price": -0.8}),
        ("not my thing", 0.25, {"classes": -1.2, "equipment": -1.0, "price": 0.9, "opening_hours": -0.9}),
    ],
}

# Share naming each reason for not being a (regular) member, per non-customer tier.
BARRIERS = {
    "barrier_intimidating": {"soon-to-be": 0.45, "refusing": 0.55, "unexplored": 0.50},
    "barrier_price": {"soon-to-be": 0.35, "refusing": 0.40, "unexplored": 0.20},
    "barrier_no_time": {"soon-to-be": 0.50, "refusing": 0.25, "unexplored": 0.15},
    "barrier_not_for_me": {"soon-to-be": 0.05, "refusing": 0.15, "unexplored": 0.55},
    "barrier_contract": {"soon-to-be": 0.30, "refusing": 0.45, "unexplored": 0.10},
}


def _ratings(rng: np.random.Generator, means: np.ndarray, sd: float = 0.6) -> np.ndarray:
    """Integer 1-5 answers around row-wise means, with a personal scale-use bias."""
    bias = rng.normal(0.0, 0.15, size=(means.shape[0], 1))
    raw = means + bias + rng.normal(0.0, sd, size=means.shape)
    return np.clip(np.rint(raw), 1, 5)


def generate(n: int = N, seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (panel, truth) for ``n`` respondents."""
    rng = np.random.default_rng(seed)
    tiers = rng.choice(list(TIER_SHARES), size=n, p=list(TIER_SHARES.values()))
    segment = np.empty(n, dtype=object)
    importance_means = np.empty((n, len(FACTORS)))
    for tier, segs in SEGMENTS.items():
        rows = np.flatnonzero(tiers == tier)
        shares = np.array([s[1] for s in segs])
        picks = rng.choice(len(segs), size=rows.size, p=shares / shares.sum())
        base = np.array(BASE_IMPORTANCE["customers" if tier == "customers" else "noncustomers"])
        for j, (name, _, offsets) in enumerate(segs):
            member_rows = rows[picks == j]
            segment[member_rows] = f"{tier}:{name}"
            shift = np.array([offsets.get(f, 0.0) for f in FACTORS]) * SEPARATION
            importance_means[member_rows] = base + shift

    # Demographics; the sample over-represents under-35s, which the weights correct.
    age = np.clip(rng.normal(np.where(tiers == "customers", 36, 44), 14), 18, 80).round().astype(int)
    young = age < 35
    gender = rng.choice(["female", "male", "non-binary"], size=n, p=[0.51, 0.47, 0.02])
    parents = np.where(segment == "unexplored:young parents", 0.85, 0.30)
    children = np.where(rng.random(n) < parents, "yes", "no")
    region = rng.choice(["North", "South", "East", "West", "Capital"], size=n,
                        p=[0.2, 0.2, 0.2, 0.15, 0.25])
    income = rng.choice(["under 25k", "25-50k", "50-75k", "75k+"], size=n,
                        p=[0.25, 0.35, 0.25, 0.15]).astype(object)
    income[rng.random(n) < 0.07] = "prefer not to say"
    weight = np.where(young, 0.75, 1.3) * np.exp(rng.normal(0, 0.15, n))
    weight = np.round(weight / weight.mean(), 4)

    member = np.isin(tiers, ["customers", "soon-to-be"])
    lapsed = (tiers == "refusing") & (rng.random(n) < 0.55)
    used = member | lapsed

    panel = pd.DataFrame({
        "respondent_id": [f"GYM{i:05d}" for i in range(1, n + 1)],
        "weight": weight,
        "age": age,
        "gender": gender,
        "region": region,
        "income": income,
        "children_at_home": children,
        "aware": np.where((tiers == "unexplored") & (rng.random(n) < 0.7), "no", "yes"),
        "considered": np.where(tiers == "unexplored", "no", "yes"),
        "ever_member": np.where(used, "yes", "no"),
        "current_member": np.where(member, "yes", "no"),
    })
    visits = np.where(tiers == "customers", rng.integers(4, 21, n), rng.integers(0, 4, n))
    panel["visits_per_month"] = pd.array(np.where(member, visits, -1), dtype="Int64")
    panel.loc[~member, "visits_per_month"] = pd.NA
    sat = np.clip(np.rint(rng.normal(np.where(tiers == "customers", 4.0, 2.8), 0.8)), 1, 5)
    cancel = np.clip(np.rint(rng.normal(np.where(tiers == "customers", 1.8, 3.6), 0.9)), 1, 5)
    panel["satisfaction"] = pd.array(np.where(member, sat, np.nan)).astype("Int64")
    panel["likely_to_cancel"] = pd.array(np.where(member, cancel, np.nan)).astype("Int64")
    since = np.where(member, rng.integers(0, 3, n), rng.integers(3, 37, n))
    panel["months_since_last_visit"] = pd.array(np.where(used, since, np.nan)).astype("Int64")
    spend = np.round(rng.gamma(4.0, 9.0, n) + np.where(tiers == "customers", 15, 0), 2)
    panel["monthly_spend"] = np.where(member, spend, np.nan)
    join = np.clip(np.rint(rng.normal(np.select(
        [tiers == "refusing", tiers == "unexplored"], [2.2, 1.6], 3.0), 0.9)), 1, 5)
    panel["likely_to_join_12m"] = pd.array(np.where(member, np.nan, join)).astype("Int64")

    for column, shares in BARRIERS.items():
        p = np.array([shares.get(t, 0.0) for t in tiers])
        asked = tiers != "customers"
        panel[column] = pd.array(np.where(asked, (rng.random(n) < p).astype(float), np.nan)).astype("Int64")
    p_child = np.where(children == "yes", 0.5, 0.02)
    panel["barrier_childcare"] = pd.array(np.where(tiers != "customers",
                                                   (rng.random(n) < p_child).astype(float),
                                                   np.nan)).astype("Int64")

    importance = _ratings(rng, importance_means)
    perf_means = np.tile(INDUSTRY_PERFORMANCE, (n, 1)) + np.where(
        tiers == "customers", 0.2, np.where(lapsed, -0.3, 0.0))[:, None]
    performance = _ratings(rng, perf_means, sd=0.6)
    performance[~used] = np.nan
    # Item non-response: "don't know" (9) and blanks.
    importance[rng.random(importance.shape) < 0.02] = 9
    importance[rng.random(importance.shape) < 0.015] = np.nan
    childcare = FACTORS.index("childcare")
    performance[used & (rng.random(n) < 0.08), childcare] = 6  # "not applicable"
    performance[rng.random(performance.shape) < 0.015] = np.nan
    for j, factor in enumerate(FACTORS):
        panel[f"imp_{factor}"] = pd.array(importance[:, j]).astype("Int64")
    for j, factor in enumerate(FACTORS):
        panel[f"perf_{factor}"] = pd.array(performance[:, j]).astype("Int64")

    truth = pd.DataFrame({"respondent_id": panel["respondent_id"], "tier": tiers,
                          "segment": segment})
    return panel, truth


def main() -> None:
    panel, truth = generate()
    panel.to_csv(HERE / "gym_panel.csv", index=False, lineterminator="\n")
    truth.to_csv(HERE / "gym_panel_truth.csv", index=False, lineterminator="\n")
    print(f"wrote {len(panel)} respondents to {HERE / 'gym_panel.csv'}")


if __name__ == "__main__":
    main()
