"""relugeom: the exact geometry of small ReLU networks.

The data flow, one module per step (each imports only from the steps to its left)::

    numbers ─▶ network ─▶ forward ─▶ patterns ─▶ jacobian ─▶ linalg (rank) ─▶ kernels ─▶ dimension ─▶ cli
    (exact      (frozen    (exact     (0/1 per    (exact J'   (modular,        (theory's   (BFD, bounds,
    parsing)    Network)   integers)  sample)     or float)    certified,       kernel      comparison)
                                                                float)           vectors)
                                        │
                                        ├─▶ regions (exact linear regions, region graph) ─▶ full_dimension
                                        │                                                   (exact CFFD)
                                        ├─▶ segments (F along a segment, from regions: exact breakpoints,
                                        │             slopes, gradient gap deviation and deflection)
                                        └─▶ measures (path-norms, norm products, margins) ─▶ path_sgd
                                                                                  (Path-SGD steps)

Training dynamics (SPEC §7), on top of the flow::

    datasets ─▶ training (float64 GD / SGD / Adam / Path-SGD; checkpoints are exact Networks)
                   └─▶ tracking (exact BFD, patterns, dead neurons, CFFD, alignment per checkpoint)
                          └─▶ run_directory (files, re-check) ─▶ training_picture (curves)
    hessian (exact Hessian of the squared loss: flatness) · alignment (collinear neurons)
    saddles (plateaus of a small-initialisation run and the BFD on each)

Beside the flow: ``symmetry`` (permutations, rescalings, canonical forms: acts on a Network only),
``perturbation`` (generic points of a parameter region), ``families`` and ``workunits`` (deterministic
cases and their serial / process-pool / Dask evaluation) and ``search`` (counterexamples). The theorem
checks live in ``relugeom.proofs`` (the repository's ``proofs/`` folder).

Examples
--------
>>> import relugeom as rg
>>> net = rg.Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> rg.batch_functional_dimension(net, [-1, "1/2", 2])
3
"""

from .dimension import (
    DimensionReport,
    MethodComparison,
    batch_functional_dimension,
    compare_methods,
    dimension_report,
)
from .exceptions import (
    CertificationTimeout,
    DegeneratePointError,
    DegenerateSegmentError,
    FloatRangeError,
    FormatError,
    NotExactError,
    RelugeomError,
    ShapeError,
)
from .alignment import Alignment, alignment, merge_aligned
from .datasets import Dataset, digits, teacher_task, two_moons
from .forward import forward
from .hessian import FlatnessReport, flatness_report, loss_hessian
from .full_dimension import (
    CFFDEstimate,
    CFFDReport,
    cffd_report,
    computable_full_functional_dimension,
    estimate_cffd,
)
from .io import load_inputs, load_network, save_inputs, save_network
from .jacobian import ExactJacobian, jacobian
from .linalg import Certificate, RankResult, rank
from .measures import NormMeasures, margins, norm_measures, path_norm, path_norm_root
from .network import Network
from .numbers import to_fraction
from .path_sgd import path_sgd_scales, path_sgd_step
from .patterns import activation_patterns, pattern_statistics
from .perturbation import perturb_within_region
from .regions import (
    DegenerateCellWarning,
    Region,
    RegionDecomposition,
    RegionsPerceived,
    linear_regions,
    region_decomposition,
    region_graph,
    region_of_pattern,
    regions_perceived,
)
from .saddles import detect_plateaus, saddle_to_saddle
from .segments import (
    SegmentComparison,
    SegmentProfile,
    SegmentStatistics,
    compare_segment_methods,
    segment_profile,
    segment_statistics,
)
from .symmetry import (
    are_equivalent,
    canonical_form,
    permute_neurons,
    random_symmetry,
    rescale_neurons,
    symmetry_kernel,
)
from .tracking import Tracker
from .training import TrainConfig, TrainResult, train

__version__ = "0.1.0"

__all__ = [
    "Network",
    "Dataset",
    "digits",
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
    "save_network",
    "load_inputs",
    "save_inputs",
    "RelugeomError",
    "NotExactError",
    "ShapeError",
    "FormatError",
    "DegeneratePointError",
    "DegenerateSegmentError",
    "CertificationTimeout",
    "FloatRangeError",
]
