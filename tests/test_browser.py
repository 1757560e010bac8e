"""The app as a person sees it: `streamlit run app.py`, driven in Debian's Chromium.

Skipped cleanly when /usr/bin/chromium (Debian package `chromium`) is absent.
Screenshots land in the pytest tmp dir for a human to look at.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("the app did not start within 60 s: " + (proc.stdout.read() or ""))
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def page(server):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        pg = browser.new_page(viewport={"width": 1440, "height": 1000})
        yield pg
        browser.close()


def _wait_for_chart(page, timeout_s: float) -> None:
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=timeout_s * 1000)
    # Let Streamlit finish the run (the status widget disappears).
    deadline = time.time() + timeout_s
    while page.locator("[data-testid=stStatusWidget]").count() and time.time() < deadline:
        time.sleep(0.25)


# The map comes last: its first UMAP fit waits for the worker to compile (about a minute),
# which happens in the background while the other views are visited.
VIEWS = [("", "Who buys"), ("gaps", "Gaps"), ("canvas", "Strategy canvas"),
         ("errc", "Eliminate"), ("map", "Map of respondents")]


@pytest.mark.parametrize(("path", "heading"), VIEWS)
def test_view_shows_its_chart_without_errors(server, page, tmp_path_factory, path, heading):
    page.goto(f"{server}/{path}")
    _wait_for_chart(page, timeout_s=180 if path == "map" else 60)
    assert page.locator("h1").first.inner_text().startswith(heading)
    assert page.locator("[data-testid=stException]").count() == 0
    assert page.locator(".js-plotly-plot").count() == 1
    shots = tmp_path_factory.getbasetemp() / "screenshots"
    shots.mkdir(exist_ok=True)
    page.screenshot(path=str(shots / f"{path or 'overview'}.png"), full_page=True)


def test_no_request_leaves_the_machine(server, page):
    hosts = set()
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    page.goto(f"{server}/errc")
    _wait_for_chart(page, timeout_s=60)
    assert hosts and all(h.startswith("127.0.0.1") for h in hosts), hosts
