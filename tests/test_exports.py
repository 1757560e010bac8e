"""The one writer: charts as PNG/SVG/PDF files, the HTML report, the app's downloads."""

from __future__ import annotations

import html
import re
import shutil
import struct
from html.parser import HTMLParser

import pytest

from noncustomers.cli import main
from noncustomers.export.figures import CHART_KINDS, analysis_figures
from noncustomers.export.images import FORMATS, chart_bytes
from noncustomers.export.run import CHARTS_FOLDER, OUTPUT_FILES, write_run

needs_chromium = pytest.mark.skipif(shutil.which("chromium") is None,
                                    reason="static chart export needs Debian's chromium")


@pytest.fixture(scope="module")
def figures(sample_analysis):
    return analysis_figures(sample_analysis)


def test_every_kind_of_chart_is_drawn_once_per_group(sample_analysis, figures):
    kinds = {kind for kind in CHART_KINDS for name in figures
             if name == kind or name.startswith(kind + "-")}
    assert kinds == set(CHART_KINDS)
    groups = ["all", *sample_analysis.tier_order]
    assert [n for n in figures if n.startswith("gaps-")] == [f"gaps-{g}" for g in groups]
    assert [n for n in figures if n.startswith("drivers-")] == [
        "drivers-soon-to-be", "drivers-refusing", "drivers-unexplored"]
    assert "curve-test-blue-ocean" in figures
    for name in figures:
        assert re.fullmatch(r"[a-z0-9-]+", name), name


def test_quadrant_chart_places_each_factor_by_its_figures(sample_analysis, figures):
    fig = figures["quadrants-refusing"]
    rows = sample_analysis.gaps[sample_analysis.gaps["group"] == "refusing"].set_index("attribute")
    labels = {name: a.display for name, a in sample_analysis.panel.schema.attributes.items()}
    by_label = {labels[a]: (r.performance, r.importance) for a, r in rows.iterrows()}
    drawn = {}
    for trace in fig.data:
        for text, x, y in zip(trace.text, trace.x, trace.y):
            drawn[text] = (x, y)
            # the quadrant named by the trace is the one the point is drawn in
            assert trace.name == {(True, False): "concentrate here", (True, True): "keep up",
                                  (False, False): "low priority",
                                  (False, True): "possible overkill"}[(y >= 5, x >= 5)]
    assert drawn.keys() == by_label.keys()
    for label, (x, y) in drawn.items():
        assert (x, y) == pytest.approx(by_label[label])
    # the quadrants' names sit in bands above 10 and below 0, where no point can be
    corners = [a for a in fig.layout.annotations if a.text and a.text.startswith("<i>")]
    assert len(corners) == 4 and all(a.y > 10.4 or a.y < -0.4 for a in corners)
    assert fig.layout.yaxis.range[0] < -0.4 and fig.layout.yaxis.range[1] > 10.4


def test_curve_test_chart_carries_the_summary_shares(sample_analysis, figures):
    test = sample_analysis.curves_tested["blue ocean"]
    better, worse = figures["curve-test-blue-ocean"].data
    groups = list(better.x)
    assert groups == ["soon-to-be", "refusing", "unexplored", "non-customers", "customers"]
    assert list(better.y) == [test["better_served"][g] for g in groups]
    assert list(worse.y) == [test["worse_served"][g] for g in groups]
    share = test["better_served"]["non-customers"]
    assert f"{share:.0%} of non-customers better" in figures["curve-test-blue-ocean"].layout.title.text


def test_drivers_chart_ranks_and_colours_by_who_values_more(sample_analysis, figures):
    drivers = sample_analysis.drivers
    rows = drivers[drivers["tier"] == "unexplored"].sort_values("rank")
    fig = figures["drivers-unexplored"]
    values = {y: x for trace in fig.data for x, y in zip(trace.x, trace.y)}
    labels = {name: a.display for name, a in sample_analysis.panel.schema.attributes.items()}
    for r in rows.itertuples():
        assert values[labels[r.attribute]] == pytest.approx(r.importance)
    assert fig.layout.title.text.startswith(f"<b>{labels[rows['attribute'].iloc[0]]} sets")


@needs_chromium
def test_charts_are_written_in_every_format_at_slide_size(sample_analysis, figures, tmp_path,
                                                          monkeypatch):
    from noncustomers.export import images

    # Chromium draws one chart of each kind as PNG, and the first three in every format: the
    # same renderer and page size for the other 20 PNGs and 48 vectors would add half a
    # minute to the suite and show nothing new.  The others get a stand-in, so that the file
    # set is still checked whole.  write_run draws the figures in their order, each format
    # in turn: the n-th call of a format is the n-th figure (checked by its title).
    real, names = images.chart_bytes, list(figures)
    first_of_kind = {next(n for n in names if n == kind or n.startswith(kind + "-"))
                     for kind in CHART_KINDS}
    vectors = set(names[:3])
    calls = {fmt: 0 for fmt in FORMATS}

    def drawn(name: str, fmt: str) -> bool:
        return name in vectors or (fmt == "png" and name in first_of_kind)

    def some_charts(fig, fmt):
        name = names[calls[fmt]]
        calls[fmt] += 1
        assert fig.layout.title.text == figures[name].layout.title.text, (name, fmt)
        return real(fig, fmt) if drawn(name, fmt) else b"not drawn in this test"

    monkeypatch.setattr(images, "chart_bytes", some_charts)
    out = tmp_path / "run"
    written = write_run(sample_analysis, out, charts=FORMATS)
    assert calls == {fmt: len(names) for fmt in FORMATS}
    written_names = {p.relative_to(out).as_posix() for p in written}
    assert set(OUTPUT_FILES) <= written_names
    charts = sorted((out / CHARTS_FOLDER).iterdir())
    assert {p.name for p in charts} == {f"{n}.{f}" for n in figures for f in FORMATS}
    for path in charts:
        if not drawn(path.stem, path.suffix[1:]):
            continue
        data = path.read_bytes()
        if path.suffix == ".png":
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
            width, height = struct.unpack(">II", data[16:24])
            assert width >= 1920 and width * 9 == height * 16, path.name
        elif path.suffix == ".svg":
            head = data[:400].decode()
            assert "<svg" in head and 'width="1280"' in head and 'height="720"' in head
        else:
            assert data.startswith(b"%PDF-")
            box = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data)
            assert box and float(box[1]) * 9 == pytest.approx(float(box[2]) * 16, rel=1e-3)
    # the same figure gives the same bytes in every format (no clock, no random ids)
    for name in list(figures)[:3]:
        for fmt in FORMATS:
            assert chart_bytes(figures[name], fmt) == (out / CHARTS_FOLDER / f"{name}.{fmt}"
                                                       ).read_bytes(), (name, fmt)
    assert "map" in list(figures)[:3]  # the largest figure is among those drawn in every format


def test_charts_without_chromium_exit_2_before_any_work(write_tiny_panel, tmp_path, capsys,
                                                         monkeypatch):
    panel, schema = write_tiny_panel()
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chromium"))
    out = tmp_path / "out"
    code = main(["analyze", str(panel), "--schema", str(schema), "--out", str(out),
                 "--charts", "png"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "--charts needs a local Chromium" in err[0] and "BROWSER_PATH" in err[0]
    assert not out.exists()


def test_unknown_chart_format_is_one_line(write_tiny_panel, tmp_path, capsys):
    panel, schema = write_tiny_panel()
    code = main(["analyze", str(panel), "--schema", str(schema), "--out", str(tmp_path / "o"),
                 "--charts", "png,gif"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "gif is not a chart format" in err[0]


# ---- the app's downloads are the CLI's files ---------------------------------------------------

def test_app_downloads_are_the_cli_files_byte_for_byte(sample_cli_run, sample_analysis):
    from noncustomers.ui.sidebar import _file

    assert sample_cli_run.code == 0
    for name in OUTPUT_FILES:
        assert _file(sample_analysis, name) == (sample_cli_run.out / name).read_bytes(), name


# ---- the HTML report ----------------------------------------------------------------------------

class _Assets(HTMLParser):
    """Every URL the page would load: src and href attributes, CSS url(...) and @import."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.chart_ids: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "data", "poster", "srcset", "action") and value:
                self.urls.append(value)
            if name == "id" and value and value.startswith("chart-"):
                self.chart_ids.append(value[len("chart-"):])
        self._in_style = tag == "style"

    def handle_data(self, data):
        if self._in_style:
            self.urls += re.findall(r"url\(([^)]*)\)", data) + re.findall(r"@import", data)


@pytest.fixture(scope="module")
def report(sample_analysis):
    from noncustomers.export.report import report_html

    return report_html(sample_analysis)


def test_report_loads_nothing_from_elsewhere(report):
    page = report.decode("utf-8")
    parser = _Assets()
    parser.feed(page)
    assert parser.urls == []  # no src=, href=, url(...) or @import at all
    assert "<script src" not in page and "cdn.plot.ly" not in page.split("</script>", 1)[1]
    assert page.count("<script type='text/javascript'>/**") == 1  # plotly.js inlined once


def test_report_holds_every_chart_and_the_key_tables(report, figures, sample_analysis):
    page = report.decode("utf-8")
    parser = _Assets()
    parser.feed(page)
    assert sorted(parser.chart_ids) == sorted(figures)  # each chart once
    for heading in ("Who buys, and who does not yet", "The strategy canvas and the ERRC grid",
                    "The curve test", "Method"):
        assert f"<h2>{heading}</h2>" in page
    for entry in sample_analysis.errc["create"]:
        assert f"<td>{html.escape(entry['label'])}</td>" in page  # words: left-aligned
    assert "<td class='num'>1,068</td>" in page  # figures: right-aligned (customers, n)


def test_report_is_reproducible(report, sample_analysis):
    from noncustomers.export.report import report_html

    assert report_html(sample_analysis) == report


# ---- noncustomers report ------------------------------------------------------------------------

def test_report_command_writes_the_html_file(write_tiny_panel, tmp_path, capsys):
    panel, schema = write_tiny_panel()
    out = tmp_path / "client" / "report.html"
    code = main(["report", str(panel), "--schema", str(schema), "--out", str(out),
                 "--title", "Gyms <for> everyone"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    page = out.read_text(encoding="utf-8")
    assert "<title>Gyms &lt;for&gt; everyone</title>" in page  # the title, escaped
    assert f"wrote {out} (HTML report" in printed.out
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]  # nothing staged left


@pytest.mark.parametrize("name, args, message", [
    ("deck.key", [], "a report is a PowerPoint deck (.pptx) or an HTML report (.html)"),
    ("exists.html", [], "exists; use --force to replace it"),
    ("report.html", ["--prize-margin", "11"], "--prize-margin must be between 0 and 10"),
])
def test_report_command_refuses_bad_options_in_one_line(write_tiny_panel, tmp_path, capsys,
                                                       name, args, message):
    panel, schema = write_tiny_panel()
    (tmp_path / "exists.html").write_text("keep me")
    out = tmp_path / name
    code = main(["report", str(panel), "--schema", str(schema), "--out", str(out), *args])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and message in err[0]
    assert (tmp_path / "exists.html").read_text() == "keep me"
    assert not (tmp_path / "deck.key").exists() and not (tmp_path / "report.html").exists()


def test_report_command_writes_the_deck(write_tiny_panel, tmp_path, capsys):
    from pptx import Presentation

    panel, schema = write_tiny_panel()
    out = tmp_path / "deck.pptx"
    code = main(["report", str(panel), "--schema", str(schema), "--out", str(out)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    deck = Presentation(str(out))
    assert deck.slide_width * 9 == deck.slide_height * 16
    assert len(deck.slides) >= 5


def test_summary_and_assignments_are_built_once_and_handed_out_as_copies(sample_analysis):
    """Every app page asks for both (0.6 s at 100k respondents): they are built once per
    analysis, and what a caller does to its copy never reaches the next caller."""
    first = sample_analysis.summary()
    first["tiers"].clear()
    first["warnings"].append("changed by a caller")
    again = sample_analysis.summary()
    assert again["tiers"] and "changed by a caller" not in again["warnings"]
    assert sample_analysis.summary() is not sample_analysis.summary()
    table = sample_analysis.assignments
    table["tier"] = "nobody"
    assert (sample_analysis.assignments["tier"] != "nobody").all()
    # and the files are what they were before caching: summary.json from the summary
    import json

    assert json.loads(sample_analysis.files()["summary.json"])["tiers"] == again["tiers"]
