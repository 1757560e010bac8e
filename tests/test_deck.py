"""The PowerPoint deck (noncustomers.export.deck): native charts with the run's numbers,
every slide type, readable sizes, byte-identical output and formula-safe chart workbooks."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from pptx import Presentation
from pptx.util import Emu

from noncustomers.analysis import analyze
from noncustomers.export import csv_bytes
from noncustomers.export.deck import DEFAULT_TITLE, MAP_POINTS, deck_bytes
from noncustomers.panel import panel_from_frame
from noncustomers.schema import parse_schema
from noncustomers.vocabulary import is_noise

# ---- fixtures: one deck of the sample analysis, one tiny analysis with risky labels --------


@pytest.fixture(scope="module")
def sample_deck(sample_analysis) -> bytes:
    return deck_bytes(sample_analysis)


@pytest.fixture(scope="module")
def sample_prs(sample_deck):
    return Presentation(io.BytesIO(sample_deck))


FORMULA_LABEL = '=HYPERLINK("http://x.io","go")'
AT_LABEL = "@SUM(1+1)"
DDE_BARRIER = "+cmd|' /C calc'!A0"

TINY_SCHEMA = f"""
id = "id"
weight = "w"

[tiers]
customers  = "t == 'c'"
soon-to-be = "t == 's'"
refusing   = "t == 'r'"
unexplored = "true"

[attributes]
a1 = {{ importance = "imp_a1", performance = "perf_a1", scale = [1, 5], label = '{FORMULA_LABEL}' }}
a2 = {{ importance = "imp_a2", performance = "perf_a2", scale = [1, 5], label = "{AT_LABEL}" }}
a3 = {{ importance = "imp_a3", performance = "perf_a3", scale = [1, 5], label = "Plain" }}

[segmentation]
basis = ["imp_*"]
k = 2

[barriers]
columns = ["b_*"]
labels = {{ b_x = "{DDE_BARRIER}", b_y = "Too far" }}
"""


@pytest.fixture(scope="module")
def tiny_analysis():
    """240 respondents in four tiers; attribute and barrier labels a spreadsheet would run;
    no map (map "none"); unexplored respondents never rated performance."""
    rng = np.random.default_rng(7)
    n = 240
    tiers = np.array(["c", "s", "r", "u"])[rng.integers(0, 4, n)]
    frame = pd.DataFrame({"id": [f"r{i:03d}" for i in range(n)], "w": rng.uniform(0.5, 2, n),
                          "t": tiers})
    for a in ("a1", "a2", "a3"):
        frame[f"imp_{a}"] = rng.integers(1, 6, n)
        perf = rng.integers(1, 6, n).astype(float)
        perf[tiers == "u"] = np.nan
        frame[f"perf_{a}"] = perf
    frame["b_x"] = np.where(tiers == "c", np.nan, rng.integers(0, 2, n))
    frame["b_y"] = np.where(tiers == "c", np.nan, rng.integers(0, 2, n))
    panel = panel_from_frame(frame, parse_schema(TINY_SCHEMA), source="tiny.csv")
    return analyze(panel, seed=0, map=None, stability_runs=0, curve_resamples=0,
                   driver_boot=0)


# ---- helpers -------------------------------------------------------------------------------


def _titles(prs) -> list[str]:
    return [slide.shapes.title.text if slide.shapes.title is not None else ""
            for slide in prs.slides]


def _charts(prs):
    return [(slide, shape) for slide in prs.slides for shape in slide.shapes
            if shape.has_chart]


def _chart_named(prs, name: str):
    found = [shape.chart for _, shape in _charts(prs) if shape.name == name]
    assert len(found) == 1, f"one chart named {name!r} expected, found {len(found)}"
    return found[0]


def _texts(shape):
    """(text, size in pt or None) of every run of a shape's text or table cells."""
    frames = []
    if shape.has_text_frame:
        frames.append(shape.text_frame)
    if getattr(shape, "has_table", False) and shape.has_table:
        frames += [cell.text_frame for row in shape.table.rows for cell in row.cells]
    for frame in frames:
        for paragraph in frame.paragraphs:
            for run in paragraph.runs:
                if run.text.strip():
                    yield run.text, (run.font.size.pt if run.font.size is not None else None)


# ---- the sample deck ---------------------------------------------------------------------


def test_deck_is_16_9_with_every_slide_type(sample_prs, sample_analysis):
    prs = sample_prs
    assert prs.slide_width / prs.slide_height == pytest.approx(16 / 9, rel=1e-3)
    assert Emu(prs.slide_width).inches == pytest.approx(13.333, abs=0.01)
    titles = _titles(prs)
    assert titles[0] == DEFAULT_TITLE
    assert titles[-1].startswith("How these figures were made")

    def has(fragment: str) -> bool:
        return any(fragment in t for t in titles)

    assert has("of the market does not buy yet")                       # tiers
    assert has("The map:")                                              # map
    for tier in ("Soon-to-be", "Refusing", "Unexplored"):               # one per tier
        assert has(f"{tier} non-customers want"), titles
    assert has("The most shared barrier is “Gyms feel intimidating”")   # commonalities
    assert has("The blue-ocean curve")                                  # canvas
    assert has("Raise “Welcoming, not intimidating”")                   # ERRC
    assert has("The proposed curve serves 71% of non-customers better and 13% of "
               "customers worse")                                       # curve test
    segments = [s for s in sample_analysis.summary()["segments"] if not is_noise(s)]
    for segment in segments:                                            # one per segment
        name = sample_analysis.segment_names[segment]               # "Name (refusing-2, ..."
        assert sum(t.lower().startswith(f"{name} ({segment}, ".lower()) for t in titles) == 1, \
            segment
    assert len(titles) == 1 + 1 + 1 + 3 + 1 + 1 + 1 + 1 + len(segments) + 1
    charts = _charts(prs)
    assert len(charts) >= 3
    kinds = {shape.name.split(":")[0] for _, shape in charts}
    assert {"tiers chart", "map chart", "gaps chart", "commonalities chart", "canvas chart",
            "curve test chart", "segment chart"} <= kinds
    assert any(getattr(shape, "has_table", False) and shape.has_table
               for slide in prs.slides for shape in slide.shapes)      # the ERRC grid


def test_titles_of_the_findings(sample_prs):
    titles = _titles(sample_prs)
    # tiers: the share of non-customers and the largest tier, as summary.json has them
    assert titles[1] == ("80% of the market does not buy yet; the unexplored are the largest "
                         "group (36%)")
    # the unexplored never used a gym: gaps against users' ratings (4.7 = 6.30 - 1.59)
    assert ("Unexplored non-customers want “Childcare on site”; the industry under-delivers "
            "it by 4.7 points") in titles
    errc = next(t for t in titles if t.startswith("Raise"))
    assert "create “Childcare on site”" in errc


def test_every_chart_slide_has_notes_with_base_interval_and_source(sample_prs):
    for slide, shape in _charts(sample_prs):
        notes = slide.notes_slide.notes_text_frame.text
        assert "n = " in notes and "effective n" in notes, shape.name
        assert "interval" in notes.lower(), shape.name
        assert "Source: gym_panel.csv" in notes and "columns:" in notes, shape.name
    curve = next(s for s, sh in _charts(sample_prs) if sh.name.startswith("curve test"))
    assert "Sensitivity to the margin" in curve.notes_slide.notes_text_frame.text
    map_slide = next(s for s, sh in _charts(sample_prs) if sh.name == "map chart")
    assert "stratified by tier" in map_slide.notes_slide.notes_text_frame.text
    assert "seed 0" in map_slide.notes_slide.notes_text_frame.text


def test_readable_sizes_and_nothing_off_the_slide(sample_prs):
    prs = sample_prs
    for number, slide in enumerate(prs.slides, 1):
        for shape in slide.shapes:
            assert shape.left >= 0 and shape.top >= 0, (number, shape.name)
            assert shape.left + shape.width <= prs.slide_width, (number, shape.name)
            assert shape.top + shape.height <= prs.slide_height, (number, shape.name)
            for text, size in _texts(shape):
                assert size is not None, (number, text)
                if shape == slide.shapes.title:
                    assert size >= 24, (number, text)
                else:
                    assert size >= 14, (number, text)
            if shape.has_chart:
                assert shape.chart.font.size.pt >= 14
        assert len(slide.shapes.title.text) <= 130  # two lines at most (fitted to the width)


def test_house_colours(sample_prs):
    from noncustomers.charts.theme import INDUSTRY_COLOR, PROPOSED_COLOR, TIER_COLORS

    def rgb(fmt) -> str:
        return "#" + str(fmt.fill.fore_color.rgb)

    common = _chart_named(sample_prs, "commonalities chart: barrier")
    for series in common.plots[0].series:
        assert rgb(series.format) == TIER_COLORS[series.name]
    canvas = _chart_named(sample_prs, "canvas chart")
    colours = {s.name: "#" + str(s.format.line.color.rgb) for s in canvas.plots[0].series}
    assert colours["Industry offering (performance)"] == INDUSTRY_COLOR
    assert colours["Proposed blue-ocean curve (ERRC)"] == PROPOSED_COLOR
    assert colours["What the unexplored value"] == TIER_COLORS["unexplored"]
    gaps = _chart_named(sample_prs, "gaps chart: refusing")
    assert {rgb(s.format) for s in gaps.plots[0].series} == {TIER_COLORS["refusing"],
                                                              INDUSTRY_COLOR}
    assert canvas.value_axis.minimum_scale == 0 and canvas.value_axis.maximum_scale == 10


@pytest.mark.parametrize("tier", ["refusing", "unexplored"])
def test_gaps_chart_carries_the_numbers_of_gaps_csv(sample_prs, sample_analysis, tier):
    chart = _chart_named(sample_prs, f"gaps chart: {tier}")
    attribute_of = {a.display: name for name, a in sample_analysis.panel.schema.attributes.items()}
    categories = [attribute_of[c] for c in chart.plots[0].categories]
    values = {s.name: dict(zip(categories, s.values)) for s in chart.plots[0].series}
    importance = next(v for k, v in values.items() if k.startswith("Importance"))
    performance = next(v for k, v in values.items() if k.startswith("Industry performance"))
    assert sorted(categories) == sorted(sample_analysis.panel.schema.attributes)

    csv = pd.read_csv(io.BytesIO(csv_bytes(sample_analysis.gaps)))
    for table in (sample_analysis.gaps, csv):
        rows = table[table["group"] == tier].set_index("attribute")
        users = table[table["group"] == "all"].set_index("attribute")
        for attribute in categories:
            assert round(importance[attribute], 6) == pytest.approx(
                rows.loc[attribute, "importance"], abs=1e-6)
            if tier == "unexplored":
                # never-users: gaps.csv leaves their performance empty; the chart shows users'
                assert np.isnan(rows.loc[attribute, "performance"])
                expected = users.loc[attribute, "performance"]
            else:
                expected = rows.loc[attribute, "performance"]
            assert round(performance[attribute], 6) == pytest.approx(expected, abs=1e-6)
    # sorted by gap, largest unmet need on top (drawn last in a horizontal bar chart)
    gaps = [importance[a] - performance[a] for a in categories]
    assert gaps == sorted(gaps)


def test_tier_chart_and_curve_chart_match_summary(sample_prs, sample_analysis):
    summary = sample_analysis.summary()
    tiers = _chart_named(sample_prs, "tiers chart")
    shares = dict(zip(tiers.plots[0].categories, tiers.plots[0].series[0].values))
    for tier, info in summary["tiers"].items():
        if info["n"]:
            assert shares[tier] == pytest.approx(info["share"], abs=1e-6)
    test = summary["curves"]["blue ocean"]
    curve = _chart_named(sample_prs, "curve test chart: blue ocean")
    cats = [c.replace("all non-customers", "non-customers") for c in curve.plots[0].categories]
    series = {s.name: dict(zip(cats, s.values)) for s in curve.plots[0].series}
    for group in cats:
        assert series["Better served"][group] == pytest.approx(test["better_served"][group])
        assert series["Worse served"][group] == pytest.approx(test["worse_served"][group])


def test_map_is_a_seeded_sample_stratified_by_tier(sample_prs, sample_analysis):
    chart = _chart_named(sample_prs, "map chart")
    counts = {}
    for series in chart.plots[0].series:
        tier = series.name.split(" (")[0]
        counts[tier] = sum(v is not None for v in series.values)
    assert sum(counts.values()) == MAP_POINTS
    n = len(sample_analysis.tiers)
    for tier, shown in counts.items():
        share = (sample_analysis.tiers == tier).sum() / n
        assert abs(shown - MAP_POINTS * share) <= 1


def test_errc_grid_marks_borderline_calls(sample_prs, sample_analysis):
    table = next(shape.table for slide in sample_prs.slides for shape in slide.shapes
                 if getattr(shape, "has_table", False) and shape.has_table)
    cells = {table.cell(r, c).text: table.cell(r + 1, c).text for r in (0, 2) for c in (0, 1)}
    assert set(cells) == {"Eliminate", "Raise", "Reduce", "Create"}
    for action, entries in sample_analysis.errc.items():
        for entry in entries:
            label = entry["label"]
            assert label in cells[action.capitalize()]
            borderline = entry["evidence"]["confidence"] == "borderline"
            assert (f"{label} (borderline)" in cells[action.capitalize()]) == borderline
    assert "Range of equipment (borderline)" in cells["Reduce"]


def test_two_calls_give_identical_bytes(sample_deck, sample_analysis):
    assert deck_bytes(sample_analysis) == sample_deck
    with zipfile.ZipFile(io.BytesIO(sample_deck)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        names = [info.filename for info in archive.infolist()]
        assert any(name.startswith("ppt/embeddings/") for name in names)
    props = Presentation(io.BytesIO(sample_deck)).core_properties
    assert props.author == "noncustomers" and props.revision == 1
    assert props.created == props.modified == props.last_printed
    assert props.created.year == 1980
    other = deck_bytes(sample_analysis, title="Gyms", source="Gym survey, wave 3")
    assert other != sample_deck
    assert _titles(Presentation(io.BytesIO(other)))[0] == "Gyms"


# ---- the tiny case: formula-like labels, no map, low bases --------------------------------


def test_formula_like_labels_are_neutralised_in_chart_workbooks(tiny_analysis):
    prs = Presentation(io.BytesIO(deck_bytes(tiny_analysis)))
    seen = set()
    for _, shape in _charts(prs):
        blob = shape.chart.part.chart_workbook.xlsx_part.blob
        sheet = load_workbook(io.BytesIO(blob)).active
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (shape.name, cell.value)
                    assert not cell.value.startswith(("=", "+", "-", "@")), (shape.name,
                                                                             cell.value)
                    seen.add(cell.value)
        for category in getattr(shape.chart.plots[0], "categories", []):
            assert not str(category).startswith(("=", "+", "@"))
    assert "'" + FORMULA_LABEL in seen
    assert "'" + AT_LABEL in seen
    assert "'" + DDE_BARRIER in seen


def test_no_map_slide_and_low_bases_are_marked(tiny_analysis):
    prs = Presentation(io.BytesIO(deck_bytes(tiny_analysis)))
    titles = _titles(prs)
    no_map = next(i for i, t in enumerate(titles) if t.startswith("No map was computed"))
    body = " ".join(text for shape in prs.slides[no_map].shapes for text, _ in _texts(shape))
    assert "--map pca" in body and "customers: n = " in body   # not an empty slide
    assert not any(shape.name == "map chart" for _, shape in _charts(prs))
    summary = tiny_analysis.summary()
    low = [s for s, info in summary["segments"].items() if info["low_base"]]
    assert low, "the tiny panel should have segments with a low base"
    for segment in low:
        slide = next(s for s, t in zip(prs.slides, titles) if f"({segment}, " in t)
        marks = [text for shape in slide.shapes for text, _ in _texts(shape)
                 if text.startswith("LOW BASE: n_eff")]
        assert marks, segment
    assert deck_bytes(tiny_analysis) == deck_bytes(tiny_analysis)
