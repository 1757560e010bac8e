"""The app as a person sees it: `streamlit run app.py`, driven in Debian's Chromium.

Skipped cleanly when /usr/bin/chromium (Debian package `chromium`) is absent.
Screenshots land in the pytest tmp dir for a human to look at.  The server and the page are
the session's (conftest.browser_app), opened as soon as the tests are collected.
"""

from __future__ import annotations

import time

import pytest
from conftest import CHROMIUM, ROOT

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
    # the gaps page adds the quadrant chart
    assert page.locator(".js-plotly-plot").count() == {"gaps": 2}.get(path, 1)
    if path == "canvas":  # its other tabs are drawn when opened
        page.get_by_role("tab", name="Shape your own curve").click()
        editor = page.locator("[data-testid=stDataFrame]").first
        editor.wait_for(timeout=30_000)
        page.get_by_text("The grid your curve implies", exact=True).wait_for(timeout=30_000)
        _wait_for_chart(page, timeout_s=30)
        assert page.locator(".js-plotly-plot").count() == 1  # your curve against the industry
        # Type a level as a strategist would: the editor is a canvas-drawn grid, so its cell
        # is found by position (factor column 180 px, "your level" 90 px, rows 35 px).
        raised = page.get_by_text("Low price: 7.0 → 9.0")
        assert raised.count() == 0
        editor.scroll_into_view_if_needed()
        grid = editor.bounding_box()
        from playwright.sync_api import TimeoutError as NotYet

        cell = page.locator("input.gdg-input")  # glide-data-grid's editor of the open cell
        for _ in range(3):  # a double click on a grid still settling may only select
            page.mouse.dblclick(grid["x"] + 180 + 45, grid["y"] + 35 + 17)
            try:
                cell.wait_for(timeout=5_000)
                break
            except NotYet:
                page.keyboard.press("Escape")
        cell.fill("9")
        cell.press("Enter")
        raised.wait_for(timeout=30_000)  # the implied grid raises the factor
    shots = tmp_path_factory.getbasetemp() / "screenshots"
    shots.mkdir(exist_ok=True)
    page.screenshot(path=str(shots / f"{path or 'overview'}.png"), full_page=True)


def test_no_request_leaves_the_machine(server, page):
    hosts = set()
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    page.goto(f"{server}/errc")
    _wait_for_chart(page, timeout_s=60)
    assert hosts and all(h.startswith("127.0.0.1") for h in hosts), hosts


# Every page of the navigation, by its link, with the start of its heading.
PAGES = [("Set up", "Set up your survey"), ("Tier sizes", "Who buys"),
         ("Map", "Map of respondents"), ("Segments", "Segments within each tier"),
         ("Gaps", "Gaps"), ("Commonalities", "What non-customers share"),
         ("Differences", "The differences that matter"),
         ("Strategy canvas", "Strategy canvas"), ("ERRC grid", "Eliminate")]


def _settle(page, heading: str, timeout_s: float) -> None:
    """Wait for the page titled ``heading`` and for Streamlit to finish its run."""
    page.locator("h1", has_text=heading).first.wait_for(timeout=timeout_s * 1000)
    time.sleep(0.5)
    deadline = time.time() + timeout_s
    while page.locator("[data-testid=stStatusWidget]").count() and time.time() < deadline:
        time.sleep(0.25)


def test_a_new_user_sets_up_a_raw_survey_and_takes_the_deck(server, page, tmp_path,
                                                            tmp_path_factory):
    """Upload a survey file alone (the sample with its weight column renamed, so the weight
    must be inferred), keep the proposed set-up, Analyse, visit every page, take the deck."""
    from pptx import Presentation

    from noncustomers.draft import draft_from_file

    header, rows = (ROOT / "sample_data" / "gym_panel.csv").read_text(
        encoding="utf-8").split("\n", 1)
    assert ",weight," in header
    rows = "\n".join(rows.split("\n")[:2000]) + "\n"  # 2,000 respondents: a quicker analysis
    survey = tmp_path / "survey_2026.csv"
    survey.write_text(header.replace(",weight,", ",wgt_final,") + "\n" + rows, encoding="utf-8")
    customers = draft_from_file(survey).tiers[0]  # what the Set up page will propose
    assert customers.tier == "customers" and customers.count > 100
    shots = tmp_path_factory.getbasetemp() / "screenshots"
    shots.mkdir(exist_ok=True)

    page.goto(server)  # a new session: the sample
    _settle(page, "Who buys", 180)
    page.get_by_text("Upload my panel").click()
    page.locator("input[type=file]").first.set_input_files(str(survey))
    _settle(page, "Set up your survey", 60)
    # The mapping and the live tier counts may arrive in a later rerun than the heading:
    # wait for them rather than count at once (CI once counted before they were drawn).
    weight = page.get_by_text("wgt_final", exact=True).first  # the inferred weight, named
    weight.wait_for(state="attached", timeout=60_000)  # a cell of a canvas-drawn grid
    counts = page.locator("[data-testid=stCaptionContainer]",
                          has_text=f"→ {customers.count:,} respondents")
    counts.first.wait_for(timeout=60_000)
    assert counts.count() == 1
    page.screenshot(path=str(shots / "setup.png"), full_page=True)

    page.get_by_role("button", name="Analyse").click()
    _settle(page, "Who buys", 240)  # the results open on their first page
    _wait_for_chart(page, timeout_s=60)
    # the analysis goes on behind the first page; its files appear in the sidebar when done
    page.get_by_role("button", name="deck.pptx (PowerPoint)").wait_for(timeout=240_000)
    _settle(page, "Who buys", 60)
    assert "schema: column mapping" in page.locator("[data-testid=stSidebar]").inner_text()
    nav = page.locator("[data-testid=stSidebarNav]")
    assert [a.strip() for a in nav.locator("a").all_inner_texts()] == [p for p, _ in PAGES]
    for link, heading in PAGES:
        nav.locator("a", has_text=link).first.click()
        _settle(page, heading, 120)
        assert page.locator("[data-testid=stException]").count() == 0, link
        assert page.locator("[data-testid=stAlertContentError]").count() == 0, link
        if link != "Set up":
            page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
        page.screenshot(path=str(shots / f"upload_{link.replace(' ', '_')}.png"),
                        full_page=True)

    with page.expect_download(timeout=180_000) as download:
        page.get_by_role("button", name="deck.pptx (PowerPoint)").click()
    assert download.value.suggested_filename == "deck.pptx"
    deck = tmp_path / "deck.pptx"
    download.value.save_as(str(deck))
    slides = list(Presentation(str(deck)).slides)
    assert len(slides) > 3
    cover = " ".join(shape.text_frame.text for shape in slides[0].shapes
                     if shape.has_text_frame)
    assert "survey_2026.csv" in cover and "2,000 respondents" in cover  # the upload's deck
