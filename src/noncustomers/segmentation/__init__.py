"""Segmentation within tiers: the k-choosing meta-estimator, the method registry, the
estimators, stability, and the engine that segments every tier of a panel.

The engine's names (:func:`segment_tiers`, :class:`Segmentation`, ...) load on first
use: the schema reader checks method names against :mod:`.methods`, which must not
pull in the engine (the engine reads panels, which read schemas).
"""

from noncustomers.segmentation.estimators import DensitySegmenter, LatentClass
from noncustomers.segmentation.methods import (METHODS, Method, make_segmenter, method_names,
                                               register_method)
from noncustomers.segmentation.selection import (CRITERIA, AutoKMeans, ChooseK, Criterion,
                                                 register_criterion)
from noncustomers.segmentation.stability import (global_stability, segment_stability,
                                                 stability_label)

_ENGINE = ("MIN_SEGMENTABLE", "SegmentModel", "Segmentation", "basis_matrix", "segment_table",
           "segment_tiers", "standardize_basis")

__all__ = ["AutoKMeans", "CRITERIA", "ChooseK", "Criterion", "DensitySegmenter",
           "LatentClass", "METHODS", "Method", "global_stability", "make_segmenter",
           "method_names", "register_criterion", "register_method", "segment_stability",
           "stability_label", *_ENGINE]


def __getattr__(name: str):
    if name in _ENGINE:
        from noncustomers.segmentation import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'noncustomers.segmentation' has no attribute '{name}'")
