"""Bounds on what a user may give the toolkit, in one place (the README lists them).

Each bound turns input that would crash or silently mislead into a one-line error
(or, for usable-but-odd input, a warning).  The rule language's nesting limit is
:data:`noncustomers.rules.MAX_DEPTH`.
"""

from __future__ import annotations

__all__ = ["MAX_SEED", "MAX_WEIGHT", "MIN_WEIGHT", "SMALL_GROUP"]

#: Seeds go to NumPy and scikit-learn, whose seeds are 32-bit: 0 to 2**32 - 1.
MAX_SEED = 2**32 - 1

#: Survey weights must lie in this range: any real design or grossing-up weight does,
#: and within it the sums of weights and of squared weights behind every estimate stay
#: finite for any panel size (an infinite weight, or 1e308 in every row, would not).
MIN_WEIGHT, MAX_WEIGHT = 1e-12, 1e12

#: A tier of fewer respondents than this runs, with a warning that its base is small.
SMALL_GROUP = 30
