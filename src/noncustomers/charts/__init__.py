"""One pure function per chart: plain data in, a styled plotly Figure out.

The app shows these figures and the exports write the very same ones.
"""

from noncustomers.charts.canvas import plot_strategy_canvas
from noncustomers.charts.commonalities import plot_commonalities
from noncustomers.charts.curve_test import plot_curve_test
from noncustomers.charts.differences import plot_differences
from noncustomers.charts.drivers import plot_drivers
from noncustomers.charts.errc import plot_errc_grid
from noncustomers.charts.gaps import plot_gaps
from noncustomers.charts.map import plot_map
from noncustomers.charts.quadrants import plot_quadrants
from noncustomers.charts.selection import plot_k_selection
from noncustomers.charts.theme import ERRC_COLORS, TIER_COLORS
from noncustomers.charts.tiers import plot_tier_sizes

__all__ = ["ERRC_COLORS", "TIER_COLORS", "plot_commonalities", "plot_curve_test",
           "plot_differences", "plot_drivers", "plot_errc_grid", "plot_gaps", "plot_k_selection",
           "plot_map", "plot_quadrants", "plot_strategy_canvas", "plot_tier_sizes"]
