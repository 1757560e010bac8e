"""Streamlit entry point: page config and navigation only.

Run with ``make app``, which runs ``python app.py [streamlit options]``: the server starts
warm (the toolkit imported, the sample being analysed) and serves this file; ``streamlit run
app.py`` works too, and pays the imports on its first visitor.  Every page is a short script in
src/noncustomers/ui/pages over the library's functions.
"""

import ast
import sys
from pathlib import Path

import streamlit as st
from streamlit import runtime

from noncustomers.ui import mapping, sidebar, state

PAGES = "src/noncustomers/ui/pages"


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
        try:
            st.navigation(_pages(analysed_now)).run()
        finally:  # also after a page's st.stop(): the filters, notes and downloads
            sidebar.finish(loaded)
        if analysed_now:
            st.rerun()  # on the results' first page now: list Set up again at once
        if analysing:  # the page showed what was ready; the sidebar's files come next
            with st.sidebar:
                state.wait_for_analysis(loaded)
            st.rerun()  # the analysis has ended: the sidebar offers its files (or says why not)
    except Exception as exc:  # noqa: BLE001 - the last guard: one sentence, details in the log
        state.log.exception("a page failed")
        st.error(f"This page stopped on an unexpected problem ({exc.__class__.__name__}); the "
                 "details are in the server's log.")


def _pages(analysed_now: bool = False) -> list:
    """Set up and the results.  A survey file uploaded without a schema shows Set up alone
    until it is analysed; in the run right after Analyse, the results alone, so that the app
    opens their first page (a page that is not listed gives way to the default page, and
    the sidebar keeps its files, which st.switch_page would drop)."""
    pages = PAGES
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


def serve(options: list[str]) -> int:
    """``python app.py [streamlit options]``: import the toolkit and start the sample's
    analysis, then serve this file in the same process, so that the first page does not wait
    for two seconds of imports and the analysis is under way when the first visitor comes
    (what ``gunicorn --preload`` does for a web app)."""
    from streamlit.web import cli

    _warm(state.start_sample())
    return cli.main(["run", __file__, *options], standalone_mode=False) or 0


def _warm(sample: state.Job) -> None:
    """Pay before the server listens what the first visitor's run would pay (1.2 s of its
    1.5 s up to the first chart, profiled): the pages' own imports, plotly's lazily built
    figure classes and house template (drawing the sample's first chart once), and the
    module map that Streamlit's first element of a process walks
    (``streamlit.env_util.is_repl`` calls ``inspect.stack()``, which maps each of the
    2,000-odd loaded modules to its file once and caches it)."""
    import importlib
    import inspect

    from noncustomers.ui.widgets import shown_figure

    for page in sorted((Path(__file__).parent / PAGES).glob("*.py")):
        for module in _imports(page):
            importlib.import_module(module)
    if sample.first is not None:
        from noncustomers.charts import plot_tier_sizes

        shown_figure(plot_tier_sizes(sample.first.tier_summary)).to_json()
    inspect.stack()


def _imports(script: Path) -> list[str]:
    """The modules a page script imports (from its import statements, without running it)."""
    tree = ast.parse(script.read_text(encoding="utf-8"))
    return [name for node in ast.walk(tree)
            for name in ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module] if isinstance(node, ast.ImportFrom)
                         and node.module and not node.level  # absolute imports only
                         else [])]


# Streamlit runs this file as __main__ (with a runtime); `python app.py` runs it without one
# and starts the server; the map worker process (spawned, see noncustomers.ui.state)
# re-imports it as __mp_main__ and must neither.
if __name__ == "__main__":
    if runtime.exists():
        main()
    else:
        sys.exit(serve(sys.argv[1:]))
