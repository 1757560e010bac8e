"""Bad inputs, end to end: the generated corpus of tests/bad_inputs through the CLI and the app.

Each case (see tests/bad_inputs/build.py) says what a demanding user should get:

- ``error``: exit code 2, exactly one line ``noncustomers: error: ...`` on stderr naming the
  file, column, row or rule (every fragment of the case), no traceback, nothing on stdout,
  nothing written to ``--out`` and no staging folder left beside it;
- ``warning``: exit code 0, the outputs written, and a ``noncustomers: warning: ...`` line
  with every fragment;
- ``runs``: exit code 0 and the outputs written.

The app test sends every error case that is about files (not command-line options) through
the sidebar's "Upload my panel" and wants one readable sentence, never an exception.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from bad_inputs.build import Case, build
from noncustomers.cli import main

ROOT = Path(__file__).resolve().parents[1]
# No stability refits, and 20 curve-test resamples rather than 200 (the default): every case
# still goes through the resampled curve test, at a tenth of the cost; none checks its figures.
FAST = ["--map", "pca", "--stability-runs", "0", "--curve-resamples", "20"]
MAX_LINE = 500  # a one-sentence message, whatever the input holds

pytestmark = pytest.mark.usefixtures("single_native_thread")

@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> tuple[Path, dict[str, Case]]:
    root = tmp_path_factory.mktemp("bad_inputs")
    return root, {case.name: case for case in build(root)}


def _cases() -> list[Case]:
    """The cases, for parametrization (built in a throwaway folder; the tests use `corpus`)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bad-inputs-names-") as tmp:
        return build(Path(tmp))


CASES = _cases()
ERRORS = [c for c in CASES if c.expect == "error"]
APP_ERRORS = [c for c in ERRORS if c.cli_only is None]


def _run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse; main should rather return 2 itself
        code = exc.code if isinstance(exc.code, int) else 2
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _run_cli_subprocess(argv: list[str]) -> tuple[int, str, str]:
    """For inputs that could block (a FIFO): a child process with a time limit."""
    code = "import sys; from noncustomers.cli import main; sys.exit(main(sys.argv[1:]))"
    try:
        done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True,
                              text=True, timeout=60, cwd=ROOT)
    except subprocess.TimeoutExpired:
        pytest.fail("the command hung for 60 s on this input")
    return done.returncode, done.stdout, done.stderr


def _check_fragments(case: Case, line: str) -> None:
    missing = [f for f in case.fragments if f not in line]
    assert not missing, f"{case.name}: {missing} not in the message {line[:1000]!r}"
    present = [f for f in case.forbidden if f.lower() in line.lower()]
    assert not present, f"{case.name}: {present} should not be in the message {line[:1000]!r}"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_cli_answers_bad_input(case: Case, corpus, tmp_path, capsys):
    root, cases = corpus
    case = cases[case.name]
    folder = root / case.name
    work = tmp_path / "work"
    work.mkdir()
    out = work / "out"
    argv = ["analyze", *case.argv(folder), "--out", str(out), *FAST]
    if case.name == "panel-is-fifo":
        code, stdout, stderr = _run_cli_subprocess(argv)
    else:
        code, stdout, stderr = _run_cli(argv, capsys)
    lines = stderr.splitlines()
    assert "Traceback" not in stderr, stderr[-3000:]

    if case.expect == "error":
        assert code == 2, f"exit code {code}; stderr: {stderr[-2000:]!r}"
        assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {stderr[:2000]!r}"
        line = lines[0]
        assert line.startswith("noncustomers: error: "), line[:1000]
        assert len(line) < MAX_LINE, f"the message has {len(line)} characters: {line[:300]!r}..."
        _check_fragments(case, line)
        assert stdout == "", stdout[:1000]
        assert not out.exists(), f"--out was created: {sorted(p.name for p in out.iterdir())}"
        assert not list(work.iterdir()), f"left beside --out: {list(work.iterdir())}"
        return

    assert code == 0, f"exit code {code}; stderr: {stderr[-2000:]!r}"
    odd = [line for line in lines if not line.startswith("noncustomers: warning: ")]
    assert not odd, f"stderr lines that are not warnings: {odd[:5]}"
    assert all(len(line) < MAX_LINE for line in lines), [len(line) for line in lines]
    if case.expect == "warning":
        matching = [line for line in lines if all(f in line for f in case.fragments)]
        assert matching, f"no warning line with {case.fragments}; warnings: {lines}"
    assignments = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)
    assert (out / "summary.json").is_file()
    if case.rows is not None:
        assert len(assignments) == case.rows
    id_column = assignments.columns[0]
    for ident in case.ids:
        assert ident in set(assignments[id_column]), f"id {ident!r} not in assignments.csv"


# ---- the same error cases through the app's upload ---------------------------------------------


@pytest.fixture(scope="module")
def app_env(app_cwd):
    """The app runs from the project root (see conftest.app_cwd)."""


@pytest.mark.parametrize("case", APP_ERRORS, ids=lambda c: c.name)
def test_app_shows_one_readable_error(case: Case, corpus, app_env):
    from streamlit.testing.v1 import AppTest

    root, cases = corpus
    case = cases[case.name]
    folder = root / case.name
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["source"] = "Upload my panel"  # never analyse the sample first
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.sidebar.radio(key="source").set_value("Upload my panel")
    at.sidebar.file_uploader(key="panel_file").set_value(
        (case.panel, (folder / case.panel).read_bytes(), "text/csv"))
    at.sidebar.file_uploader(key="schema_file").set_value(
        (case.schema, (folder / case.schema).read_bytes(), "application/toml"))
    at.run()
    assert not at.exception, [e.value[:2000] for e in at.exception]
    shown = [e.value for e in [*at.sidebar.error, *at.error]]
    assert shown, "no error shown"
    for message in shown:
        assert "Traceback" not in message and "/tmp/" not in message, message[:1000]
        assert str(folder) not in message, message[:1000]
        assert len(message) < MAX_LINE, f"{len(message)} characters: {message[:300]!r}..."
        assert "\n" not in message.strip(), message[:1000]
    matching = [m for m in shown if all(f in m for f in case.fragments)]
    assert matching, f"no error with {case.fragments}; shown: {[m[:500] for m in shown]}"
    for message in matching:
        _check_fragments(case, message)
