"""noncustomers: find the people who do not buy from an industry yet, and what would bring them in.

The pipeline, as plain functions over plain data::

    panel = read_panel("panel.csv", "schema.toml")   # read + validate
    result = analyze(panel, seed=0)                  # tiers, segments, map, gaps, ERRC
    result.write("out/")                             # assignments.csv, ..., config.toml

Every setting of a run lives in one :class:`AnalysisConfig`
(``AnalysisConfig.from_schema(panel.schema, seed=0, k=4)``, or ``AnalysisConfig.read``
on a run's ``config.toml``); segmentation methods are extended with
:func:`register_method` and :class:`ChooseK` (docs/extending.md).
"""

from noncustomers.analysis import Analysis, analyze
from noncustomers.config import AnalysisConfig, ConfigError
from noncustomers.analytics import ErrcRules, attribute_gaps, errc_grid, strategy_canvas
from noncustomers.draft import draft_from_file, draft_schema
from noncustomers.embedding import map_coordinates
from noncustomers.errors import DataError, NoncustomersError, RuleError, SchemaError
from noncustomers.panel import Panel, panel_from_frame, read_panel
from noncustomers.rules import parse_rule
from noncustomers.schema import Schema, load_schema, parse_schema
from noncustomers.vocabulary import NON_CUSTOMER_TIERS, TIERS
from noncustomers.segmentation import (AutoKMeans, ChooseK, Criterion, register_criterion,
                                       register_method, segment_tiers)
from noncustomers.tiers import assign_tiers

__all__ = [
    "Analysis", "AnalysisConfig", "AutoKMeans", "ChooseK", "ConfigError", "Criterion",
    "DataError", "ErrcRules", "NON_CUSTOMER_TIERS", "NoncustomersError", "Panel", "RuleError",
    "Schema", "SchemaError", "TIERS", "analyze", "assign_tiers", "attribute_gaps",
    "draft_from_file", "draft_schema", "errc_grid",
    "load_schema", "map_coordinates", "panel_from_frame", "parse_rule", "parse_schema",
    "read_panel", "register_criterion", "register_method", "segment_tiers", "strategy_canvas",
]
__version__ = "0.1.0"
