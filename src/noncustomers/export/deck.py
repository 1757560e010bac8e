"""The findings of one run as a 16:9 PowerPoint deck, with native (editable) charts.

:func:`deck_bytes` turns an :class:`~noncustomers.analysis.Analysis` into a ``.pptx`` file:

1. title slide;
2. the tiers and their sizes;
3. the map of respondents (or a slide saying no map was computed);
4. per non-customer tier, what it values against what the industry delivers;
5. the barriers the non-customer tiers share;
6. the strategy canvas;
7. the ERRC grid;
8. the curve test, one slide per tested curve;
9. one slide per segment (noise left out);
10. the method: bases, weights, intervals, segmentation, sources, versions.

Every chart is a native PowerPoint chart (its data in an embedded workbook, editable in
PowerPoint), coloured with the house colours of :mod:`noncustomers.charts.theme` (one
colour per tier everywhere).  Titles state the finding; the speaker notes of every chart
slide give each figure's base (n and effective n), interval and source (file, columns).
Low bases and borderline ERRC calls are marked on the slides.

The same analysis gives the same bytes: nothing time-dependent is written (core properties
and every zip entry carry fixed dates), and the embedded workbooks are written with fixed
properties too.  Text that a spreadsheet would run as a formula is neutralised
(:func:`noncustomers.export.tables.neutralise`) before it enters a chart's workbook.
"""

from __future__ import annotations

import io
import math
import zipfile
from contextlib import contextmanager
from datetime import datetime
from importlib import metadata
from pathlib import PurePath, PureWindowsPath
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pptx import Presentation
from pptx.chart.data import CategoryChartData, XyChartData
from pptx.chart.xlsx import CategoryWorkbookWriter, XyWorkbookWriter
from pptx.dml.color import RGBColor
from pptx.enum.chart import (XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION,
                             XL_MARKER_STYLE, XL_TICK_LABEL_POSITION, XL_TICK_MARK)
from pptx.enum.dml import MSO_LINE
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt, lazyproperty
from xlsxwriter import Workbook

from noncustomers.analytics.canvas import INDUSTRY_CURVE, PROPOSED_CURVE
from noncustomers.analytics.gaps import LOW_BASE
from noncustomers.analytics.weighted import kish_n_eff, taylor_share_interval
from noncustomers.charts.theme import ERRC_COLORS, INDUSTRY_COLOR, PROPOSED_COLOR, tier_color
from noncustomers.export.tables import neutralise
from noncustomers.vocabulary import NON_CUSTOMER_TIERS, UNCLASSIFIED, is_noise, segment_label

if TYPE_CHECKING:  # pragma: no cover
    from noncustomers.analysis import Analysis

__all__ = ["DEFAULT_TITLE", "MAP_POINTS", "deck_bytes"]

DEFAULT_TITLE = "Who does not buy yet, and what would bring them in"
#: At most this many respondents are drawn on the map slide (a seeded sample by tier).
MAP_POINTS = 2_000
#: Fixed date of every zip entry and core property, so that the bytes do not depend on time.
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
FIXED_DATETIME = datetime(*FIXED_DATE_TIME)
AUTHOR = "noncustomers"

# ---- layout (inches) -------------------------------------------------------------------------
SLIDE_W, SLIDE_H = Emu(12192000), Emu(6858000)  # 13.333 x 7.5 in, 16:9
MARGIN = 0.5
CONTENT_W = 13.333 - 2 * MARGIN
TITLE_TOP, TITLE_H = 0.3, 1.2
BODY_TOP = 1.62
FOOTER_TOP, FOOTER_H = 6.92, 0.42
BODY_H = FOOTER_TOP - BODY_TOP - 0.08
TITLE_SIZES = (28, 26, 24)
BODY_SIZE = 16
SMALL_SIZE = 14  # the smallest text on a slide
FONT = "Arial"
TEXT_COLOR = "222222"
MUTED_COLOR = "555555"
ALERT_COLOR = "B8420F"  # low-base and borderline marks (dark vermilion, readable on white)
LABEL_CHARS = 38  # longer chart labels are shortened (full text in the notes)

# Advance widths of ASCII 32-126 in Arial (= Liberation Sans), thousandths of an em: used to
# keep titles within two lines and text boxes within their frames.
_REGULAR = (278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
            556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
            1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
            667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
            333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
            556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584)
_BOLD = (278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556,
         556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722,
         722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722,
         667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556,
         611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333,
         611, 556, 778, 556, 556, 500, 389, 280, 389, 584)
_WIDE = {"“": 333, "”": 333, "‘": 222, "’": 222, "–": 556, "—": 1000, "…": 1000, "−": 584,
         "×": 584, "•": 350, "■": 604, "é": 556, "è": 556, "ë": 556, "á": 556, "à": 556,
         "ä": 556, "ö": 556, "ü": 556, "ç": 500, "ñ": 556}
_OTHER_WIDTH = 700  # any other character: a safe guess
_SAFETY = 0.92  # renderers differ a little: aim at 92% of the frame's width


# =============================================================================================
# Deterministic embedded workbooks
# =============================================================================================


class _FixedWorkbook:
    """A chart's workbook with fixed properties, and text cells written as text only."""

    @contextmanager
    def _open_worksheet(self, xlsx_file):
        workbook = Workbook(xlsx_file, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False})
        workbook.set_properties({"created": FIXED_DATETIME, "author": AUTHOR})
        worksheet = workbook.add_worksheet()
        yield workbook, worksheet
        workbook.close()


class _CategoryWriter(_FixedWorkbook, CategoryWorkbookWriter):
    pass


class _XyWriter(_FixedWorkbook, XyWorkbookWriter):
    pass


class _CategoryData(CategoryChartData):
    @lazyproperty
    def _workbook_writer(self):
        return _CategoryWriter(self)


class _XyData(XyChartData):
    @lazyproperty
    def _workbook_writer(self):
        return _XyWriter(self)


# =============================================================================================
# Small helpers: text, numbers, colours
# =============================================================================================


def _rgb(color: str) -> RGBColor:
    return RGBColor.from_string(color.lstrip("#").upper())


def _width_pt(text: str, size: float, bold: bool = False) -> float:
    table = _BOLD if bold else _REGULAR
    units = sum(table[ord(c) - 32] if 32 <= ord(c) < 127 else _WIDE.get(c, _OTHER_WIDTH)
                for c in text)
    return units * size / 1000.0


def _line_count(text: str, width_in: float, size: float, bold: bool = False) -> int:
    """Lines ``text`` takes in a frame ``width_in`` wide (greedy word wrap, as renderers do)."""
    room = width_in * 72.0 * _SAFETY
    total = 0
    for paragraph in text.split("\n"):
        lines, current = 1, 0.0
        space = _width_pt(" ", size, bold)
        for word in paragraph.split(" "):
            w = _width_pt(word, size, bold)
            if current == 0.0:
                current = w
            elif current + space + w <= room:
                current += space + w
            else:
                lines += 1
                current = w
            while current > room:  # a word longer than the line breaks across lines
                lines += 1
                current -= room
        total += lines
    return total


def _shorten(text: str, chars: int = LABEL_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= chars else text[:chars - 1].rstrip(" ,;:-") + "…"


def _cell(text: Any) -> str:
    """A label as it enters a chart (and so its workbook): short and formula-safe."""
    return neutralise(_shorten(str(text)))


def _quote(label: str) -> str:
    return f"“{_shorten(label, 44)}”"


def _pct(value: float | None, digits: int = 0) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    return f"{value * 100:.{digits}f}%"


def _interval(lo: float | None, hi: float | None, digits: int = 0) -> str:
    if lo is None or hi is None or not (np.isfinite(lo) and np.isfinite(hi)):
        return "no interval"
    return f"95% interval {_pct(lo, digits)}–{_pct(hi, digits)}"


def _num(value: float | None, digits: int = 1) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    return f"{value:.{digits}f}"


def _signed(value: float) -> str:
    return f"{value:+.1f}".replace("-", "−")


def _base(n: int, n_eff: float | None) -> str:
    eff = "" if n_eff is None or not np.isfinite(n_eff) else f", effective n {n_eff:,.0f}"
    return f"n = {n:,}{eff}"


def _file_name(path: str | None) -> str:
    if not path:
        return "(no file)"
    return PureWindowsPath(PurePath(str(path)).name).name or str(path)


def _tier_title(tier: str) -> str:
    return tier[:1].upper() + tier[1:]


def _pretty_variable(name: str) -> str:
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else str(name)


def _finite(value: Any) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


# =============================================================================================
# Slide building blocks
# =============================================================================================


class _Deck:
    """The presentation being built, with the facts every slide needs."""

    def __init__(self, analysis: Analysis, title: str, source: str | None) -> None:
        self.analysis = analysis
        self.summary = analysis.summary()
        self.schema = analysis.panel.schema
        self.labels = {name: a.display for name, a in self.schema.attributes.items()}
        self.panel_file = _file_name(analysis.config.get("panel") or analysis.panel.source)
        self.schema_file = _file_name(analysis.config.get("schema") or self.schema.source)
        self.source = source if source else self.panel_file
        self.title = title
        settings = analysis.settings
        self.seed = int(settings.seed if settings is not None else analysis.config.get("seed", 0))
        rules = analysis.config.get("errc_rules") or {}
        self.valued = float(rules.get("valued", 6.0))
        self.tiers = [t for t in self.schema.tier_names]
        self.noncustomer_tiers = [t for t in NON_CUSTOMER_TIERS if t in self.schema.tiers]
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = SLIDE_W, SLIDE_H
        self.weights = np.asarray(analysis.panel.weights, dtype=float)

    # ---- slides ------------------------------------------------------------------------------

    def slide(self, title: str | list[str], *, layout: int = 5):
        slide = self.prs.slides.add_slide(self.prs.slide_layouts[layout])
        candidates = [title] if isinstance(title, str) else title
        self._title(slide.shapes.title, candidates)
        return slide

    def _title(self, shape, candidates: list[str]) -> None:
        text, size = _fit_title(candidates, CONTENT_W - 0.2)
        shape.left, shape.top = Inches(MARGIN), Inches(TITLE_TOP)
        shape.width, shape.height = Inches(CONTENT_W), Inches(TITLE_H)
        frame = shape.text_frame
        frame.word_wrap = True
        frame.auto_size = MSO_AUTO_SIZE.NONE
        frame.vertical_anchor = MSO_ANCHOR.MIDDLE
        frame.margin_left = frame.margin_right = Inches(0.1)
        frame.margin_top = frame.margin_bottom = Inches(0.05)
        frame.text = text
        paragraph = frame.paragraphs[0]
        paragraph.alignment = PP_ALIGN.LEFT
        paragraph.line_spacing = 1.0
        for run in paragraph.runs:
            _style_run(run, size, bold=True)

    def footer(self, slide, text: str | None = None) -> None:
        s = self.summary
        text = text or (f"Source: {self.source} · {_base(s['n'], s['n_eff'])} · 95% intervals "
                        "and bases in the notes")
        _text_box(slide, MARGIN, FOOTER_TOP, CONTENT_W, FOOTER_H,
                  [(_shorten(text, 125), SMALL_SIZE, False, MUTED_COLOR)])

    def notes(self, slide, lines: list[str]) -> None:
        slide.notes_slide.notes_text_frame.text = "\n".join(lines)

    def source_line(self, columns: list[str]) -> str:
        cols = ", ".join(dict.fromkeys(c for c in columns if c))
        return (f"Source: {self.source} (panel file {self.panel_file}, schema "
                f"{self.schema_file})" + (f"; columns: {cols}" if cols else ""))

    def tier_base(self, tier: str) -> tuple[int, float]:
        info = self.summary["tiers"].get(tier, {})
        return int(info.get("n", 0)), float(info.get("n_eff", 0.0))

    def tier_columns(self) -> list[str]:
        return [c for rule in self.schema.tiers.values() for c in rule.columns]

    def weight_note(self) -> str:
        return (f"weights from column '{self.schema.weight}'" if self.schema.weight
                else "unweighted (every respondent weighs 1)")


def _style_run(run, size: float, bold: bool = False, color: str = TEXT_COLOR,
               italic: bool = False) -> None:
    font = run.font
    font.name = FONT
    font.size = Pt(size)
    font.bold = bold
    font.italic = italic
    font.color.rgb = _rgb(color)


Paragraph = tuple  # (text, size, bold, color) with an optional 5th item: italic


def _text_box(slide, left: float, top: float, width: float, height: float,
              paragraphs: list[Paragraph], *, anchor=MSO_ANCHOR.TOP, fill: str | None = None,
              line: str | None = None, space_after: float = 4, name: str | None = None):
    """A text box of paragraphs ``(text, size, bold, color[, italic])``; sizes are shrunk
    (never below 14 pt) and the last paragraphs dropped when they would overflow."""
    paragraphs = _fit_paragraphs(paragraphs, width - 0.2, height - 0.1, space_after)
    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    if name:
        box.name = name
    frame = box.text_frame
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    frame.vertical_anchor = anchor
    frame.margin_left = frame.margin_right = Inches(0.1)
    frame.margin_top = frame.margin_bottom = Inches(0.05)
    if fill:
        box.fill.solid()
        box.fill.fore_color.rgb = _rgb(fill)
    if line:
        box.line.color.rgb = _rgb(line)
        box.line.width = Pt(1.5)
    for i, item in enumerate(paragraphs):
        text, size, bold, color = item[:4]
        italic = bool(item[4]) if len(item) > 4 else False
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.space_after = Pt(space_after)
        for part, part_color in (text if isinstance(text, list) else [(text, color)]):
            run = paragraph.add_run()
            run.text = part
            _style_run(run, size, bold, part_color, italic)
    return box


def _plain(text: str | list[tuple[str, str]]) -> str:
    return "".join(part for part, _ in text) if isinstance(text, list) else text


def _swatch(tier: str, text: str) -> list[tuple[str, str]]:
    """A paragraph's runs: a square in the tier's colour, then the text."""
    return [("■ ", tier_color(tier)), (text, TEXT_COLOR)]


def _paragraphs_height(paragraphs: list[Paragraph], width: float, space_after: float) -> float:
    points = sum(_line_count(_plain(p[0]), width, p[1], p[2]) * p[1] * 1.2 + space_after
                 for p in paragraphs)
    return points / 72.0


def _fit_paragraphs(paragraphs: list[Paragraph], width: float, height: float,
                    space_after: float) -> list[Paragraph]:
    paragraphs = list(paragraphs)
    for shrink in (0, 1, 2):
        sized = [(p[0], max(SMALL_SIZE, p[1] - shrink), *p[2:]) for p in paragraphs]
        if _paragraphs_height(sized, width, space_after) <= height:
            return sized
    more = ("… (more in the notes)", SMALL_SIZE, False, MUTED_COLOR)
    while len(sized) > 1 and _paragraphs_height(sized + [more], width, space_after) > height:
        sized.pop()
    if len(sized) == len(paragraphs) or _paragraphs_height(sized + [more], width,
                                                           space_after) > height:
        return sized  # one paragraph that does not fit: kept whole at the smallest size
    return sized + [more]


def _fit_title(candidates: list[str], width: float) -> tuple[str, int]:
    """The first candidate that fits in two lines at the largest title size that fits."""
    for size in TITLE_SIZES:
        for text in candidates:
            if _line_count(text, width, size, bold=True) <= 2:
                return text, size
    size = TITLE_SIZES[-1]
    text = candidates[-1]
    while len(text) > 10 and _line_count(text + "…", width, size, bold=True) > 2:
        text = text[:-1]
    return (text.rstrip(" ,;:") + "…") if text != candidates[-1] else text, size


def _callout(slide, left: float, top: float, width: float, text: str, height: float = 0.5):
    """A visible mark (low base, borderline): white bold text on dark vermilion."""
    return _text_box(slide, left, top, width, height, [(text, SMALL_SIZE, True, "FFFFFF")],
                     anchor=MSO_ANCHOR.MIDDLE, fill=ALERT_COLOR, name="alert")


# ---- charts ----------------------------------------------------------------------------------


def _chart_fonts(chart, legend: bool) -> None:
    chart.font.name = FONT
    chart.font.size = Pt(SMALL_SIZE)
    chart.font.color.rgb = _rgb(TEXT_COLOR)
    chart.has_title = False
    chart.has_legend = legend
    if legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        chart.legend.font.size = Pt(SMALL_SIZE)
        chart.legend.font.name = FONT


def _fill(fmt, color: str) -> None:
    fmt.fill.solid()
    fmt.fill.fore_color.rgb = _rgb(color)


def _bar_chart(slide, box: tuple[float, float, float, float], categories: list[str],
               series: list[tuple[str, list[float | None], str]], *, horizontal: bool = True,
               number_format: str = "0%", axis_max: float | None = None, major: float | None = None,
               point_colors: list[str] | None = None, legend: bool = True, labels: bool = True,
               gap_width: int = 60, name: str = "chart", tick_format: str | None = None):
    """Clustered bars; ``series`` are ``(name, values, colour)``; in a horizontal chart the
    first category, and within it the first series, is drawn on top."""
    data = _CategoryData(number_format=number_format)
    cats = [_cell(c) for c in categories]
    values = [[None if v is None or not np.isfinite(v) else float(v) for v in vals]
              for _, vals, _ in series]
    if horizontal:  # PowerPoint draws the first category (and series) at the bottom
        cats = cats[::-1]
        values = [v[::-1] for v in values][::-1]
        series = series[::-1]
        point_colors = point_colors[::-1] if point_colors else None
    data.categories = cats
    for (label, _, _), vals in zip(series, values):
        data.add_series(_cell(label), vals)
    kind = XL_CHART_TYPE.BAR_CLUSTERED if horizontal else XL_CHART_TYPE.COLUMN_CLUSTERED
    left, top, width, height = box
    frame = slide.shapes.add_chart(kind, Inches(left), Inches(top), Inches(width),
                                   Inches(height), data)
    frame.name = name
    chart = frame.chart
    _chart_fonts(chart, legend)
    plot = chart.plots[0]
    plot.gap_width = gap_width
    plot.overlap = -5 if len(series) > 1 else 0
    plot.vary_by_categories = False
    for s, (_, _, color) in zip(plot.series, series):
        _fill(s.format, color)
        s.invert_if_negative = False
    if point_colors:
        for i, color in enumerate(point_colors):
            _fill(plot.series[0].points[i].format, color)
    if labels:
        plot.has_data_labels = True
        dl = plot.data_labels
        dl.number_format = number_format
        dl.number_format_is_linked = False
        dl.position = XL_LABEL_POSITION.OUTSIDE_END
        dl.font.size = Pt(SMALL_SIZE)
        dl.font.name = FONT
        dl.show_value = True
    axis = chart.value_axis
    axis.minimum_scale = 0
    if axis_max is not None:
        axis.maximum_scale = axis_max
    if major is not None:
        axis.major_unit = major
    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = _rgb("DDDDDD")
    axis.tick_labels.number_format = tick_format or number_format
    axis.tick_labels.number_format_is_linked = False
    axis.tick_labels.font.size = Pt(SMALL_SIZE)
    axis.format.line.fill.background()
    cat_axis = chart.category_axis
    cat_axis.tick_labels.font.size = Pt(SMALL_SIZE)
    cat_axis.major_tick_mark = XL_TICK_MARK.NONE
    cat_axis.format.line.color.rgb = _rgb("888888")
    return chart


# =============================================================================================
# The slides
# =============================================================================================


def _title_slide(deck: _Deck) -> None:
    s = deck.summary
    slide = deck.prs.slides.add_slide(deck.prs.slide_layouts[0])
    title = slide.shapes.title
    text, size = _fit_title([deck.title], CONTENT_W - 0.2)
    title.left, title.top = Inches(MARGIN), Inches(1.7)
    title.width, title.height = Inches(CONTENT_W), Inches(2.0)
    frame = title.text_frame
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    frame.vertical_anchor = MSO_ANCHOR.BOTTOM
    frame.text = text
    frame.paragraphs[0].alignment = PP_ALIGN.LEFT
    big = next((z for z in (40, 36, 32) if _line_count(text, CONTENT_W - 0.2, z, True) == 1),
               36 if _line_count(text, CONTENT_W - 0.2, 36, True) <= 2 else size)
    for run in frame.paragraphs[0].runs:
        _style_run(run, big, bold=True)
    segments = [g for g, v in s["segments"].items() if not is_noise(g)]
    tiers_found = [t for t in deck.noncustomer_tiers if s["tiers"].get(t, {}).get("n", 0) > 0]
    sha = deck.analysis.panel.sha256
    lines = [
        f"Data: {deck.source}" + (f" (file {deck.panel_file})" if deck.source != deck.panel_file
                                  else ""),
        f"{s['n']:,} respondents (weighted {s['weighted_n']:,.0f}; effective n "
        f"{s['n_eff']:,.0f}) · {len(tiers_found)} non-customer "
        f"tier{'' if len(tiers_found) == 1 else 's'} · {len(segments)} segments",
        (f"Schema {deck.schema_file} · seed {deck.seed}" if deck.schema.source != "schema"
         else f"Seed {deck.seed}")
        + (f" · panel SHA-256 {sha[:12]}…" if sha else ""),
    ]
    subtitle = slide.placeholders[1]
    subtitle.left, subtitle.top = Inches(MARGIN), Inches(3.9)
    subtitle.width, subtitle.height = Inches(CONTENT_W), Inches(1.9)
    sub = subtitle.text_frame
    sub.word_wrap = True
    sub.auto_size = MSO_AUTO_SIZE.NONE
    sub.vertical_anchor = MSO_ANCHOR.TOP
    for i, line in enumerate(lines):
        paragraph = sub.paragraphs[0] if i == 0 else sub.add_paragraph()
        paragraph.alignment = PP_ALIGN.LEFT
        paragraph.space_after = Pt(6)
        run = paragraph.add_run()
        run.text = _shorten(line, 110)
        _style_run(run, 20 if i == 0 else 18, color=MUTED_COLOR if i else TEXT_COLOR)
    bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(MARGIN), Inches(3.78),
                                 Inches(3.0), Inches(0.08))
    bar.line.fill.background()
    _fill(bar, PROPOSED_COLOR)
    deck.notes(slide, [
        "Made by noncustomers from one analysis run; every figure in this deck comes from "
        "that run's output files (summary.json, gaps.csv, commonalities.csv, canvas.csv, "
        "profiles.csv).",
        deck.source_line([]),
        f"Seed {deck.seed}; the same panel, schema and seed give the same deck, byte for byte.",
        "No date is written by the tool (nothing time-dependent): add the fieldwork date to "
        "the source if needed.",
    ])


def _tiers_slide(deck: _Deck) -> None:
    s = deck.summary
    tiers = [t for t in deck.tiers if t in s["tiers"]]
    if s["tiers"].get(UNCLASSIFIED, {}).get("n", 0) > 0:
        tiers.append(UNCLASSIFIED)
    shares = {t: s["tiers"][t]["share"] for t in tiers}
    present = [t for t in deck.noncustomer_tiers if s["tiers"][t]["n"] > 0]
    mask = np.isin(deck.analysis.tiers.to_numpy(), present)
    nc_share, nc_lo, nc_hi = (taylor_share_interval(mask.astype(float), deck.weights)
                              if len(mask) else (np.nan, np.nan, np.nan))
    if present:
        largest = max(present, key=lambda t: shares[t])
        overall = max(tiers, key=lambda t: shares[t])
        if largest == overall:
            tail = f"the {largest} are the largest group ({_pct(shares[largest])})"
        else:
            tail = f"the largest non-customer tier is the {largest} ({_pct(shares[largest])})"
        titles = [f"{_pct(nc_share)} of the market does not buy yet; {tail}",
                  f"{_pct(nc_share)} of the market does not buy yet"]
    else:
        titles = ["Every respondent is a customer: no non-customer tier was found"]
    slide = deck.slide(titles)
    _bar_chart(slide, (MARGIN, BODY_TOP, 8.2, BODY_H), tiers,
               [("Weighted share of respondents", [shares[t] for t in tiers], "#999999")],
               point_colors=[tier_color(t) for t in tiers], legend=False,
               axis_max=min(1.0, max(shares.values(), default=0) * 1.25 + 0.02),
               gap_width=50, name="tiers chart")
    panel: list[Paragraph] = []
    if present:
        panel.append((f"Non-customers: {_pct(nc_share)}", 24, True, TEXT_COLOR))
        nc_base = _base(int(mask.sum()), kish_n_eff(deck.weights[mask]))
        panel.append((f"{_interval(nc_lo, nc_hi)}; {nc_base}",
                      SMALL_SIZE, False, MUTED_COLOR))
        prize = s.get("prize", {}).get("total", {})
        if prize.get("people") is not None:
            panel.append((f"The prize: {prize['people']:,.0f} people in the weights' units "
                          f"({prize.get('people_lo', 0):,.0f}–{prize.get('people_hi', 0):,.0f})",
                          BODY_SIZE, False, TEXT_COLOR))
    for t in tiers:
        info = s["tiers"][t]
        line = f"{t}: {_pct(info['share'])} (n = {info['n']:,})"
        if info.get("low_base") and info["n"] > 0:
            line += f" — low base: n_eff {info['n_eff']:.0f} < {LOW_BASE}"
        panel.append((line, BODY_SIZE, bool(info.get("low_base") and info["n"] > 0),
                      ALERT_COLOR if info.get("low_base") and info["n"] > 0 else TEXT_COLOR))
    _text_box(slide, MARGIN + 8.4, BODY_TOP + 0.2, CONTENT_W - 8.4, BODY_H - 0.2, panel)
    deck.footer(slide)
    notes = ["Weighted share of respondents in each tier (Kim & Mauborgne's tiers: customers, "
             "soon-to-be, refusing, unexplored), from the schema's tier rules."]
    for t in tiers:
        info = s["tiers"][t]
        interval = _interval(info["share_lo"], info["share_hi"], 1)
        notes.append(f"{t}: {_pct(info['share'], 1)} ({interval}); "
                     f"{_base(info['n'], info['n_eff'])}"
                     + (" — LOW BASE" if info.get("low_base") and info["n"] > 0 else ""))
    if present:
        notes.append(f"All non-customers: {_pct(nc_share, 1)} ({_interval(nc_lo, nc_hi, 1)}).")
    notes += [f"Base: all respondents, {_base(s['n'], s['n_eff'])}, weighted n "
              f"{s['weighted_n']:,.1f}; {deck.weight_note()}.",
              "Intervals: 95%, Taylor-linearised variance of the weighted share, Wilson "
              "interval on the Korn-Graubard effective base.",
              "Tier rules: " + "; ".join(f"{t} = {r.text}" for t, r in deck.schema.tiers.items()),
              deck.source_line(deck.tier_columns())]
    deck.notes(slide, notes)


def _map_sample(tiers: np.ndarray, ok: np.ndarray, order: list[str], seed: int,
                limit: int = MAP_POINTS) -> dict[str, np.ndarray]:
    """Row indices to draw per tier: all of them, or a seeded sample stratified by tier
    (proportional allocation, largest remainders) of ``limit`` rows."""
    index = {t: np.flatnonzero(ok & (tiers == t)) for t in order}
    total = sum(len(v) for v in index.values())
    if total <= limit:
        return index
    exact = {t: limit * len(v) / total for t, v in index.items()}
    quota = {t: math.floor(x) for t, x in exact.items()}
    rest = limit - sum(quota.values())
    for t in sorted(order, key=lambda t: (-(exact[t] - quota[t]), order.index(t)))[:rest]:
        quota[t] += 1
    rng = np.random.default_rng(seed)
    return {t: np.sort(rng.choice(index[t], size=min(quota[t], len(index[t])), replace=False))
            for t in order}


def _map_slide(deck: _Deck) -> None:
    a = deck.analysis
    s = deck.summary
    coords = np.asarray(a.coordinates, dtype=float)
    ok = np.isfinite(coords).all(axis=1) if coords.ndim == 2 and len(coords) else np.zeros(0, bool)
    method = a.config.get("map")
    basis = list(a.panel.basis) if hasattr(a.panel, "basis") else []
    if not ok.any():
        slide = deck.slide("No map was computed for this run: the tiers are compared by their "
                           "answers on the next slides")
        body: list[Paragraph] = [
            ("The run was made without a 2-D map (map “none”), so respondents are not "
             "placed on a map here.", 20, False, TEXT_COLOR),
            ("To draw one, run the analysis again with --map pca (instant) or --map umap, "
             "or choose a map in the app.", 18, False, TEXT_COLOR),
            ("Who is in each tier:", 18, True, TEXT_COLOR),
        ]
        for t in a.tier_order:
            info = s["tiers"].get(t, {})
            if info.get("n", 0):
                body.append((_swatch(t, f"{t}: n = {info['n']:,}, {_pct(info['share'])} of "
                                        "the weighted sample"), 18, False, TEXT_COLOR))
        _text_box(slide, MARGIN, BODY_TOP + 0.2, CONTENT_W, BODY_H - 0.2, body)
        deck.footer(slide)
        deck.notes(slide, ["No map: the run's map setting was 'none' (coordinates are empty "
                           "in assignments.csv).", deck.source_line([])])
        return
    order = [t for t in a.tier_order if (a.tiers == t).any()]
    tiers = a.tiers.to_numpy()
    picks = _map_sample(tiers, ok, order, deck.seed)
    shown = sum(len(v) for v in picks.values())
    total = int(ok.sum())
    label = {"umap": "UMAP", "pca": "PCA"}.get(str(method), str(method))
    slide = deck.slide([f"The map: respondents who answered alike sit close together "
                        f"({label} of the segmentation basis)",
                        "The map: respondents who answered alike sit close together"])
    data = _XyData()
    rows = max(len(v) for v in picks.values())
    for t in order:
        series = data.add_series(_cell(f"{t} ({len(picks[t]):,} shown)"))
        for i in picks[t]:
            series.add_data_point(round(float(coords[i, 0]), 6), round(float(coords[i, 1]), 6))
        # Every series as long as the longest (blank points): LibreOffice draws series of
        # different lengths wrongly (all in one colour, or some not at all).
        for _ in range(rows - len(picks[t])):
            series.add_data_point(None, None)
    frame = slide.shapes.add_chart(XL_CHART_TYPE.XY_SCATTER, Inches(MARGIN), Inches(BODY_TOP),
                                   Inches(8.2), Inches(BODY_H), data)
    frame.name = "map chart"
    chart = frame.chart
    _chart_fonts(chart, legend=True)
    for plot_series, t in zip(chart.plots[0].series, order):
        plot_series.marker.style = XL_MARKER_STYLE.CIRCLE
        plot_series.marker.size = 4
        _fill(plot_series.marker.format, tier_color(t))
        plot_series.marker.format.line.fill.background()
        plot_series.format.line.fill.background()
        _alpha(plot_series.marker.format, 70)
    xs, ys = coords[ok, 0], coords[ok, 1]
    for axis, values in ((chart.category_axis, xs), (chart.value_axis, ys)):
        lo, hi = float(np.min(values)), float(np.max(values))
        pad = (hi - lo) * 0.05 or 1.0
        axis.minimum_scale, axis.maximum_scale = round(lo - pad, 2), round(hi + pad, 2)
        axis.has_major_gridlines = False
        axis.tick_label_position = XL_TICK_LABEL_POSITION.NONE
        axis.major_tick_mark = XL_TICK_MARK.NONE
        axis.format.line.fill.background()  # the axes cross at an origin that means nothing
    sampled = shown < total
    drawn = np.concatenate([picks[t] for t in order])
    distinct = len(np.unique(np.round(coords[drawn], 6), axis=0))
    panel: list[Paragraph] = [
        ("Each dot is a respondent; nearby dots gave similar answers on the segmentation "
         "basis. The axes have no units.", BODY_SIZE, False, TEXT_COLOR),
        (f"Shown: {shown:,} of {total:,} respondents"
         + (f", a random sample stratified by tier (seed {deck.seed})." if sampled else "."),
         BODY_SIZE, False, TEXT_COLOR),
    ]
    if distinct < 0.8 * shown:
        panel.append((f"Only {distinct:,} distinct positions: respondents who gave identical "
                      "answers share one dot.", BODY_SIZE, False, TEXT_COLOR))
    for t in order:
        panel.append((_swatch(t, f"{t}: {int((tiers == t).sum()):,} respondents"), BODY_SIZE,
                      True, TEXT_COLOR))
    _text_box(slide, MARGIN + 8.4, BODY_TOP + 0.2, CONTENT_W - 8.4, BODY_H - 0.2, panel)
    deck.footer(slide)
    deck.notes(slide, [
        f"Map: {label} of the segmentation basis (weighted-standardised, median-imputed), "
        "one dot per respondent, coloured by tier.",
        (f"{shown:,} of {total:,} points drawn: a seeded random sample stratified by tier "
         f"(proportional allocation, seed {deck.seed}), at most {MAP_POINTS:,} points."
         if sampled else f"All {total:,} respondents drawn."),
        f"Base: {_base(s['n'], s['n_eff'])}; the map has no interval (a picture of the answers, "
        "not an estimate).",
        deck.source_line(basis + ["x", "y (assignments.csv)"]),
    ])


def _alpha(fmt, opacity_pct: int) -> None:
    """Set the opacity of a solid fill (python-pptx has no API for it)."""
    fill = fmt._element.spPr.find(qn("a:solidFill"))  # python-pptx's own element
    if fill is None or not len(fill):
        return
    color = fill[0]
    for old in color.findall(qn("a:alpha")):
        color.remove(old)
    alpha = color.makeelement(qn("a:alpha"), {"val": str(int(opacity_pct * 1000))})
    color.append(alpha)


def _gap_rows(deck: _Deck, group: str) -> tuple[pd.DataFrame, bool]:
    """Rows of ``analysis.gaps`` for a group, with ``performance`` and ``gap`` taken from
    users' ratings (group ``all``) when the group rated nothing (never-users: gaps.csv
    leaves their performance empty).  Returns the rows and whether that substitution
    happened."""
    gaps = deck.analysis.gaps
    rows = gaps[gaps["group"] == group].copy()
    borrowed = False
    if len(rows) and rows["performance"].isna().all() and (gaps["group"] == "all").any():
        overall = gaps[gaps["group"] == "all"].set_index("attribute")["performance"]
        rows["performance"] = rows["attribute"].map(overall).to_numpy(dtype=float)
        rows["gap"] = rows["importance"] - rows["performance"]
        borrowed = bool(rows["performance"].notna().any())
    return rows, borrowed


def _top_gap(rows: pd.DataFrame, valued: float) -> tuple[pd.Series | None, pd.Series | None]:
    """(largest positive gap among the important attributes, most important attribute)."""
    rated = rows[rows["importance"].notna()]
    if rated.empty:
        return None, None
    top = rated.sort_values("importance", ascending=False, kind="stable").iloc[0]
    important = rated[rated["importance"] >= valued]
    if important.empty:
        important = rated.sort_values("importance", ascending=False, kind="stable").head(3)
    positive = important[important["gap"] > 0]
    if positive.empty:
        return None, top
    return positive.sort_values("gap", ascending=False, kind="stable").iloc[0], top


def _gaps_slide(deck: _Deck, tier: str) -> None:
    rows, borrowed = _gap_rows(deck, tier)
    if rows.empty:
        return
    rows = rows.sort_values("gap", ascending=False, na_position="last", kind="stable")
    name = f"{_tier_title(tier)} non-customers"
    best, top = _top_gap(rows, deck.valued)
    if best is not None:
        label = deck.labels.get(best["attribute"], best["attribute"])
        titles = [f"{name} want {_quote(label)}; the industry under-delivers it by "
                  f"{best['gap']:.1f} points",
                  f"{name} want {_quote(label)}: under-delivered by {best['gap']:.1f} points"]
    elif top is not None:
        label = deck.labels.get(top["attribute"], top["attribute"])
        titles = [f"{name} value {_quote(label)} most; the industry already meets what they "
                  "value most",
                  f"{name}: the industry already meets what they value most"]
    else:
        titles = [f"{name}: no importance was measured, so no gap can be read"]
    slide = deck.slide(titles)
    derived = (rows["importance_source"] == "derived").any()
    perf_name = "Industry performance" + (" (users' rating)" if borrowed else "")
    imp_name = f"Importance to the {tier}" + (" (derived)" if derived else "")
    categories = [deck.labels.get(a, a) for a in rows["attribute"]]
    _bar_chart(slide, (MARGIN, BODY_TOP, 8.3, BODY_H), categories,
               [(imp_name, rows["importance"].tolist(), tier_color(tier)),
                (perf_name, rows["performance"].tolist(), INDUSTRY_COLOR)],
               number_format="0.0", axis_max=10, major=2, gap_width=45,
               name=f"gaps chart: {tier}", tick_format="0")
    n, n_eff = int(rows["n"].iloc[0]), float(rows["n_eff"].iloc[0])
    low = bool(rows["low_base"].iloc[0])
    panel: list[Paragraph] = [("Largest unmet needs", 18, True, TEXT_COLOR)]
    rated = rows[rows["importance"].notna() & rows["gap"].notna()]
    unmet = rated[(rated["gap"] > 0)].sort_values("gap", ascending=False, kind="stable").head(3)
    for r in unmet.itertuples():
        panel.append((f"{_shorten(deck.labels.get(r.attribute, r.attribute), 30)}: valued "
                      f"{r.importance:.1f}, delivered {r.performance:.1f} (gap {_signed(r.gap)})",
                      BODY_SIZE, False, TEXT_COLOR))
    if unmet.empty:
        panel.append(("none: the industry delivers at least what they value",
                      BODY_SIZE, False, MUTED_COLOR))
    over = rated[rated["gap"] < 0].sort_values("gap", kind="stable").head(2)
    if len(over):
        panel.append(("Most over-served", 18, True, TEXT_COLOR))
        for r in over.itertuples():
            panel.append((f"{_shorten(deck.labels.get(r.attribute, r.attribute), 30)}: valued "
                          f"{r.importance:.1f}, delivered {r.performance:.1f}",
                          BODY_SIZE, False, TEXT_COLOR))
    panel.append((f"Scores 0-10, weighted means; {_base(n, n_eff)}", SMALL_SIZE, False,
                  MUTED_COLOR))
    if borrowed:
        panel.append(("They have not used the offering: performance is as users rate it.",
                      SMALL_SIZE, False, MUTED_COLOR, True))
    top_y = BODY_TOP + 0.1
    if low:
        _callout(slide, MARGIN + 8.5, top_y, CONTENT_W - 8.5,
                 f"LOW BASE: n_eff {n_eff:.0f} < {LOW_BASE}, read with care")
        top_y += 0.6
    _text_box(slide, MARGIN + 8.5, top_y, CONTENT_W - 8.5, FOOTER_TOP - top_y - 0.1, panel)
    deck.footer(slide)
    attrs = deck.schema.attributes
    columns = [c for a in rows["attribute"] for c in
               ((attrs[a].importance or "", attrs[a].performance or "") if a in attrs else ())]
    notes = [f"What {tier} non-customers value (importance) against what the industry delivers "
             "(performance), per attribute, 0-10 (weighted means rescaled from each scale); "
             "sorted by gap = importance - performance.",
             f"Base: the {tier} tier, {_base(n, n_eff)}, weighted n "
             f"{float(rows['weighted_n'].iloc[0]):,.1f}" + (" — LOW BASE" if low else "") + ".",
             "Intervals: 95%, Taylor-linearised standard errors of the weighted means (bootstrap "
             "for a derived importance):"]
    for r in rows.itertuples():
        lab = deck.labels.get(r.attribute, r.attribute)
        perf = (f"performance {_num(r.performance, 2)}" + (
            f" ({_num(r.performance_lo, 2)}-{_num(r.performance_hi, 2)})" if not borrowed
            else " (users)"))
        notes.append(f"  {lab}: importance {_num(r.importance, 2)} ({_num(r.importance_lo, 2)}"
                     f"-{_num(r.importance_hi, 2)}), {perf}, gap {_num(r.gap, 2)}")
    if borrowed:
        all_base = deck.summary
        notes.append("Never-users cannot rate the offering, so gaps.csv leaves this tier's "
                     "performance (and gap) empty; the chart shows performance as rated by "
                     f"everyone who rated it (group 'all' of gaps.csv; all respondents "
                     f"{_base(all_base['n'], all_base['n_eff'])}, those who answered) and the "
                     "gap against it.")
    if derived:
        notes.append(f"Importance is derived from what drives '{deck.schema.importance_from}' "
                     f"({deck.schema.importance_method}), a group-level figure with bootstrap "
                     "intervals.")
    notes.append(deck.source_line(columns + ([deck.schema.importance_from] if derived else [])
                                  + [f"gaps.csv rows group = {tier}"]))
    deck.notes(slide, notes)


def _no_gaps_slide(deck: _Deck) -> None:
    slide = deck.slide("What non-customers value: the survey rates no attributes, so no gap "
                       "can be measured")
    _text_box(slide, MARGIN, BODY_TOP + 0.2, CONTENT_W, BODY_H - 0.2, [
        ("The schema maps no [attributes] (importance and performance ratings of the "
         "industry's competing factors), so there is no gap between what each non-customer "
         "tier values and what the industry delivers, no ERRC grid and no strategy canvas.",
         20, False, TEXT_COLOR),
        ("Add an [attributes] table to the schema to measure them.", 18, False, MUTED_COLOR)])
    deck.footer(slide)
    deck.notes(slide, ["gaps.csv has no attribute rows for this run.", deck.source_line([])])


def _commonalities_slide(deck: _Deck) -> None:
    table = deck.analysis.commonalities
    tiers = [t for t in deck.noncustomer_tiers
             if f"prevalence_{t}" in table.columns
             and table[f"prevalence_{t}"].notna().any()]
    kind = "barrier"
    rows = table[table["kind"] == "barrier"] if "kind" in table.columns else table.iloc[0:0]
    if rows.empty and "kind" in table.columns and (table["kind"] == "need").any():
        kind, rows = "need", table[table["kind"] == "need"]
    if rows.empty or not tiers:
        present = [t for t in deck.noncustomer_tiers if deck.tier_base(t)[0] > 0]
        slide = deck.slide("What non-customers share: there are no non-customers in this panel"
                           if not present else
                           "What non-customers share: this survey asked no reasons for not "
                           "buying" if rows.empty else "What non-customers share: no "
                           "non-customer tier to compare")
        _text_box(slide, MARGIN, BODY_TOP + 0.2, CONTENT_W, BODY_H - 0.2, [
            ("No commonalities to show: the schema maps no [barriers] (reasons for not buying) "
             "and no stated importance that the non-customer tiers could share.", 20, False,
             TEXT_COLOR),
            ("Add a [barriers] table to the schema (yes/no columns or one multi-response "
             "column) to see which barriers the soon-to-be, refusing and unexplored share.",
             18, False, MUTED_COLOR)])
        deck.footer(slide)
        deck.notes(slide, ["commonalities.csv is empty for this run.", deck.source_line([])])
        return
    rows = rows.sort_values("rank", kind="stable").head(6)
    first = rows.iloc[0]
    values = [first[f"prevalence_{t}"] for t in tiers if _finite(first[f"prevalence_{t}"])]
    span = (f"{_pct(min(values))} to {_pct(max(values))} of each non-customer tier"
            if len(values) > 1 else f"{_pct(values[0])} of the {tiers[0]}" if values else "")
    if kind == "barrier":
        titles = [f"The most shared barrier is {_quote(first['label'])}: {span} give it",
                  f"The most shared barrier: {_quote(first['label'])} ({span})",
                  f"The most shared barrier: {_quote(first['label'])}"]
    else:
        titles = [f"No barriers asked; the most shared need is {_quote(first['label'])}: "
                  f"{span} rate it top-box important",
                  f"The most shared need: {_quote(first['label'])}"]
    slide = deck.slide(titles)
    series = [(t, rows[f"prevalence_{t}"].tolist(), tier_color(t)) for t in tiers]
    top = max((v for _, vals, _ in series for v in vals if _finite(v)), default=1.0)
    _bar_chart(slide, (MARGIN, BODY_TOP, 8.6, BODY_H), rows["label"].tolist(), series,
               axis_max=min(1.0, math.ceil((top * 1.15 + 0.05) * 10) / 10), major=0.2,
               gap_width=50, name=f"commonalities chart: {kind}")
    panel: list[Paragraph] = [
        ("Share of each non-customer tier " + ("giving each reason for not buying"
                                               if kind == "barrier" else
                                               "rating each factor top-box important")
         + "; ranked by the lowest tier (floor).", BODY_SIZE, False, TEXT_COLOR)]
    for t in tiers:
        n, n_eff = deck.tier_base(t)
        panel.append((_swatch(t, f"{t}: n = {n:,} (effective {n_eff:,.0f})"), BODY_SIZE, False,
                      TEXT_COLOR))
    low_tiers = sorted({t for v in rows.get("low_base", pd.Series(dtype=object)).dropna()
                        for t in str(v).split(";") if t})
    top_y = BODY_TOP + 0.1
    if low_tiers:
        _callout(slide, MARGIN + 8.8, top_y, CONTENT_W - 8.8,
                 f"LOW BASE among those asked: {', '.join(low_tiers)} (n_eff < {LOW_BASE})",
                 height=0.8)
        top_y += 0.9
    _text_box(slide, MARGIN + 8.8, top_y, CONTENT_W - 8.8, FOOTER_TOP - top_y - 0.1, panel)
    deck.footer(slide)
    notes = [f"Top {len(rows)} {'barriers' if kind == 'barrier' else 'needs'} of "
             "commonalities.csv by rank (floor = lowest prevalence across the tiers, then reach).",
             "Intervals: 95% Wilson intervals of each weighted share, among those asked:"]
    for _, rec in rows.iterrows():
        parts = [f"{t} {_pct(rec[f'prevalence_{t}'])} ({_pct(rec[f'prevalence_lo_{t}'])}-"
                 f"{_pct(rec[f'prevalence_hi_{t}'])})" for t in tiers]
        notes.append(f"  {rec['label']} [{rec['item']}]: " + "; ".join(parts))
    for t in tiers:
        n, n_eff = deck.tier_base(t)
        notes.append(f"Base {t}: {_base(n, n_eff)} (those asked may be fewer).")
    if low_tiers:
        notes.append(f"LOW BASE (effective n < {LOW_BASE} among those asked): "
                     + ", ".join(low_tiers))
    columns = list(rows["item"]) if kind == "barrier" else [
        deck.schema.attributes[i].importance or "" for i in rows["item"]
        if i in deck.schema.attributes]
    notes.append(deck.source_line(columns))
    deck.notes(slide, notes)


def _canvas_slide(deck: _Deck) -> None:
    canvas = deck.analysis.canvas
    if canvas.empty:
        slide = deck.slide("Strategy canvas: no attributes, so no value curves")
        _text_box(slide, MARGIN, BODY_TOP + 0.2, CONTENT_W, 2.0, [
            ("The schema maps no [attributes]: there is no value curve to draw.", 20, False,
             TEXT_COLOR)])
        deck.footer(slide)
        deck.notes(slide, ["canvas.csv is empty for this run.", deck.source_line([])])
        return
    attributes = list(dict.fromkeys(canvas["attribute"]))
    curves_present = list(dict.fromkeys(canvas["curve"]))
    wanted = ([INDUSTRY_CURVE] + [t for t in deck.noncustomer_tiers] + [PROPOSED_CURVE])
    curves = [c for c in wanted if c in curves_present]
    levels = {c: canvas[canvas["curve"] == c].set_index("attribute")["level"]
              .reindex(attributes) for c in curves}
    titles = []
    if INDUSTRY_CURVE in levels and PROPOSED_CURVE in levels:
        delta = (levels[PROPOSED_CURVE] - levels[INDUSTRY_CURVE]).dropna()
        if len(delta):
            up, down = delta.idxmax(), delta.idxmin()
            parts = []
            if delta[up] > 0.05:
                parts.append(f"lifts {_quote(deck.labels.get(up, up))} most "
                             f"({_signed(delta[up])})")
            if delta[down] < -0.05:
                parts.append(f"cuts {_quote(deck.labels.get(down, down))} most "
                             f"({_signed(delta[down])})")
            if parts:
                titles.append("The blue-ocean curve " + " and ".join(parts)
                              + " against the industry")
                titles.append("The blue-ocean curve " + " and ".join(parts))
            else:
                titles.append("The blue-ocean curve stays on the industry's curve")
    titles.append("Strategy canvas: the industry's offering, what each tier values, and the "
                  "proposed curve")
    slide = deck.slide(titles)
    data = _CategoryData(number_format="0.0")
    data.categories = [_cell(deck.labels.get(a, a)) for a in attributes]
    names = {INDUSTRY_CURVE: "Industry offering (performance)",
             PROPOSED_CURVE: "Proposed blue-ocean curve (ERRC)"}
    for c in curves:
        data.add_series(_cell(names.get(c, f"What the {c} value")),
                        [None if not _finite(v) else float(v) for v in levels[c]])
    frame = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, Inches(MARGIN), Inches(BODY_TOP),
                                   Inches(CONTENT_W), Inches(BODY_H), data)
    frame.name = "canvas chart"
    chart = frame.chart
    _chart_fonts(chart, legend=True)
    for s, c in zip(chart.plots[0].series, curves):
        color = (INDUSTRY_COLOR if c == INDUSTRY_CURVE else PROPOSED_COLOR
                 if c == PROPOSED_CURVE else tier_color(c))
        bold = c in (INDUSTRY_CURVE, PROPOSED_CURVE)
        s.smooth = False
        s.format.line.color.rgb = _rgb(color)
        s.format.line.width = Pt(4 if bold else 2.5)
        if not bold:
            s.format.line.dash_style = MSO_LINE.DASH
        s.marker.style = XL_MARKER_STYLE.DIAMOND if c == PROPOSED_CURVE else XL_MARKER_STYLE.CIRCLE
        s.marker.size = 11 if bold else 8
        _fill(s.marker.format, color)
        s.marker.format.line.color.rgb = _rgb(color)
    axis = chart.value_axis
    axis.minimum_scale, axis.maximum_scale, axis.major_unit = 0, 10, 2
    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = _rgb("DDDDDD")
    axis.tick_labels.font.size = Pt(SMALL_SIZE)
    axis.tick_labels.number_format = "0"
    axis.tick_labels.number_format_is_linked = False
    axis.has_title = True
    axis.axis_title.text_frame.text = "Level, 0-10"
    for run in axis.axis_title.text_frame.paragraphs[0].runs:
        _style_run(run, SMALL_SIZE, color=MUTED_COLOR)
    chart.category_axis.tick_labels.font.size = Pt(SMALL_SIZE)
    chart.category_axis.major_tick_mark = XL_TICK_MARK.NONE
    deck.footer(slide)
    s = deck.summary
    derived = deck.schema.importance_from
    notes = ["Strategy canvas (canvas.csv): the industry offering is the weighted mean "
             "performance as rated by users; each tier's curve is its weighted mean importance"
             + (f" (derived from what drives '{derived}')" if derived else "")
             + "; the blue-ocean curve is the one the ERRC grid proposes. All on 0-10."]
    notes.append(f"Bases: industry offering, everyone who rated performance (all respondents "
                 f"{_base(s['n'], s['n_eff'])}); tiers: "
                 + "; ".join(f"{t} {_base(*deck.tier_base(t))}" for t in curves
                             if t in deck.noncustomer_tiers) + ".")
    notes.append("Intervals of every point are in gaps.csv (importance_lo/_hi, performance_lo/"
                 "_hi of the tier rows and of 'all'): 95%, Taylor-linearised.")
    for c in curves:
        notes.append(f"  {names.get(c, c)}: " + ", ".join(
            f"{deck.labels.get(a, a)} {_num(levels[c][a])}" for a in attributes))
    attrs = deck.schema.attributes
    notes.append(deck.source_line([c for a in attributes if a in attrs for c in attrs[a].columns]
                                  + ["canvas.csv"]))
    deck.notes(slide, notes)


_ERRC_ORDER = ("eliminate", "raise", "reduce", "create")
_ERRC_QUESTIONS = {
    "eliminate": "Which factors the industry takes for granted should be eliminated?",
    "reduce": "Which factors should be reduced well below the industry's standard?",
    "raise": "Which factors should be raised well above the industry's standard?",
    "create": "Which factors should be created that the industry has never offered?"}


def _errc_title(deck: _Deck) -> list[str]:
    errc = deck.analysis.errc
    order = ("raise", "create", "eliminate", "reduce")

    def names(action: str, limit: int | None = None) -> str:
        labels = [_quote(e.get("label") or deck.labels.get(e["attribute"], e["attribute"]))
                  for e in errc.get(action, [])]
        more = 0
        if limit is not None and len(labels) > limit:
            more, labels = len(labels) - limit, labels[:limit]
        if more:
            return ", ".join(labels) + f" and {more} more"
        return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]

    def sentence(parts: list[str]) -> str:
        text = ", ".join(parts)
        return text[:1].upper() + text[1:]

    present = [a for a in order if errc.get(a)]
    if not deck.schema.attributes:
        return ["The ERRC grid needs rated attributes, and this survey has none"]
    if not present:
        return ["The ERRC grid proposes no change: nothing to eliminate, reduce, raise or create"]
    new = [a for a in present if a in ("raise", "create")]
    cut = [a for a in present if a in ("eliminate", "reduce")]
    counts = [f"{a} {len(errc[a])}" for a in cut]
    candidates = [sentence([f"{a} {names(a)}" for a in present])]
    if new:
        candidates.append(sentence([f"{a} {names(a)}" for a in new])
                          + (f"; {', '.join(counts)}" if counts else ""))
        candidates.append(sentence([f"{a} {names(a, 1)}" for a in new])
                          + (f"; {', '.join(counts)}" if counts else ""))
    else:
        candidates = [c + "; nothing to raise or create" for c in candidates]
        candidates.append(sentence([f"{a} {names(a, 1)}" for a in cut])
                          + "; nothing to raise or create")
    candidates.append("The ERRC grid: " + ", ".join(f"{a} {len(errc[a])}" for a in present))
    return candidates


def _errc_slide(deck: _Deck) -> None:
    errc = deck.analysis.errc
    slide = deck.slide(_errc_title(deck))
    rows_h = (0.5, 1.8, 0.5, 1.8)
    shape = slide.shapes.add_table(4, 2, Inches(MARGIN), Inches(BODY_TOP), Inches(CONTENT_W),
                                   Inches(sum(rows_h)))
    shape.name = "errc table"
    table = shape.table
    table.first_row = False
    table.horz_banding = False
    table.vert_banding = False
    for i, h in enumerate(rows_h):
        table.rows[i].height = Inches(h)
    for j in range(2):
        table.columns[j].width = Inches(CONTENT_W / 2)
    borderline = 0
    for k, action in enumerate(_ERRC_ORDER):
        r, c = (k // 2) * 2, k % 2
        head = table.cell(r, c)
        head.fill.solid()
        head.fill.fore_color.rgb = _rgb(ERRC_COLORS[action])
        head.vertical_anchor = MSO_ANCHOR.MIDDLE
        head.margin_left = Inches(0.15)
        head.text_frame.text = action.capitalize()
        for run in head.text_frame.paragraphs[0].runs:
            _style_run(run, 20, bold=True, color="FFFFFF")
        body = table.cell(r + 1, c)
        body.fill.solid()
        body.fill.fore_color.rgb = _rgb("F7F7F7")
        body.vertical_anchor = MSO_ANCHOR.TOP
        body.margin_left = Inches(0.15)
        body.margin_top = Inches(0.08)
        entries = errc.get(action, [])
        frame = body.text_frame
        frame.word_wrap = True
        lines: list[tuple[str, bool]] = []
        for e in entries:
            ev = e.get("evidence") or deck.analysis.errc_evidence.get(e["attribute"], {})
            label = e.get("label") or deck.labels.get(e["attribute"], e["attribute"])
            flag = ev.get("confidence") == "borderline"
            borderline += flag
            figures = ""
            if (_finite(ev.get("noncustomer_importance"))
                    and _finite(ev.get("industry_performance"))):
                figures = (f" — valued {ev['noncustomer_importance']:.1f}, delivered "
                           f"{ev['industry_performance']:.1f}")
            lines.append((f"• {_shorten(label, 34)}" + (" (borderline)" if flag else "")
                          + figures, flag))
        if len(lines) > 5:
            lines = lines[:4] + [(f"… and {len(lines) - 4} more (see the notes)", False)]
        item_size = 18 if max(len(errc.get(x, [])) for x in _ERRC_ORDER) <= 3 else BODY_SIZE
        if not lines:
            lines = [(f"nothing to {action}", False)]
        for i, (text, flag) in enumerate(lines):
            paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            paragraph.space_after = Pt(3)
            run = paragraph.add_run()
            run.text = text
            _style_run(run, item_size, bold=flag, color=ALERT_COLOR if flag else (
                TEXT_COLOR if entries else MUTED_COLOR), italic=not entries)
    legend = ("Valued: importance to non-customers; delivered: the industry's performance as "
              "rated by users (both 0-10).")
    if borderline:
        legend += " (borderline): a call an interval away from the other side; read with care."
    top = BODY_TOP + sum(rows_h) + 0.1
    _text_box(slide, MARGIN, top, CONTENT_W, 7.4 - top, [(legend, SMALL_SIZE, False, MUTED_COLOR)])
    s = deck.summary
    notes = ["ERRC grid (summary.json errc): the factors to eliminate, reduce, raise and create "
             "to reach the non-customer tiers, each placed by a rule on the tiers' importance "
             "and the industry's performance (thresholds: "
             + ", ".join(f"{k} {v:g}" for k, v in (deck.analysis.config.get("errc_rules") or {})
                         .items() if isinstance(v, (int, float))) + ")."]
    for action in ("eliminate", "reduce", "raise", "create"):
        notes.append(f"{action.upper()} — {_ERRC_QUESTIONS[action]}")
        for e in errc.get(action, []):
            ev = e.get("evidence") or {}
            label = e.get("label") or deck.labels.get(e["attribute"], e["attribute"])
            line = f"  {label}: {ev.get('rule', '')}"
            if ev.get("confidence") == "borderline":
                line += f" — BORDERLINE: {ev.get('borderline_because') or 'close to a threshold'}"
            notes.append(line)
            calls = ev.get("segment_calls") or []
            if calls:
                notes.append("    segments calling for it: " + ", ".join(
                    f"{c['segment']} ({c['call']})" for c in calls))
    leftover = [(name, ev) for name, ev in deck.analysis.errc_evidence.items()
                if not ev.get("action") and ev.get("segment_calls")]
    for name, ev in leftover:
        notes.append(f"Not placed, but segments call to {ev['segment_calls'][0]['call']} "
                     f"{deck.labels.get(name, name)}: " + ", ".join(
                         c["segment"] for c in ev["segment_calls"]))
    notes.append("Bases: " + "; ".join(f"{t} {_base(*deck.tier_base(t))}"
                                       for t in deck.noncustomer_tiers)
                 + "; industry performance from everyone who rated it "
                 f"({_base(s['n'], s['n_eff'])}).")
    notes.append("Intervals: 95% intervals of each tier's importance decide borderline calls "
                 "(a call is borderline when an interval end would change it).")
    attrs = deck.schema.attributes
    notes.append(deck.source_line([c for a in attrs.values() for c in a.columns]))
    deck.notes(slide, notes)


def _curve_slides(deck: _Deck) -> None:
    tested = {name: test for name, test in deck.analysis.curves_tested.items()
              if test.get("factors")}
    if not tested:
        slide = deck.slide("No value curve was tested in this run")
        _text_box(slide, MARGIN, BODY_TOP + 0.2, CONTENT_W, BODY_H - 0.2, [
            ("The curve test (who a value curve serves better or worse than today's industry "
             "curve) was not run: the panel has no attributes to compare, or the run skipped "
             "it.", 20, False, TEXT_COLOR),
            ("Run the analysis with attributes rated for importance to test the blue-ocean "
             "curve, or pass --curve CURVE.csv to test a curve of your own.", 18, False,
             MUTED_COLOR)])
        deck.footer(slide)
        deck.notes(slide, ["summary.json curves is empty for this run.", deck.source_line([])])
        return
    for name, test in tested.items():
        _curve_slide(deck, name, test)


def _curve_slide(deck: _Deck, name: str, test: dict) -> None:
    better, worse = test.get("better_served", {}), test.get("worse_served", {})
    groups = [g for g in better if not g.endswith(("_lo", "_hi"))]
    order = [t for t in deck.noncustomer_tiers if t in groups] + [
        g for g in ("non-customers", "customers") if g in groups]
    who = "The proposed curve" if name == PROPOSED_CURVE else f"The curve {_quote(name)}"
    nc_b, cu_w = better.get("non-customers"), worse.get("customers")
    if nc_b is None:
        titles = [f"{who}: no respondent could be compared"]
    else:
        titles = [f"{who} serves {_pct(nc_b)} of non-customers better and {_pct(cu_w)} of "
                  "customers worse"]
    slide = deck.slide(titles)
    labels = {"non-customers": "all non-customers"}
    categories = [labels.get(g, g) for g in order]
    _bar_chart(slide, (MARGIN, BODY_TOP, 8.4, BODY_H), categories,
               [("Better served", [better.get(g) for g in order], PROPOSED_COLOR),
                ("Worse served", [worse.get(g) for g in order], ERRC_COLORS["eliminate"])],
               horizontal=False, axis_max=1.0, major=0.2, gap_width=70,
               name=f"curve test chart: {name}")
    level = test.get("offering_level")
    margin = test.get("margin", 1.0)
    panel: list[Paragraph] = [
        (f"Offering level: {_num(level, 2)} × the industry's", 20, True, TEXT_COLOR),
        ("the curve's mean level over the industry's: a proxy for cost (above 1 offers more).",
         SMALL_SIZE, False, MUTED_COLOR),
        (f"Better (worse) served: the curve lowers (raises) a respondent's importance-weighted "
         f"unmet need by at least {margin:g} point{'' if margin == 1 else 's'} (0-10) against "
         "today's industry curve.", BODY_SIZE, False, TEXT_COLOR),
        ("Over-delivery costs nothing in this score: read the shares beside the offering "
         "level. Fit is not purchase.", BODY_SIZE, False, TEXT_COLOR),
    ]
    _text_box(slide, MARGIN + 8.6, BODY_TOP + 0.1, CONTENT_W - 8.6, BODY_H - 0.1, panel)
    deck.footer(slide)
    resamples = int(test.get("resamples") or 0)
    notes = [f"Curve test of '{name}' (summary.json curves): share of each group better and "
             f"worse served at a margin of {margin:g} point(s) of unmet need.",
             f"Intervals: 95% bootstrap percentile intervals from {resamples} resamples that "
             "re-derive the industry curve" + (", the ERRC grid and the proposed curve"
                                               if name == PROPOSED_CURVE else "")
             + (" (none: resamples were switched off)" if not resamples else "") + ":"]
    for g in order:
        notes.append(f"  {labels.get(g, g)}: better {_pct(better.get(g))} "
                     f"({_pct(better.get(f'{g}_lo'))}-{_pct(better.get(f'{g}_hi'))}), worse "
                     f"{_pct(worse.get(g))} ({_pct(worse.get(f'{g}_lo'))}-"
                     f"{_pct(worse.get(f'{g}_hi'))})")
    sens = test.get("sensitivity") or []
    if sens:
        notes.append("Sensitivity to the margin (non-customers better / worse served; customers "
                     "worse served): " + "; ".join(
                         f"{row['margin']:g} point(s): {_pct(row.get('better_served'))} / "
                         f"{_pct(row.get('worse_served'))}; customers "
                         f"{_pct(row.get('customers_worse_served'))}" for row in sens))
    bases = [f"{t} {_base(*deck.tier_base(t))}" for t in order if t in deck.summary["tiers"]]
    notes.append("Bases: " + "; ".join(bases) + " (respondents with importance ratings count).")
    factors = ", ".join(deck.labels.get(a, a) for a in test.get("factors", []))
    notes.append(f"Factors compared: {factors}.")
    attrs = deck.schema.attributes
    notes.append(deck.source_line([attrs[a].importance or "" for a in test.get("factors", [])
                                   if a in attrs]))
    deck.notes(slide, notes)


def _true(value: Any) -> bool:
    """True for a true cell of a boolean column read back with empty cells (object dtype)."""
    return value is True or (isinstance(value, (bool, np.bool_)) and bool(value))


def _profile_lines(deck: _Deck, segment: str, limit: int = 4) -> list[str]:
    p = deck.analysis.profiles
    if p.empty or "segment" not in p.columns:
        return []
    rows = p[(p["segment"] == segment)
             & p["significant"].map(_true) & ~p["basis"].map(_true)]
    rows = rows[rows["index"].map(_finite) & (rows["index"].astype(float) > 0)
                & rows["value"].map(_finite) & rows["total"].map(_finite)]
    if rows.empty:
        return []
    strength = np.abs(np.log(rows["index"].astype(float) / 100.0))
    rows = rows.assign(_strength=strength.to_numpy()).sort_values(
        ["_strength", "variable"], ascending=[False, True], kind="stable")
    rows = rows.drop_duplicates("variable").head(limit)  # one level per variable
    out = []
    for r in rows.itertuples():
        label = r.label if isinstance(r.label, str) and r.label else r.variable
        if label == r.variable:
            label = _pretty_variable(label)
        level = r.level if isinstance(r.level, str) and r.level else None
        if level is not None:
            out.append(f"{_shorten(label, 24)} = {_shorten(level, 20)}: {_pct(r.value)} vs "
                       f"{_pct(r.total)} overall (index {r.index:.0f})")
        else:
            out.append(f"{_shorten(label, 24)}: {r.value:,.1f} on average vs {r.total:,.1f} "
                       f"overall (index {r.index:.0f})")
    return out


def _segment_slide(deck: _Deck, segment: str, info: dict) -> None:
    tier = info["tier"]
    rows, borrowed = _gap_rows(deck, segment)
    rated = rows[rows["importance"].notna()].sort_values("importance", ascending=False,
                                                          kind="stable") if len(rows) else rows
    top3 = rated.head(3)
    share = info.get("share_of_tier")
    share_text = _pct(share)
    name = info.get("name") or deck.analysis.segment_names.get(segment)
    head = (f"{_tier_title(name)} ({segment}, {share_text} of the {tier})"
            if name and name != segment else f"{_tier_title(segment)} ({share_text} of the {tier})")
    if len(top3):
        lead = top3.iloc[0]
        label = deck.labels.get(lead["attribute"], lead["attribute"])
        gap = lead["gap"]
        titles = []
        if _finite(gap) and gap > 0:
            titles.append(f"{head} value {_quote(label)} most; the industry under-delivers it "
                          f"by {gap:.1f} points")
        elif _finite(gap):
            titles.append(f"{head} value {_quote(label)} most, and the industry meets it")
        titles += [f"{head} value {_quote(label)} most", head]
    else:
        titles = [head]
    slide = deck.slide(titles)
    n, n_eff = int(info["n"]), float(info.get("n_eff") or 0.0)
    low = bool(info.get("low_base"))
    label_stab = info.get("stability_label")
    stab = info.get("stability")
    stab_text = (f"{label_stab} (bootstrap Jaccard {stab:.2f})" if label_stab and _finite(stab)
                 else "not measured (no stability runs)")
    paragraphs: list[Paragraph] = [
        (_swatch(tier, "Who they are"), 18, True, TEXT_COLOR),
        (f"n = {n:,} (effective {n_eff:,.0f}): {_pct(share)} of the {tier} "
         f"({_interval(info.get('share_of_tier_lo'), info.get('share_of_tier_hi'))})",
         BODY_SIZE, False, TEXT_COLOR),
    ]
    profile = _profile_lines(deck, segment)
    if profile:
        paragraphs.append(("Stand out from everyone on:", BODY_SIZE, False, MUTED_COLOR))
        paragraphs += [(f"• {line}", BODY_SIZE, False, TEXT_COLOR) for line in profile]
    else:
        paragraphs.append(("No profile variable sets them apart significantly (beyond the "
                           "answers they were grouped on).", BODY_SIZE, False, MUTED_COLOR))
    paragraphs.append((_swatch(tier, "What they value"), 18, True, TEXT_COLOR))
    for r in top3.itertuples():
        lab = _shorten(deck.labels.get(r.attribute, r.attribute), 30)
        gap = f"gap {_signed(r.gap)}" if _finite(r.gap) else "no gap (performance not rated)"
        paragraphs.append((f"• {lab}: importance {r.importance:.1f}, {gap}", BODY_SIZE, False,
                           TEXT_COLOR))
    if top3.empty:
        paragraphs.append(("No importance measured.", BODY_SIZE, False, MUTED_COLOR))
    paragraphs.append((_swatch(tier, "How sure"), 18, True, TEXT_COLOR))
    paragraphs.append((f"Stability: {stab_text}; "
                       + (f"LOW BASE (n_eff {n_eff:.0f} < {LOW_BASE})" if low
                          else f"base n_eff {n_eff:,.0f}"), BODY_SIZE, low,
                       ALERT_COLOR if low else TEXT_COLOR))
    text_top = BODY_TOP + 0.05
    if low:
        _callout(slide, MARGIN, text_top, 7.4, f"LOW BASE: n_eff {n_eff:.0f} < {LOW_BASE}, read "
                 "with care")
        text_top += 0.6
    if label_stab == "unstable":
        _callout(slide, MARGIN, text_top, 7.4, f"UNSTABLE: bootstrap Jaccard {stab:.2f} < 0.6, "
                 "treat this segment as tentative")
        text_top += 0.6
    _text_box(slide, MARGIN, text_top, 7.4, FOOTER_TOP - text_top - 0.05, paragraphs,
              space_after=3)
    if len(rated):
        _bar_chart(slide, (MARGIN + 7.6, BODY_TOP, CONTENT_W - 7.6, BODY_H),
                   [deck.labels.get(a, a) for a in rated["attribute"]],
                   [("Importance (0-10)", rated["importance"].tolist(), tier_color(tier))],
                   number_format="0.0", axis_max=10, major=5, legend=False, gap_width=40,
                   name=f"segment chart: {segment}", tick_format="0")
    elif deck.schema.attributes:
        why = ("too few respondents to derive it from what drives "
               f"'{deck.schema.importance_from}'" if deck.schema.importance_from
               else "no importance ratings")
        _text_box(slide, MARGIN + 7.8, BODY_TOP + 0.3, CONTENT_W - 7.8, 1.6,
                  [(f"No importance per attribute for this segment: {why}.", BODY_SIZE, False,
                    MUTED_COLOR, True)], fill="F2F2F2")
    deck.footer(slide)
    attrs = deck.schema.attributes
    notes = [f"Segment {segment_label(segment, {segment: name})} of the {tier} tier "
             f"(summary.json segments; gaps.csv rows group = {segment}; profiles.csv).",
             f"Base: {_base(n, n_eff)}" + (" — LOW BASE" if low else "")
             + f"; share of the tier {_pct(share, 1)} "
             f"({_interval(info.get('share_of_tier_lo'), info.get('share_of_tier_hi'), 1)}; "
             "Taylor-linearised, Wilson on the effective base).",
             f"Stability: {stab_text}; stable >= 0.75, doubtful 0.6-0.75, unstable < 0.6.",
             "Importance per attribute (chart), weighted means 0-10 with 95% intervals:"]
    for r in rated.itertuples():
        notes.append(f"  {deck.labels.get(r.attribute, r.attribute)}: {_num(r.importance, 2)} "
                     f"({_num(r.importance_lo, 2)}-{_num(r.importance_hi, 2)}), gap "
                     f"{_num(r.gap, 2)}")
    if borrowed:
        notes.append("This segment did not rate performance (never-users): gaps are against "
                     "the performance users give (group 'all').")
    notes.append("Profile: significant differences only (Benjamini-Hochberg q < 0.05, weighted "
                 "tests on effective bases), columns the segments were built from left out; "
                 "index = 100 x segment / whole sample.")
    notes.append(deck.source_line(list(deck.analysis.panel.basis)
                                  + list(deck.schema.profile)
                                  + [attrs[a].importance or "" for a in rated["attribute"]
                                     if a in attrs]))
    deck.notes(slide, notes)


def _method_slide(deck: _Deck) -> None:
    a = deck.analysis
    s = deck.summary
    config = a.config
    slide = deck.slide("How these figures were made: bases, intervals, segments and sources")
    counts: dict[str, int] = {}
    for seg, info in s["segments"].items():
        if not is_noise(seg):
            counts[info["tier"]] = counts.get(info["tier"], 0) + 1
    tier_settings = config.get("tier_settings") or {}
    seg_line = (f"Segmentation: {config.get('method', 'kmeans')}, k {config.get('k', 'auto')}"
                + ("".join(f"; {t}: {', '.join(f'{k} {v}' for k, v in spec.items())}"
                           for t, spec in tier_settings.items()))
                + f"; seed {deck.seed}. Segments per tier: "
                + ", ".join(f"{t} {counts.get(t, 0)}" for t in deck.tiers) + ".")
    boot = [f"segment stability, {config.get('stability_runs', 0)} refits per tier"
            if config.get("stability_runs") else "",
            f"curve test, {config.get('curve_resamples', 0)} resamples"
            if config.get("curve_resamples") else "",
            f"drivers, {config.get('driver_boot', 0)} resamples" if config.get("driver_boot")
            else "",
            "derived importance" if deck.schema.importance_from else ""]
    boot = [b for b in boot if b]
    versions = dict(s.get("versions", {}))
    try:
        versions["python-pptx"] = metadata.version("python-pptx")
    except metadata.PackageNotFoundError:  # pragma: no cover
        pass
    left: list[Paragraph] = [
        ("Data", 18, True, TEXT_COLOR),
        ((f"Source: {deck.source}; " if deck.source != deck.panel_file else "")
         + f"Panel file: {deck.panel_file}; schema: {deck.schema_file}", BODY_SIZE, False,
         TEXT_COLOR),
        (f"Bases: n = {s['n']:,}; weighted n = {s['weighted_n']:,.1f}; effective n (Kish) = "
         f"{s['n_eff']:,.1f}", BODY_SIZE, False, TEXT_COLOR),
        (f"Weights: {deck.weight_note()}", BODY_SIZE, False, TEXT_COLOR),
        (f"Low base: effective n < {LOW_BASE}, marked on the slides", BODY_SIZE, False,
         TEXT_COLOR),
        ("Tiers", 18, True, TEXT_COLOR),
    ] + [(f"{t}: {_shorten(r.text, 90)}", BODY_SIZE, False, TEXT_COLOR)
         for t, r in deck.schema.tiers.items()]
    right: list[Paragraph] = [
        ("Intervals (95%)", 18, True, TEXT_COLOR),
        ("Shares: Taylor linearisation of the weighted share, Wilson interval on the "
         "Korn-Graubard effective base", BODY_SIZE, False, TEXT_COLOR),
        ("Means: Taylor-linearised standard errors over those who answered", BODY_SIZE,
         False, TEXT_COLOR),
        ("Bootstrap: " + ("; ".join(boot) if boot else "none in this run"), BODY_SIZE, False,
         TEXT_COLOR),
        ("Segments and map", 18, True, TEXT_COLOR),
        (seg_line, BODY_SIZE, False, TEXT_COLOR),
        (f"Map: {config.get('map') or 'none'}; curve-test margin "
         f"{config.get('prize_margin', 1.0):g} point(s) of unmet need", BODY_SIZE, False,
         TEXT_COLOR),
        ("Versions", 18, True, TEXT_COLOR),
        (", ".join(f"{k} {v}" for k, v in versions.items()), BODY_SIZE, False, TEXT_COLOR),
    ]
    half = (CONTENT_W - 0.3) / 2
    _text_box(slide, MARGIN, BODY_TOP, half, FOOTER_TOP - BODY_TOP - 0.05, left, space_after=3)
    _text_box(slide, MARGIN + half + 0.3, BODY_TOP, half, FOOTER_TOP - BODY_TOP - 0.05, right,
              space_after=3)
    warnings = s.get("warnings") or []
    deck.footer(slide, f"{len(warnings)} warning{'' if len(warnings) == 1 else 's'} from the "
                       "run: see the notes" if warnings else None)
    notes = ["Method and sources of every figure in the deck.",
             f"Panel SHA-256: {a.panel.sha256 or 'n/a (a data frame)'}.",
             "Tier rules: " + "; ".join(f"{t} = {r.text}" for t, r in deck.schema.tiers.items()),
             "ERRC thresholds: " + ", ".join(f"{k} {v}" for k, v in
                                             (config.get("errc_rules") or {}).items()),
             f"Basis columns: {', '.join(a.panel.basis)}." if len(a.panel.basis) else
             "No segmentation basis.",
             "Warnings of the run:" if warnings else "No warnings from the run."]
    notes += [f"  {w}" for w in warnings]
    notes.append(deck.source_line([]))
    deck.notes(slide, notes)


# =============================================================================================
# Assembling and writing
# =============================================================================================


def _stamp(prs, title: str) -> None:
    props = prs.core_properties
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.title = title
    props.subject = "Blue Ocean non-customer analysis"
    props.keywords = ""
    props.comments = ""
    props.category = ""
    props.revision = 1
    props.created = FIXED_DATETIME
    props.modified = FIXED_DATETIME
    props.last_printed = FIXED_DATETIME


def _fixed_zip(data: bytes) -> bytes:
    """The zip archive rewritten with a fixed date on every entry, in the same order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=FIXED_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            info.create_system = 0
            dst.writestr(info, src.read(item.filename))
    return out.getvalue()


def deck_bytes(analysis: Analysis, *, title: str | None = None,
               source: str | None = None) -> bytes:
    """The findings of ``analysis`` as a 16:9 PowerPoint file (``.pptx`` bytes).

    Parameters
    ----------
    analysis : Analysis
        From :func:`noncustomers.analyze`.
    title : str, optional
        The deck's title (default: "Who does not buy yet, and what would bring them in").
    source : str, optional
        How to name the data on the slides and in the notes (default: the panel's file
        name); e.g. "Gym survey, wave 3, March 2025" (the tool writes no date of its own).

    Returns
    -------
    bytes
        The same analysis gives the same bytes (no time is written anywhere).
    """
    deck = _Deck(analysis, title or DEFAULT_TITLE, source)
    _title_slide(deck)
    _tiers_slide(deck)
    _map_slide(deck)
    present = [t for t in deck.noncustomer_tiers
               if deck.summary["tiers"].get(t, {}).get("n", 0) > 0]
    if present and not deck.schema.attributes:
        _no_gaps_slide(deck)
    for tier in present:
        _gaps_slide(deck, tier)
    _commonalities_slide(deck)
    _canvas_slide(deck)
    _errc_slide(deck)
    _curve_slides(deck)
    for segment, info in deck.summary["segments"].items():
        if not is_noise(segment):
            _segment_slide(deck, segment, info)
    _method_slide(deck)
    _stamp(deck.prs, deck.title)
    buffer = io.BytesIO()
    deck.prs.save(buffer)
    return _fixed_zip(buffer.getvalue())
