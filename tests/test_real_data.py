"""The worked examples in docs/examples on the real surveys in ../shared/data (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from noncustomers import analyze, read_panel

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
EXAMPLES = ROOT / "docs" / "examples"

pytestmark = pytest.mark.skipif(not (DATA / "vacmot.csv").exists(),
                                reason="../shared/data is not present")


def test_vacmot_latent_class_is_close_to_the_published_six_segments():
    panel = read_panel(DATA / "vacmot.csv", EXAMPLES / "vacmot.toml")  # the raw file
    result = analyze(panel, map=None, stability_runs=0, curve_resamples=0)
    published = pd.read_csv(DATA / "vacmot_published_6_segments.csv").iloc[:, 0]
    assert result.segments.nunique() == 6
    assert adjusted_rand_score(published, result.segments) > 0.6


def test_mcdonalds_tiers_follow_visit_frequency():
    panel = read_panel(DATA / "mcdonalds.csv", EXAMPLES / "mcdonalds.toml")  # the raw file
    assert panel.ids.tolist() == list(range(1, 1454))  # id = "@row"
    result = analyze(panel, map=None, stability_runs=0, k=4, curve_resamples=0)
    counts = result.tiers.value_counts()
    frequency = panel.data["VisitFrequency"]
    assert counts["refusing"] == (frequency == "Never").sum()
    assert counts["customers"] == frequency.isin(
        ["Once a month", "Once a week", "More than once a week"]).sum()
    assert result.segments.nunique() == 12  # four segments in each of the three tiers


@pytest.mark.skipif(not (DATA / "phone.sav").exists(), reason="phone.sav is not present")
def test_phone_reasons_for_change_read_as_a_multi_response_barrier(tmp_path):
    import pyreadstat

    from noncustomers.analytics import commonalities
    from noncustomers.tiers import assign_tiers

    raw, meta = pyreadstat.read_sav(str(DATA / "phone.sav"))
    panel = read_panel(DATA / "phone.sav", EXAMPLES / "phone.toml")  # the raw file
    tiers = assign_tiers(panel)
    assert tiers.value_counts().to_dict() == {"refusing": 398, "customers": 136,
                                              "unexplored": 125, "soon-to-be": 66}
    table = commonalities(panel, tiers).set_index("item")
    # Independently from the raw codes: code 2 = "Got a better deal"; -9 and 0 are no answer
    answers = [{t.strip() for t in str(cell).split(",")} - {"", "-9", "0"} for cell in raw["q14"]]
    for tier in ("soon-to-be", "refusing", "unexplored"):
        asked = [a for a, t in zip(answers, tiers) if t == tier and a]
        expected = sum("2" in a for a in asked) / len(asked)
        assert table.loc["q14=Got a better deal", f"prevalence_{tier}"] == pytest.approx(expected)
    assert table.index[0] == "q14=Got a better deal"  # the most shared reason
