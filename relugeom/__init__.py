"""relugeom: the exact geometry of small ReLU networks.

The package is the data flow; each subpackage imports only from the layers below it (the contract in
``pyproject.toml``, checked by ``lint-imports``; see ``ARCHITECTURE.md``)::

    numbers ─▶ core ─────────▶ dimension ─────────▶ regions ──▶ measures · symmetry ─▶ plots
    (exact     (Network,        (Jacobian, kernel    (exact      (path-norms,    (permutations,
    parsing)   forward,         hints, certified     cells,      segments,       rescalings,
               patterns)        rank: BFD)           graph,      Path-SGD)       canonical forms)
                  ▲                  ▲               CFFD)
    linalg ───────┴──────────────────┘   (rank engines, certificates, modular arithmetic: a foundation)

    ─▶ identifiability (local verdicts from a batch, exact functional equality, deficits explained)
    ─▶ training · search (trainer, tracking, Hessian, alignment, saddles · families, work units,
                          counterexample search) ─▶ proofs (theorem checks T1–T10, conjectures) ─▶ cli

Every public name lives flat here (``rg.batch_functional_dimension``); the subpackages are namespaces too
(``rg.regions``, ``rg.training``, ``rg.measures``, …).

Examples
--------
>>> import relugeom as rg
>>> net = rg.Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> rg.batch_functional_dimension(net, [-1, "1/2", 2])
3
>>> rg.regions.linear_regions is rg.linear_regions
True
"""

from . import core, dimension, identifiability, io, limits, linalg, measures, plots, regions, search, training
from .core import Network, activation_patterns, forward, pattern_statistics
from .dimension import (
    DimensionReport,
    ExactJacobian,
    MethodComparison,
    batch_functional_dimension,
    compare_methods,
    dimension_report,
    jacobian,
)
from .exceptions import (
    CertificationTimeout,
    DegeneratePointError,
    DegenerateSegmentError,
    FloatRangeError,
    FormatError,
    LimitReached,
    MemoryLimitReached,
    NotExactError,
    RegionLimitReached,
    RelugeomError,
    ShapeError,
    TimeLimitReached,
    UnsupportedModelError,
)
from .identifiability import (
    DeficitExplanation,
    Equality,
    IdentifiabilityReport,
    Mechanism,
    explain_deficit,
    functionally_equal,
    local_identifiability,
)
from .io import from_torch, load_inputs, load_network, save_inputs, save_network, to_torch
from .limits import bounds
from .linalg import Certificate, RankResult, rank
from .measures import (
    NormMeasures,
    SegmentComparison,
    SegmentProfile,
    SegmentStatistics,
    compare_segment_methods,
    margins,
    norm_measures,
    path_norm,
    path_norm_root,
    path_sgd_scales,
    path_sgd_step,
    segment_profile,
    segment_statistics,
)
from .numbers import digit_limit, to_fraction
from .regions import (
    CFFDEstimate,
    CFFDReport,
    DegenerateCellWarning,
    Region,
    RegionDecomposition,
    RegionsPerceived,
    cffd_report,
    computable_full_functional_dimension,
    estimate_cffd,
    linear_regions,
    region_decomposition,
    region_graph,
    region_of_pattern,
    regions_perceived,
)
from .search import perturb_within_region
from .symmetry import (
    are_equivalent,
    canonical_form,
    permute_neurons,
    random_symmetry,
    rescale_neurons,
    symmetry_kernel,
)
from .training import (
    Alignment,
    Dataset,
    FlatnessReport,
    Tracker,
    TrainConfig,
    TrainResult,
    alignment,
    detect_plateaus,
    digits,
    flatness_report,
    loss_hessian,
    merge_aligned,
    mnist,
    saddle_to_saddle,
    teacher_task,
    train,
    two_moons,
)

__version__ = "0.1.0"


def __getattr__(name: str):
    """``rg.proofs`` and ``rg.cli`` load on first use (the theorem checks import much of the package)."""
    if name in ("proofs", "cli"):
        from importlib import import_module

        return import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    # the subpackages, namespaces too
    "core",
    "dimension",
    "identifiability",
    "io",
    "limits",
    "linalg",
    "regions",
    "measures",
    "plots",
    "search",
    "training",
    "Network",
    "Dataset",
    "digits",
    "mnist",
    "teacher_task",
    "two_moons",
    "train",
    "TrainConfig",
    "TrainResult",
    "Tracker",
    "loss_hessian",
    "flatness_report",
    "FlatnessReport",
    "alignment",
    "Alignment",
    "merge_aligned",
    "detect_plateaus",
    "saddle_to_saddle",
    "to_fraction",
    "forward",
    "activation_patterns",
    "pattern_statistics",
    "jacobian",
    "ExactJacobian",
    "rank",
    "RankResult",
    "Certificate",
    "batch_functional_dimension",
    "dimension_report",
    "DimensionReport",
    "compare_methods",
    "MethodComparison",
    "permute_neurons",
    "rescale_neurons",
    "random_symmetry",
    "canonical_form",
    "are_equivalent",
    "symmetry_kernel",
    "local_identifiability",
    "IdentifiabilityReport",
    "functionally_equal",
    "Equality",
    "explain_deficit",
    "DeficitExplanation",
    "Mechanism",
    "perturb_within_region",
    "linear_regions",
    "region_decomposition",
    "region_graph",
    "region_of_pattern",
    "regions_perceived",
    "Region",
    "RegionDecomposition",
    "RegionsPerceived",
    "DegenerateCellWarning",
    "computable_full_functional_dimension",
    "cffd_report",
    "CFFDReport",
    "estimate_cffd",
    "CFFDEstimate",
    "path_norm",
    "path_norm_root",
    "norm_measures",
    "NormMeasures",
    "margins",
    "path_sgd_step",
    "path_sgd_scales",
    "segment_profile",
    "SegmentProfile",
    "segment_statistics",
    "SegmentStatistics",
    "compare_segment_methods",
    "SegmentComparison",
    "load_network",
    "from_torch",
    "to_torch",
    "save_network",
    "load_inputs",
    "save_inputs",
    "RelugeomError",
    "NotExactError",
    "ShapeError",
    "FormatError",
    "UnsupportedModelError",
    "DegeneratePointError",
    "DegenerateSegmentError",
    "CertificationTimeout",
    "FloatRangeError",
    "LimitReached",
    "TimeLimitReached",
    "RegionLimitReached",
    "MemoryLimitReached",
    "bounds",
    "digit_limit",
]
