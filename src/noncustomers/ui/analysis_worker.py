"""The app's analyses, run in worker processes so that the server's own process stays free
for the pages.

An analysis of the 5,000-respondent sample holds the GIL for most of its 10-20 s.  In a
thread of the server it slowed every page drawn meanwhile: the first page's chart came
2-3 s later with it than without it (/tmp probes, benchmarks/app_pages.py), and Python
threads cannot be given a lower priority.  In a worker process it only shares the cores,
and the workers run at a lower scheduling priority (:data:`NICE`) than the server and the
browser, so the page a strategist is looking at comes first and the analysis takes the
cores they leave.  ``NONCUSTOMERS_ANALYSIS_WORKER=thread`` runs analyses in threads of the
server instead (AppTest, which reads the analysis in the test process).

This module does not import streamlit: the workers import the toolkit only (and app.py,
as every spawned process of the server does).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import warnings
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from noncustomers.analysis import Analysis, analyze
from noncustomers.config import AnalysisConfig
from noncustomers.errors import NoncustomersError
from noncustomers.panel import Panel

__all__ = ["NICE", "WORKERS", "Outcome", "lower_priority", "run_analysis", "submit",
           "worker_nice"]

log = logging.getLogger("noncustomers.app")

#: A few analyses at once, so that a small upload is not queued behind a large one (the
#: load test's three 60-90-row uploads waited 90 s behind the sample with one worker); more
#: would only share the same two cores.  Each keeps its native thread pools to one thread
#: (noncustomers.analysis.analyze).
WORKERS = 3
#: How much lower than the server the worker processes run (``nice``, 0 to 19), unless
#: ``NONCUSTOMERS_WORKER_NICE`` says otherwise (the browser tests' servers run theirs at 0:
#: beside the test suite's own busy processes a niced analysis waited for them).
NICE = 10


@dataclass
class Outcome:
    """What an analysis gives the app: the analysis, or the reason there is none."""

    analysis: Analysis | None
    notes: list[str] = field(default_factory=list)  # the toolkit's warnings, as sentences
    error: str | None = None                       # the input's problems, one per line
    unexpected: str | None = None                  # the class of a bug's exception


def run_analysis(panel: Panel, config: AnalysisConfig,
                 progress: Callable[[str], None] | None = None) -> Outcome:
    """:func:`noncustomers.analyze`, with its warnings as notes and its problems as text."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            analysis = analyze(panel, config, progress=progress)
    except NoncustomersError as exc:
        problems = getattr(exc, "problems", None) or [exc]
        return Outcome(None, error="\n".join(str(p) for p in problems))
    except Exception as exc:  # a bug: logged in full, named on the page
        log.error("analysing %s failed", panel.source, exc_info=exc)
        return Outcome(None, unexpected=exc.__class__.__name__)
    return Outcome(analysis, [str(w.message) for w in caught
                              if issubclass(w.category, UserWarning)])


def worker_nice() -> int:
    """How much lower the worker processes run: :data:`NICE` or the environment's."""
    return int(os.environ.get("NONCUSTOMERS_WORKER_NICE", NICE))


def lower_priority() -> None:
    """Lower this process's priority by :func:`worker_nice` (the initializer of the app's
    worker processes)."""
    try:
        os.nice(worker_nice())
    except OSError:  # a platform without nice: the same priority, still off the GIL
        pass


# ---- in the worker ---------------------------------------------------------------------------

_stages = None  # the worker's end of the stage queue


def _start_worker(stages) -> None:
    global _stages
    _stages = stages
    lower_priority()


def _analyse(token: str, panel: Panel, config: AnalysisConfig) -> Outcome:
    return run_analysis(panel, config, lambda stage: _stages.put((token, stage)))


# ---- in the server ---------------------------------------------------------------------------

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_threads: ThreadPoolExecutor | None = None
_listeners: dict[str, Callable[[str], None]] = {}


def _in_threads() -> bool:
    return os.environ.get("NONCUSTOMERS_ANALYSIS_WORKER", "process") == "thread"


def _process_pool(fresh: bool = False) -> ProcessPoolExecutor:
    """The server's pool of worker processes, started on first use (``fresh``: again,
    after a worker died, which breaks a pool for good)."""
    global _pool
    if _pool is None or fresh:
        context = multiprocessing.get_context("spawn")  # never fork a threaded server
        stages = context.Queue()
        _pool = ProcessPoolExecutor(max_workers=WORKERS, mp_context=context,
                                    initializer=_start_worker, initargs=(stages,))
        threading.Thread(target=_relay, args=(stages,), daemon=True,
                         name="noncustomers-analysis-stages").start()
    return _pool


def _relay(stages) -> None:
    """Hands the workers' stage reports to the jobs listening for them."""
    while True:
        token, stage = stages.get()
        listener = _listeners.get(token)
        if listener is not None:
            listener(stage)


def submit(token: str, panel: Panel, config: AnalysisConfig,
           progress: Callable[[str], None]) -> Future:
    """Start an analysis; its :class:`Outcome` comes as the future's result and its stages
    through ``progress`` (``token`` names it among the analyses under way)."""
    global _threads
    with _lock:
        if _in_threads():
            if _threads is None:
                _threads = ThreadPoolExecutor(max_workers=WORKERS,
                                              thread_name_prefix="noncustomers-analysis")
            future = _threads.submit(run_analysis, panel, config, progress)
        else:
            _listeners[token] = progress
            try:
                future = _process_pool().submit(_analyse, token, panel, config)
            except BrokenProcessPool:  # a worker died (killed, out of memory): start anew
                log.warning("an analysis worker process had ended; starting new ones")
                future = _process_pool(fresh=True).submit(_analyse, token, panel, config)
            future.add_done_callback(lambda _: _listeners.pop(token, None))
    return future
