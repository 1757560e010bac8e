"""The app's analyses in worker processes (noncustomers.ui.analysis_worker): the same files
as in the server's process, the stages reported, a lower priority, and a worker that dies
named in one sentence without stopping the next analysis."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import pytest

from noncustomers.analysis import STAGES
from noncustomers.ui import analysis_worker, state


@pytest.fixture
def in_processes(monkeypatch):
    monkeypatch.setenv("NONCUSTOMERS_ANALYSIS_WORKER", "process")
    # a little lower than the test (whose neighbours in the suite run at full priority)
    monkeypatch.setenv("NONCUSTOMERS_WORKER_NICE", "2")
    state.forget_analyses()
    yield
    state.forget_analyses()


@pytest.fixture(scope="module")
def small_panel(gym_panel_path) -> bytes:
    """The sample's first 400 respondents (every tier): an analysis in a few seconds."""
    return b"".join(gym_panel_path.read_bytes().splitlines(keepends=True)[:401])


def _job(small_panel: bytes, gym_schema_path, seed: int) -> state.Job:
    return state.Job(small_panel, "small.csv",
                     gym_schema_path.read_text(encoding="utf-8"), "gym_schema.toml",
                     {"seed": seed, "k": 2})  # k given: no search for k, quicker


def test_a_worker_process_gives_the_files_of_the_servers_own_process(
        in_processes, small_panel, gym_schema_path, monkeypatch):
    seen = []  # the stages as the relay hands them over
    monkeypatch.setattr(state.Job, "_progress", lambda job, stage: seen.append(stage))
    job = _job(small_panel, gym_schema_path, seed=5)
    assert job.wait(180), "the analysis did not end within 3 minutes"
    assert job.error is None and job.analysis is not None
    # the same analysis in this process (what NONCUSTOMERS_ANALYSIS_WORKER=thread runs)
    here = analysis_worker.run_analysis(job.first.panel, job.analysis.settings)
    assert here.analysis is not None
    assert job.analysis.files() == here.analysis.files()
    # stages reported, in the order analyze runs them
    reported = [s for s in seen if s in STAGES]
    assert reported and reported == sorted(reported, key=STAGES.index)
    # the workers run below the server's priority
    workers = multiprocessing.active_children()
    assert workers
    assert all(os.getpriority(os.PRIO_PROCESS, w.pid) == min(
        os.getpriority(os.PRIO_PROCESS, 0) + 2, 19) for w in workers if w.is_alive())


def test_a_worker_that_dies_is_one_sentence_and_the_next_analysis_runs(
        in_processes, small_panel, gym_schema_path):
    first = _job(small_panel, gym_schema_path, seed=6)
    deadline = time.monotonic() + 60
    while not multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    for worker in multiprocessing.active_children():
        os.kill(worker.pid, signal.SIGKILL)
    assert first.wait(60)
    assert first.analysis is None
    assert first.error == ("small.csv: the analysis stopped on an unexpected problem "
                           "(BrokenProcessPool); the details are in the server's log.")
    second = _job(small_panel, gym_schema_path, seed=7)
    assert second.wait(180)
    assert second.error is None and second.analysis is not None
