"""Loading, caching and sharing the current analysis across pages.

Analyses are cached by content (file bytes, schema text, seed), so switching
pages or returning to the sample never recomputes; the UMAP kernels are
compiled once per server process in a background thread.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import tempfile
import threading
import warnings
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from noncustomers.analysis import Analysis, analyze, map_matrix
from noncustomers.config import AnalysisConfig
from noncustomers.embedding import is_warm as embedding_is_warm
from noncustomers.embedding import map_coordinates, warm_umap
from noncustomers.errors import NoncustomersError
from noncustomers.panel import read_panel
from noncustomers.sample import sample_paths
from noncustomers.schema import parse_schema

__all__ = ["Loaded", "current", "load", "map_for", "require", "show_problems",
           "start_umap_warmup", "umap_preparing", "umap_ready"]

_KEY = "noncustomers.loaded"
log = logging.getLogger("noncustomers.app")


@dataclass
class Loaded:
    """What the sidebar loaded: the analysis, or the one-sentence reason it failed."""

    key: str
    panel_name: str
    schema_name: str
    analysis: Analysis | None
    error: str | None
    notes: list[str]


@st.cache_data(show_spinner="Reading and analysing the panel…", max_entries=8)
def _analyse(panel_bytes: bytes, panel_name: str, schema_text: str, schema_name: str,
             seed: int, method: str | None = None,
             k: int | str | None = None) -> tuple[Analysis | None, str | None, list[str]]:
    # The upload lives in a private folder (mode 0700) that is removed when reading ends.
    with tempfile.TemporaryDirectory(prefix="noncustomers-") as tmp:
        path = Path(tmp) / Path(panel_name).name
        path.write_bytes(panel_bytes)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", UserWarning)
                schema = parse_schema(schema_text, source=schema_name)
                panel = read_panel(path, schema)
                # The same AnalysisConfig as `noncustomers analyze --map pca`: the app's
                # config.toml download replays this view from the command line.
                config = AnalysisConfig.from_schema(
                    schema, seed=seed, method=method, k=k, map="pca", panel_file=panel_name,
                    panel_sha256=panel.sha256)  # of the upload: read_panel hashed its copy
                result = analyze(panel, config)
            notes = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
            result.panel.source = panel_name  # never the server's temporary path
            return result, None, notes
        except NoncustomersError as exc:
            problems = getattr(exc, "problems", None) or [exc]
            lines = [str(p).replace(str(path), panel_name).replace(tmp, "upload")
                     for p in problems]
            return None, "\n".join(lines), []
        except Exception as exc:  # a bug, or input the toolkit did not foresee
            # The details (with server paths) go to the server's log, never to the page.
            log.exception("analysing %s failed", panel_name)
            return None, (f"{panel_name}: the analysis stopped on an unexpected problem "
                          f"({exc.__class__.__name__}); the details are in the server's log."), []


def load(panel_bytes: bytes, panel_name: str, schema_text: str, schema_name: str,
         seed: int, method: str | None = None, k: int | str | None = None) -> Loaded:
    """Analyse (or fetch from cache) and remember as the current analysis.

    ``method`` and ``k`` override the schema's (None keeps them).
    """
    key = hashlib.sha256(panel_bytes + schema_text.encode()
                         + f"{seed}|{method}|{k}".encode()).hexdigest()[:16]
    analysis, error, notes = _analyse(panel_bytes, panel_name, schema_text, schema_name, seed,
                                      method, k)
    loaded = Loaded(key, panel_name, schema_name, analysis, error, notes)
    st.session_state[_KEY] = loaded
    return loaded


def load_sample(seed: int, method: str | None = None, k: int | str | None = None) -> Loaded:
    panel, schema = sample_paths()
    return load(panel.read_bytes(), panel.name, schema.read_text(encoding="utf-8"), schema.name,
                seed, method, k)


def clear() -> None:
    st.session_state.pop(_KEY, None)


def current() -> Loaded | None:
    return st.session_state.get(_KEY)


def require() -> Analysis:
    """The current analysis; shows why there is none and stops the page otherwise."""
    loaded = current()
    if loaded is None or loaded.analysis is None:
        problems = loaded.error.split("\n") if loaded and loaded.error else []
        if problems:
            show_problems(problems, "fix them and upload again.")
        else:
            st.error("No panel loaded yet: choose the sample, or upload your survey file in the "
                     "sidebar.")
        st.stop()
    return loaded.analysis


def show_problems(problems: list[str], fix: str) -> None:
    """One problem as an error box; several as one table (every problem of the input at
    once), after ``N problems stop the analysis; <fix>``."""
    if len(problems) == 1:
        st.error(problems[0])
        return
    st.error(f"{len(problems)} problems stop the analysis; {fix}")
    st.dataframe(pd.DataFrame({"problem": problems}), hide_index=True, width="stretch")


# UMAP runs in one long-lived worker process per server.  Compiling umap-learn's
# numba kernels holds the GIL for about a minute: in a thread of the server it
# froze every page for that long, in a worker process it freezes nothing.
# NONCUSTOMERS_MAP_WORKER chooses how:
# - "process" (default): the worker starts and compiles UMAP when the app first runs,
#   so UMAP maps are quick by the time a strategist opens the map (PCA until then);
# - "lazy": the worker starts on the first UMAP map asked for (a server that should not
#   spend a minute of CPU at start: small machines, the browser tests);
# - "inline": maps are computed in the server process (AppTest, which shares one warm
#   fit in the test process).
MAP_WORKER = os.environ.get("NONCUSTOMERS_MAP_WORKER", "process")
IN_PROCESS = MAP_WORKER == "inline"


@st.cache_resource
def _map_worker() -> tuple[ProcessPoolExecutor | None, Future | None]:
    if IN_PROCESS:
        return None, None
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    return pool, pool.submit(warm_umap)


_ASKED = threading.Event()  # a UMAP map was asked for (starts a lazy worker)


def start_umap_warmup(force: bool = False) -> tuple[ProcessPoolExecutor | None, Future | None]:
    """Start the map worker and warm it (compile UMAP) once per server process; with
    ``NONCUSTOMERS_MAP_WORKER=lazy`` only once a UMAP map is asked for (``force``)."""
    if MAP_WORKER == "lazy" and not (force or _ASKED.is_set()):
        return None, None
    _ASKED.set()
    return _map_worker()


def umap_preparing() -> bool:
    """True while the map worker is compiling UMAP (it was started and is not ready)."""
    if IN_PROCESS:
        return False
    _, warm = start_umap_warmup()
    return warm is not None and not warm.done()


def umap_ready() -> bool:
    """True when a UMAP map will come back in seconds rather than a minute."""
    if IN_PROCESS:
        return embedding_is_warm()
    _, warm = start_umap_warmup()
    return warm is not None and warm.done()


@st.cache_data(show_spinner=False, max_entries=16)
def map_for(key: str, method: str, seed: int, _analysis: Analysis) -> np.ndarray:
    """2-D coordinates of the analysis ``key`` (cached per key, method and seed)."""
    X = map_matrix(_analysis.panel)
    if method == "pca" or IN_PROCESS:
        return map_coordinates(X, method=method, seed=seed)
    pool, _ = start_umap_warmup(force=True)
    if pool is None:
        return map_coordinates(X, method=method, seed=seed)
    return pool.submit(map_coordinates, X, method, seed).result()
