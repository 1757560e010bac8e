"""The HTML report: one self-contained file to e-mail to a client.

Every chart of the run (:func:`~noncustomers.export.figures.analysis_figures`), each
interactive; the key tables; the method notes.  plotly.js is inlined once, from the copy
that ships with plotly.py, and nothing else is loaded: the file opens offline and no
request leaves the reader's machine (no CDN, no fonts, no MathJax).

The same analysis gives the same bytes: every chart's ``<div>`` id is its name (plotly
would draw a random one) and nothing reads the clock.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from noncustomers.export.figures import analysis_figures
from noncustomers.vocabulary import NON_CUSTOMER_TIERS, segment_label

if TYPE_CHECKING:
    from noncustomers.analysis import Analysis

__all__ = ["report_html"]

DEFAULT_TITLE = "Who does not buy yet, and what would bring them in"

_SECTIONS = (  # (heading, chart name prefixes, one line on how to read them)
    ("Who buys, and who does not yet", ("tier-sizes",),
     "Weighted share of the market in each tier, with its 95% interval in the table."),
    ("Map of respondents", ("map",),
     "For orientation only: segments are found in the full answer space, not on this map."),
    ("What each group values vs what the industry delivers", ("gaps-",),
     "Importance (circles) against the industry's performance (diamonds) on 0-10, with 95% "
     "intervals; the largest unmet needs on top."),
    ("Where to act", ("quadrants-",),
     "Importance against performance: high importance with low performance is where to "
     "concentrate."),
    ("What non-customers share", ("commonalities-",),
     "Share of each non-customer tier naming a barrier or need, with 95% intervals."),
    ("The differences that matter", ("differences-",),
     "Each non-customer tier minus customers on 0-10, the largest significant differences "
     "(Benjamini-Hochberg q < 0.05) on top, with 95% intervals."),
    ("What sets each tier apart from customers", ("drivers-",),
     "Weighted logistic regression of each tier against customers; longer bars tell them "
     "apart more."),
    ("The strategy canvas and the ERRC grid", ("canvas", "errc"),
     "The industry's value curve, what each tier values and the proposed blue-ocean curve; "
     "the grid lists what to eliminate, reduce, raise and create, with the evidence."),
    ("The curve test", ("curve-test-",),
     "Who the proposed curve serves better and who worse than today's industry curve."),
    ("How the segments were chosen", ("k-selection-",),
     "The criteria behind the number of segments in each tier."),
)

_CSS = """
body{font-family:Arial,Helvetica,sans-serif;color:#222;margin:0;background:#fafafa}
main{max-width:1320px;margin:0 auto;padding:24px 32px 64px;background:#fff}
h1{font-size:30px;margin:8px 0 4px}h2{font-size:23px;margin:40px 0 6px;
border-top:1px solid #ddd;padding-top:20px}h3{font-size:18px;margin:22px 0 6px}
p.lead{color:#555;margin:0 0 14px}p.read{color:#555;font-size:15px;margin:0 0 10px}
table{border-collapse:collapse;font-size:14px;margin:8px 0 18px}
th,td{border-bottom:1px solid #e3e3e3;padding:5px 10px;text-align:left}
th{background:#f3f3f3}td.num{text-align:right}
.warn{background:#fff4e5;border-left:4px solid #E69F00;padding:8px 12px;margin:6px 0}
.chart{margin:4px 0 18px}ul.notes li{margin:4px 0}
"""


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


_NUMBER = re.compile(r"[\d.,%\s-]+(?:to[\d.,%\s-]+)?")


def _cell(value: Any) -> str:
    """A table cell; figures are right-aligned, words left-aligned."""
    text = str(value)
    kind = " class='num'" if text and _NUMBER.fullmatch(text) else ""
    return f"<td{kind}>{_esc(text)}</td>"


def _table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{_esc(c)}</th>" for c in frame.columns)
    rows = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>"
                   for row in frame.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _chart(name: str, fig: go.Figure) -> str:
    fig = go.Figure(fig)
    fig.update_layout(width=None, height=640, autosize=True)
    return '<div class="chart">' + pio.to_html(
        fig, full_html=False, include_plotlyjs=False, include_mathjax=False,
        div_id=f"chart-{name}", default_width="100%", default_height="640px",
        config={"displaylogo": False, "responsive": True,
                "toImageButtonOptions": {"format": "png", "width": 1280, "height": 720,
                                         "scale": 2, "filename": name}}) + "</div>"


def _tables(analysis: Analysis, summary: dict[str, Any]) -> dict[str, str]:
    """Key tables, placed after the section whose charts they belong to."""
    labels = {name: a.display for name, a in analysis.panel.schema.attributes.items()}
    tiers = pd.DataFrame([{"tier": t, "respondents": f"{v['n']:,}",
                           "weighted share": _pct(v["share"]),
                           "95% interval": f"{_pct(v['share_lo'])} to {_pct(v['share_hi'])}",
                           "effective base": f"{v['n_eff']:,.0f}",
                           "low base": "yes" if v["low_base"] else ""}
                          for t, v in summary["tiers"].items()
                          if not (t == "unclassified" and v["n"] == 0)])
    out = {"tier-sizes": _table(tiers)}
    if not analysis.gaps.empty:
        parts = []
        for tier in NON_CUSTOMER_TIERS:
            rows = analysis.gaps[analysis.gaps["group"] == tier]
            if rows.empty:
                continue
            rows = rows.sort_values("opportunity", ascending=False)
            parts.append(f"<h3>{_esc(tier)}: largest opportunities</h3>" + _table(pd.DataFrame({
                "factor": [labels.get(a, a) for a in rows["attribute"]],
                "importance (0-10)": rows["importance"].map("{:.1f}".format),
                "performance (0-10)": rows["performance"].map(
                    lambda v: "rated by users" if pd.isna(v) else f"{v:.1f}"),
                "opportunity (0-20)": rows["opportunity"].map("{:.1f}".format),
                "quadrant": rows["quadrant"],
            })))
        out["gaps-"] = "".join(parts)
    errc_rows = [{"action": action, "factor": entry["label"],
                  "confidence": entry["evidence"].get("confidence", ""),
                  "why": entry["evidence"].get("rule", "")}
                 for action in ("eliminate", "reduce", "raise", "create")
                 for entry in analysis.errc.get(action, [])]
    if errc_rows:
        out["errc"] = _table(pd.DataFrame(errc_rows))
    segments = [{"segment": segment_label(name, {name: s.get("name", name)}), "tier": s["tier"],
                 "respondents": f"{s['n']:,}", "share of tier": _pct(s["share_of_tier"]),
                 "95% interval": f"{_pct(s['share_of_tier_lo'])} to "
                                 f"{_pct(s['share_of_tier_hi'])}",
                 "stability": s.get("stability_label", ""),
                 "low base": "yes" if s["low_base"] else ""}
                for name, s in summary["segments"].items()]
    if segments:
        out["k-selection-"] = "<h3>Segments</h3>" + _table(pd.DataFrame(segments))
    return out


def _method(analysis: Analysis, summary: dict[str, Any]) -> str:
    config = summary["config"]
    schema = analysis.panel.schema
    weight = schema.weight or "none (every respondent counts once)"
    notes = [
        f"Panel: {_esc(config.get('panel') or 'given in memory')}; "
        f"{summary['n']:,} respondents, weighted {summary['weighted_n']:,.0f}, effective base "
        f"(Kish) {summary['n_eff']:,.0f}. Weight column: {_esc(weight)}.",
        "Tiers from the schema's rules; shares with 95% intervals by Taylor linearisation "
        "under the weights; means with weighted 95% intervals; a group with an effective base "
        "under 30 is marked as a low base.",
        f"Segments: {_esc(config['method'])}, k {_esc(config['k'])}, seed {config['seed']}, "
        f"stability from {config['stability_runs']} bootstrap refits (Jaccard; 0.75 and over "
        "stable). No significance test is run on the variables a segmentation was built from.",
        "Opportunity (Ulwick) = importance top box + max(importance top box - performance "
        "top box, 0), on 0-10 scales.",
        f"Curve test: {config.get('curve_resamples', 'n/a')} bootstrap resamples re-derive the "
        "ERRC grid and the curve; better (worse) served means the importance-weighted unmet "
        f"need moves down (up) by at least {config['prize_margin']:g} point(s).",
        "Every figure can be reproduced with config.toml: noncustomers analyze PANEL "
        "--config config.toml --out DIR.",
    ]
    return "<ul class='notes'>" + "".join(f"<li>{n}</li>" for n in notes) + "</ul>"


def report_html(analysis: Analysis, title: str | None = None) -> bytes:
    """The report of ``analysis`` as UTF-8 HTML bytes (see the module docstring)."""
    summary = analysis.summary()
    figures = analysis_figures(analysis, summary)
    tables = _tables(analysis, summary)
    title = title or DEFAULT_TITLE
    non_customers = sum(summary["tiers"][t]["share"] for t in NON_CUSTOMER_TIERS
                        if t in summary["tiers"])
    body = [f"<h1>{_esc(title)}</h1>",
            f"<p class='lead'>{summary['n']:,} respondents; {non_customers:.0%} of the market "
            "(weighted) does not buy yet.</p>"]
    for message in [*analysis.panel.notes, *analysis.warnings]:
        body.append(f"<div class='warn'>{_esc(message)}</div>")
    placed: set[str] = set()
    for heading, prefixes, reading in _SECTIONS:
        names = [n for n in figures if n.startswith(prefixes) and n not in placed]
        if not names:
            continue
        body.append(f"<h2>{_esc(heading)}</h2><p class='read'>{_esc(reading)}</p>")
        for name in names:
            body.append(_chart(name, figures[name]))
            placed.add(name)
        for prefix in prefixes:
            if prefix in tables:
                body.append(tables[prefix])
    body.append("<h2>Method</h2>" + _method(analysis, summary))
    page = ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{_esc(title)}</title><style>{_CSS}</style>"
            f"<script type='text/javascript'>{get_plotlyjs()}</script></head>"
            f"<body><main>{''.join(body)}</main></body></html>\n")
    return page.encode("utf-8")
