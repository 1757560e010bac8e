"""Beyond one machine (Dask): the same assignments, byte for byte, and the same figures.

A small local cluster (two threads of this process) reads the sample panel in several
partitions, as CSV and as a folder of Parquet files, and everything it gives is compared
with the single-machine path.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

# Dask's own Parquet reader, under pandas 3.1: not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning")

from noncustomers import analyze, read_panel
from noncustomers.analytics.commonalities import commonalities
from noncustomers.analytics.gaps import attribute_gaps, group_masks
from noncustomers.analytics.weighted import kish_n_eff, taylor_share_interval
from noncustomers.cli import main
from noncustomers.distributed import aggregate_figures, write_assignments
from noncustomers.errors import DataError
from noncustomers.export import OutputFolder, check_run
from noncustomers.io import read_survey
from noncustomers.model import load_model, save_model
from noncustomers.vocabulary import UNCLASSIFIED

BLOCK = 100_000  # bytes per CSV partition: the 0.57 MB sample panel in five partitions
CHEAP = {"seed": 0, "k": 3, "stability_runs": 0, "curve_resamples": 0, "driver_boot": 0,
         "map": None}


@pytest.fixture(scope="module")
def client(request):
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=None, silence_logs=logging.CRITICAL)
    client = distributed.Client(cluster, set_as_default=False)

    def close() -> None:
        client.close()
        cluster.close()

    request.addfinalizer(close)
    return client


def _fit(panel_path: Path, schema_path: Path, folder: Path) -> tuple[Path, bytes]:
    """A cheap model of the panel, and the single-machine assign's assignments.csv."""
    panel = read_panel(panel_path, schema_path)
    model = folder / "panel.model"
    save_model(analyze(panel, **CHEAP).model, panel.schema.text, model)
    assert main(["assign", str(panel_path), "--model", str(model), "--out",
                 str(folder / "single")]) == 0
    return model, (folder / "single" / "assignments.csv").read_bytes()


@pytest.fixture(scope="module")
def gym(gym_panel_path, gym_schema_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("gym")
    model, single = _fit(gym_panel_path, gym_schema_path, folder)
    frame, _ = read_survey(gym_panel_path, text_columns=("respondent_id",))
    parquet = folder / "parquet"
    parquet.mkdir()
    for i, start in enumerate(range(0, len(frame), 1300)):  # four files, read in name order
        frame.iloc[start:start + 1300].to_parquet(parquet / f"part-{i:03d}.parquet",
                                                   index=False)
    return model, single, parquet


def _distributed_assign(panel, model: Path, client, out: Path, rows: int = 5000,
                        block: int = BLOCK) -> bytes:
    with OutputFolder(out) as folder:
        placed = write_assignments(panel, load_model(model), client, folder, blocksize=block)
        folder.publish()
    check_run(out)  # the folder appeared whole, with its manifest
    assert placed == rows
    return (out / "assignments.csv").read_bytes()


def test_assign_in_partitions_writes_the_single_machine_file(gym, gym_panel_path, client,
                                                              tmp_path):
    model, single, parquet = gym
    assert _distributed_assign(gym_panel_path, model, client, tmp_path / "csv") == single
    assert _distributed_assign(parquet, model, client, tmp_path / "parquet") == single
    # The command line on a running scheduler (here the test's cluster).
    assert main(["assign", str(gym_panel_path), "--model", str(model), "--out",
                 str(tmp_path / "cli"), "--scheduler", client.scheduler.address]) == 0
    assert (tmp_path / "cli" / "assignments.csv").read_bytes() == single


def _single_machine(panel_path: Path, model: Path):
    panel = read_panel(panel_path, load_model(model).schema)
    placed = load_model(model).predict(panel)
    tiers, segments = placed["tier"], placed["segment"]
    order = panel.schema.tier_names + ([UNCLASSIFIED] if (tiers == UNCLASSIFIED).any() else [])
    gaps = attribute_gaps(panel, group_masks(tiers, segments, order), derived_boot=0)
    return panel, tiers, gaps, commonalities(panel, tiers)


def _same(expected: pd.DataFrame, found: pd.DataFrame) -> None:
    """Equal text columns; figures within 1e-9 (sums taken in another order), NaN alike."""
    assert list(found.columns) == list(expected.columns)
    assert len(found) == len(expected)
    for column in expected.columns:
        if pd.api.types.is_numeric_dtype(expected[column]) and not pd.api.types.is_bool_dtype(
                expected[column]):
            np.testing.assert_allclose(found[column].to_numpy(dtype=float),
                                       expected[column].to_numpy(dtype=float),
                                       rtol=0, atol=1e-9, err_msg=column)
        else:
            assert found[column].tolist() == expected[column].tolist(), column


def test_figures_on_the_cluster_equal_the_single_machine_figures(gym, gym_panel_path,
                                                                  gym_schema_path, client):
    model, _, _ = gym
    panel, tiers, gaps, common = _single_machine(gym_panel_path, model)
    figures = aggregate_figures(gym_panel_path, load_model(model), client, blocksize=BLOCK)
    _same(gaps, figures.gaps)  # all, tiers and segments, intervals included
    _same(common, figures.commonalities)
    w = panel.weights
    assert figures.n == len(panel)
    assert figures.weighted_n == pytest.approx(w.sum(), abs=1e-9)
    assert figures.n_eff == pytest.approx(kish_n_eff(w), abs=1e-9)
    for tier, row in figures.tiers.iterrows():
        mask = (tiers == tier).to_numpy()
        share = taylor_share_interval(mask.astype(float), w)
        assert row[["share", "share_lo", "share_hi"]].tolist() == pytest.approx(
            share, abs=1e-9, nan_ok=True)
        assert row["n"] == mask.sum()
        assert row["n_eff"] == pytest.approx(kish_n_eff(w[mask]), abs=1e-9)
    # With the schema alone: tiers only (no segments).
    by_schema = aggregate_figures(gym_panel_path, gym_schema_path, client, blocksize=BLOCK)
    _same(gaps[gaps["group"].isin(["all", *panel.schema.tier_names])].reset_index(drop=True),
          by_schema.gaps)
    _same(common, by_schema.commonalities)


def test_row_numbers_multi_answers_and_text_basis_across_partitions(gym_panel_path,
                                                                     gym_schema_path, client,
                                                                     tmp_path):
    # What a partition alone would read otherwise than the whole file: id = "@row" (row
    # numbers run on across partitions), a multi-response answer given only in the last
    # partition, a yes/no column with blanks in a tier rule, and text basis columns whose
    # rare level the first partitions lack.
    frame = pd.read_csv(gym_panel_path).drop(columns="respondent_id").head(2000)
    reasons = [c for c in frame.columns if c.startswith("barrier_")]
    given = np.array([np.where(frame[c] == 1, c[len("barrier_"):] + ";", "") for c in reasons],
                     dtype=object).sum(axis=0)
    frame["why_not"] = pd.Series(given, dtype=object).str.rstrip(";")
    frame.loc[(frame["why_not"] == "") | frame[reasons[0]].isna(), "why_not"] = None
    frame.loc[1990:, "why_not"] = "weather"
    frame["member_flag"] = np.where(frame["current_member"] == "yes", "True", "False")
    frame.loc[frame.index % 97 == 0, "member_flag"] = ""
    frame.loc[:1000, "gender"] = frame.loc[:1000, "gender"].replace("non-binary", "female")
    panel_path = tmp_path / "panel.csv"
    frame.to_csv(panel_path, index=False)
    text = (gym_schema_path.read_text(encoding="utf-8")
            .replace('id = "respondent_id"', 'id = "@row"')
            .replace("customers  = \"current_member == 'yes' and",
                     "customers  = \"member_flag == true and")
            .replace('basis = ["imp_*"]', 'basis = ["imp_*", "gender", "region"]')
            .replace('columns = ["barrier_*"]', 'columns = ["barrier_*"]\nmulti = "why_not"'))
    schema_path = tmp_path / "schema.toml"
    schema_path.write_text(text, encoding="utf-8")
    model, single = _fit(panel_path, schema_path, tmp_path)
    block = 50_000  # about five partitions
    assert _distributed_assign(panel_path, model, client, tmp_path / "dist", 2000,
                               block) == single
    _, _, gaps, common = _single_machine(panel_path, model)
    figures = aggregate_figures(panel_path, load_model(model), client, blocksize=block)
    _same(gaps, figures.gaps)
    _same(common, figures.commonalities)
    assert "why_not=weather" in set(figures.commonalities["item"])


def test_a_missing_column_is_one_line_and_exit_2(gym, gym_panel_path, tmp_path, capsys):
    model, _, _ = gym
    panel = tmp_path / "panel.csv"
    pd.read_csv(gym_panel_path).drop(columns="imp_price").to_csv(panel, index=False)
    # Found on the header, before any cluster is started.
    assert main(["assign", str(panel), "--model", str(model), "--out", str(tmp_path / "out"),
                 "--workers", "2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'imp_price'" in err[0] and "is not in" in err[0]
    assert not (tmp_path / "out").exists()


def test_a_bad_value_in_one_partition_names_it(gym, gym_panel_path, client, tmp_path):
    model, _, _ = gym
    frame = pd.read_csv(gym_panel_path, dtype={"respondent_id": str})
    frame.loc[4000, "weight"] = 0
    panel = tmp_path / "panel.csv"
    frame.to_csv(panel, index=False)
    with pytest.raises(DataError, match=r"panel.csv \(partition (\d) of (\d)\): column "
                                        r"'weight' \(weight\) is 0 in data row \d+ "
                                        r"\(id GYM04001\)") as raised:
        aggregate_figures(panel, load_model(model), client, blocksize=BLOCK)
    number, of = re.search(r"partition (\d) of (\d)", str(raised.value)).groups()
    assert 1 < int(number) <= int(of)
