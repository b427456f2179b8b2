"""Symmetries of ReLU networks: neuron permutations, positive rescalings, canonical forms (SPEC §5).

Hidden layer ``k`` (0-based, ``k = 0 … L−2``) is the output of affine map ``k``. Two operations leave
the function F unchanged, hence BFD(θ, X) and CFFD(θ):

* **permutation** by π: rows of ``W[k]``, entries of ``b[k]`` and columns of ``W[k+1]``. Here
  ``perm[j]`` is the old index of the neuron that becomes neuron ``j`` (numpy's ``W[perm]``).
* **positive rescaling** of neuron ``(k, i)`` by λ > 0: row ``i`` of ``W[k]`` and ``b[k][i]`` times λ,
  column ``i`` of ``W[k+1]`` divided by λ (relu(λz) = λ relu(z)).

Their derivative at λ = 1 is the **symmetry kernel**: for each hidden neuron, +θ on its incoming weights
and bias and −θ on its outgoing weights; these H vectors lie in the kernel of J(θ, X) [BMB24, GLMW22].

Canonical form
--------------
SPEC §5: layer by layer, rescale each neuron so its incoming vector (weights and bias) has max-abs 1, then
sort the layer's neurons by incoming vector, ties by outgoing column. Two refinements make the form a
complete invariant, so that ``are_equivalent`` can decide equivalence by comparing canonical forms:

* **neurons that compute 0.** A neuron whose *effective* incoming vector is zero (its bias and its
  weights from neurons that do not themselves compute 0) outputs relu(0) = 0 on every input and cannot
  be normalised by its incoming vector. Such a neuron is normalised by its outgoing column instead (max-abs
  1 over the next layer's rows that do not compute 0, or over all outputs), and when that column is zero
  by its full incoming row (weights from neurons that compute 0, whose scales are fixed by then). Scales
  are fixed by invariant rules in a first pass, so they do not depend on the order of the neurons.
* **ties.** Neurons with equal incoming vectors in a hidden layer other than the last can be ordered in
  several ways that sort the next layer differently; the canonical form is the least (in parameter order,
  lexicographically) of all these orderings. Ties in the last hidden layer are broken by the outgoing
  column (SPEC §5), which needs no search.

Equal canonical forms ⇔ equivalent, except in one corner the form cannot settle: a neuron that computes
0 whose outgoing weights reach only neurons that also compute 0 (a free scale on both sides).
:func:`are_equivalent` raises in that case rather than guess; :func:`canonical_form` still returns a
network equivalent to its argument. A neuron that computes 0 has pre-activation exactly 0 on every input,
so the corner only concerns networks that are degenerate everywhere (SPEC §2); on any network with a
non-degenerate input the form is complete. [GLR23] shows that functionally equal networks can still have
different canonical forms (hidden symmetries).

References
----------
.. [BMB24] Bona-Pellissier, Malgouyres, Bachoc, arXiv 2402.08269 (2024).
.. [GLMW22] Grigsby, Lindsey, Meyerhoff, Wu, arXiv 2209.04036 (2022).
.. [GLR23] Grigsby, Lindsey, Rolnick, *Hidden symmetries of ReLU networks*, ICML 2023.

Examples
--------
>>> from relugeom.core.network import Network
>>> from relugeom.core.forward import forward
>>> net = Network.from_layers([([[1], [2]], [0, -1]), ([[1, 1]], [0])])
>>> other = rescale_neurons(permute_neurons(net, 0, [1, 0]), 0, ["1/3", 5])
>>> other.weights[0], other.weights[1]
(((Fraction(2, 3),), (Fraction(5, 1),)), ((Fraction(3, 1), Fraction(1, 5)),))
>>> bool((forward(other, [-1, "1/2", 3]) == forward(net, [-1, "1/2", 3])).all())
True
>>> are_equivalent(net, other), canonical_form(net) == canonical_form(other)
(True, True)
>>> [str(v) for v in canonical_form(net).parameters()]
['1', '1', '-1/2', '0', '2', '1', '0']
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from .core.network import Network
from .dimension.kernels import symmetry_kernel  # the rescalings' derivative: a kernel of J, kept beside J
from .exceptions import RelugeomError, ShapeError
from .numbers import to_fraction

__all__ = [
    "incoming_vector",
    "ray",
    "permute_neurons",
    "rescale_neurons",
    "random_symmetry",
    "canonical_form",
    "are_equivalent",
    "symmetry_kernel",
]


def incoming_vector(net: Network, layer: int, neuron: int) -> tuple[Fraction, ...]:
    """The incoming weights and bias of neuron ``neuron`` of map ``layer``: (W[layer][neuron, :], b[layer][neuron]).

    >>> incoming_vector(Network.from_layers([([[1], [2]], [0, -1]), ([[1, 1]], [0])]), 0, 1)
    (Fraction(2, 1), Fraction(-1, 1))
    """
    return tuple(net.weights[layer][neuron]) + (net.biases[layer][neuron],)


def ray(u: Sequence[Any]) -> tuple[Fraction, ...] | None:
    """``u / max |u_p|``: two vectors have the same ray iff one is a positive multiple of the other.

    The key of a neuron's incoming vector under positive rescalings (the canonical form's normalisation);
    None for the zero vector, which has no direction.

    >>> ray([2, -4, 1]) == ray([1, -2, "1/2"]), ray([2, -4, 1]) == ray([-2, 4, -1]), ray([0, 0])
    (True, False, None)
    """
    v = [to_fraction(x) for x in u]
    top = max((abs(x) for x in v), default=Fraction(0))
    return None if top == 0 else tuple(x / top for x in v)


def _rebuild(weights: list[list[list[Fraction]]], biases: list[list[Fraction]]) -> Network:
    return Network(tuple(tuple(tuple(r) for r in W) for W in weights), tuple(tuple(b) for b in biases))


def _mutable(net: Network) -> tuple[list[list[list[Fraction]]], list[list[Fraction]]]:
    return [[list(r) for r in W] for W in net.weights], [list(b) for b in net.biases]


def permute_neurons(net: Network, layer: int, perm: Sequence[int]) -> Network:
    """Permute the neurons of hidden layer ``layer``: new neuron ``j`` is old neuron ``perm[j]``.

    Raises
    ------
    ShapeError
        if ``layer`` is not a hidden layer or ``perm`` is not a permutation of ``0 … n_{layer+1} − 1``.

    Examples
    --------
    >>> net = Network.from_layers([([[1], [2]], [3, 4]), ([[5, 6]], [7])])
    >>> p = permute_neurons(net, 0, [1, 0])
    >>> [str(v) for v in p.parameters()]
    ['2', '1', '4', '3', '6', '5', '7']
    >>> permute_neurons(net, 0, [0, 0])
    Traceback (most recent call last):
    ...
    relugeom.exceptions.ShapeError: perm must be a permutation of 0 … 1, got [0, 0]
    """
    k = net.hidden_layer(layer)
    n = net.widths[k + 1]
    perm = [int(p) for p in perm]
    if sorted(perm) != list(range(n)):
        raise ShapeError(f"perm must be a permutation of 0 … {n - 1}, got {perm}")
    weights, biases = _mutable(net)
    weights[k] = [weights[k][p] for p in perm]
    biases[k] = [biases[k][p] for p in perm]
    weights[k + 1] = [[row[p] for p in perm] for row in weights[k + 1]]
    return _rebuild(weights, biases)


def rescale_neurons(net: Network, layer: int, scales: Sequence[Any]) -> Network:
    """Rescale neuron ``i`` of hidden layer ``layer`` by ``scales[i]`` (exact positive rationals).

    Incoming weights and bias are multiplied by λ, outgoing weights divided by λ; F is unchanged.

    Raises
    ------
    ShapeError
        if ``layer`` is not a hidden layer or ``scales`` has the wrong length.
    RelugeomError
        if a scale is zero or negative (a negative scale flips the ReLU and changes F).

    Examples
    --------
    >>> net = Network.from_layers([([[1], [2]], [3, 4]), ([[5, 6]], [7])])
    >>> [str(v) for v in rescale_neurons(net, 0, [2, "1/3"]).parameters()]
    ['2', '2/3', '6', '4/3', '5/2', '18', '7']
    >>> rescale_neurons(net, 0, [1, -1])
    Traceback (most recent call last):
    ...
    relugeom.exceptions.RelugeomError: scales must be positive (a scale <= 0 changes the function), got -1 for neuron (0, 1)
    """
    k = net.hidden_layer(layer)
    n = net.widths[k + 1]
    if len(scales) != n:
        raise ShapeError(f"hidden layer {k} has {n} neurons but {len(scales)} scales were given")
    lams = [to_fraction(s, f"scales[{i}]") for i, s in enumerate(scales)]
    for i, lam in enumerate(lams):
        if lam <= 0:
            raise RelugeomError(
                f"scales must be positive (a scale <= 0 changes the function), got {lam} for neuron ({k}, {i})"
            )
    weights, biases = _mutable(net)
    weights[k] = [[v * lam for v in row] for row, lam in zip(weights[k], lams)]
    biases[k] = [v * lam for v, lam in zip(biases[k], lams)]
    weights[k + 1] = [[v / lam for v, lam in zip(row, lams)] for row in weights[k + 1]]
    return _rebuild(weights, biases)


def random_symmetry(net: Network, seed: int = 0, max_scale: int = 9) -> Network:
    """Apply a random permutation and random positive rescaling to every hidden layer.

    Scales are rationals ``p/q`` with ``1 <= p, q <= max_scale``; the draw is deterministic in ``seed``.

    Examples
    --------
    >>> from relugeom.core.forward import forward
    >>> net = Network.random_rational((2, 3, 3, 1), seed=5)
    >>> other = random_symmetry(net, seed=1)
    >>> X = [[1, 2], ["-1/3", 5]]
    >>> other != net and bool((forward(other, X) == forward(net, X)).all())
    True
    """
    rng = np.random.default_rng(seed)
    out = net
    for k in range(net.num_layers - 1):
        n = net.widths[k + 1]
        out = permute_neurons(out, k, [int(p) for p in rng.permutation(n)])
        scales = [
            Fraction(int(p), int(q))
            for p, q in zip(rng.integers(1, max_scale + 1, n), rng.integers(1, max_scale + 1, n))
        ]
        out = rescale_neurons(out, k, scales)
    return out


# ---------------------------------------------------------------------------------------------- canonical


def _normalise_scales(net: Network) -> tuple[list, list, bool]:
    """First pass of the canonical form: every neuron's scale by an order-independent rule.

    Returns mutable weights and biases, and ``complete`` (False when a free scale pair was met).
    """
    weights, biases = _mutable(net)
    L = net.num_layers

    def rescale(k: int, i: int, lam: Fraction) -> None:  # neuron (k, i) by lam > 0
        weights[k][i] = [v * lam for v in weights[k][i]]
        biases[k][i] = biases[k][i] * lam
        for row in weights[k + 1]:
            row[i] = row[i] / lam

    complete = True
    prev_zero: list[int] = []  # neurons of hidden layer k - 1 that compute 0
    for k in range(L):
        W, b = weights[k], biases[k]
        free = set(prev_zero)
        row_zero: list[int] = []
        if k < L - 1:  # hidden layer k: scale rows by their effective incoming vector
            for i, row in enumerate(W):
                m = max([abs(v) for j, v in enumerate(row) if j not in free] + [abs(b[i])])
                if m == 0:
                    row_zero.append(i)
                else:
                    rescale(k, i, 1 / m)
        # hidden layer k - 1's zero neurons: max-abs 1 on their outgoing column, over the fixed rows
        fixed_rows = [i for i in range(len(W)) if i not in set(row_zero)]
        for j in prev_zero:
            m = max((abs(W[i][j]) for i in fixed_rows), default=Fraction(0))
            if m == 0:
                m = max(abs(W[i][j]) for i in range(len(W)))
                if m == 0:
                    # no outgoing weight: only its incoming weights (from neurons that compute 0) feel
                    # its scale, so give them max-abs 1 (the scales of those neurons are fixed by now)
                    m_in = max(abs(v) for v in weights[k - 1][j])
                    if m_in != 0:
                        rescale(k - 1, j, 1 / m_in)
                    continue
                complete = False  # a zero neuron feeding only zero neurons: free scales
            rescale(k - 1, j, m)
        prev_zero = row_zero
    return weights, biases, complete


def _flat(weights: list, biases: list) -> tuple[Fraction, ...]:
    return tuple(v for W, b in zip(weights, biases) for v in (*(x for row in W for x in row), *b))


def _orderings(keys: list[tuple], outgoing: list[tuple] | None) -> list[list[int]]:
    """All orders that sort ``keys``; within ties, every distinct arrangement of ``outgoing``.

    With ``outgoing=None`` (last hidden layer) ties are broken by the key alone, which then includes the
    outgoing column, so one order suffices.
    """
    order = sorted(range(len(keys)), key=lambda i: keys[i])
    blocks: list[list[int]] = []
    for i in order:
        if blocks and keys[blocks[-1][0]] == keys[i]:
            blocks[-1].append(i)
        else:
            blocks.append([i])
    choices = []
    for block in blocks:
        if outgoing is None or len(block) == 1:
            choices.append([block])
            continue
        seen, arrangements = set(), []
        for perm in itertools.permutations(block):
            sig = tuple(outgoing[i] for i in perm)
            if sig not in seen:
                seen.add(sig)
                arrangements.append(list(perm))
        choices.append(arrangements)
    return [[i for part in combo for i in part] for combo in itertools.product(*choices)]


def _least_ordering(weights: list, biases: list, k: int, budget: list[int]) -> tuple:
    """The least parameter tuple over all sorted orderings of hidden layers k, k+1, … (second pass)."""
    L = len(weights)
    if k == L - 1:
        return _flat(weights, biases)
    W, b, Wn = weights[k], biases[k], weights[k + 1]
    n = len(W)
    last_hidden = k == L - 2
    outgoing = [tuple(row[i] for row in Wn) for i in range(n)]
    keys = [tuple(W[i]) + (b[i],) + (outgoing[i] if last_hidden else ()) for i in range(n)]
    orders = _orderings(keys, None if last_hidden else outgoing)
    budget[0] -= len(orders)
    if budget[0] < 0:
        raise RelugeomError(
            "canonical_form: too many tied neurons to order (each hidden layer holds many neurons with equal "
            "incoming vectors); pass a larger max_orderings"
        )
    best = None
    for perm in orders:
        new_w = list(weights)
        new_b = list(biases)
        new_w[k] = [W[p] for p in perm]
        new_b[k] = [b[p] for p in perm]
        new_w[k + 1] = [[row[p] for p in perm] for row in Wn]
        cand = _least_ordering(new_w, new_b, k + 1, budget)
        if best is None or cand < best:
            best = cand
    return best


def _canonical(net: Network, max_orderings: int) -> tuple[Network, bool]:
    weights, biases, complete = _normalise_scales(net)
    flat = _least_ordering(weights, biases, 0, [max_orderings])
    return Network.from_parameters(net.widths, flat), complete


def canonical_form(net: Network, max_orderings: int = 100_000) -> Network:
    """The canonical representative of ``net`` under neuron permutations and positive rescalings.

    See the module docstring for the rule (SPEC §5 with two refinements that make it complete).

    Parameters
    ----------
    max_orderings : int
        bound on the number of tie orderings tried (ties of equal incoming vectors in hidden layers before
        the last); exceeding it raises :class:`RelugeomError`.

    Examples
    --------
    >>> net = Network.from_layers([([[2], [-3]], [4, 3]), ([[1, 1]], [0])])
    >>> [str(v) for v in canonical_form(net).parameters()]
    ['-1', '1/2', '1', '1', '3', '4', '0']
    """
    return _canonical(net, max_orderings)[0]


def are_equivalent(a: Network, b: Network, max_orderings: int = 100_000) -> bool:
    """Whether ``b`` is obtained from ``a`` by neuron permutations and positive rescalings.

    Decided exactly by comparing canonical forms.

    Raises
    ------
    RelugeomError
        in the one case canonical forms cannot settle (see the module docstring): the forms differ and a
        neuron that computes 0 feeds only neurons that compute 0.

    Examples
    --------
    >>> a = Network.from_layers([([[1], [2]], [0, -1]), ([[1, 1]], [0])])
    >>> are_equivalent(a, random_symmetry(a, seed=3))
    True
    >>> are_equivalent(a, Network.from_layers([([[1], [2]], [0, -1]), ([[1, 2]], [0])]))
    False
    """
    if a.widths != b.widths:
        return False
    ca, complete_a = _canonical(a, max_orderings)
    cb, complete_b = _canonical(b, max_orderings)
    if ca == cb:
        return True
    if not (complete_a and complete_b):
        raise RelugeomError(
            "are_equivalent cannot decide: a neuron that computes 0 on every input feeds only neurons that "
            "also compute 0, so its scale is not fixed by the canonical form; set those weights to 0 (they "
            "do not change the function) and ask again"
        )
    return False
