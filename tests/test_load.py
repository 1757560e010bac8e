"""Five concurrent sessions of the running app in one Chromium: isolation and responsiveness.

Sessions 1-3 each upload their own panel (a subsample of the gym sample with its own file
name and respondent count) and schema; sessions 4-5 use the built-in sample.  All five
visit the same pages at the same time.  Every session must only ever see its own data
(sidebar caption and respondent count), no page may show an exception, and every page must
show its chart within a generous bound.  A table of per-session latencies is printed
(`pytest -m load -s` shows it).

Not part of `make test` (pyproject's addopts deselect the `load` marker); run it with
`make load` or `.venv/bin/python -m pytest -m load -s tests/test_load.py`.
Skipped cleanly when Debian's Chromium (/usr/bin/chromium, or $NONCUSTOMERS_CHROMIUM) or
Playwright is missing.  Playwright drives the system Chromium: never `playwright install`.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import deployed_env, stop_process_group

from noncustomers.ui.script_runs import DRAWN_JS, ScriptRuns

CHROMIUM = Path(os.environ.get("NONCUSTOMERS_CHROMIUM", "/usr/bin/chromium"))
ROOT = Path(__file__).resolve().parents[1]
SAMPLE_PANEL = ROOT / "sample_data" / "gym_panel.csv"
SAMPLE_SCHEMA = ROOT / "sample_data" / "gym_schema.toml"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

STARTUP_TIMEOUT_S = 90      # the server answers /_stcore/health
PAGE_TIMEOUT_S = 120        # a page visited from the sidebar shows its chart (generous)
# The first page also reads and analyses the panel, while the app compiles UMAP in its map
# worker: on 2 CPUs with five sessions the 5,000-respondent sample took about 90 s.
LOAD_TIMEOUT_S = 240
TOTAL_TIMEOUT_S = 600       # the whole five-session run

# (URL path, start of the page's h1).  URL paths come from the page files (st.Page infers
# them from the file name), i.e. what the sidebar navigation links point to.
PAGES = [("", "Who buys"), ("gaps", "Gaps"), ("errc", "Eliminate"),
         ("canvas", "Strategy canvas")]

pytestmark = [
    pytest.mark.load,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Debian's chromium is not installed "
                                                     f"({CHROMIUM} is absent)"),
]


@dataclass
class Session:
    label: str
    panel: Path | None          # None: the built-in sample
    schema: Path | None
    panel_name: str
    schema_name: str
    n: int
    latencies: dict[str, float] = field(default_factory=dict)

    @property
    def expected_caption(self) -> str:
        return f"{self.panel_name} · {self.n:,} respondents · schema: {self.schema_name}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app in its own process group (its map worker is a child process)."""
    pytest.importorskip("playwright.async_api")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("load_server") / "streamlit.log"
    # No file watcher: the app under load is the app as deployed (and files edited while the
    # test runs must not trigger reloads).
    # The caller's thread settings, not the test session's (conftest.deployed_env).
    env = {**deployed_env(), "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + STARTUP_TIMEOUT_S
        try:
            while True:
                try:
                    urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                    break
                except OSError:
                    if proc.poll() is not None or time.time() > deadline:
                        pytest.fail(f"the app did not start within {STARTUP_TIMEOUT_S} s:\n"
                                    + log_path.read_text(encoding="utf-8"))
                    time.sleep(0.5)
            yield url, log_path
        finally:
            stop_process_group(proc, term_wait=15)


def _sessions(tmp_path: Path) -> list[Session]:
    """Three uploads (own file names, 61/73/89 respondents) and two sample sessions."""
    import pandas as pd

    # Read as text so the written subsample keeps every cell exactly as in the sample.
    sample = pd.read_csv(SAMPLE_PANEL, dtype=str, keep_default_na=False)
    schema_text = SAMPLE_SCHEMA.read_text(encoding="utf-8")
    sessions = []
    for i, (tag, n) in enumerate((("alpha", 61), ("bravo", 73), ("charlie", 89)), start=1):
        panel = tmp_path / f"load_{tag}_panel.csv"
        schema = tmp_path / f"load_{tag}_schema.toml"
        sample.sample(n=n, random_state=i).to_csv(panel, index=False)
        schema.write_text(f"# Load test session {i}\n{schema_text}", encoding="utf-8")
        sessions.append(Session(f"{i} upload", panel, schema, panel.name, schema.name, n))
    for i in (4, 5):
        sessions.append(Session(f"{i} sample", None, None, SAMPLE_PANEL.name,
                                SAMPLE_SCHEMA.name, 5000))
    return sessions


async def _settled(page, slug: str, heading: str, timeout_s: float) -> None:
    await page.wait_for_function(DRAWN_JS, arg=[slug, heading, True],
                                 timeout=timeout_s * 1000, polling=200)


class AppRuns(ScriptRuns):
    """The app's script runs in one page (noncustomers.ui.script_runs), waited for from
    asyncio."""

    async def until(self, condition, what: str, timeout_s: float = PAGE_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what}: not after {timeout_s} s")
            await asyncio.sleep(0.1)

    async def idle(self) -> None:
        await self.until(lambda: self.quiet, "app idle")


async def _upload(runs: AppRuns, uploader, path: Path) -> None:
    """Give ``uploader`` the file (once the app is idle) and wait until it is uploaded."""
    file_input = uploader.locator("input[type=file]")
    chip = uploader.locator("[data-testid=stFileChip]")
    await file_input.wait_for(state="attached")
    await runs.idle()
    asked = runs.reruns_asked
    await file_input.set_input_files(path)
    await chip.wait_for()
    await chip.locator("[data-testid=stFileChipIconSpinner]").wait_for(state="detached")
    # The upload reruns the app: wait for that rerun to be asked for (the page may report it
    # a moment after showing the file); the next upload then waits for it to finish.
    await runs.until(lambda: runs.reruns_asked > asked, f"rerun after uploading {path.name}")


async def _choose_upload(page, runs: AppRuns, events: list[str]) -> None:
    """Choose "Upload my panel" in the sidebar and wait for the survey file's uploader.

    The click waits until the app is idle, and is repeated when no uploader comes: in CI (2
    CPUs, five sessions, the first run waiting for the sample's analysis) a click made during
    the first run once asked for no rerun, and the uploader never came."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    option = page.locator("[data-testid=stSidebar] [data-testid=stRadio] label").filter(
        has_text="Upload my panel")
    uploader = page.locator("[data-testid=stSidebar] [data-testid=stFileUploader]").filter(
        has_text="Survey file").locator("input[type=file]")
    await option.wait_for()
    for attempt in range(1, 4):
        await runs.until(lambda: runs.quiet, "app idle before choosing the upload",
                         LOAD_TIMEOUT_S)
        await option.click()
        try:
            await uploader.wait_for(state="attached", timeout=30_000)
            return
        except PlaywrightTimeout:
            events.append(f"{time.strftime('%H:%M:%S')} no uploader 30 s after click {attempt}")
    raise TimeoutError("the survey file's uploader did not come after three clicks on "
                       "'Upload my panel'")


async def _check_isolation(page, session: Session, others: set[str], where: str) -> None:
    sidebar = await page.locator("[data-testid=stSidebar]").inner_text()
    caption = page.locator("[data-testid=stSidebar] [data-testid=stCaptionContainer]")
    captions = await caption.all_inner_texts()
    assert session.expected_caption in captions, (
        f"session {session.label} on {where}: sidebar caption {captions!r}, "
        f"expected {session.expected_caption!r}")
    leaked = sorted(name for name in others if name in sidebar)
    assert not leaked, f"session {session.label} on {where} shows another session's {leaked}"
    main = page.locator("[data-testid=stMain]")
    assert await page.locator("[data-testid=stException]").count() == 0, (
        f"session {session.label} on {where}: exception shown:\n"
        + "\n".join(await page.locator("[data-testid=stException]").all_inner_texts()))
    text = await main.inner_text()
    leaked = sorted(name for name in others if name in text)
    assert not leaked, f"session {session.label} on {where} shows another session's {leaked}"


async def _run_session(browser, url: str, session: Session, others: set[str],
                       shots: Path) -> None:
    from playwright.async_api import Error as PlaywrightError

    context = await browser.new_context(viewport={"width": 1440, "height": 1000})
    context.set_default_timeout(PAGE_TIMEOUT_S * 1000)
    page = await context.new_page()
    # Kept for the failure message: the browser's console, the app's upload requests and
    # script runs.
    events: list[str] = []
    runs = AppRuns(page, events)
    page.on("console", lambda m: events.append(f"console {m.type}: {m.text[:300]}"))
    page.on("requestfinished", lambda r: events.append(f"{r.method} {r.url}")
            if "upload_file" in r.url else None)
    page.on("requestfailed", lambda r: events.append(f"FAILED {r.method} {r.url} {r.failure}"))
    where = "start"
    try:
        start = time.perf_counter()
        await page.goto(url)
        if session.panel is not None:
            await _choose_upload(page, runs, events)
            uploaders = page.locator("[data-testid=stSidebar] [data-testid=stFileUploader]")
            await _upload(runs, uploaders.filter(has_text="Survey file"), session.panel)
            start = time.perf_counter()
            await _upload(runs, uploaders.filter(has_text="Schema file"), session.schema)
        # Visit every page through the sidebar navigation (a page load would start a new
        # session and lose the uploads), then return to the first page.
        for step, (slug, heading) in enumerate(PAGES + [PAGES[0]]):
            where = f"/{slug}"
            if step:
                start = time.perf_counter()
                await page.locator(f"[data-testid=stSidebarNav] a[href$='/{slug}']").click()
            elif session.panel is not None:  # an upload may open on the Set up page
                await page.locator("[data-testid=stSidebarNav] a").filter(
                    has_text="Tier sizes").click()
            await _settled(page, slug, heading, PAGE_TIMEOUT_S if step else LOAD_TIMEOUT_S)
            elapsed = time.perf_counter() - start
            session.latencies["return /" if step == len(PAGES) else where] = elapsed
            await _check_isolation(page, session, others, where)
            if slug == "":
                respondents = page.locator("[data-testid=stMain] [data-testid=stMetric]") \
                    .filter(has_text="Respondents").locator("[data-testid=stMetricValue]")
                assert (await respondents.inner_text()).strip() == f"{session.n:,}", (
                    f"session {session.label}: overview shows "
                    f"{await respondents.inner_text()!r} respondents, expected {session.n:,}")
        await page.screenshot(path=str(shots / f"session{session.label[0]}.png"), full_page=True)
    except Exception as exc:  # reported with the session and the page it failed on
        shot = shots / f"session{session.label[0]}-failed.png"
        try:
            await page.screenshot(path=str(shot), full_page=True)
        except PlaywrightError:
            shot = None
        raise AssertionError(f"session {session.label} failed on {where} "
                             f"(screenshot {shot}): {type(exc).__name__}: {exc}\n"
                             "browser events (last 30):\n  " + "\n  ".join(events[-30:])
                             ) from exc
    finally:
        await context.close()


async def _run_all(url: str, sessions: list[Session], shots: Path) -> list[BaseException | None]:
    from playwright.async_api import async_playwright

    names = {name for s in sessions for name in (s.panel_name, s.schema_name)}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            return await asyncio.gather(
                *(_run_session(browser, url, s, names - {s.panel_name, s.schema_name}, shots)
                  for s in sessions),
                return_exceptions=True)
        finally:
            await browser.close()


def _latency_table(sessions: list[Session]) -> str:
    columns = [f"/{slug}" for slug, _ in PAGES] + ["return /"]
    header = f"{'session':<10} {'panel':<24} {'n':>6} " + " ".join(f"{c:>9}" for c in columns)
    lines = [header, "-" * len(header)]
    for s in sessions:
        cells = " ".join(f"{s.latencies[c]:>8.1f}s" if c in s.latencies else f"{'-':>9}"
                         for c in columns)
        lines.append(f"{s.label:<10} {s.panel_name:<24} {s.n:>6} {cells}")
    return "\n".join(lines)


def test_five_concurrent_sessions_are_isolated_and_responsive(server, tmp_path):
    url, log_path = server
    sessions = _sessions(tmp_path)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    start = time.perf_counter()
    try:
        results = asyncio.run(asyncio.wait_for(_run_all(url, sessions, shots),
                                               timeout=TOTAL_TIMEOUT_S))
    except TimeoutError:
        pytest.fail(f"the five sessions took longer than {TOTAL_TIMEOUT_S} s\n"
                    + _latency_table(sessions))
    total = time.perf_counter() - start
    print(f"\nFive concurrent sessions against {url}: {total:.1f} s in all "
          f"(first page: from upload or page load to chart; others: from click to chart)")
    print(_latency_table(sessions))
    print(f"screenshots: {shots}")
    failures = [str(r) for r in results if r is not None]
    log = log_path.read_text(encoding="utf-8")
    assert not failures, "\n".join(failures) + "\n--- server log (tail) ---\n" + log[-4000:]
    assert "Traceback" not in log, "the server logged an exception:\n" + log[-4000:]
    for s in sessions:
        first, *visits = s.latencies.items()
        assert first[1] <= LOAD_TIMEOUT_S, f"session {s.label}: first page took {first[1]:.0f} s"
        slow = {page: round(t) for page, t in visits if t > PAGE_TIMEOUT_S}
        assert not slow, f"session {s.label}: pages slower than {PAGE_TIMEOUT_S} s: {slow}"
