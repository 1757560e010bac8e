"""The map on answers with few levels: overlapping respondents jittered (seeded, bounded,
said), and the map's download holds exactly the x, y drawn (issue 13)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from noncustomers.analysis import map_matrix
from noncustomers.charts.map import map_view, plot_map
from noncustomers.embedding import JITTER, OVERLAP_SHARE, jitter_overlaps, map_coordinates
from noncustomers.export.tables import csv_bytes
from noncustomers.panel import read_panel

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def _yes_no(n: int = 2000, items: int = 4, seed: int = 1) -> np.ndarray:
    """PCA of yes/no answers: at most 2**items positions for n respondents."""
    answers = np.random.default_rng(seed).integers(0, 2, size=(n, items)).astype(float)
    return map_coordinates((answers - answers.mean(0)) / answers.std(0), "pca")


def _assignments(coordinates: np.ndarray) -> pd.DataFrame:
    n = len(coordinates)
    return pd.DataFrame({"respondent": [f"r{i}" for i in range(n)],
                         "tier": np.where(np.arange(n) % 2, "customers", "refusing"),
                         "segment": np.where(np.arange(n) % 2, "customers-1", "refusing-1"),
                         "x": coordinates[:, 0], "y": coordinates[:, 1]})


def test_jitter_is_seeded_bounded_and_counts_positions():
    exact = _yes_no()
    drawn = jitter_overlaps(exact, seed=7)
    assert drawn.jittered and drawn.respondents == 2000 and drawn.positions <= 16
    again = jitter_overlaps(exact, seed=7)
    np.testing.assert_array_equal(drawn.coordinates, again.coordinates)
    assert not np.array_equal(drawn.coordinates, jitter_overlaps(exact, seed=8).coordinates)
    span = np.ptp(exact, axis=0).max()
    moved = np.linalg.norm(drawn.coordinates - exact, axis=1)
    assert drawn.radius == pytest.approx(JITTER * span)
    assert moved.max() <= drawn.radius + 1e-12
    assert moved.max() > 0.9 * drawn.radius  # the stated bound is what is used
    assert len(np.unique(drawn.coordinates, axis=0)) == 2000  # nobody hidden any more
    assert "jittered by up to 2% of the map's span" in drawn.describe()
    assert f"{drawn.positions} distinct positions for 2,000 respondents" in drawn.describe()


def test_maps_without_heavy_overlap_are_left_alone():
    spread = np.random.default_rng(0).normal(size=(500, 2))
    few_ties = np.vstack([spread, spread[:50]])  # 50 of 550 hidden: under the threshold
    assert 50 / 550 < OVERLAP_SHARE
    for exact in (spread, few_ties):
        drawn = jitter_overlaps(exact, seed=0)
        assert not drawn.jittered
        np.testing.assert_array_equal(drawn.coordinates, exact)
    assert "exact positions" in jitter_overlaps(spread).describe()


def test_rows_without_a_position_stay_empty():
    exact = np.vstack([np.zeros((30, 2)), np.ones((30, 2)), np.full((5, 2), np.nan)])
    drawn = jitter_overlaps(exact, seed=0)
    assert drawn.respondents == 60 and drawn.positions == 2 and drawn.jittered
    assert np.isnan(drawn.coordinates[60:]).all() and np.isfinite(drawn.coordinates[:60]).all()


def test_the_download_is_the_map_drawn():
    view = map_view(_assignments(_yes_no()), seed=3, max_points=500)
    fig = plot_map(view, color_by="tier", method="pca")
    drawn = view.table[view.table["drawn"]]
    assert sum(len(trace.x) for trace in fig.data) == len(drawn) == 500
    for trace in fig.data:
        tier = trace.name.split(" (")[0]
        part = drawn[drawn["tier"] == tier]
        np.testing.assert_array_equal(trace.x, part["x"])
        np.testing.assert_array_equal(trace.y, part["y"])
    subtitle = fig.layout.title.text
    assert "jittered by up to 2%" in subtitle and "a random 500 of 2,000 shown" in subtitle
    written = pd.read_csv(io.BytesIO(csv_bytes(view.table)))
    assert list(written.columns) == ["respondent", "tier", "segment", "x", "y", "map_x", "map_y",
                                     "drawn"]
    np.testing.assert_allclose(written[["x", "y"]], view.table[["x", "y"]], atol=1e-6)
    # The same seed draws the same picture; jitter=False draws the exact positions.
    np.testing.assert_array_equal(map_view(_assignments(_yes_no()), seed=3).table["x"],
                                  map_view(_assignments(_yes_no()), seed=3).table["x"])
    exact = map_view(_assignments(_yes_no()), jitter=False).table
    np.testing.assert_array_equal(exact["x"], exact["map_x"])


def test_the_sample_map_is_drawn_exactly(gym_panel_path, gym_schema_path):
    panel = read_panel(gym_panel_path, gym_schema_path)
    view = map_view(_assignments(map_coordinates(map_matrix(panel), "pca")))
    assert not view.jitter.jittered and view.jitter.respondents == 5000
    np.testing.assert_array_equal(view.table["x"], view.table["map_x"])


@pytest.mark.skipif(not (DATA / "mcdonalds.csv").exists(), reason="../shared/data is absent")
def test_mcdonalds_yes_no_perceptions_are_spread():
    panel = read_panel(DATA / "mcdonalds.csv", ROOT / "docs" / "examples" / "mcdonalds.toml")
    exact = map_coordinates(map_matrix(panel), "pca")
    view = map_view(_assignments(exact), seed=0)
    assert view.jitter.jittered
    assert view.jitter.respondents == 1453 and view.jitter.positions < 300  # 264 here
    assert view.table[["x", "y"]].drop_duplicates().shape[0] == 1453
    assert "1,453 respondents" in view.jitter.describe()


def test_respondents_without_a_position_are_not_called_a_sample():
    exact = np.vstack([np.random.default_rng(0).normal(size=(100, 2)), np.full((3, 2), np.nan)])
    view = map_view(_assignments(exact))
    assert not view.sampled and view.table["drawn"].sum() == 100
    assert "random" not in plot_map(view, method="pca").layout.title.text
