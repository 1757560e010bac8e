"""Blue-ocean analytics over an analysed panel, one module per figure.

weighted (effective base, intervals), significance (weighted tests, q-values),
gaps, differences, commonalities, drivers, errc, canvas, prize, rfm, profiles.
"""

from noncustomers.analytics.canvas import proposed_curve, strategy_canvas
from noncustomers.analytics.commonalities import commonalities
from noncustomers.analytics.differences import attribute_differences
from noncustomers.analytics.drivers import tier_drivers
from noncustomers.analytics.errc import ERRC_ACTIONS, ErrcRules, errc_grid, tier_calls
from noncustomers.analytics.gaps import GAP_COLUMNS, attribute_gaps
from noncustomers.analytics.prize import curve_test, market_size
from noncustomers.analytics.profiles import segment_profiles
from noncustomers.analytics.rfm import rfm_scores
from noncustomers.analytics.weighted import (kish_n_eff, rescale, share_interval, top_box_share,
                                             weighted_mean)

__all__ = ["ERRC_ACTIONS", "ErrcRules", "GAP_COLUMNS", "attribute_differences", "attribute_gaps",
           "commonalities", "errc_grid", "kish_n_eff", "proposed_curve", "rescale", "rfm_scores",
           "segment_profiles", "share_interval", "curve_test", "market_size", "strategy_canvas",
           "tier_calls", "tier_drivers", "top_box_share", "weighted_mean"]
