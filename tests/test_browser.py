"""The app as a person sees it: `streamlit run app.py`, driven in Debian's Chromium.

Skipped cleanly when /usr/bin/chromium (Debian package `chromium`) is absent.
Screenshots land in the pytest tmp dir for a human to look at.  The server and the page are
the session's (conftest.browser_app), opened as soon as the tests are collected.
"""

from __future__ import annotations

import time

import pytest
from conftest import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture(scope="module")
def server(browser_app):
    """The app's address.  conftest.browser_app runs it for the session and opens its first
    view as soon as the tests are collected (the server analyses the sample and compiles
    UMAP beside the other tests)."""
    return browser_app.url


@pytest.fixture(scope="module")
def page(browser_app):
    return browser_app.page


def _wait_for_chart(page, timeout_s: float) -> None:
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=timeout_s * 1000)
    # Let Streamlit finish the run (the status widget disappears).
    deadline = time.time() + timeout_s
    while page.locator("[data-testid=stStatusWidget]").count() and time.time() < deadline:
        time.sleep(0.25)


# The map shows PCA at once: the server (NONCUSTOMERS_MAP_WORKER=lazy, see conftest) compiles
# UMAP only when a UMAP map is asked for; UMAP itself is tested in the test process.
VIEWS = [("", "Who buys"), ("gaps", "Gaps"), ("canvas", "Strategy canvas"),
         ("errc", "Eliminate"), ("map", "Map of respondents")]


@pytest.mark.parametrize(("path", "heading"), VIEWS)
def test_view_shows_its_chart_without_errors(server, page, tmp_path_factory, path, heading):
    page.goto(f"{server}/{path}")
    # The first view may wait for the server's analysis of the sample (started at collection,
    # or only now under pytest-xdist).
    _wait_for_chart(page, timeout_s=180 if path == "" else 60)
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
