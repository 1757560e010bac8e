"""The sidebar on every page: data source, seed, downloads."""

from __future__ import annotations

from functools import partial

import streamlit as st

from noncustomers.analysis import OUTPUT_FILES, Analysis
from noncustomers.limits import MAX_SEED
from noncustomers.ui import state

__all__ = ["render"]


def render() -> state.Loaded | None:
    st.sidebar.header("Data")
    source = st.sidebar.radio("Panel", ["Sample: gym market (5,000 respondents)",
                                        "Upload my panel"], key="source")
    seed = int(st.sidebar.number_input("Seed", min_value=0, max_value=MAX_SEED, value=0, step=1,
                                       key="seed",
                                       help="Seeds clustering and the map: same data, schema "
                                            "and seed give the same result."))
    if source.startswith("Sample"):
        loaded = state.load_sample(seed)
    else:
        panel = st.sidebar.file_uploader("Panel file", type=["csv", "tsv", "txt", "xlsx",
                                                             "parquet", "sav", "dta"], key="panel_file")
        schema = st.sidebar.file_uploader("Schema file (TOML)", type=["toml"], key="schema_file",
                                          help="Maps the panel's columns to roles; see the README.")
        if panel is None or schema is None:
            st.sidebar.info("Upload both the panel and its schema.")
            state.clear()
            return None
        try:
            schema_text = schema.getvalue().decode("utf-8-sig")
        except UnicodeDecodeError:
            st.sidebar.error(f"{schema.name}: not UTF-8 text.")
            return None
        loaded = state.load(panel.getvalue(), panel.name, schema_text, schema.name, seed)

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
    analysis = loaded.analysis
    st.sidebar.caption(f"{loaded.panel_name} · {len(analysis.panel):,} respondents · "
                       f"schema {loaded.schema_name}")
    st.sidebar.header("Download")
    helps = {"assignments.csv": "Tier and segment of every respondent; x, y are the PCA map "
                                "(as `noncustomers analyze --map pca`)."}
    for name in OUTPUT_FILES:
        # Built only when clicked, byte-identical to the file `noncustomers analyze` writes.
        st.sidebar.download_button(
            name, data=partial(_file, analysis, name), file_name=name,
            mime="application/json" if name.endswith(".json") else "text/csv",
            key=f"dl_{name.rsplit('.', 1)[0]}", help=helps.get(name), on_click="ignore")
    return loaded


def _file(analysis: Analysis, name: str) -> bytes:
    return analysis.files()[name]
