"""The sidebar on every page: data source, seed, segmentation settings, downloads."""

from __future__ import annotations

from functools import partial

import streamlit as st

from noncustomers.analysis import OUTPUT_FILES, Analysis
from noncustomers.limits import MAX_SEED
from noncustomers.segmentation.methods import METHODS
from noncustomers.ui import mapping, state

__all__ = ["render"]


def render() -> state.Loaded | None:
    st.sidebar.header("Data")
    source = st.sidebar.radio("Panel", ["Sample: gym market (5,000 respondents)",
                                        "Upload my panel"], key="source")
    seed = int(st.sidebar.number_input("Seed", min_value=0, max_value=MAX_SEED, value=0, step=1,
                                       key="seed",
                                       help="Seeds clustering and the map: same data, schema "
                                            "and seed give the same result."))
    method, k = _segmentation_settings()
    if source.startswith("Sample"):
        loaded = state.load_sample(seed, method, k)
    else:
        panel = st.sidebar.file_uploader(
            "Survey file", type=_PANEL_TYPES, key="panel_file",
            help="One row per respondent: CSV, TSV, Excel, Parquet, SPSS (.sav) or Stata "
                 "(.dta). The app proposes how to use each column on the Set up page.")
        schema = st.sidebar.file_uploader(
            "Schema file (TOML), optional", type=["toml"], key="schema_file",
            help="Only if you have one already (from `noncustomers init`, or downloaded from "
                 "the Set up page): it maps the columns instead of the Set up page.")
        if panel is None:
            st.sidebar.info("Upload your survey file: the Set up page then proposes how to "
                            "read it.")
            mapping.remember_upload(None)
            state.clear()
            return None
        if schema is None:
            loaded = _mapped(panel, seed, method, k)
            if loaded is None:
                return None
        else:
            mapping.remember_upload(None)
            try:
                schema_text = schema.getvalue().decode("utf-8-sig")
            except UnicodeDecodeError:
                st.sidebar.error(f"{schema.name}: not UTF-8 text.")
                return None
            loaded = state.load(panel.getvalue(), panel.name, schema_text, schema.name, seed,
                                method, k)

    if loaded.error:
        problems = loaded.error.split("\n")
        if len(problems) == 1:
            st.sidebar.error(loaded.error)
        else:
            st.sidebar.error(f"{len(problems)} problems in the panel or its schema: see the "
                             "table on the page.")
        return loaded
    for note in loaded.notes:
        st.sidebar.warning(note)
    st.sidebar.caption(f"{loaded.panel_name} · {len(loaded.first.panel):,} respondents · "
                       f"schema: {loaded.schema_name}")
    analysis = loaded.analysis
    if analysis is None:  # still analysing (app.py reruns the page when it is done)
        st.sidebar.header("Download")
        st.sidebar.caption("The files, the deck and the report appear here when the analysis "
                           "is done.")
        return loaded
    st.sidebar.header("Download")
    helps = {"assignments.csv": "Tier and segment of every respondent; x, y are the PCA map "
                                "(as `noncustomers analyze --map pca`).",
             "config.toml": "Every setting of this analysis (schema, seed, method, k): "
                            "`noncustomers analyze PANEL --config config.toml --out DIR` "
                            "gives these files again, byte for byte."}
    for name in OUTPUT_FILES:
        # Built only when clicked, byte-identical to the file `noncustomers analyze` writes.
        st.sidebar.download_button(
            name, data=partial(_file, analysis, name), file_name=name,
            mime=_MIME[name.rsplit(".", 1)[1]], key=f"dl_{name.rsplit('.', 1)[0]}",
            help=helps.get(name), on_click="ignore")
    st.sidebar.download_button(
        "deck.pptx (PowerPoint)", data=partial(_deck, analysis), file_name="deck.pptx",
        mime=_MIME["pptx"], key="dl_deck", on_click="ignore",
        help="A 16:9 deck with native, editable charts and the figures' bases in the notes "
             "(as `noncustomers report ... --out deck.pptx`).")
    st.sidebar.download_button(
        "report.html", data=partial(_report, analysis), file_name="report.html",
        mime=_MIME["html"], key="dl_report", on_click="ignore",
        help="One self-contained file with every chart, interactive, to e-mail: it opens "
             "offline (as `noncustomers report ... --out report.html`).")
    return loaded


_PANEL_TYPES = ["csv", "tsv", "txt", "xlsx", "parquet", "sav", "zsav", "dta"]
_MIME = {"json": "application/json", "csv": "text/csv", "toml": "application/toml",
         "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
         "html": "text/html"}
_FROM_SCHEMA = "as in the schema"


def _mapped(panel, seed: int, method: str | None,
            k: int | str | None) -> state.Loaded | None:
    """A survey file without a schema: the app shows its Set up page alone until Analyse is
    clicked there; from then on the file is analysed with the mapping made there."""
    data = panel.getvalue()
    upload = mapping.Upload(panel.name, data, mapping.digest(data))
    mapping.remember_upload(upload)
    toml = mapping.analysed_toml(upload)
    if toml is None:
        st.sidebar.info("Check the proposed set-up of your survey on the right, then click "
                        "Analyse below it.")
        state.clear()
        return None
    return state.load(data, panel.name, toml, mapping.SOURCE, seed, method, k)


def _segmentation_settings() -> tuple[str | None, int | str | None]:
    """Method and k chosen in the sidebar (None: the schema's), from the method registry."""
    with st.sidebar.expander("Segmentation"):
        names = [_FROM_SCHEMA, *METHODS]
        method = st.selectbox("Method", names, key="method",
                              format_func=lambda m: m if m == _FROM_SCHEMA
                              else f"{m}: {METHODS[m].description}",
                              help="How each tier is split into segments; a tier's own "
                                   "method in the schema still applies.")
        k = st.selectbox("Segments per tier", [_FROM_SCHEMA, "auto", *range(2, 9)], key="k",
                         help="auto: chosen from the data (gap statistic, then the method's "
                              "criterion); a tier's own k in the schema still applies.")
    return (None if method == _FROM_SCHEMA else method), (None if k == _FROM_SCHEMA else k)


def _file(analysis: Analysis, name: str) -> bytes:
    from noncustomers.export.run import run_files

    return run_files(analysis)[name]


def _deck(analysis: Analysis) -> bytes:
    from noncustomers.export.deck import deck_bytes

    return deck_bytes(analysis)


def _report(analysis: Analysis) -> bytes:
    from noncustomers.export.report import report_html

    return report_html(analysis)
