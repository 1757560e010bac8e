"""Output folders hold one complete run or nothing; spreadsheets never run a cell.

The CLI is driven in-process for the folder rules and as a subprocess for the
signals (SIGINT, SIGTERM, SIGKILL) a user or a scheduler may send mid-run.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import TINY_CSV, TINY_SCHEMA
from noncustomers.analysis import OUTPUT_FILES
from noncustomers.cli import main
from noncustomers.errors import NoncustomersError
from noncustomers.export import (FORMULA_START, MANIFEST, check_run, csv_bytes, neutralise,
                                 neutralise_frame)

ROOT = Path(__file__).resolve().parents[1]
RUN_FILES = sorted([*OUTPUT_FILES, MANIFEST])


def run(panel: Path, schema: Path, out: Path, *extra: str) -> int:
    return main(["analyze", str(panel), "--schema", str(schema), "--out", str(out),
                 "--map", "pca", "--stability-runs", "0", "--curve-resamples", "5", *extra])


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("noncustomers: error: "), err
    return err[0]


def staging_left(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if ".noncustomers-" in p.name]


# ---- what a run leaves ---------------------------------------------------------------------

def test_a_run_writes_its_files_and_a_manifest_that_checks(write_tiny_panel, tmp_path):
    panel, schema = write_tiny_panel()
    out = tmp_path / "out"
    assert run(panel, schema, out) == 0
    assert sorted(p.name for p in out.iterdir()) == RUN_FILES
    manifest = check_run(out)
    assert sorted(manifest["files"]) == sorted(OUTPUT_FILES)
    assert staging_left(tmp_path) == []
    (out / "gaps.csv").write_text("edited\n")
    with pytest.raises(NoncustomersError, match="'gaps.csv' is missing or differs"):
        check_run(out)


def test_the_manifest_is_byte_identical_for_the_same_run(write_tiny_panel, tmp_path):
    panel, schema = write_tiny_panel()
    assert run(panel, schema, tmp_path / "a") == 0
    assert run(panel, schema, tmp_path / "b") == 0
    assert (tmp_path / "a" / MANIFEST).read_bytes() == (tmp_path / "b" / MANIFEST).read_bytes()


def test_an_earlier_run_is_replaced_as_a_whole(write_tiny_panel, tmp_path, capsys):
    panel, schema = write_tiny_panel()
    out = tmp_path / "out"
    assert main(["analyze", str(panel), "--schema", str(schema), "--out", str(out),
                 "--save-model", str(out / "tiny.model"), "--stability-runs", "0"]) == 0
    assert "tiny.model" in check_run(out)["files"]
    # `assign` into the same folder: the analysis files do not stay beside its assignments
    assert main(["assign", str(panel), "--model", str(out / "tiny.model"), "--out",
                 str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["assignments.csv", MANIFEST]
    assert list(check_run(out)["files"]) == ["assignments.csv"]
    assert run(panel, schema, out) == 0
    assert sorted(p.name for p in out.iterdir()) == RUN_FILES
    assert staging_left(tmp_path) == []


def test_a_folder_of_an_older_version_without_manifest_is_replaced(write_tiny_panel, tmp_path):
    panel, schema = write_tiny_panel()
    out = tmp_path / "out"
    out.mkdir()
    for name in ("assignments.csv", "gaps.csv", "summary.json"):
        (out / name).write_text("older run\n")
    assert run(panel, schema, out) == 0
    assert sorted(p.name for p in out.iterdir()) == RUN_FILES


# ---- output paths are checked before any work ----------------------------------------------

def test_a_folder_holding_other_files_is_refused_and_left_alone(write_tiny_panel, tmp_path,
                                                               capsys):
    panel, schema = write_tiny_panel()
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.docx").write_text("the strategist's own file")
    assert run(panel, schema, out) == 2
    line = one_error_line(capsys)
    assert "--out" in line and "'notes.docx'" in line and "no noncustomers run wrote" in line
    assert [p.name for p in out.iterdir()] == ["notes.docx"]
    assert staging_left(tmp_path) == []


def test_an_output_file_name_taken_by_a_folder_fails_before_any_work(write_tiny_panel,
                                                                      tmp_path, capsys):
    panel, schema = write_tiny_panel()
    out = tmp_path / "out"
    out.mkdir()
    (out / "gaps.csv").write_text("older run\n")
    (out / "summary.json").mkdir()
    assert run(panel, schema, out) == 2
    assert "holds a folder named 'summary.json'" in one_error_line(capsys)
    assert (out / "gaps.csv").read_text() == "older run\n"  # nothing replaced
    assert staging_left(tmp_path) == []


@pytest.mark.parametrize("where", ["folder", "under-a-file"])
def test_a_bad_save_model_path_fails_before_any_work_and_names_the_option(
        where, write_tiny_panel, tmp_path, capsys):
    panel, schema = write_tiny_panel()
    blocker = tmp_path / "blocker"
    if where == "folder":
        blocker.mkdir()
        target = blocker
    else:
        blocker.write_text("a file")
        target = blocker / "tiny.model"
    out = tmp_path / "out"
    assert run(panel, schema, out, "--save-model", str(target)) == 2
    line = one_error_line(capsys)
    assert "--save-model" in line and "--out" not in line
    assert not out.exists() and staging_left(tmp_path) == []


def test_a_model_in_a_subfolder_of_the_output_is_refused_before_any_work(write_tiny_panel,
                                                                        tmp_path, capsys):
    panel, schema = write_tiny_panel()
    out = tmp_path / "out"
    assert run(panel, schema, out, "--save-model", str(out / "models" / "tiny.model")) == 2
    assert "is in a subfolder of --out" in one_error_line(capsys)
    assert not out.exists() and staging_left(tmp_path) == []


def test_a_model_that_cannot_be_written_leaves_no_output(write_tiny_panel, tmp_path, capsys,
                                                         monkeypatch):
    """The model fails after the analysis: the output folder does not appear either."""
    import noncustomers.model as model

    def fail(*args, **kwargs):
        raise NoncustomersError("tiny.model: cannot save this model (disk full)")

    monkeypatch.setattr(model, "save_model", fail)
    panel, schema = write_tiny_panel()
    out = tmp_path / "out"
    assert run(panel, schema, out, "--save-model", str(tmp_path / "m" / "tiny.model")) == 2
    assert "cannot save this model" in one_error_line(capsys)
    assert not out.exists() and staging_left(tmp_path) == []


def test_stale_staging_of_a_killed_run_is_removed_by_the_next_run(write_tiny_panel, tmp_path):
    panel, schema = write_tiny_panel()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    pid = int(dead.stdout)  # a process that has exited
    stale = tmp_path / f".out.noncustomers-{pid}-0badcafe"
    stale.mkdir()
    (stale / "assignments.csv").write_text("respondent data from a killed run\n")
    other = tmp_path / f".elsewhere.noncustomers-{pid}-0badcafe"  # another folder's: kept
    other.mkdir()
    assert run(panel, schema, tmp_path / "out") == 0
    assert not stale.exists() and other.exists()


# ---- signals ---------------------------------------------------------------------------------

def _start(panel: Path, out: Path, schema: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "noncustomers.cli", "analyze", str(panel), "--schema",
         str(schema), "--out", str(out), "--map", "pca"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_staging(parent: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        if staging_left(parent):
            return
        time.sleep(0.02)
    pytest.fail("the run never staged its output")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_mid_run_leaves_no_output_and_no_staging(sig, gym_panel_path, gym_schema_path,
                                                          tmp_path):
    out = tmp_path / "out"
    proc = _start(gym_panel_path, out, gym_schema_path)
    _wait_for_staging(tmp_path, proc)
    time.sleep(0.5)  # well inside reading and analysing the 5,000 respondents
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, err
    assert err.strip().splitlines() == [
        f"noncustomers: interrupted ({signal.Signals(sig).name}); nothing was written"]
    assert not out.exists()
    assert staging_left(tmp_path) == []


def test_sigkill_never_mixes_runs_and_the_next_run_cleans_up(write_tiny_panel, gym_panel_path,
                                                             gym_schema_path, tmp_path):
    tiny, tiny_schema = write_tiny_panel()
    out = tmp_path / "out"
    assert run(tiny, tiny_schema, out) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = _start(gym_panel_path, out, gym_schema_path)
    _wait_for_staging(tmp_path, proc)
    time.sleep(0.5)
    proc.kill()
    proc.communicate(timeout=60)
    # the earlier run is there, whole and unchanged; the killed run's staging is not in it
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    check_run(out)
    assert len(staging_left(tmp_path)) == 1
    assert run(tiny, tiny_schema, out) == 0
    assert staging_left(tmp_path) == []


# ---- spreadsheets never execute what a respondent typed --------------------------------------

@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)",
                                  "\tx", "\rx", "=1", "\t5", "-1e5+1", "+A1", "-"])
def test_neutralise_prefixes_a_quote(text):
    assert neutralise(text) == "'" + text
    assert neutralise("plain " + text) == "plain " + text
    assert neutralise(-2.5) == -2.5 and neutralise(None) is None


@pytest.mark.parametrize("text", ["-3", "+44", "-0.5", "+.5", "-1e5", "12"])
def test_plain_numbers_written_as_text_stay_as_they_are(text):
    """A spreadsheet reads these as numbers; none can run anything."""
    assert neutralise(text) == text


def test_tables_keep_numbers_and_quote_risky_text_and_headers():
    table = pd.DataFrame({"id": ["=1+1", "ok", "-7+", None], "x": [-1.5, 2.0, -3.0, 4.0],
                          "=h": [1, 2, 3, 4]})
    safe = neutralise_frame(table)
    assert safe["id"].tolist()[:3] == ["'=1+1", "ok", "'-7+"] and pd.isna(safe["id"].iloc[3])
    assert safe["x"].tolist() == [-1.5, 2.0, -3.0, 4.0]
    assert list(safe.columns) == ["id", "x", "'=h"]
    text = csv_bytes(table).decode()
    assert text.splitlines() == ["id,x,'=h", "'=1+1,-1.5,1", "ok,2.0,2", "'-7+,-3.0,3", ",4.0,4"]


HOSTILE_SCHEMA = TINY_SCHEMA.replace('label = "Low price"', 'label = "=HYPERLINK(1)"').replace(
    'basis = ["imp_*"]', 'basis = ["imp_*"]\nprofile = ["member"]')


def test_no_output_cell_starts_like_a_formula(write_tiny_panel, tmp_path):
    frame = pd.read_csv(io.StringIO(TINY_CSV), dtype=str, keep_default_na=False)
    hostile_ids = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "@SUM(1)", "\t004", "-5", "-A1"]
    frame["rid"] = hostile_ids
    frame.loc[1, "member"] = "=cmd|'/c calc'!A1"  # a text answer, shown in profiles.csv
    rows = frame.to_csv(index=False, lineterminator="\n")
    panel, schema = write_tiny_panel(rows, HOSTILE_SCHEMA)
    out = tmp_path / "out"
    assert run(panel, schema, out) == 0
    for name in OUTPUT_FILES:
        if not name.endswith(".csv"):
            continue
        frame = pd.read_csv(out / name, dtype=str, keep_default_na=False)
        for column in frame.columns:
            assert not str(column).startswith(FORMULA_START), (name, column)
            for cell in frame[column]:
                if cell and cell.startswith(FORMULA_START):
                    float(cell)  # only plain numbers may begin with - or +
    ids = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)["rid"]
    assert ids.tolist() == ["'=HYPERLINK(\"http://evil\",\"x\")", "'+1+1", "'@SUM(1)", "'\t004",
                            "-5", "'-A1"]
    # the segment names may hold the label inside their text ("..., =HYPERLINK(1)-driven"),
    # which no spreadsheet runs: only a cell's start matters there (checked above)
    gaps = pd.read_csv(out / "gaps.csv", dtype=str, keep_default_na=False).drop(
        columns="name").to_csv(index=False)
    assert "=HYPERLINK(1)" not in gaps.replace("'=HYPERLINK(1)", "")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["attributes"]["price"]["label"] == "=HYPERLINK(1)"  # JSON keeps the text


def test_app_downloads_are_the_cli_files_byte_for_byte(sample_cli_run, sample_analysis):
    # The session's two runs of the sample (conftest), both with the default settings the
    # app uses: `noncustomers analyze SAMPLE --map pca --seed 0` and
    # analyze(read_panel(SAMPLE), seed=0, map="pca").files(), what the app offers.
    out = sample_cli_run.out
    assert sample_cli_run.code == 0
    files = sample_analysis.files()
    for name in OUTPUT_FILES:
        assert files[name] == (out / name).read_bytes(), name


def test_files_are_private_to_the_run_while_staged(write_tiny_panel, tmp_path, monkeypatch):
    """The staging folder (respondent data) is readable by its owner only."""
    from noncustomers.export import OutputFolder

    with OutputFolder(tmp_path / "out") as folder:
        assert folder.staging is not None
        assert oct(os.stat(folder.staging).st_mode & 0o777) == oct(0o700)
    assert staging_left(tmp_path) == []
