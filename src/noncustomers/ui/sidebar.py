"""The sidebar on every page: data source, seed, downloads."""

from __future__ import annotations

import json

import streamlit as st

from noncustomers.ui import state

__all__ = ["render"]


def render() -> state.Loaded | None:
    st.sidebar.header("Data")
    source = st.sidebar.radio("Panel", ["Sample: gym market (5,000 respondents)",
                                        "Upload my panel"], key="source")
    seed = int(st.sidebar.number_input("Seed", min_value=0, value=0, step=1, key="seed",
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
        st.sidebar.error(loaded.error)
        return loaded
    for note in loaded.notes:
        st.sidebar.warning(note)
    analysis = loaded.analysis
    st.sidebar.caption(f"{loaded.panel_name} · {len(analysis.panel):,} respondents · "
                       f"schema {loaded.schema_name}")
    st.sidebar.header("Download")
    st.sidebar.download_button("assignments.csv", analysis.assignments.to_csv(index=False),
                               file_name="assignments.csv", mime="text/csv", key="dl_assignments",
                               help="Tier and segment of every respondent; x, y are the PCA map "
                                    "(as `noncustomers analyze --map pca`).")
    for name, table in (("gaps.csv", analysis.gaps), ("profiles.csv", analysis.profiles),
                        ("differences.csv", analysis.differences),
                        ("commonalities.csv", analysis.commonalities),
                        ("drivers.csv", analysis.drivers), ("canvas.csv", analysis.canvas)):
        st.sidebar.download_button(name, table.round(6).to_csv(index=False), file_name=name,
                                   mime="text/csv", key=f"dl_{name.removesuffix('.csv')}")
    st.sidebar.download_button("summary.json",
                               json.dumps(analysis.summary(), indent=2, ensure_ascii=False),
                               file_name="summary.json", mime="application/json",
                               key="dl_summary")
    return loaded
