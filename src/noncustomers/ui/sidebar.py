"""The sidebar on every page: data source, seed, segmentation settings, downloads."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from noncustomers.analysis import OUTPUT_FILES, Analysis
from noncustomers.limits import MAX_SEED
from noncustomers.rules import rule_selecting
from noncustomers.sample import sample_paths
from noncustomers.segmentation.methods import METHODS
from noncustomers.ui import mapping, state
from noncustomers.ui.widgets import renamed

__all__ = ["finish", "render"]


def render() -> state.Loaded | None:
    """The data source and the settings; loads (or fetches) the analysis they ask for.
    :func:`finish` draws the rest after the page."""
    st.session_state.pop(_SLOTS, None)
    st.sidebar.header("Data")
    source = st.sidebar.radio("Panel", ["Sample: gym market (5,000 respondents)",
                                        "Upload my panel"], key="source")
    seed = int(st.sidebar.number_input("Seed", min_value=0, max_value=MAX_SEED, value=0, step=1,
                                       key="seed",
                                       help="Seeds clustering and the map: same data, schema "
                                            "and seed give the same result."))
    method, k = _segmentation_settings()
    # Filled by finish(), after the page.  Containers cannot live in session state between
    # runs, but within a run it is the page-independent place to hand them over.
    st.session_state[_SLOTS] = {"filters": st.sidebar.expander("Filter respondents"),
                                "rest": st.sidebar.container()}
    if source.startswith("Sample"):
        panel_path, schema_path = sample_paths()
        loaded = _load(panel_path.read_bytes(), panel_path.name,
                       schema_path.read_text(encoding="utf-8"), schema_path.name, seed, method, k)
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
            loaded = _load(panel.getvalue(), panel.name, schema_text, schema.name, seed,
                           method, k)

    return loaded


def finish(loaded: state.Loaded | None) -> None:
    """The rest of the sidebar, drawn after the page (app.py), so that the browser draws the
    page's own content first: the filters, the run's notes and the download buttons, in the
    places :func:`render` left for them."""
    slots = st.session_state.pop(_SLOTS, None)  # this run's: never a past run's containers
    if loaded is None or slots is None:
        return
    with slots["filters"]:
        _filter_widgets(loaded)
    with slots["rest"]:
        _notes_and_downloads(loaded)


_SLOTS = "sidebar.slots"


def _notes_and_downloads(loaded: state.Loaded) -> None:
    if loaded.error:
        problems = loaded.error.split("\n")
        if len(problems) == 1:
            st.error(loaded.error)
        else:
            st.error(f"{len(problems)} problems in the panel or its schema: see the "
                             "table on the page.")
        return loaded
    for note in loaded.notes:
        st.warning(note)
    st.caption(f"{loaded.panel_name} · {len(loaded.first.panel):,} respondents · "
                       f"schema: {loaded.schema_name}")
    analysis = renamed(loaded.analysis, loaded.key)  # with the session's segment names
    if analysis is None:  # still analysing (app.py reruns the page when it is done)
        st.header("Download")
        st.caption("The files, the deck and the report appear here when the analysis "
                           "is done.")
        return loaded
    st.header("Download")
    helps = {"assignments.csv": "Tier and segment of every respondent; x, y are the PCA map "
                                "(as `noncustomers analyze --map pca`).",
             "config.toml": "Every setting of this analysis (schema, seed, method, k): "
                            "`noncustomers analyze PANEL --config config.toml --out DIR` "
                            "gives these files again, byte for byte."}
    st.download_button(
        "deck.pptx (PowerPoint)", data=partial(_deck, analysis), file_name="deck.pptx",
        mime=_MIME["pptx"], key="dl_deck", on_click="ignore", width="stretch",
        help="A 16:9 deck with native, editable charts and the figures' bases in the notes "
             "(as `noncustomers report ... --out deck.pptx`).")
    st.download_button(
        "report.html", data=partial(_report, analysis), file_name="report.html",
        mime=_MIME["html"], key="dl_report", on_click="ignore", width="stretch",
        help="One self-contained file with every chart, interactive, to e-mail: it opens "
             "offline (as `noncustomers report ... --out report.html`).")
    # In a popover: the browser draws its buttons only when it is opened, where nine buttons
    # in the sidebar were drawn again on every page switch (about 0.1 s of each, probed).
    with st.popover(f"The run's {len(OUTPUT_FILES)} files", width="stretch",
                    help="The files `noncustomers analyze` writes, byte for byte, each built "
                         "when clicked."):
        for name in OUTPUT_FILES:
            # Built only when clicked, byte-identical to the file `noncustomers analyze` writes.
            st.download_button(
                name, data=partial(_file, analysis, name), file_name=name,
                mime=_MIME[name.rsplit(".", 1)[1]], key=f"dl_{name.rsplit('.', 1)[0]}",
                help=helps.get(name), on_click="ignore", width="stretch")
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
    return _load(data, panel.name, toml, mapping.SOURCE, seed, method, k)


def _load(data: bytes, name: str, schema_text: str, schema_name: str, seed: int,
          method: str | None, k: int | str | None) -> state.Loaded:
    """Analyse the file with the sidebar's settings and the filters chosen for it."""
    source = state.source_key(data, schema_text)
    where, weighted = _chosen_filters(source)
    return state.load(data, name, schema_text, schema_name, seed, method, k, where, weighted,
                      source=source)


# ---- filters: which respondents, weighted or not -------------------------------------------

_MAX_LEVELS = 40  # a profile column with more answers than this is filtered as a range
_WEIGHTED = "filter.weighted"


def _filter_key(token: str, column: str) -> str:
    return f"filter.{token}.{column}"


def _chosen_filters(token: str) -> tuple[str | None, bool]:
    """The rule and weighting the filter widgets hold for this file (set in the last run:
    widgets keep their values in st.session_state), so that they apply to every page."""
    prefix = _filter_key(token, "")
    choices, ranges = {}, {}
    for key, value in st.session_state.items():
        if not (isinstance(key, str) and key.startswith(prefix)) or not value:
            continue
        column = key[len(prefix):]
        if column.endswith(":range"):
            full = st.session_state.get(f"{key}:full")
            if full is not None and tuple(value) != tuple(full):
                ranges[column[:-len(":range")]] = tuple(value)
        elif not column.endswith(":full") and isinstance(value, list):
            choices[column] = value
    where = rule_selecting(dict(sorted(choices.items())), dict(sorted(ranges.items())))
    return where, bool(st.session_state.get(_WEIGHTED, True))


def _filter_widgets(loaded: state.Loaded) -> None:
    """One multiselect per profile column (a range slider for a many-valued number) and
    the weighted/unweighted switch.  Every page shows the respondents they keep."""
    panel = loaded.job.panel
    if panel is None:
        st.caption("Filters appear once the file is read.")
        return
    token = loaded.source  # the filter widgets belong to the file (and schema)
    columns = panel.schema.profile_columns(list(panel.data.columns))
    if not columns:
        st.caption("The schema lists no profile columns ([segmentation] profile) to filter "
                   "on.")
    for column in columns:
        values = panel.data[column].dropna()
        key = _filter_key(token, column)
        label = panel.label(column)
        levels = pd.unique(values)
        if pd.api.types.is_numeric_dtype(values) and len(levels) > _MAX_LEVELS:
            lo, hi = float(values.min()), float(values.max())
            whole = bool((values == values.round()).all())
            full = (int(lo), int(hi)) if whole else (lo, hi)
            st.session_state[f"{key}:range:full"] = full
            st.slider(label, full[0], full[1], value=full, key=f"{key}:range")
        elif len(levels) <= _MAX_LEVELS:
            options = sorted((v.item() if hasattr(v, "item") else v for v in levels), key=str)
            st.multiselect(label, options, key=key, placeholder="everyone")
    if panel.schema.weight:
        st.toggle("Use the survey weights", value=True, key=_WEIGHTED,
                  help=f"Off: every respondent counts once (the weights in "
                       f"'{panel.schema.weight}' are ignored), to see the raw sample.")
    first = loaded.first
    if first is not None and (len(first.panel) != len(panel)
                              or not st.session_state.get(_WEIGHTED, True)):
        weighting = "" if st.session_state.get(_WEIGHTED, True) else ", unweighted"
        st.caption(f"Every page shows {len(first.panel):,} of {len(panel):,} "
                   f"respondents{weighting}.")


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
