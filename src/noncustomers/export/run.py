"""The files of one run: the tables, summary.json, config.toml and, on request, the charts.

:func:`run_files` is what ``noncustomers analyze`` writes and what the app's download
buttons serve (byte-identical: the same function builds both); :func:`write_run`
writes them as one complete folder.  The :class:`~noncustomers.analysis.Analysis`
holds the results; turning them into files happens only here.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from noncustomers.export.folder import OutputFolder
from noncustomers.export.tables import csv_bytes, json_bytes

if TYPE_CHECKING:
    from noncustomers.analysis import Analysis

__all__ = ["CHARTS_FOLDER", "OUTPUT_FILES", "chart_files", "named", "run_files", "write_run"]

#: The files of every run (the foundation contract; new files are appended).
OUTPUT_FILES = ("assignments.csv", "gaps.csv", "summary.json", "profiles.csv",
                "differences.csv", "commonalities.csv", "drivers.csv", "canvas.csv",
                "config.toml")
#: Subfolder of the charts written by ``--charts``.
CHARTS_FOLDER = "charts"

_TABLES = {"gaps.csv": "gaps", "profiles.csv": "profiles", "differences.csv": "differences",
           "commonalities.csv": "commonalities", "drivers.csv": "drivers",
           "canvas.csv": "canvas"}
#: Tables with a row per segment (among others): the column holding the segment id; a
#: ``name`` column (the segment's name, empty on rows of ``all`` and the tiers) follows
#: the others.
_NAMED = {"gaps.csv": "group", "profiles.csv": "segment", "differences.csv": "group"}


def named(table: pd.DataFrame, column: str, names: dict[str, str]) -> pd.DataFrame:
    """``table`` with a ``name`` column appended: the name of the segment in ``column``
    (``Analysis.segment_names``), empty on rows that are not a segment."""
    if column not in table.columns or "name" in table.columns:
        return table
    values = table[column].to_numpy(dtype=object)
    return table.assign(name=pd.Series([names.get(v, "") for v in values], index=table.index,
                                       dtype=object))


def run_files(analysis: Analysis, summary: dict[str, Any] | None = None) -> dict[str, bytes]:
    """Every output file of the run, by name (:data:`OUTPUT_FILES`).

    ``summary``: ``analysis.summary()``, when the caller has it already (it is not cheap).
    """
    files = {"assignments.csv": csv_bytes(analysis.assignments, round_figures=False)}
    names = analysis.segment_names
    for name, attribute in _TABLES.items():
        table = getattr(analysis, attribute)
        if name in _NAMED:
            table = named(table, _NAMED[name], names)
        files[name] = csv_bytes(table)
    files["summary.json"] = json_bytes(analysis.summary() if summary is None else summary)
    files["config.toml"] = analysis.config_toml().encode("utf-8")
    return {name: files[name] for name in OUTPUT_FILES}


def chart_files(analysis: Analysis, formats: Iterable[str],
                summary: dict[str, Any] | None = None) -> dict[str, bytes]:
    """Every chart of the run in every format: ``{"charts/<name>.<ext>": bytes}``."""
    from noncustomers.export.figures import analysis_figures
    from noncustomers.export.images import charts_bytes

    formats = tuple(formats)
    if not formats:
        return {}
    figures = analysis_figures(analysis, summary)
    return {f"{CHARTS_FOLDER}/{name}": data
            for name, data in charts_bytes(figures, formats).items()}


def write_run(analysis: Analysis, out_dir: str | Path, charts: Iterable[str] = ()
              ) -> list[Path]:
    """Write the run into ``out_dir`` as a whole or not at all (:class:`OutputFolder`),
    with its charts in ``charts/`` in each of the formats ``charts`` names."""
    summary = analysis.summary()
    with OutputFolder(out_dir, replaceable=OUTPUT_FILES, folders=(CHARTS_FOLDER,)) as folder:
        for name, data in {**run_files(analysis, summary),
                           **chart_files(analysis, charts, summary)}.items():
            folder.write(name, data)
        return folder.publish()
