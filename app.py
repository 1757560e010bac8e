"""Streamlit entry point: page config and navigation only.

Run with ``make app`` (or ``streamlit run app.py``). Every page is a short
script in src/noncustomers/ui/pages over the library's functions.
"""

import streamlit as st

from noncustomers.ui import mapping, sidebar, state


def main() -> None:
    # No page or navigation icons: Streamlit fetches a Material or emoji icon used as the
    # favicon from a remote font server, and nothing may leave the machine.
    st.set_page_config(page_title="noncustomers", layout="wide")
    state.start_umap_warmup()
    try:
        # The sidebar first: which pages there are depends on what it loaded.
        loaded = sidebar.render()
        analysing = loaded is not None and loaded.running
        analysed_now = mapping.just_analysed()
        st.navigation(_pages(analysed_now)).run()
        if analysing:  # the page showed what was ready; the sidebar's files come next
            with st.sidebar:
                state.wait_for_analysis(loaded)
        if analysed_now or analysing:
            # analysed now: on the results' first page, list Set up again; analysing: the
            # analysis has ended, so the sidebar offers its files (or says what went wrong)
            st.rerun()
    except Exception as exc:  # noqa: BLE001 - the last guard: one sentence, details in the log
        state.log.exception("a page failed")
        st.error(f"This page stopped on an unexpected problem ({exc.__class__.__name__}); the "
                 "details are in the server's log.")


def _pages(analysed_now: bool = False) -> list:
    """Set up and the results.  A survey file uploaded without a schema shows Set up alone
    until it is analysed; in the run right after Analyse, the results alone, so that the app
    opens their first page (a page that is not listed gives way to the default page, and
    the sidebar keeps its files, which st.switch_page would drop)."""
    pages = "src/noncustomers/ui/pages"
    setup = st.Page(f"{pages}/setup.py", title="Set up")
    if mapping.setting_up():
        return [setup]
    results = [
        st.Page(f"{pages}/overview.py", title="Tier sizes", default=True),
        st.Page(f"{pages}/map.py", title="Map"),
        st.Page(f"{pages}/segments.py", title="Segments"),
        st.Page(f"{pages}/gaps.py", title="Gaps"),
        st.Page(f"{pages}/commonalities.py", title="Commonalities"),
        st.Page(f"{pages}/differences.py", title="Differences"),
        st.Page(f"{pages}/canvas.py", title="Strategy canvas"),
        st.Page(f"{pages}/errc.py", title="ERRC grid"),
    ]
    return results if analysed_now else [setup, *results]


# Streamlit runs this file as __main__; the map worker process (spawned, see
# noncustomers.ui.state) re-imports it as __mp_main__ and must not start the app.
if __name__ == "__main__":
    main()
