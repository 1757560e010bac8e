"""Blue-ocean analytics over an analysed panel: gaps, ERRC grid, strategy canvas."""

from noncustomers.analytics.canvas import strategy_canvas
from noncustomers.analytics.errc import ERRC_ACTIONS, ErrcRules, errc_grid
from noncustomers.analytics.gaps import GAP_COLUMNS, attribute_gaps
from noncustomers.analytics.profiles import segment_profiles
from noncustomers.analytics.weighted import rescale, top_box_share, weighted_mean

__all__ = ["ERRC_ACTIONS", "ErrcRules", "GAP_COLUMNS", "attribute_gaps", "errc_grid",
           "rescale", "segment_profiles", "strategy_canvas", "top_box_share", "weighted_mean"]
