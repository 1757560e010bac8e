"""Strategy canvas: value curves on 0-10 across the competing factors.

Curves (long table ``curve, attribute, level``):

- ``industry offering``: the performance rated by everyone who has used the
  offering (group ``all``); an attribute marked ``offered = false`` without a
  rating sits at 0;
- one importance curve per listed group (the tiers);
- ``blue ocean``: the curve the ERRC grid proposes.  Eliminate -> 0; reduce ->
  down to what non-customers value (their reach-weighted importance, never above
  today's level); raise -> up to what they value (never below today's level);
  create -> the new factor at what they value; every other factor stays at the
  industry's level.

Two figures describe each curve (Kim & Mauborgne's tests of a good value curve):
``divergence``, the root mean square distance from the industry curve over the
factors, and ``focus``, the standard deviation of the curve's own levels (a
focused curve has clear highs and lows rather than a flat middle).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from noncustomers.errors import DataError, closest

__all__ = ["CANVAS_COLUMNS", "INDUSTRY_CURVE", "PROPOSED_CURVE", "canvas_curves", "curve_metrics",
           "industry_curve", "proposed_curve", "read_curve", "strategy_canvas"]

INDUSTRY_CURVE = "industry offering"
PROPOSED_CURVE = "blue ocean"
CANVAS_COLUMNS = ["curve", "attribute", "level"]


def industry_curve(gaps: pd.DataFrame, offered: dict[str, bool] | None = None) -> dict[str, float]:
    """attribute -> the industry's performance (0-10); 0 for a factor not offered today."""
    offered = offered or {}
    overall = gaps[gaps["group"] == "all"]
    curve = {}
    for attribute, level in zip(overall["attribute"], overall["performance"]):
        if np.isnan(level) and not offered.get(attribute, True):
            level = 0.0
        curve[attribute] = float(level)
    return curve


def proposed_curve(industry: dict[str, float], evidence: dict[str, dict]) -> dict[str, float]:
    """The blue-ocean curve from ERRC evidence (see the module docstring)."""
    curve = {}
    for attribute, today in industry.items():
        ev = evidence.get(attribute, {})
        action = ev.get("action")
        wanted = ev.get("noncustomer_importance")
        if action == "eliminate":
            curve[attribute] = 0.0
        elif action == "reduce":
            curve[attribute] = min(today, wanted)
        elif action in ("raise", "create"):
            curve[attribute] = max(today, wanted) if not np.isnan(today) else wanted
        else:
            curve[attribute] = today
    return curve


def curve_metrics(curve: dict[str, float], industry: dict[str, float]) -> dict[str, float | None]:
    """``divergence`` (RMS distance from the industry curve) and ``focus`` (sd of the levels).

    >>> curve_metrics({"a": 0.0, "b": 10.0}, {"a": 5.0, "b": 5.0})
    {'divergence': 5.0, 'focus': 5.0}
    """
    both = [(curve[a], industry[a]) for a in curve
            if a in industry and not (np.isnan(curve[a]) or np.isnan(industry[a]))]
    levels = [v for v in curve.values() if not np.isnan(v)]
    divergence = (math.sqrt(sum((c - i) ** 2 for c, i in both) / len(both)) if both else None)
    focus = float(np.std(levels)) if levels else None
    return {"divergence": None if divergence is None else round(divergence, 6),
            "focus": None if focus is None else round(focus, 6)}


def strategy_canvas(gaps: pd.DataFrame, groups: list[str],
                    evidence: dict[str, dict] | None = None,
                    offered: dict[str, bool] | None = None) -> pd.DataFrame:
    """Long table ``curve, attribute, level``: industry, each group's importance, and
    the proposed blue-ocean curve when ERRC ``evidence`` is given."""
    industry = industry_curve(gaps, offered)
    rows = [(INDUSTRY_CURVE, a, level) for a, level in industry.items()]
    for group in groups:
        for r in gaps[gaps["group"] == group].itertuples():
            rows.append((group, r.attribute, r.importance))
    if evidence is not None:
        rows.extend((PROPOSED_CURVE, a, level)
                    for a, level in proposed_curve(industry, evidence).items())
    return pd.DataFrame(rows, columns=CANVAS_COLUMNS)


def canvas_curves(canvas: pd.DataFrame) -> dict[str, dict[str, float]]:
    """The canvas table back as curves: name -> {attribute: level}, in the table's order."""
    return {curve: dict(zip(part["attribute"], part["level"]))
            for curve, part in canvas.groupby("curve", sort=False)}


def read_curve(path: str | Path, attributes: list[str]) -> dict[str, float]:
    """Read a value curve of your own: a CSV with columns ``attribute, level`` (0-10).

    Factors left out stay at the industry's level when the prize is sized.

    Raises
    ------
    DataError
        Naming the file, row or attribute at fault.
    """
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype={"attribute": str})
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"{path}: cannot read the curve file ({exc.__class__.__name__}: "
                        f"{getattr(exc, 'strerror', None) or exc})") from None
    if list(table.columns[:2]) != ["attribute", "level"]:
        raise DataError(f"{path}: a curve file has the columns attribute, level; found "
                        f"{', '.join(map(str, table.columns))}")
    curve: dict[str, float] = {}
    levels = pd.to_numeric(table["level"], errors="coerce")
    for i, (name, level) in enumerate(zip(table["attribute"], levels), start=1):
        if name not in attributes:
            raise DataError(f"{path}: data row {i} names the attribute '{name}', which is not "
                            f"in the schema{closest(str(name), attributes)}")
        if name in curve:
            raise DataError(f"{path}: data row {i} repeats the attribute '{name}'")
        if not 0 <= level <= 10:  # NaN fails too
            raise DataError(f"{path}: data row {i} gives '{name}' the level "
                            f"'{table['level'].iloc[i - 1]}'; levels are numbers from 0 to 10")
        curve[name] = float(level)
    if not curve:
        raise DataError(f"{path}: the curve file has no rows")
    return curve
