"""Charts as PNG, SVG and PDF files, drawn by kaleido in a local Chromium.

One warm Chromium per process (:class:`_WarmChromium`, through kaleido) draws every chart: about
0.3 s a chart instead of 3.5 s for a cold start each time.  Nothing leaves the
machine: plotly.js is the copy shipped with plotly.py and MathJax (which kaleido
would otherwise fetch from a CDN) is off; no chart uses LaTeX.

The files are reproducible: a PNG is the same bytes for the same figure; in an SVG
plotly.js names its traces, clip paths and legend after random ids, and a PDF carries
Chromium's creation time: the traces get fixed ids, the other ids are renamed in order
of appearance, and the PDF's times are replaced by a fixed one of the same length (its
cross-reference offsets stay right).

Sizes: every chart is laid out at 1280 x 720 (16:9, the house style) and a PNG is
drawn at 1.5x, 1920 x 1080 pixels, sharp on a full-screen slide; SVG and PDF are
vector at the layout size.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import queue
import re
import shutil
import threading
from collections.abc import Iterable

import plotly.graph_objects as go

from noncustomers.charts.theme import HEIGHT, WIDTH
from noncustomers.errors import NoncustomersError

__all__ = ["FORMATS", "PNG_SCALE", "chart_bytes", "charts_bytes", "chromium_path",
           "parse_formats", "require_chromium"]

#: Static formats a chart is written in (``--charts png,svg,pdf``).
FORMATS = ("png", "svg", "pdf")
PNG_SCALE = 1.5  # 1280 x 720 layout -> 1920 x 1080 pixels
_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_lock = threading.Lock()  # one render at a time through the one warm Chromium


def chromium_path() -> str | None:
    """The local Chromium kaleido draws with: ``BROWSER_PATH`` when it is set, else the
    first of chromium, chromium-browser, google-chrome on the PATH; None when there is none.
    (kaleido could download one, but nothing is fetched behind the user's back.)"""
    given = os.environ.get("BROWSER_PATH")
    if given:
        return given if os.access(given, os.X_OK) else None
    for name in _BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def require_chromium(option: str = "--charts") -> str:
    """The Chromium path, or one sentence saying how to get one (before any work)."""
    path = chromium_path()
    if path is None:
        raise NoncustomersError(
            f"{option} needs a local Chromium to draw the charts and none was found; install "
            "it (Debian/Ubuntu: apt-get install chromium) or set BROWSER_PATH to a "
            "Chrome or Chromium executable")
    return path


def parse_formats(text: str) -> tuple[str, ...]:
    """``"png,svg"`` -> ``("png", "svg")``; every name checked against :data:`FORMATS`."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    bad = [n for n in names if n not in FORMATS]
    if bad or not names:
        raise NoncustomersError(
            f"--charts '{text}': {', '.join(bad) or 'no format'} is not a chart format; "
            f"give one or more of {', '.join(FORMATS)}, comma-separated (e.g. png,svg,pdf)")
    return tuple(dict.fromkeys(names))


class _WarmChromium:
    """One Chromium, started once and kept for the process, drawing one chart at a time.

    kaleido's own sync server would do, but it is a module-wide singleton that plotly's
    ``fig.write_image`` also routes through (with settings of its own, which then fail);
    this one is private to noncustomers, so a user's ``write_image`` keeps working.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._jobs: queue.Queue = queue.Queue()
        self._results: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),),
                                        daemon=True, name="noncustomers-chromium")
        self._thread.start()
        atexit.register(self.close)

    async def _serve(self) -> None:
        import kaleido

        try:
            # mathjax=False: kaleido's default loads MathJax from a CDN.
            async with kaleido.Kaleido(path=self.path, mathjax=False) as renderer:
                while (job := self._jobs.get()) is not None:
                    fig, opts = job
                    try:
                        self._results.put(await renderer.calc_fig(fig, opts=opts))
                    except Exception as exc:  # noqa: BLE001 - handed to the caller
                        self._results.put(exc)
        except Exception as exc:  # noqa: BLE001 - Chromium did not start: every caller
            while True:           # gets the error
                self._results.put(exc)
                if self._jobs.get() is None:
                    return

    def render(self, fig: go.Figure, opts: dict) -> bytes:
        self._jobs.put((fig, opts))
        result = self._results.get()
        if isinstance(result, BaseException):
            raise result
        return bytes(result)

    def close(self) -> None:
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join(timeout=10)


_renderer: _WarmChromium | None = None


_SVG_IDS = re.compile(rb'(?:defs-|legend|clip)([0-9a-f]{6})(?![0-9a-f])')
_PDF_TIME = re.compile(rb"/(?:CreationDate|ModDate) \(D:[0-9]{14}[^)]*\)")


def _fixed_time(match: re.Match[bytes]) -> bytes:
    """A PDF date entry at 1980-01-01 00:00 UTC, the same length as the one it replaces."""
    text = match[0]
    inner = text[text.index(b"(") + 1:-1]
    fixed = b"D:19800101000000+00'00'"
    if len(inner) != len(fixed):  # an unusual time zone form: keep it, fix the digits
        fixed = b"D:19800101000000" + inner[16:]
    return text[:text.index(b"(") + 1] + fixed + b")"


def _reproducible(data: bytes, fmt: str) -> bytes:
    if fmt == "svg":  # plotly.js's random ids (figure, legend) -> k00000, k00001, ...
        for i, token in enumerate(dict.fromkeys(m[1] for m in _SVG_IDS.finditer(data))):
            data = re.sub(rb"(defs-|legend|clip)" + token + rb"(?![0-9a-f])",
                          rb"\g<1>k%05d" % i, data)
    elif fmt == "pdf":
        data = _PDF_TIME.sub(_fixed_time, data)
    return data


def chart_bytes(fig: go.Figure, fmt: str) -> bytes:
    """``fig`` as a PNG, SVG or PDF file (see the module docstring)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    path = require_chromium()
    opts = {"format": fmt, "width": WIDTH, "height": HEIGHT,
            "scale": PNG_SCALE if fmt == "png" else 1}
    fig = go.Figure(fig)
    for i, trace in enumerate(fig.data):  # plotly.js would draw a random id for each trace
        if trace.uid is None:
            trace.uid = f"trace{i}"
    global _renderer
    with _lock:
        if _renderer is None or _renderer.path != path:
            if _renderer is not None:
                _renderer.close()
            _renderer = _WarmChromium(path)
        data = _renderer.render(fig, opts)
    return _reproducible(data, fmt)


def charts_bytes(figures: dict[str, go.Figure], formats: Iterable[str]) -> dict[str, bytes]:
    """Every figure in every format, as ``{"<name>.<ext>": bytes}``."""
    return {f"{name}.{fmt}": chart_bytes(fig, fmt)
            for name, fig in figures.items() for fmt in formats}
