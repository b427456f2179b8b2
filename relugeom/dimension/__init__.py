"""From patterns to a certified rank: the Jacobian, the kernel vectors theory knows, the BFD.

    patterns ─▶ jacobian ─▶ kernels ─▶ linalg.rank ─▶ bfd
                (exact J'    (rescalings,  (modular,      (BFD(θ, X), SPEC §3 bounds,
                or float64)  dead neurons,  certified,     float/exact comparison)
                             block ranks)   float)

Imports the core and the foundation (:mod:`relugeom.linalg` among it).

>>> from relugeom.core import Network
>>> from relugeom.dimension import batch_functional_dimension
>>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> batch_functional_dimension(net, [-1, "1/2", 2])
3
"""

from .bfd import DimensionReport, MethodComparison, batch_functional_dimension, compare_methods, dimension_report
from .jacobian import ExactJacobian, float_jacobian, jacobian, squared_loss_gradient
from .kernels import JacobianSource, symmetry_kernel

__all__ = [
    "jacobian",
    "ExactJacobian",
    "float_jacobian",
    "squared_loss_gradient",
    "JacobianSource",
    "symmetry_kernel",
    "batch_functional_dimension",
    "dimension_report",
    "DimensionReport",
    "compare_methods",
    "MethodComparison",
]
