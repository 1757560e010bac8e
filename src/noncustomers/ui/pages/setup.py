"""Set up: how the app reads an uploaded survey file (the proposal of ``noncustomers init``,
edited here); see :func:`noncustomers.ui.mapping.render`."""

import streamlit as st

from noncustomers.ui import mapping, state


def _upload_mode() -> None:
    st.session_state["source"] = "Upload my panel"  # the sidebar's Panel choice


upload = mapping.current_upload()
if upload is not None:
    mapping.render(upload)
else:
    st.title("Set up your survey")
    if st.session_state.get("source", "").startswith("Sample"):
        st.info("The sample gym survey comes set up. To analyse a survey of your own, upload "
                "its file: the app reads it and proposes how to use each column.")
        st.button("Upload my survey", on_click=_upload_mode, type="primary", key="to_upload")
    elif state.current() is not None and st.session_state.get("schema_file") is not None:
        loaded = state.current()
        if loaded.error:  # the panel or its schema has problems: all of them, as a table
            state.show_problems(loaded.error.split("\n"),
                                "fix them in the schema file and upload it again.")
        else:
            st.info("Your schema file says how to read the survey, so there is nothing to set "
                    "up here. Remove the schema file in the sidebar to set the survey up here "
                    "instead.")
            st.page_link(mapping.OVERVIEW_PAGE,
                         label="See the results: who buys, and who does not yet")
    else:
        st.info("Upload your survey file in the sidebar (CSV, TSV, Excel, Parquet, SPSS or "
                "Stata, one row per respondent). The app reads it and proposes how to use "
                "each column; you check the proposal here, then click Analyse.")
