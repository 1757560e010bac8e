"""How fast the app's pages come, in a real browser (issue 13, "Fast").

    .venv/bin/python benchmarks/app_pages.py [--rounds 3] [--sizes 5000,100000]
                                             [--out benchmarks/RESULTS.md] [--no-record]

Targets: the first page on the sample within 5 s of opening it on a fresh server; every
view switch and filter change under 1 s warm, at 5k and 100k respondents.

Each server is a fresh ``streamlit run app.py --server.headless true`` in its own process
group (stopped at the end), driven by Debian's Chromium through Playwright for Python
(``/usr/bin/chromium``, or ``$NONCUSTOMERS_CHROMIUM``; never ``playwright install``).  A
page counts as drawn when its path is the page's, the main area's ``h1`` is the page's
heading, a Plotly chart is drawn in the main area (``.js-plotly-plot .main-svg``), nothing
is stale and Streamlit's status widget ("Running...") is gone; a click counts only once the
script run it started has finished (followed on the app's websocket).

Stages:

- **first page, fresh server**: from ``page.goto`` on a server that has just started
  (health check answered, no session yet) to the first page ("Who buys...") drawn with
  the sample (5,000 respondents), on ``--fresh`` servers (median / max: one run on this
  machine varies by a second or more, as the sample's analysis starts beside it).  With
  ``NONCUSTOMERS_MAP_WORKER=lazy`` (no UMAP compilation at start) and with the default
  worker, which compiles UMAP in a process of its own at start and competes for the cores,
  alternated.
- **first page after upload** (100k): the generated panel
  (``benchmarks/run.py``'s ``make_panel``: ``generate(n, seed=0)`` of
  sample_data/generate_gym_panel.py) uploaded with the "Upload my panel" radio, the
  "Survey file" uploader and the sample's schema in "Schema file (TOML), optional"; from
  the schema's upload finished to the first page drawn.
- **first visit of each page**: clicking through the sidebar's pages once after the first
  page (what each page computes once and caches).
- **warm page switch**: ``--rounds`` more rounds through every page of the sidebar's
  navigation (Set up excluded: it has no chart), from the click to the page drawn; median
  and max.
- **warm filter change**: on the Map page, "Colour by" segment then tier; on the Gaps
  page, the "Group" select to another group and back; median and max over the rounds.
- **floor**: the same first-page measure on a bare Streamlit page holding one Plotly
  scatter of 5,000 points (``st.title`` + ``st.plotly_chart``) on a fresh server, and a
  page switch between two such pages: what Streamlit and the browser cost with no
  toolkit at all.

Prints one table (stage, 5k, 100k, floor) and appends it with the machine and date as an
"App pages" section of ``--out`` (what is there is kept).  Asserts nothing; not part of
``make test``.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import machine, make_panel

from noncustomers.ui.script_runs import DRAWN_JS, ScriptRuns

CHROMIUM = Path(os.environ.get("NONCUSTOMERS_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SCHEMA = ROOT / "sample_data" / "gym_schema.toml"
FIRST_HEADING = "Who buys"
STARTUP_TIMEOUT_S = 90
# Generous: a 100k panel's first analysis takes about a minute.
PAGE_TIMEOUT_S = float(os.environ.get("APP_BENCH_TIMEOUT", "300"))

FLOOR_APP = '''
import numpy as np
import plotly.graph_objects as go
import streamlit as st


def chart(title):
    st.title(title)
    rng = np.random.default_rng(0)
    fig = go.Figure(go.Scattergl(x=rng.normal(size=5000), y=rng.normal(size=5000),
                                 mode="markers"))
    st.plotly_chart(fig, theme=None)


def one():
    chart("Who buys (floor)")


def two():
    chart("Second floor page")


st.navigation([st.Page(one, title="One", default=True), st.Page(two, title="Two")]).run()
'''


# ---- servers --------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A fresh server (``python app.py`` as ``make app`` runs it, or ``streamlit run`` for
    the floor page) in its own process group; stopped on exit."""

    def __init__(self, script: Path, worker: str | None, log: Path) -> None:
        self.script, self.worker, self.log_path = script, worker, log
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> str:
        port = _free_port()
        env = dict(os.environ, STREAMLIT_SERVER_FILE_WATCHER_TYPE="none",
                   STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
        env.pop("NONCUSTOMERS_MAP_WORKER", None)
        if self.worker:
            env["NONCUSTOMERS_MAP_WORKER"] = self.worker
        self._log = open(self.log_path, "w", encoding="utf-8")
        # The app as `make app` serves it (`python app.py`: the server starts warm, see
        # app.serve); the floor page as `streamlit run`.
        start = ([sys.executable, str(self.script)] if self.script.name == "app.py"
                 else [sys.executable, "-m", "streamlit", "run", str(self.script)])
        self.proc = subprocess.Popen(
            [*start, "--server.headless", "true", "--server.port", str(port),
             "--server.address", "127.0.0.1"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                return url
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the app did not start:\n"
                                       + self.log_path.read_text(encoding="utf-8")) from None
                time.sleep(0.2)

    def __exit__(self, *exc) -> None:
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            if self.proc.poll() is not None:
                break
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                pass
        self._log.close()


# ---- the browser ----------------------------------------------------------------------------

def _until(page, condition, what: str, timeout_s: float = PAGE_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not after {timeout_s} s")
        page.wait_for_timeout(20)  # lets Playwright deliver the websocket's events


def _drawn(page, slug: str | None, heading: str, timeout_s: float = PAGE_TIMEOUT_S,
           idle: bool = True) -> None:
    """Wait for the page drawn; ``idle``: and its script run over (status widget gone)."""
    page.wait_for_function(DRAWN_JS, arg=[slug, heading, idle], timeout=timeout_s * 1000,
                           polling=25)


def _first_page(page, start: float, times: dict[str, list[float]]) -> None:
    """The first page's heading and chart (the analysis may go on behind it), then the
    app idle: the whole analysis done."""
    _drawn(page, None, FIRST_HEADING, idle=False)
    times["first"] = [time.perf_counter() - start]
    _drawn(page, None, FIRST_HEADING)
    times["analysed"] = [time.perf_counter() - start]


def _act(page, runs: ScriptRuns, action, slug: str | None, heading: str) -> float:
    """Seconds from ``action()`` to its script run finished and the page drawn."""
    _until(page, lambda: runs.quiet, "app idle")
    finished = runs.finished
    start = time.perf_counter()
    action()
    _until(page, lambda: runs.finished > finished and not runs.running, "script run")
    _drawn(page, slug, heading)
    return time.perf_counter() - start


def _upload(page, runs: ScriptRuns, label: str, path: Path) -> None:
    uploader = page.locator("[data-testid=stSidebar] [data-testid=stFileUploader]").filter(
        has_text=label)
    file_input = uploader.locator("input[type=file]")
    file_input.wait_for(state="attached")
    # A file chosen while a rerun starts can be lost (noncustomers.ui.script_runs).
    _until(page, lambda: runs.quiet, "app idle")
    asked = runs.reruns_asked
    file_input.set_input_files(path)
    chip = uploader.locator("[data-testid=stFileChip]")
    chip.wait_for(timeout=PAGE_TIMEOUT_S * 1000)
    chip.locator("[data-testid=stFileChipIconSpinner]").wait_for(
        state="detached", timeout=PAGE_TIMEOUT_S * 1000)
    _until(page, lambda: runs.reruns_asked > asked, f"rerun after uploading {path.name}")


def _pages(page) -> list[tuple[str, str]]:
    """(url slug, link text) of the sidebar's navigation, Set up left out."""
    links = page.locator("[data-testid=stSidebarNav] a")
    out = []
    for i in range(links.count()):
        link = links.nth(i)
        href = (link.get_attribute("href") or "").rstrip("/")
        text = link.inner_text().strip()
        slug = href.rsplit("/", 1)[-1] if href.count("/") > 2 else ""
        if text != "Set up":
            out.append((slug, text))
    return out


def _heading(page) -> str:
    return page.locator("[data-testid=stMain] h1").first.inner_text().strip()


def _click_page(page, text: str):
    return lambda: page.locator("[data-testid=stSidebarNav] a").filter(has_text=text).first.click()


def _session(browser, url: str, rounds: int, upload: Path | None, shots: Path | None,
             label: str, visits: bool = True) -> dict[str, list[float]]:
    """First page, a first visit of every page, then ``rounds`` of warm switches and
    filter changes, in one browser tab."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    context.set_default_timeout(PAGE_TIMEOUT_S * 1000)
    page = context.new_page()
    runs = ScriptRuns(page)
    times: dict[str, list[float]] = {}
    try:
        start = time.perf_counter()
        page.goto(url)
        if upload is None:
            _first_page(page, start, times)
        else:
            _drawn(page, None, FIRST_HEADING)  # the sample first, as a user sees it
            page.locator("[data-testid=stSidebar]").get_by_text("Upload my panel").click()
            _upload(page, runs, "Survey file", upload)
            _upload(page, runs, "Schema file", SCHEMA)
            start = time.perf_counter()
            # The upload's rerun opens the first page (an older app opened Set up: then the
            # first results page is clicked).
            setup = page.locator("[data-testid=stMain] h1").filter(has_text="Set up")
            try:
                _drawn(page, None, FIRST_HEADING, timeout_s=10, idle=False)
            except PlaywrightTimeout:
                if not setup.count():
                    raise
                _click_page(page, "Tier sizes")()
            _first_page(page, start, times)
        if shots is not None:
            page.screenshot(path=str(shots / f"{label}-opened.png"), full_page=True)
        if not visits:
            return times
        pages = _pages(page)
        headings = {}
        for slug, text in pages[1:] + pages[:1]:  # first visits, back to the first page
            page.locator("[data-testid=stSidebarNav] a").filter(has_text=text).first.wait_for()
            took = _act(page, runs, _click_page(page, text), slug, "")
            headings[text] = _heading(page)
            times.setdefault("visit", []).append(took)
            if shots is not None:
                page.screenshot(path=str(shots / f"{label}-{slug or 'first'}.png"),
                                full_page=True)
        for _ in range(rounds):
            for slug, text in pages[1:] + pages[:1]:
                took = _act(page, runs, _click_page(page, text), slug, headings[text])
                times.setdefault("switch", []).append(took)
                times.setdefault(f"page:{text}", []).append(took)
            for kind, took in _filters(page, runs, pages, headings):
                times.setdefault(kind, []).append(took)
        return times
    except Exception:
        if shots is not None:
            page.screenshot(path=str(shots / f"{label}-failed.png"), full_page=True)
        raise
    finally:
        context.close()


def _filters(page, runs: ScriptRuns, pages, headings) -> list[tuple[str, float]]:
    """Map: colour by segment, then tier; Gaps: another group, then back."""
    out = []
    by_text = {text: slug for slug, text in pages}
    if "Map" in by_text:
        _act(page, runs, _click_page(page, "Map"), by_text["Map"], headings["Map"])
        control = page.locator("[data-testid=stMain] [data-testid=stButtonGroup]").first
        for choice in ("segment", "tier"):
            out.append(("filter_map", _act(page, runs, lambda c=choice: control.get_by_text(
                c, exact=True).click(), by_text["Map"], headings["Map"])))
    if "Gaps" in by_text:
        _act(page, runs, _click_page(page, "Gaps"), by_text["Gaps"], headings["Gaps"])
        select = page.locator("[data-testid=stMain] [data-testid=stSelectbox]").first
        for option in (1, 0):
            def choose(i=option):
                select.click()
                page.get_by_role("option").nth(i).click()
            out.append(("filter_gaps", _act(page, runs, choose, by_text["Gaps"],
                                            headings["Gaps"])))
    return out


def _floor(browser, rounds: int, work: Path, fresh: int = 1) -> dict[str, list[float]]:
    """The bare page's first view on ``fresh`` servers; switches on the last one."""
    script = work / "floor_app.py"
    script.write_text(textwrap.dedent(FLOOR_APP), encoding="utf-8")
    times = {"first": [], "switch": []}
    for i in range(fresh):
        with Server(script, None, work / "floor.log") as url:
            context = browser.new_context(viewport={"width": 1440, "height": 1000})
            page = context.new_page()
            runs = ScriptRuns(page)
            start = time.perf_counter()
            page.goto(url)
            _drawn(page, None, "Who buys (floor)")
            times["first"].append(time.perf_counter() - start)
            if i == fresh - 1:
                for _ in range(rounds + 1):  # the first round is the first visit
                    for slug, text, heading in ((None, "Two", "Second floor page"),
                                                (None, "One", "Who buys (floor)")):
                        times["switch"].append(_act(page, runs, _click_page(page, text), slug,
                                                    heading))
                times["switch"] = times["switch"][2:]
            context.close()
    return times


# ---- the table ------------------------------------------------------------------------------

def _cell(values: list[float] | None, how: str) -> str:
    if not values:
        return "-"
    if how == "one":
        return f"{values[0]:.2f}"
    return f"{statistics.median(values):.2f} / {max(values):.2f}"


def table(results: dict[str, dict[str, list[float]]], sizes: list[int]) -> list[str]:
    columns = [f"{n // 1000}k" for n in sizes] + ["floor"]
    rows = [
        ("first page, fresh server, lazy map worker, median / max (s)", "first_lazy", "first",
         "many"),
        ("first page, fresh server, default map worker, median / max (s)", "first_default",
         "first", "many"),
        ("analysis done after it (status widget gone), median / max (s)", "first_lazy",
         "analysed", "many"),
        ("first page after upload (s)", "upload", "first", "one"),
        ("analysis done after upload (s)", "upload", "analysed", "one"),
        ("first visit of each page, median / max (s)", "warm", "visit", "many"),
        ("warm page switch, median / max (s)", "warm", "switch", "many"),
        ("warm filter change: Map colour by, median / max (s)", "warm", "filter_map", "many"),
        ("warm filter change: Gaps group (open list, choose), median / max (s)", "warm",
         "filter_gaps", "many"),
    ]
    lines = ["| stage | " + " | ".join(columns) + " |",
             "|---|" + "---:|" * len(columns)]
    for name, run, stage, how in rows:
        cells = []
        for column in columns:
            got = results.get(f"{column}:{run}", {})
            if column == "floor" and run in ("first_lazy", "warm"):
                got = results.get("floor", {})
            cells.append(_cell(got.get(stage), how))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def by_page(results: dict[str, dict[str, list[float]]], sizes: list[int]) -> list[str]:
    """Warm switches to each page, median / max: where the time goes."""
    columns = [f"{n // 1000}k" for n in sizes]
    names = list(dict.fromkeys(key[5:] for column in columns
                               for key in results.get(f"{column}:warm", {})
                               if key.startswith("page:")))
    lines = ["| warm switch to page, median / max (s) | " + " | ".join(columns) + " |",
             "|---|" + "---:|" * len(columns)]
    for name in names:
        cells = [_cell(results.get(f"{c}:warm", {}).get(f"page:{name}"), "many")
                 for c in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="5000,100000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--fresh", type=int, default=3,
                        help="fresh servers for each first-page measure (median / max)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    parser.add_argument("--no-record", action="store_true", help="print only")
    parser.add_argument("--shots", help="folder for screenshots of every page (optional)")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        sys.exit(f"Debian's Chromium is needed ({CHROMIUM} is absent): apt-get install chromium")
    from playwright.sync_api import sync_playwright

    sizes = sorted(int(s) for s in args.sizes.split(","))
    shots = Path(args.shots) if args.shots else None
    if shots:
        shots.mkdir(parents=True, exist_ok=True)
    started, load = datetime.now(UTC), os.getloadavg()
    results: dict[str, dict[str, list[float]]] = {}
    app = ROOT / "app.py"
    with tempfile.TemporaryDirectory(prefix="noncustomers-app-bench-") as tmp, \
            sync_playwright() as p:
        work = Path(tmp)
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            print("floor: a bare Streamlit page with one Plotly chart", file=sys.stderr)
            results["floor"] = _floor(browser, args.rounds, work, args.fresh)
            for n in sizes:
                column = f"{n // 1000}k"
                if n == 5000:
                    # Alternated, so that a slow spell of the machine falls on both.
                    for i in range(args.fresh):
                        for worker in ("default", "lazy"):
                            print(f"5k: first page on fresh server {i + 1} of {args.fresh}, "
                                  f"{worker} worker", file=sys.stderr, flush=True)
                            last = i == args.fresh - 1
                            with Server(app, None if worker == "default" else "lazy",
                                        work / f"{worker}.log") as url:
                                got = _session(browser, url, args.rounds, None,
                                               shots if last else None, f"5k-{worker}",
                                               visits=worker == "lazy" and last)
                            runs_of = results.setdefault(f"{column}:first_{worker}", {})
                            for stage in ("first", "analysed"):
                                runs_of.setdefault(stage, []).extend(got.get(stage, []))
                            if worker == "lazy" and last:
                                results[f"{column}:warm"] = got
                    continue
                print(f"{column}: generating the panel, uploading, switching", file=sys.stderr,
                      flush=True)
                csv, _ = make_panel(n, work)
                with Server(app, "lazy", work / f"{column}.log") as url:
                    got = _session(browser, url, args.rounds, csv, shots, column)
                results[f"{column}:upload"] = results[f"{column}:warm"] = got
        finally:
            browser.close()
    lines = table(results, sizes)
    lines += ["", *by_page(results, sizes)]
    print("\n".join(lines))
    if args.no_record:
        return
    info = machine()
    section = [
        "", f"## App pages ({started:%Y-%m-%d %H:%M} UTC)", "",
        (f"`{shlex.join(['benchmarks/app_pages.py', *(sys.argv[1:] if argv is None else argv)])}`"
        f" on {info['cpu']}, {info['usable']} of {info['cores']} cores usable, {info['ram']} "
        f"RAM, load average {load[0]:.2f} at the start; Python {info['python']}, "
        f"Chromium {CHROMIUM}; commit {_commit()}."), "",
        ("Seconds in a real browser (Playwright, Debian's Chromium); a page counts as drawn "
        "when its heading and a Plotly chart are shown, nothing is stale and the status "
        "widget is gone (the first page: heading and chart, while the analysis may go on "
        "behind it; 'analysis done' is when the status widget goes). Fresh server: from "
        "opening the URL on a server that has just started, median / max over "
        f"{args.fresh} servers each. Lazy worker: `NONCUSTOMERS_MAP_WORKER=lazy` (UMAP "
        "compiled only when asked for); default: the map worker compiles UMAP at start, "
        "on the same cores. "
        f"Warm: {args.rounds} rounds through every page of the sidebar (Set up excluded); "
        "filter changes are the Map's Colour by (segment, tier) and the Gaps page's Group. "
        "Floor: a bare Streamlit page with one Plotly scatter of 5,000 points (and a "
        "switch between two such pages). 100k: the generated gym panel uploaded with the "
        "sample's schema (timed from the schema's upload)."), "",
        *lines, "",
    ]
    with open(args.out, "a", encoding="utf-8") as out:
        out.write("\n".join(section))
    print(f"appended to {args.out}", file=sys.stderr)


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                              capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


if __name__ == "__main__":
    main()
