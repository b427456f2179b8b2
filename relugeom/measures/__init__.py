"""Complexity measures (SPEC §8): path-norms and norm products, F along segments, Path-SGD.

    norms (path-norms, norm products, margins) ─▶ path_sgd (κ = γ_in·γ_out, exact steps)
    segments (exact breakpoints, slopes, gradient gap deviation and deflection; built on regions)

>>> from relugeom.core import Network
>>> from relugeom.measures import path_norm
>>> path_norm(Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])]), p=2)
Fraction(3, 1)
"""

from .norms import NormMeasures, margins, norm_measures, path_norm, path_norm_root, path_sums
from .path_sgd import flat_gradient, path_sgd_scales, path_sgd_step
from .segments import (
    SegmentComparison,
    SegmentProfile,
    SegmentStatistics,
    compare_segment_methods,
    restrict_to_segment,
    segment_profile,
    segment_statistics,
)

__all__ = [
    "path_norm",
    "path_norm_root",
    "path_sums",
    "margins",
    "norm_measures",
    "NormMeasures",
    "path_sgd_scales",
    "path_sgd_step",
    "flat_gradient",
    "restrict_to_segment",
    "segment_profile",
    "SegmentProfile",
    "segment_statistics",
    "SegmentStatistics",
    "compare_segment_methods",
    "SegmentComparison",
]
