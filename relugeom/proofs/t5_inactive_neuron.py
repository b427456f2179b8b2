"""T5 (ours): a hidden neuron inactive on the whole batch contributes nothing to the BFD.

Statement
---------
Let X be non-degenerate for θ and let the hidden neuron (k, i) be inactive on every sample
(z_{k,i}(x) < 0 for all x ∈ X). Then

(a) the columns of J(θ, X) for its incoming weights W[k][i, :], its bias b[k][i] and its outgoing
    weights W[k+1][:, i] are exactly zero;
(b) if hidden layer k has another neuron, the network θ' with neuron (k, i) removed
    (:meth:`relugeom.Network.without_neuron`) computes the same outputs on X, X is non-degenerate for
    θ', and BFD(θ', X) = BFD(θ, X).

Proof (in our words)
--------------------
(a) The mask entry D_k[i] is 0 on every sample, so column i of B_k = B_{k+1} W[k+1] D_k vanishes; the
incoming and bias columns are B_k[:, i] a_k(x)_j and B_k[:, i], hence zero. The outgoing columns are
B_{k+1}[:, o] a_{k+1}(x)_i with a_{k+1}(x)_i = relu(z_{k,i}(x)) = 0.
(b) The neuron's output is 0 on X, so removing it (its row and bias in map k, its column in map k+1)
changes no other pre-activation on X: same outputs, same signs, same masks. Every other column of J is
unchanged: for maps after k+1 the B's and activations are the same; B_k for θ' is B_k for θ without
column i; and B_{k−1} = B_k W[k] D_{k−1} only meets row i of W[k] through the zero column i of B_k, so
B_{k−1} and all earlier B's are unchanged. The columns of θ' are therefore the columns of θ minus some
zero columns (a), and deleting zero columns does not change the rank.

Neurons inactive on the whole batch are common for small integer weights: the families below include
grids on a batch of positive inputs where about half of the networks have one. A case without such a
neuron is vacuous ("ok" with ``inactive_neurons: 0``); :func:`count_substantive` counts the others.
Measured (substantive / non-degenerate): exhaustive run, (1,2,1) over {−1, 0, 1} 405 / 1728, (2,2,1)
1377 / 18252 (on these batches only w = 0, b = −1 is dead), (1,3,1) over {−1, 1} on positive inputs
592 / 1024, (1,2,2,1) 6144 / 7520, random (2,3,3,1) 90 / 184, (3,4,2) 23 / 197, (1,3,3,2) 126 / 176;
default run 9 / 72, 56 / 128, 18 / 234 and 18 / 29.

Examples
--------
>>> import relugeom as rg
>>> from relugeom.search.families import Case
>>> net = rg.Network.from_layers([([[1], [-1]], [0, -1]), ([[1, 2]], [0])])
>>> out = check(Case(net, POSITIVE_BATCH))        # neuron (0, 1): -x - 1 < 0 for x > 0
>>> out.status, out.quantities["inactive_neurons"], out.quantities["bfd"], out.quantities["bfd_removed"]
('ok', 1, 2, [2])

The check can fail: an active neuron does not have zero columns.

>>> problems, bfd_removed = judge_neuron(net, POSITIVE_BATCH, 0, 0)
>>> for text in problems:
...     print(text)
incoming/bias/outgoing columns of neuron (0, 0) are not all zero
removing neuron (0, 0) changes the outputs on X
removing neuron (0, 0) changes BFD 2 -> 1
"""

from __future__ import annotations

from typing import Any, Sequence

from relugeom.core.forward import forward
from relugeom.core.network import Network
from relugeom.core.patterns import activation_patterns, pattern_statistics
from relugeom.dimension.bfd import batch_functional_dimension
from relugeom.dimension.jacobian import jacobian
from relugeom.exceptions import DegeneratePointError
from relugeom.identifiability.mechanisms import neuron_columns
from relugeom.search.families import Case, Family, GridFamily, Outcome

from .toy_families import count_flagged, grids, random_nets

__all__ = [
    "NAME",
    "TITLE",
    "check",
    "families",
    "inactive_neurons",
    "neuron_columns",
    "judge_neuron",
    "count_substantive",
    "POSITIVE_BATCH",
]

NAME = "T5"
TITLE = "a neuron inactive on the whole batch has zero columns and removing it keeps BFD (ours)"

POSITIVE_BATCH = (("3/7",), ("1/2",), ("7/4",), ("13/5",))
"""Four positive inputs: with weights in {−1, 1} a neuron −x − 1 is dead on all of them."""


def inactive_neurons(net: Network, X: Any) -> list[tuple[int, int]]:
    """Hidden neurons (layer, neuron) inactive on every sample (raises DegeneratePointError)."""
    return list(pattern_statistics(activation_patterns(net, X), net.hidden_widths).dead_neurons)


def judge_neuron(
    net: Network, X: Any, layer: int, neuron: int, J=None, bfd: int | None = None, seed: int = 0
) -> tuple[list[str], int | None]:
    """Statements (a) and (b) for one neuron: (list of problems, BFD after removal or None).

    Removal is skipped (None) when the neuron is alone in its layer.
    """
    J = jacobian(net, X) if J is None else J
    problems = []
    if any(J[r, c] != 0 for c in neuron_columns(net, layer, neuron) for r in range(J.shape[0])):
        problems.append(f"incoming/bias/outgoing columns of neuron ({layer}, {neuron}) are not all zero")
    if net.widths[layer + 1] == 1:
        return problems, None
    reduced = net.without_neuron(layer, neuron)
    if not (forward(net, X) == forward(reduced, X)).all():
        problems.append(f"removing neuron ({layer}, {neuron}) changes the outputs on X")
    bfd = batch_functional_dimension(net, X, seed=seed) if bfd is None else bfd
    try:
        bfd_removed = batch_functional_dimension(reduced, X, seed=seed)
    except DegeneratePointError as err:
        problems.append(f"removing neuron ({layer}, {neuron}) makes X degenerate: {err}")
        return problems, None
    if bfd_removed != bfd:
        problems.append(f"removing neuron ({layer}, {neuron}) changes BFD {bfd} -> {bfd_removed}")
    return problems, bfd_removed


def check(case: Case) -> Outcome:
    """Zero columns for every neuron inactive on the batch, and the same BFD once it is removed."""
    net, X = case.net, case.inputs
    dead = inactive_neurons(net, X)  # raises DegeneratePointError
    if not dead:
        return Outcome("ok", {"inactive_neurons": 0})
    J = jacobian(net, X)
    bfd = batch_functional_dimension(net, X, seed=case.seed)
    problems, removed = [], []
    for k, i in dead:
        p, b = judge_neuron(net, X, k, i, J, bfd, case.seed)
        problems += p
        if b is not None:
            removed.append(b)
    q = {
        "inactive_neurons": len(dead),
        "neurons": [list(h) for h in dead],
        "bfd": bfd,
        "bfd_removed": removed,
        "removable": len(removed),
    }
    return Outcome("violation", q, "; ".join(problems)) if problems else Outcome("ok", q)


def _substantive(quantities: dict) -> bool:
    return bool(quantities["inactive_neurons"])


def count_substantive(
    exhaustive: bool = False, jobs: int = 1, only: Sequence[Family] | None = None
) -> dict[str, tuple[int, int]]:
    """For each family: (substantive cases, non-degenerate cases); substantive = some neuron is inactive.

    ``only`` replaces ``families(exhaustive)`` by the given families. Raises RuntimeError if a case
    violates T5 (then run the check itself to see it).
    """
    return count_flagged(NAME, check, _substantive, families(exhaustive) if only is None else only, jobs)


def families(exhaustive: bool) -> list:
    """Grids where inactive neurons are common, plus random rational nets.

    Exhaustive: (1,2,1) and (2,2,1) over {−1,0,1} on the default batches (w = 0, b = −1 is dead), (1,3,1)
    and (1,2,2,1) over {−1,1} on :data:`POSITIVE_BATCH`, and random nets. Default: (1,1,1) over {−1,0,1}
    (width 1: zero columns only; 9 of 81 degenerate), (1,2,1) over {−1,1} on :data:`POSITIVE_BATCH`,
    (2,1,1) over {−1,0,1} on 6 samples (w = 0, b = −1 is dead; 9 of 243 degenerate), 30 random
    (1,3,3,2) nets.
    """
    if exhaustive:
        return (
            grids(True)
            + [GridFamily((1, 3, 1), (-1, 1), POSITIVE_BATCH), GridFamily((1, 2, 2, 1), (-1, 1), POSITIVE_BATCH)]
            + random_nets(41, 200)
        )
    return [grids(False)[0], GridFamily((1, 2, 1), (-1, 1), POSITIVE_BATCH), grids(False)[2]] + random_nets(
        43, 30, (((1, 3, 3, 2), 6),)
    )
