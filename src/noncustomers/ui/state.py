"""Loading, analysing and sharing the current analysis across pages.

An analysis is read at once (the file, its schema, everyone's tier: the first page needs no
more) and finished in a worker process (:mod:`noncustomers.ui.analysis_worker`) while the
first page shows; pages that need the whole analysis wait for it with a progress bar.
Analyses are kept by content (file bytes, schema text, settings) for every session of the
server, so switching pages or returning to the sample never recomputes; UMAP runs in a
worker process (below).
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import tempfile
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from noncustomers.analysis import STAGES, Analysis, map_matrix, respondents, tier_summary
from noncustomers.charts.map import MapView, map_view
from noncustomers.config import AnalysisConfig
from noncustomers.embedding import is_warm as embedding_is_warm
from noncustomers.embedding import map_coordinates, warm_umap
from noncustomers.errors import NoncustomersError
from noncustomers.panel import Panel, read_panel
from noncustomers.sample import sample_paths
from noncustomers.schema import parse_schema
from noncustomers.tiers import assign_tiers
from noncustomers.ui import analysis_worker
from noncustomers.ui.analysis_worker import Outcome

__all__ = ["First", "Job", "Loaded", "current", "first", "forget_analyses", "load",
           "map_view_for", "remembered_analyses", "require", "show_problems", "start",
           "start_sample", "start_umap_warmup", "umap_preparing", "umap_ready",
           "wait_for_analysis"]

_KEY = "noncustomers.loaded"
log = logging.getLogger("noncustomers.app")


@dataclass
class First:
    """What the first page needs, ready in a fraction of a second: the panel as read,
    everyone's tier and the tiers' weighted shares (``summary.json`` ``tiers``)."""

    panel: Panel
    tiers: pd.Series
    tier_summary: dict


class Job:
    """One analysis: read and tiers at once (in the page's run), the rest in the
    background (:mod:`noncustomers.ui.analysis_worker`), so that the first page shows
    within seconds while segments, gaps and tests are computed; :attr:`stage` says where
    it is."""

    def __init__(self, panel_bytes: bytes, panel_name: str, schema_text: str,
                 schema_name: str, settings: dict):
        self.panel_name = panel_name
        self.panel: Panel | None = None  # as read: every respondent, weighted
        self.first: First | None = None  # the respondents the filters keep
        self.error: str | None = None
        self.notes: list[str] = []
        self.stage = "reading"
        self.future: Future | None = None
        self._analysis: Analysis | None = None
        self._done = threading.Event()
        config = self._read(panel_bytes, panel_name, schema_text, schema_name, settings)
        if config is None:
            self._done.set()
        else:
            self.future = analysis_worker.submit(f"{id(self)}", self.first.panel, config,
                                                 self._progress)
            self.future.add_done_callback(self._finished)

    def _read(self, panel_bytes: bytes, panel_name: str, schema_text: str, schema_name: str,
              settings: dict) -> AnalysisConfig | None:
        # The upload lives in a private folder (mode 0700) that is removed when reading ends.
        with tempfile.TemporaryDirectory(prefix="noncustomers-") as tmp:
            path = Path(tmp) / Path(panel_name).name
            path.write_bytes(panel_bytes)
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", UserWarning)
                    schema = parse_schema(schema_text, source=schema_name)
                    panel = read_panel(path, schema)
                    panel.source = panel_name  # never the server's temporary path
                    # The same AnalysisConfig as `noncustomers analyze --map pca`: the app's
                    # config.toml download replays this view from the command line.
                    config = AnalysisConfig.from_schema(
                        schema, map="pca", panel_file=panel_name,
                        panel_sha256=panel.sha256,  # of the upload: read_panel hashed its copy
                        **settings)
                    self.panel = panel
                    chosen = respondents(panel, config)  # the sidebar's filters
                    tiers = assign_tiers(chosen)
                self.notes = [str(w.message) for w in caught
                              if issubclass(w.category, UserWarning)]
                self.first = First(chosen, tiers, tier_summary(chosen, tiers))
                return config
            except NoncustomersError as exc:
                problems = getattr(exc, "problems", None) or [exc]
                self.error = "\n".join(str(p).replace(str(path), panel_name)
                                       .replace(tmp, "upload") for p in problems)
            except Exception as exc:  # noqa: BLE001 - a bug, or input the toolkit did not foresee
                self._unexpected(exc.__class__.__name__, exc)
        return None

    def _finished(self, future: Future) -> None:
        try:
            outcome = future.result()
        except Exception as exc:  # the worker process died, or the pool shut down
            outcome = Outcome(None, unexpected=exc.__class__.__name__)
            log.error("analysing %s failed", self.panel_name, exc_info=exc)
        self.notes += outcome.notes
        if outcome.error is not None:
            self.error = outcome.error
        elif outcome.unexpected is not None:
            self._unexpected(outcome.unexpected)
        self._analysis = outcome.analysis
        self.stage = "done"
        self._done.set()  # last: whoever sees the job done sees its analysis or error

    def _progress(self, stage: str) -> None:
        self.stage = stage

    def _unexpected(self, name: str, exc: Exception | None = None) -> None:
        # The details (with server paths) go to the server's log, never to the page.
        if exc is not None:
            log.error("analysing %s failed", self.panel_name, exc_info=exc)
        self.error = (f"{self.panel_name}: the analysis stopped on an unexpected problem "
                      f"({name}); the details are in the server's log.")

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the analysis has ended (True) or ``timeout`` seconds have passed."""
        return self._done.wait(timeout)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def analysis(self) -> Analysis | None:
        """The finished analysis; None while it runs or when it failed."""
        return self._analysis if self.done else None

    def progress(self) -> float:
        """The share of the stages done (0 to 1)."""
        if self.done:
            return 1.0
        return STAGES.index(self.stage) / len(STAGES) if self.stage in STAGES else 0.0


#: Analyses by content key, shared by every session of the server (as st.cache_data did,
#: without copying an analysis into each run); the oldest finished ones give way.
_JOBS: OrderedDict[str, Job] = OrderedDict()
_JOBS_LOCK = threading.Lock()
MAX_ANALYSES = 8


def forget_analyses(keys: Iterable[str] | None = None) -> None:
    """Drop the remembered analyses of these keys, or every one (tests; a server that should
    start afresh)."""
    with _JOBS_LOCK:
        if keys is None:
            _JOBS.clear()
        for key in keys or ():
            _JOBS.pop(key, None)


def remembered_analyses() -> list[str]:
    """The keys of the analyses the server remembers, oldest first."""
    with _JOBS_LOCK:
        return list(_JOBS)


def _job(key: str, *args) -> Job:
    with _JOBS_LOCK:
        job = _JOBS.get(key)
        if job is not None:
            _JOBS.move_to_end(key)
            return job
    job = Job(*args)  # reads outside the lock: other sessions need not wait for it
    with _JOBS_LOCK:
        job = _JOBS.setdefault(key, job)
        finished = [k for k, j in _JOBS.items() if j.done and k != key]
        while len(_JOBS) > MAX_ANALYSES and finished:
            _JOBS.pop(finished.pop(0))
    return job


@dataclass
class Loaded:
    """What the sidebar loaded: the analysis (when finished), or the one-sentence reason
    it failed."""

    key: str
    panel_name: str
    schema_name: str
    job: Job
    source: str  # source_key of the file and schema (whatever the settings)

    @property
    def analysis(self) -> Analysis | None:
        return self.job.analysis

    @property
    def error(self) -> str | None:
        return self.job.error

    @property
    def notes(self) -> list[str]:
        return self.job.notes

    @property
    def first(self) -> First | None:
        return self.job.first

    @property
    def failed(self) -> bool:
        return self.job.error is not None

    @property
    def running(self) -> bool:
        return not self.job.done


def source_key(panel_bytes: bytes, schema_text: str) -> str:
    """Names a file read with a schema (whatever the settings)."""
    return hashlib.sha256(panel_bytes + b"\0" + schema_text.encode()).hexdigest()[:16]


def load(panel_bytes: bytes, panel_name: str, schema_text: str, schema_name: str,
         seed: int, method: str | None = None, k: int | str | None = None,
         where: str | None = None, weighted: bool = True,
         source: str | None = None) -> Loaded:
    """Read at once and analyse in the background (or fetch what was done), and remember
    it as the session's current analysis.

    ``method`` and ``k`` override the schema's (None keeps them); ``where`` and
    ``weighted`` choose the respondents and their weights (AnalysisConfig); ``source`` is
    :func:`source_key` of the file and schema when the caller has it already.
    """
    source = source or source_key(panel_bytes, schema_text)
    key, job = start(panel_bytes, panel_name, schema_text, schema_name, seed=seed,
                     method=method, k=k, where=where, weighted=weighted, source=source)
    loaded = Loaded(key, panel_name, schema_name, job, source)
    st.session_state[_KEY] = loaded
    return loaded


def start(panel_bytes: bytes, panel_name: str, schema_text: str, schema_name: str, *,
          seed: int = 0, method: str | None = None, k: int | str | None = None,
          where: str | None = None, weighted: bool = True,
          source: str | None = None) -> tuple[str, Job]:
    """The analysis of a file with these settings, and its key: started (read now, the rest
    in the background) unless the server has it already.  Needs no session.  ``source``:
    :func:`source_key` of the file and schema, when the caller has it (hashing a large
    upload again on every rerun is what it saves)."""
    settings = {"seed": seed, "method": method, "k": k, "where": where, "weighted": weighted}
    source = source or source_key(panel_bytes, schema_text)
    key = hashlib.sha256(f"{source}|{seed}|{method}|{k}|{where}|"
                         f"{weighted}".encode()).hexdigest()[:16]
    return key, _job(key, panel_bytes, panel_name, schema_text, schema_name, settings)


def start_sample() -> Job:
    """Start the sample's analysis with the sidebar's default settings (``python app.py``
    does when the server starts, so that the first visitor finds it read, and soon done)."""
    panel, schema = sample_paths()
    return start(panel.read_bytes(), panel.name, schema.read_text(encoding="utf-8"),
                 schema.name)[1]


def clear() -> None:
    st.session_state.pop(_KEY, None)


def current() -> Loaded | None:
    return st.session_state.get(_KEY)


def first() -> First:
    """The panel and its tiers, ready before the analysis is; shows why there is none and
    stops the page otherwise."""
    loaded = current()
    if loaded is None or loaded.first is None:
        _no_analysis(loaded)
    return loaded.first


def wait_for_analysis(loaded: Loaded) -> None:
    """Show the analysis's progress until it ends (the page's run waits meanwhile)."""
    if not loaded.running:
        return
    bar = st.progress(loaded.job.progress(), text="Analysing…")
    shown = None
    while loaded.running:
        # Sent only when it changes: each message redraws the page in the browser, and the
        # first page shares the browser's time with them while the analysis runs.
        now = (loaded.job.progress(),
               f"Analysing {len(loaded.first.panel):,} respondents: {loaded.job.stage}…")
        if now != shown:
            bar.progress(*now)
            shown = now
        time.sleep(0.2)
    bar.empty()


def require() -> Analysis:
    """The current analysis, waiting for it with a progress bar while it runs; shows why
    there is none and stops the page otherwise."""
    loaded = current()
    if loaded is not None:
        wait_for_analysis(loaded)
    if loaded is None or loaded.analysis is None:
        _no_analysis(loaded)
    from noncustomers.ui.widgets import renamed  # widgets import this module

    return renamed(loaded.analysis, loaded.key)  # the session's segment names


def _no_analysis(loaded: Loaded | None) -> None:
    problems = loaded.error.split("\n") if loaded and loaded.error else []
    if problems:
        show_problems(problems, "fix them and upload again.")
    else:
        st.info("No panel loaded yet: choose the sample, or upload your survey file in the "
                "sidebar.")
    st.stop()


def show_problems(problems: list[str], fix: str) -> None:
    """One problem as an error box; several as one table (every problem of the input at
    once), after ``N problems stop the analysis; <fix>``."""
    if len(problems) == 1:
        st.error(problems[0])
        return
    st.error(f"{len(problems)} problems stop the analysis; {fix}")
    st.dataframe(pd.DataFrame({"problem": problems}), hide_index=True, width="stretch")


# UMAP runs in one long-lived worker process per server.  Compiling umap-learn's
# numba kernels holds the GIL for up to a minute (the first time on a machine): in a
# thread of the server it froze every page for that long, in a worker process it freezes nothing.
# NONCUSTOMERS_MAP_WORKER chooses how:
# - "process" (default): the worker starts and compiles UMAP when the app first runs,
#   so UMAP maps are quick by the time a strategist opens the map (PCA until then);
# - "lazy": the worker starts on the first UMAP map asked for (a server that should not
#   spend CPU on it at start: small machines, the browser tests);
# - "inline": maps are computed in the server process (AppTest, which shares one warm
#   fit in the test process).
def _map_worker_mode() -> str:
    """The environment's NONCUSTOMERS_MAP_WORKER, read when asked (not at import: a test
    may set it after importing this module)."""
    return os.environ.get("NONCUSTOMERS_MAP_WORKER", "process")


def _maps_in_process() -> bool:
    return _map_worker_mode() == "inline"


@st.cache_resource
def _map_worker() -> tuple[ProcessPoolExecutor | None, Future | None]:
    if _maps_in_process():
        return None, None
    # At a lower priority than the server, as the analyses (analysis_worker.NICE): compiling
    # UMAP must not slow the page a strategist is looking at.
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                               initializer=analysis_worker.lower_priority)
    return pool, pool.submit(warm_umap)


_ASKED = threading.Event()  # a UMAP map was asked for (starts a lazy worker)


def start_umap_warmup(force: bool = False) -> tuple[ProcessPoolExecutor | None, Future | None]:
    """Start the map worker and warm it (compile UMAP) once per server process; with
    ``NONCUSTOMERS_MAP_WORKER=lazy`` only once a UMAP map is asked for (``force``)."""
    if _map_worker_mode() == "lazy" and not (force or _ASKED.is_set()):
        return None, None
    _ASKED.set()
    return _map_worker()


def umap_preparing() -> bool:
    """True while the map worker is compiling UMAP (it was started and is not ready)."""
    if _maps_in_process():
        return False
    _, warm = start_umap_warmup()
    return warm is not None and not warm.done()


def umap_ready() -> bool:
    """True when a UMAP map will come back in seconds rather than after a compilation."""
    if _maps_in_process():
        return embedding_is_warm()
    _, warm = start_umap_warmup()
    return warm is not None and warm.done()


def _map_coordinates(method: str, seed: int, analysis: Analysis) -> np.ndarray:
    """2-D coordinates of ``analysis`` (UMAP in the map worker, unless maps are inline)."""
    X = map_matrix(analysis.panel)
    if method == "pca" or _maps_in_process():
        return map_coordinates(X, method=method, seed=seed)
    pool, _ = start_umap_warmup(force=True)
    if pool is None:
        return map_coordinates(X, method=method, seed=seed)
    return pool.submit(map_coordinates, X, method, seed).result()


@st.cache_resource(show_spinner=False, max_entries=8)
def map_view_for(key: str, method: str, seed: int, max_points: int,
                 _analysis: Analysis) -> MapView:
    """The map page's :class:`~noncustomers.charts.map.MapView` of the analysis ``key``
    (its ``method`` map, jittered and sampled with ``seed``), kept for every session: the
    map itself (a UMAP fit), and the jitter of 100k respondents, 0.16 s of each rerun of the
    page.  Shared, not copied: read it, never change it."""
    assignments = _analysis.assignments
    coords = _map_coordinates(method, seed, _analysis)
    assignments["x"], assignments["y"] = coords[:, 0], coords[:, 1]
    return map_view(assignments, seed=seed, max_points=max_points)
