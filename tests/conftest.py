"""Shared pytest fixtures."""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

# Native thread pools (OpenMP, OpenBLAS): one thread each, in the test process and in the
# processes it starts (CLI subprocesses, the app server of test_browser), unless the caller
# set OMP_NUM_THREADS.  Set before numpy or scikit-learn is imported, so it also holds in
# threads that threadpoolctl cannot reach (AppTest runs the app in a thread of its own).
# scikit-learn's KMeans slows down many times over when its threads compete with another
# busy process (a UMAP compilation, the app server, a second test run) for the two cores of
# a small machine; results are identical with any thread count (see single_native_thread).
# deployed_env() gives a child process the caller's own setting (the load test's app server).
_OMP_SET_HERE = "OMP_NUM_THREADS" not in os.environ
os.environ.setdefault("OMP_NUM_THREADS", "1")


def deployed_env() -> dict[str, str]:
    """This process's environment without the OMP_NUM_THREADS set above (if it was)."""
    env = dict(os.environ)
    if _OMP_SET_HERE:
        env.pop("OMP_NUM_THREADS", None)
    return env

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

@pytest.fixture(scope="session")
def small_panel(gym_panel_path, tmp_path_factory) -> Path:
    """The sample's first 1,200 respondents: every tier, at a quarter of the cost."""
    path = tmp_path_factory.mktemp("small") / "panel.csv"
    path.write_bytes(b"".join(gym_panel_path.read_bytes().splitlines(keepends=True)[:1201]))
    return path


# ============================== end of core-library fixtures ================================


# =============================================================================================
# Map and app fixtures (used by test_embedding, test_app).  umap-learn compiles its numba
# kernels on the first fit of every process (35 s on a fresh machine): the whole session
# shares one warm-up, so only the first UMAP test pays it.
# =============================================================================================


@pytest.fixture(scope="session")
def warm_umap():
    """Compile UMAP once for the test session."""
    from noncustomers.embedding import warm_umap as _warm

    _warm()


@pytest.fixture
def media(monkeypatch):
    """The file behind a download button of the app (AppTest keeps them in a memory store
    per run): ``media(at, key)`` has ``content`` and ``filename``."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.testing.v1 import app_test

    stores = []

    class Recording(MemoryMediaFileStorage):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            stores.append(self)

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", Recording)

    def file(at, key: str):
        url = at.download_button(key=key).proto.url
        return stores[-1].get_file(url.rsplit("/", 1)[1])

    return file


@pytest.fixture(scope="module")
def app_cwd():
    """The app runs from the project root; maps are computed in the test process."""
    import os

    # Maps and analyses in the test process: AppTest reads them there, and a worker process
    # would import the toolkit again for each module (the servers of the browser tests run
    # both in worker processes, as deployed).
    inline = {"NONCUSTOMERS_MAP_WORKER": "inline", "NONCUSTOMERS_ANALYSIS_WORKER": "thread"}
    old = {name: os.environ.get(name) for name in inline}
    os.environ.update(inline)
    cwd = os.getcwd()
    os.chdir(ROOT)
    yield
    os.chdir(cwd)
    for name, value in old.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


# =============================================================================================
# The sample panel, analysed once per test session (used by test_cli, test_charts,
# test_output_folder, test_profiles).  A full analysis of the 5,000 respondents with the
# default settings costs about 12 s (10 stability refits per tier, 200 curve-test resamples,
# 50 driver bootstraps); these fixtures run it once for the whole session.  They are shared:
# tests only read them (copy a frame before changing it).
# =============================================================================================


@dataclass(frozen=True)
class SampleRun:
    """One ``noncustomers analyze`` run of the sample panel, with what it printed."""

    code: int
    out: Path
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def sample_analysis(gym_panel_path, gym_schema_path):
    """``analyze(read_panel(sample), seed=0, map="pca")`` with every other setting at its
    default (what the app computes and the CLI writes by default).  Read-only."""
    from threadpoolctl import threadpool_limits

    from noncustomers import analyze, read_panel

    with threadpool_limits(limits=1):  # see single_native_thread
        return analyze(read_panel(gym_panel_path, gym_schema_path), seed=0, map="pca")


@pytest.fixture(scope="session")
def sample_cli_run(tmp_path_factory, gym_panel_path, gym_schema_path) -> SampleRun:
    """``noncustomers analyze SAMPLE --schema ... --out DIR --map pca --seed 0`` (defaults
    otherwise), run once; the output folder is the only entry of its parent.  Read-only."""
    from threadpoolctl import threadpool_limits

    from noncustomers.cli import main

    out = tmp_path_factory.mktemp("sample") / "out"
    stdout, stderr = io.StringIO(), io.StringIO()
    with threadpool_limits(limits=1), redirect_stdout(stdout), redirect_stderr(stderr):
        code = main(["analyze", str(gym_panel_path), "--schema", str(gym_schema_path),
                     "--out", str(out), "--map", "pca", "--seed", "0"])
    return SampleRun(code, out, stdout.getvalue(), stderr.getvalue())


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


# =============================================================================================
# The app in Debian's Chromium (used by test_browser).  Its first page view makes the server
# analyse the sample and its map worker compile UMAP (about a minute, once per server).  That
# first view is opened as soon as the tests are collected, so the server does this work beside
# the other tests (on the core they leave free) instead of while the browser tests wait; the
# browser tests then find the sample analysed and the map worker warm.  One server and one page
# for the session; stopped when the session ends.
# =============================================================================================

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
APP_STARTUP_S = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BrowserApp:
    """``streamlit run app.py`` (its own process group: the server and its map worker) and
    one Chromium page driven by Playwright."""

    def __init__(self) -> None:
        self.started = False
        self.url: str | None = None
        self.page = None
        self.failure: str | None = None  # why the app did not start (the tests fail with it)
        self.error: Exception | None = None  # Chromium or Playwright did not start
        self._proc: subprocess.Popen | None = None
        self._log_dir: str | None = None
        self._playwright = None
        self._browser = None

    def start(self) -> None:
        """Start the server, wait for it, open the first view (returns once it has loaded,
        while the server goes on analysing).  Idempotent."""
        if self.started:
            return
        self.started = True
        self._log_dir = tempfile.mkdtemp(prefix="noncustomers-browser-")
        log_path = Path(self._log_dir) / "streamlit.log"
        port = _free_port()
        with open(log_path, "w", encoding="utf-8") as log:
            # The map page shows PCA at once; the server compiles UMAP only if a test asks
            # for a UMAP map (the test process covers UMAP; a second compilation here would
            # cost half a minute of CPU beside the other tests).
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                 "--server.port", str(port), "--server.address", "127.0.0.1"],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True,
                start_new_session=True,
                env={**os.environ, "NONCUSTOMERS_MAP_WORKER": "lazy",
                     # beside the suite's busy workers a niced analysis waited for them
                     "NONCUSTOMERS_WORKER_NICE": "0"})
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + APP_STARTUP_S
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                if self._proc.poll() is not None or time.time() > deadline:
                    self.failure = (f"the app did not start within {APP_STARTUP_S} s: "
                                    + log_path.read_text(encoding="utf-8"))
                    return
                time.sleep(0.5)
        self.url = url
        try:
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                             args=CHROMIUM_ARGS)
            self.page = self._browser.new_page(viewport={"width": 1440, "height": 1000})
            self.page.goto(url)  # the first view: the server starts analysing, warming UMAP
        except Exception as exc:  # noqa: BLE001 - raised again by the browser_app fixture
            self.error = exc

    def stop(self) -> None:
        """Close the browser, then stop the server's process group: TERM, then KILL."""
        try:
            if self._browser is not None:
                self._browser.close()
            if self._playwright is not None:
                self._playwright.stop()
        finally:
            if self._proc is not None:
                stop_process_group(self._proc, term_wait=10)
            if self._log_dir is not None:
                shutil.rmtree(self._log_dir, ignore_errors=True)


def stop_process_group(proc: subprocess.Popen, term_wait: float) -> None:
    """Stop an app started in its own process group (the server and its map worker):
    TERM, then KILL after ``term_wait`` seconds."""
    for sig, wait in ((signal.SIGTERM, term_wait), (signal.SIGKILL, 5)):
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            pass


_BROWSER_APP = BrowserApp()


def _browser_tests_will_run(session: pytest.Session) -> bool:
    import importlib.util

    return (not session.config.option.collectonly and CHROMIUM.exists()
            and importlib.util.find_spec("playwright") is not None
            and any(item.get_closest_marker("browser") for item in session.items))


# pytest-xdist (make test: -n auto) schedules a group of files to one worker at a time.
# Files that share an expensive session fixture form one group, so that it is made once: the
# shared sample analysis and CLI run ("sample"); the app's analysis of the sample ("app");
# UMAP's compilation (35 s in a fresh venv, whose numba cache is empty) happens only in
# test_embedding.  Any other file is a group of
# its own.  (xdist's own xdist_group marker does not take effect with pytest 9: it rewrites
# a node id attribute that pytest no longer reads, so the grouping is done here.)
_XDIST_GROUPS = {"test_embedding.py": "umap",
                 "test_cli.py": "sample", "test_charts.py": "sample",
                 "test_output_folder.py": "sample", "test_profiles.py": "sample",
                 "test_exports.py": "sample", "test_deck.py": "sample",
                 "test_app_explore.py": "sample", "test_naming.py": "sample",
                 "test_scale.py": "sample",
                 # the app's own analysis of the sample (kept by noncustomers.ui.state for
                 # the process) serves every AppTest of these files
                 "test_app.py": "app", "test_app_curve.py": "app", "test_app_names.py": "app",
                 "test_selection.py": "app", "test_config.py": "app"}


@pytest.hookimpl(optionalhook=True)  # an xdist hook: absent under -p no:xdist (make load)
def pytest_xdist_make_scheduler(config: pytest.Config, log):  # noqa: ANN001, ANN201
    from xdist.scheduler import LoadScopeScheduling

    class GroupedFiles(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return _XDIST_GROUPS.get(Path(path).name, path)

    return GroupedFiles(config, log)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Open the app's first view now when browser tests are selected (see above); under
    pytest-xdist every worker collects every test, so the worker that runs them starts it
    when they come (the other worker's tests run meanwhile)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    if _browser_tests_will_run(session):
        session.config.add_cleanup(_BROWSER_APP.stop)
        _BROWSER_APP.start()


@pytest.fixture(scope="session")
def browser_app(pytestconfig) -> BrowserApp:
    """The running app and its Chromium page (started at collection, or here when the
    browser tests were not known then)."""
    pytest.importorskip("playwright.sync_api")
    if not _BROWSER_APP.started:
        pytestconfig.add_cleanup(_BROWSER_APP.stop)
        _BROWSER_APP.start()
    if _BROWSER_APP.failure:
        pytest.fail(_BROWSER_APP.failure)
    if _BROWSER_APP.error is not None:
        raise _BROWSER_APP.error
    return _BROWSER_APP
