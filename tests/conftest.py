"""Shared pytest fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

# =============================================================================================
# Core-library fixtures (used by test_rules, test_schema, test_panel, test_gaps,
# test_segmentation, test_cli).  Other fixture blocks may be added below this one; please keep
# the names in this block stable.
# =============================================================================================

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "sample_data"

# A tiny valid panel + schema: 6 respondents, two tiers, one rated attribute (1-5, with a
# schema-wide "don't know" code 9 and an attribute-specific "not applicable" code 6).
TINY_SCHEMA = """\
id = "rid"
weight = "w"
missing = [9]

[tiers]
customers  = "member == 'yes' and visits >= 4"
unexplored = "true"

[attributes]
price = { importance = "imp_price", performance = "perf_price", scale = [1, 5], label = "Low price", missing = [6] }

[segmentation]
basis = ["imp_*"]
k = "auto"
"""

TINY_CSV = """\
rid,w,member,visits,imp_price,perf_price
001,1,yes,5,5,4
002,2,yes,8,3,4
003,1,no,0,9,5
004,3,no,1,4,
005,1,no,,1,6
006,2,no,2,,3
"""


@pytest.fixture(scope="session")
def gym_panel_path() -> Path:
    """The 5,000-respondent sample panel (CSV)."""
    return SAMPLE_DIR / "gym_panel.csv"


@pytest.fixture(scope="session")
def gym_schema_path() -> Path:
    return SAMPLE_DIR / "gym_schema.toml"


@pytest.fixture(scope="session")
def gym_truth_path() -> Path:
    """Planted tier and segment of every sample respondent."""
    return SAMPLE_DIR / "gym_panel_truth.csv"


@pytest.fixture(scope="module")
def single_native_thread():
    """Run OpenMP/BLAS code on one thread for the duration of a module.

    scikit-learn's KMeans (hundreds of small fits per analysis) slows down about 15x when
    its OpenMP threads compete with another busy process for the CPU (e.g. a UMAP warm-up
    or a second test run on a 2-core machine); results are identical with any thread count.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


@pytest.fixture
def write_tiny_panel(tmp_path):
    """Return ``write(csv_text=TINY_CSV, schema_text=TINY_SCHEMA, name="panel.csv")``.

    It writes both files into a fresh folder under ``tmp_path`` and returns
    ``(panel_path, schema_path)``.  ``csv_text`` may be ``bytes`` (written as is).
    """
    counter = iter(range(10_000))

    def write(csv_text: str | bytes = TINY_CSV, schema_text: str = TINY_SCHEMA,
              name: str = "panel.csv") -> tuple[Path, Path]:
        folder = tmp_path / f"tiny{next(counter)}"
        folder.mkdir()
        panel_path = folder / name
        if isinstance(csv_text, bytes):
            panel_path.write_bytes(csv_text)
        else:
            panel_path.write_text(csv_text, encoding="utf-8")
        schema_path = folder / "schema.toml"
        schema_path.write_text(schema_text, encoding="utf-8")
        return panel_path, schema_path

    return write

# ============================== end of core-library fixtures ================================


# =============================================================================================
# Map and app fixtures (used by test_embedding, test_app).  umap-learn compiles its numba
# kernels on the first fit of every process (about a minute): the whole session shares one
# warm-up, so only the first UMAP test pays it.
# =============================================================================================


@pytest.fixture(scope="session")
def warm_umap():
    """Compile UMAP once for the test session."""
    from noncustomers.embedding import warm_umap as _warm

    _warm()


@pytest.fixture(scope="module")
def app_cwd():
    """The app runs from the project root; maps are computed in the test process."""
    import os

    old = os.environ.get("NONCUSTOMERS_MAP_WORKER")
    os.environ["NONCUSTOMERS_MAP_WORKER"] = "inline"
    cwd = os.getcwd()
    os.chdir(ROOT)
    yield
    os.chdir(cwd)
    if old is None:
        os.environ.pop("NONCUSTOMERS_MAP_WORKER", None)
    else:
        os.environ["NONCUSTOMERS_MAP_WORKER"] = old


def korn_graubard_wilson(indicator, weights):
    """Independent reference for a weighted share's 95% interval (tests only).

    The share's standard error from samplics' Taylor estimator (a survey package), the
    effective base ``p(1-p)/se^2`` (Korn & Graubard 1998; Kish's base when p is 0 or 1,
    capped at the number of answers) and Wilson's interval from statsmodels.
    """
    import warnings

    import numpy as np
    from statsmodels.stats.proportion import proportion_confint

    y = np.asarray(indicator, dtype=float)
    w = np.asarray(weights, dtype=float)
    ok = ~np.isnan(y)
    y, w = y[ok], w[ok]
    p = float(np.dot(y, w) / w.sum())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # samplics announces it is archived
        from samplics.estimation import TaylorEstimator
        from samplics.utils.types import PopParam

        est = TaylorEstimator(PopParam.mean)
        est.estimate(y=y, samp_weight=w)
        se = float(est.stderror)
    base = (p * (1 - p) / se ** 2 if 0 < p < 1 and se > 0
            else w.sum() ** 2 / float(np.dot(w, w)))
    base = min(base, float(len(y)))
    lo, hi = proportion_confint(p * base, base, alpha=0.05, method="wilson")
    return p, float(lo), float(hi)
