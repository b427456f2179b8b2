"""Identifiability: is θ determined by F_θ, locally from a batch or globally as a function, and if not, why?

Three questions researchers ask of toy networks, each answered exactly:

* :mod:`.paths` → :mod:`.verdicts`: **local identifiability from a batch** ([BBM22]): the path-activation
  matrix α through its Gram matrix (never one column per path), R_A = n_L · rank α, R_Γ = BFD off the set S
  (theorem T8), and the verdict "identifiable" / "not identifiable" / "undecided"
  (:func:`local_identifiability`, ``relugeom identifiability``).
* :mod:`.equality`: **functional equality** F_a = F_b on R^{n0} or a box, from the regions of the network
  that computes both side by side, with an exact separating witness when they differ
  (:func:`functionally_equal`, ``relugeom equal``). Equal but not equivalent is a hidden symmetry [GLR23].
* :mod:`.mechanisms` → :mod:`.deficit`: **deficits explained**: which mechanism (dead or always-active
  neurons, twins, opposite pairs, the input span, row limits) removed which kernel directions of J, adding
  up exactly to (N − H) − BFD or (N − H) − CFFD (:func:`explain_deficit`, ``relugeom dim --explain``).

Examples
--------
>>> import relugeom as rg
>>> net = rg.Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> rg.local_identifiability(net, [2, 3, 4, 5]).verdict
'not identifiable'
>>> merged = rg.Network.from_layers([([[1]], [-1]), ([[7]], [0])])
>>> twins = rg.Network.from_layers([([[1], [2]], [-1, -2]), ([[1, 3]], [0])])   # relu(x−1) + 3 relu(2x−2)
>>> bool(rg.functionally_equal(twins, merged))
True
>>> [(m.name, m.dimension) for m in rg.explain_deficit(twins).mechanisms]   # CFFD 3 = (N − H) − 2
[('twins', 2)]
"""

from .deficit import MECHANISMS, DeficitExplanation, Mechanism, explain_deficit
from .equality import Equality, functionally_equal
from .paths import num_paths, path_gram, path_rank
from .verdicts import IdentifiabilityReport, SetNeuron, degenerate_set, fixed_edges, local_identifiability

__all__ = [
    "local_identifiability",
    "IdentifiabilityReport",
    "SetNeuron",
    "degenerate_set",
    "fixed_edges",
    "num_paths",
    "path_gram",
    "path_rank",
    "functionally_equal",
    "Equality",
    "explain_deficit",
    "DeficitExplanation",
    "Mechanism",
    "MECHANISMS",
]
