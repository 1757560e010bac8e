"""Segmentation within tiers: estimators, k selection, stability, prediction."""

from noncustomers.segmentation.engine import (MIN_SEGMENTABLE, SegmentModel, Segmentation,
                                              basis_matrix, make_segmenter, segment_tiers,
                                              standardize_basis)
from noncustomers.segmentation.estimators import (AutoGaussianMixture, AutoKMeans, AutoWard,
                                                  DensitySegmenter, LatentClass)
from noncustomers.segmentation.stability import (global_stability, segment_stability,
                                                 stability_label)

__all__ = ["MIN_SEGMENTABLE", "AutoGaussianMixture", "AutoKMeans", "AutoWard",
           "DensitySegmenter", "LatentClass", "SegmentModel", "Segmentation", "basis_matrix",
           "global_stability", "make_segmenter", "segment_stability", "segment_tiers",
           "stability_label", "standardize_basis"]
