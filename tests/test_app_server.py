"""``python app.py`` (what ``make app`` runs): the warm-up it does before the server listens."""

import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def app_module():
    """app.py imported as a module: neither serves nor runs a page (its __main__ guard)."""
    spec = importlib.util.spec_from_file_location("noncustomers_app_under_test", ROOT / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_page_s_imports_are_read_without_running_it(app_module, tmp_path):
    page = tmp_path / "page.py"
    page.write_text("import os, json as j\nfrom noncustomers.charts import plot_gaps\n"
                    "from .local import x\nraise SystemExit('never run')\n", encoding="utf-8")
    assert app_module._imports(page) == ["os", "json", "noncustomers.charts"]
    overview = ROOT / app_module.PAGES / "overview.py"
    assert {"streamlit", "noncustomers.charts", "noncustomers.ui.widgets"} <= set(
        app_module._imports(overview))


def test_warm_up_imports_every_page_s_modules_and_draws_the_first_chart(
        app_module, gym_panel_path, gym_schema_path, monkeypatch):
    from noncustomers import assign_tiers, read_panel
    from noncustomers.analysis import tier_summary
    from noncustomers.ui import widgets

    panel = read_panel(gym_panel_path, gym_schema_path)
    drawn = []
    real = widgets.shown_figure
    monkeypatch.setattr(widgets, "shown_figure", lambda fig: drawn.append(fig) or real(fig))
    app_module._warm(SimpleNamespace(first=SimpleNamespace(
        tier_summary=tier_summary(panel, assign_tiers(panel)))))
    (fig,) = drawn
    assert fig.layout.title.text.startswith("<b>Who buys")
    pages = sorted((ROOT / app_module.PAGES).glob("*.py"))
    assert len(pages) >= 9
    for page in pages:
        for module in app_module._imports(page):
            assert module in sys.modules, (page.name, module)
    # a file that could not be read: nothing to draw, the imports all the same
    drawn.clear()
    app_module._warm(SimpleNamespace(first=None))
    assert drawn == []
