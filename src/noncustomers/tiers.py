"""Place every respondent in ``customers`` or a non-customer tier."""

from __future__ import annotations

import numpy as np
import pandas as pd

from noncustomers.errors import RuleError
from noncustomers.panel import Panel
from noncustomers.vocabulary import UNCLASSIFIED

__all__ = ["assign_tiers"]


def assign_tiers(panel: Panel) -> pd.Series:
    """Apply the schema's tier rules top to bottom; the first rule that matches wins.

    Rows that match no rule get ``"unclassified"``: they are kept and reported,
    never dropped.

    Returns
    -------
    Series of str, aligned with ``panel.data``.

    Examples
    --------
    >>> tiers = assign_tiers(panel)                             # doctest: +SKIP
    >>> tiers.value_counts()                                    # doctest: +SKIP
    """
    tier = np.full(len(panel), UNCLASSIFIED, dtype=object)
    open_rows = np.ones(len(panel), dtype=bool)
    for name, rule in panel.schema.tiers.items():
        text, hits = panel.rule_hits.get(name, (None, None))
        if text != rule.text or hits is None or len(hits) != len(panel):
            try:
                hits = rule.evaluate(panel.data, panel.schema.order).to_numpy(dtype=bool)
            except RuleError as exc:
                raise RuleError(f"{panel.schema.source}: {exc}") from None
        hit = hits & open_rows
        tier[hit] = name
        open_rows &= ~hit
    return pd.Series(tier, index=panel.data.index, name="tier")
