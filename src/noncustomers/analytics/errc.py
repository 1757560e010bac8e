"""A first, data-driven ERRC grid (eliminate, reduce, raise, create).

It compares what the non-customer tiers, pooled and weighted, value
(importance, 0-10) with what the industry delivers today (performance among
everyone who rated it, i.e. users past and present, 0-10).  Rules, tried in
this order; an attribute lands in at most one cell:

- **create**: non-customers value it (importance >= ``valued``) but the
  industry hardly offers it (performance < ``hardly_offered``);
- **raise**: non-customers value it and it is under-delivered
  (importance - performance >= ``under_delivered``);
- **eliminate**: delivered well beyond what non-customers value
  (performance - importance >= ``over_delivered``) and they barely value it
  at all (importance < ``barely_valued``);
- **reduce**: delivered well beyond what non-customers value, but they value
  it somewhat.

Attributes without both an importance and a performance rating are left out.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["ERRC_ACTIONS", "ErrcRules", "errc_grid"]

ERRC_ACTIONS = ("eliminate", "reduce", "raise", "create")


@dataclass(frozen=True)
class ErrcRules:
    """Thresholds of the ERRC rules, all on the 0-10 scale."""

    valued: float = 6.0
    hardly_offered: float = 3.5
    under_delivered: float = 1.5
    over_delivered: float = 2.0
    barely_valued: float = 3.5

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def errc_grid(importance: dict[str, float], performance: dict[str, float],
              rules: ErrcRules = ErrcRules()) -> tuple[dict[str, list[str]], dict[str, dict]]:
    """Place attributes in the ERRC grid.

    Parameters
    ----------
    importance : dict
        attribute -> non-customers' weighted mean importance (0-10).
    performance : dict
        attribute -> industry's weighted mean performance (0-10).
    rules : ErrcRules

    Returns
    -------
    grid : dict
        action -> attributes, in the order given.
    evidence : dict
        attribute -> the figures behind its cell (``action`` is None when it stays as is).

    Examples
    --------
    >>> grid, _ = errc_grid({"spa": 2.0, "kids": 7.5}, {"spa": 8.0, "kids": 1.0})
    >>> grid["eliminate"], grid["create"]
    (['spa'], ['kids'])
    """
    grid: dict[str, list[str]] = {action: [] for action in ERRC_ACTIONS}
    evidence: dict[str, dict] = {}
    for name, imp in importance.items():
        perf = performance.get(name, np.nan)
        if imp is None or perf is None or np.isnan(imp) or np.isnan(perf):
            continue
        action = None
        if imp >= rules.valued and perf < rules.hardly_offered:
            action = "create"
        elif imp >= rules.valued and imp - perf >= rules.under_delivered:
            action = "raise"
        elif perf - imp >= rules.over_delivered:
            action = "eliminate" if imp < rules.barely_valued else "reduce"
        if action:
            grid[action].append(name)
        evidence[name] = {"action": action, "noncustomer_importance": round(float(imp), 4),
                          "industry_performance": round(float(perf), 4),
                          "gap": round(float(imp - perf), 4)}
    return grid, evidence
