"""Strategy canvas: value curves on 0-10 across the competing factors."""

from __future__ import annotations

import pandas as pd

__all__ = ["INDUSTRY_CURVE", "strategy_canvas"]

INDUSTRY_CURVE = "industry offering"


def strategy_canvas(gaps: pd.DataFrame, groups: list[str]) -> pd.DataFrame:
    """Long table ``curve, attribute, level``.

    The industry curve is the performance rated by everyone who used the
    offering (group ``all``); each listed group adds its importance curve.
    """
    rows = []
    overall = gaps[gaps["group"] == "all"]
    for r in overall.itertuples():
        rows.append({"curve": INDUSTRY_CURVE, "attribute": r.attribute, "level": r.performance})
    for group in groups:
        for r in gaps[gaps["group"] == group].itertuples():
            rows.append({"curve": group, "attribute": r.attribute, "level": r.importance})
    return pd.DataFrame(rows, columns=["curve", "attribute", "level"])
