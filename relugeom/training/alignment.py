"""Neuron alignment: hidden neurons whose incoming vectors are exactly positively collinear (SPEC §7).

Hidden neuron ``i`` of hidden layer ``ℓ`` (the output of affine map ``ℓ``) has the incoming vector
``u_i = (W[ℓ][i, :], b[ℓ][i]) ∈ Q^{n_ℓ + 1}``. Neurons ``i`` and ``j`` are *positively collinear* when
``u_j = c·u_i`` with ``c > 0``, tested exactly (no tolerance). Then ``z_j = c·z_i`` on every input, so
``relu(z_j) = c·relu(z_i)``: the two neurons act as one, with outgoing column ``v_i + c·v_j`` (``v_k`` is
column ``k`` of ``W[ℓ+1]``). [BMB24] observe such alignment during training; a float code sees it as
cosine similarities close to 1, never as exact collinearity. :func:`alignment` reports both: the exact
groups, and the float64 cosines with a tolerance-based grouping on top.

**Canonical direction.** Each nonzero ``u`` is represented by ``u / max_p |u_p|`` (max-abs 1, the scaling
of SPEC §5's canonical form). For ``c > 0``, ``c·u`` has the same representative, and two vectors have the
same representative iff they are positively collinear, so grouping is one dictionary pass (O(H) after
normalisation, no pairwise test). A neuron with ``u = 0`` (a *zero neuron*) has pre-activation 0 on every
input; it is kept out of the groups.

The BFD relation (ours)
-----------------------
Let ``merged = merge_aligned(net, ℓ)``, ``X`` a batch that is non-degenerate for ``net`` (then ``net``
has no zero neuron in layer ``ℓ``), ``J`` and ``J_m`` the Jacobians of ``net`` and ``merged`` on ``X``, and
``r = Σ_groups (|group| − 1)`` the number of neurons removed. Then

1. ``BFD(merged, X) ≤ BFD(net, X) ≤ BFD(merged, X) + n_ℓ·r``;
2. ``BFD(merged, X) = BFD(net, X)`` when, for every group, the merged outgoing column ``V = Σ_m c_m v_m``
   (``u_m = c_m u_i``, ``c_i = 1``, ``i`` the first member) is nonzero and every member's column ``v_m``
   is a multiple of ``V``. When ``n_{ℓ+2} = 1`` (e.g. ``ℓ`` is the last hidden layer and ``n_L = 1``) the
   columns are scalars and the condition is just ``V ≠ 0``; members' own weights may be 0.

*Proof.* Both networks compute the same pre-activations at every kept neuron (``Σ_m v_m relu(z_m) =
V relu(z_i)``), so they share patterns and ``G(x) = ∂F/∂z_{ℓ+1}``; members of a group share the sign
``d(x)`` of ``z_i``. With ``ã = (a_ℓ(x), 1)``, the incoming column of member ``m`` for entry ``p`` is
``I_m[p] = G v_m d ã_p`` and its outgoing column for output ``o`` is ``O_m[o] = G e_o d c_m (u_i·ã) =
c_m O_i[o]``. In ``merged``, neuron ``i`` has incoming columns ``G V d ã_p = Σ_m c_m I_m[p]`` and outgoing
columns ``O_i``; every other column is unchanged (earlier maps see ``Σ_m G v_m d W[ℓ][m, :] =
G V d W[ℓ][i, :]``).
So every column of ``J_m`` lies in the column span of ``J``: the first inequality. Conversely the span of
``J`` is that of ``J_m`` plus the incoming columns ``I_j`` of the removed members ``j``. These are
``n_ℓ + 1`` columns each, but the rescaling kernel vector of ``j`` (SPEC §3) gives ``Σ_p u_j[p] I_j[p] =
Σ_o v_j[o] O_j[o] = c_j Σ_o v_j[o] O_i[o]``, a combination of columns of ``J_m``; as ``u_j ≠ 0`` one of
the ``n_ℓ + 1`` columns is redundant: at most ``n_ℓ`` new dimensions per removed neuron. For 2, if
``v_m = α_m V`` then ``I_m[p] = α_m · (incoming column p of merged neuron i)``: nothing new. ∎

The bound ``n_ℓ·r`` is attained (e.g. widths (1, 2, 1) with ``V = 0``, see :func:`merge_aligned`), so
``(n_ℓ + 1)·r`` is valid but never tight when ``r > 0``. When ``V = 0`` the merged neuron's incoming
columns vanish while those of ``net`` need not: equality can fail. A zero neuron makes every input degenerate; under
``at_zero="inactive"`` its columns are 0 and dropping it changes no rank, so the statements still hold.

References
----------
.. [BMB24] Bona-Pellissier, Malgouyres, Bachoc, *Geometry-induced (implicit) regularization in deep
   ReLU neural networks*, arXiv 2402.08269 (neuron alignment).

Examples
--------
>>> from relugeom.core.network import Network
>>> net = Network.from_layers([([[1, -2], [-1, 2], [3, -6], [0, 0]], ["1/2", "-1/2", "3/2", 0]),
...                            ([[5, 7, -1, 4]], [2])])
>>> al = alignment(net)
>>> al.groups, al.zero_neurons, al.num_directions
(((0, 2), (1,)), (3,), 2)
>>> [[str(v) for v in d] for d in al.directions]
[['1/2', '-1', '1/4'], ['-1/2', '1', '-1/4']]
>>> al.cosine.tolist()
[[1.0, -1.0, 1.0, 0.0], [-1.0, 1.0, -1.0, 0.0], [1.0, -1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
>>> [str(v) for v in merge_aligned(net).parameters()]
['1', '-2', '-1', '2', '1/2', '-1/2', '2', '7', '2']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from ..core.network import Network
from ..exceptions import InvalidArgumentError
from ..io import json_ready
from ..symmetry import ray

__all__ = ["Alignment", "alignment", "merge_aligned"]

Direction = tuple[Fraction, ...]


@dataclass(frozen=True)
class Alignment:
    """The exact alignment of one hidden layer, with float64 cosine similarities beside it.

    Attributes
    ----------
    layer : int
        The hidden layer (output of affine map ``layer``).
    groups : tuple of tuples of int
        Neurons with positively collinear nonzero incoming vectors, sorted within each group, groups
        sorted by first index; singletons included. Exact: no tolerance.
    zero_neurons : tuple of int
        Neurons whose incoming vector (weights and bias) is exactly 0; in no group.
    directions : tuple of tuples of Fraction
        For each group, the incoming vector of its members divided by its largest absolute entry: the
        same exact vector for every member (the canonical representative of the ray).
    cosine : numpy.ndarray
        H × H float64 cosine similarities of the incoming vectors (H = width of the layer), computed from
        the canonical directions (so no overflow for huge rationals). Exactly 1.0 within a group (also on
        the diagonal) and 0.0 on the rows and columns of zero neurons. Read-only; left out of ``==`` (it
        is a function of the other fields).
    """

    layer: int
    groups: tuple[tuple[int, ...], ...]
    zero_neurons: tuple[int, ...]
    directions: tuple[Direction, ...]
    cosine: np.ndarray = field(compare=False, repr=False)

    @property
    def num_directions(self) -> int:
        """The number of exact groups: distinct rays of nonzero incoming vectors."""
        return len(self.groups)

    def float_groups(self, threshold: float = 0.999) -> tuple[tuple[int, ...], ...]:
        """Groups by single linkage on ``cosine >= threshold``: a float, tolerance-based grouping.

        This is what a float code reports during training, where exact collinearity never happens; it
        depends on ``threshold`` and is not transitive pairwise (single linkage chains near neighbours).
        Exact groups have cosine 1.0, so for any threshold this is a coarsening of :attr:`groups`. Zero
        neurons stay out. Same ordering conventions as :attr:`groups`.

        Parameters
        ----------
        threshold : float
            In [-1, 1].

        Raises
        ------
        InvalidArgumentError
            if ``threshold`` is outside [-1, 1].

        Examples
        --------
        >>> from relugeom.core.network import Network
        >>> net = Network.from_layers([([[1, 0], [1, "1/1000"], [0, 1]], [0, 0, 0]), ([[1, 1, 1]], [0])])
        >>> al = alignment(net)
        >>> al.groups, al.float_groups(0.999), al.num_float_directions(0.999)
        (((0,), (1,), (2,)), ((0, 1), (2,)), 2)
        """
        threshold = float(threshold)
        if not -1.0 <= threshold <= 1.0:
            raise InvalidArgumentError(f"threshold must be a cosine in [-1, 1], got {threshold}")
        zero = set(self.zero_neurons)
        live = [i for i in range(self.cosine.shape[0]) if i not in zero]
        parent = {i: i for i in live}

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for a, i in enumerate(live):
            for j in live[a + 1 :]:
                if self.cosine[i, j] >= threshold:
                    ri, rj = find(i), find(j)
                    if ri != rj:
                        parent[max(ri, rj)] = min(ri, rj)
        blocks: dict[int, list[int]] = {}
        for i in live:
            blocks.setdefault(find(i), []).append(i)
        return tuple(sorted(tuple(b) for b in blocks.values()))

    def num_float_directions(self, threshold: float = 0.999) -> int:
        """``len(self.float_groups(threshold))``: the number of directions a float code would count."""
        return len(self.float_groups(threshold))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: Fractions as exact strings ``"p/q"``, the cosines as nested lists.

        >>> from relugeom.core.network import Network
        >>> al = alignment(Network.from_layers([([[2], [4]], [1, 2]), ([[1, 1]], [0])]))
        >>> al.to_dict()["directions"], al.to_dict()["groups"]
        ([['1', '1/2']], [[0, 1]])
        """
        return json_ready(
            {
                "layer": self.layer,
                "groups": self.groups,
                "zero_neurons": self.zero_neurons,
                "directions": self.directions,
                "num_directions": self.num_directions,
                "cosine": self.cosine.tolist(),
            }
        )


def _incoming(net: Network, layer: int) -> list[Direction]:
    return [tuple(row) + (bias,) for row, bias in zip(net.weights[layer], net.biases[layer])]


def _cosine(n: int, groups: list[list[int]], directions: list[Direction]) -> np.ndarray:
    C = np.zeros((n, n), dtype=np.float64)
    if groups:
        D = np.array([[float(v) for v in d] for d in directions], dtype=np.float64)  # entries in [-1, 1]
        D /= np.linalg.norm(D, axis=1)[:, None]  # norms >= 1
        G = np.clip(D @ D.T, -1.0, 1.0)
        G = (G + G.T) / 2
        np.fill_diagonal(G, 1.0)  # exact: same ray
        member = [g for g, group in enumerate(groups) for _ in group]
        idx = [i for group in groups for i in group]
        C[np.ix_(idx, idx)] = G[np.ix_(member, member)]
    C.setflags(write=False)
    return C


def alignment(net: Network, layer: int = 0) -> Alignment:
    """The exact groups of positively collinear incoming vectors of hidden layer ``layer``.

    Every neuron's incoming vector is divided by its largest absolute entry and used as a dictionary key,
    so grouping is exact and linear in the layer width (no pairwise float test).

    Parameters
    ----------
    net : Network
    layer : int
        Hidden layer index ``0 … L−2`` (default 0, the first hidden layer).

    Returns
    -------
    Alignment

    Raises
    ------
    ShapeError
        if ``layer`` is not a hidden layer of ``net``.

    Examples
    --------
    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[1], [-1], [2]], [1, -1, 2]), ([[1, 1, 1]], [0])])
    >>> alignment(net).groups   # u_2 = 2 u_0; u_1 = -u_0 is not *positively* collinear
    ((0, 2), (1,))
    """
    k = net.hidden_layer(layer)
    by_ray: dict[Direction, list[int]] = {}
    zero: list[int] = []
    for i, u in enumerate(_incoming(net, k)):
        d = ray(u)
        if d is None:
            zero.append(i)
        else:
            by_ray.setdefault(d, []).append(i)  # neurons arrive in order: each list is sorted
    rays = sorted(by_ray.items(), key=lambda item: item[1][0])
    groups = [members for _, members in rays]
    directions = [d for d, _ in rays]
    return Alignment(
        layer=k,
        groups=tuple(tuple(g) for g in groups),
        zero_neurons=tuple(zero),
        directions=tuple(directions),
        cosine=_cosine(net.widths[k + 1], groups, directions),
    )


def merge_aligned(net: Network, layer: int = 0) -> Network:
    """The network with one neuron per exact group of hidden layer ``layer``; same function as ``net``.

    The first member ``i`` of each group keeps its incoming vector and gets the outgoing column
    ``Σ_m c_m W[layer+1][:, m]`` over the members (``u_m = c_m u_i``, ``c_i = 1``); the other members are
    removed. Zero neurons are removed too (their output is ``relu(0) = 0``), except that a layer of zero
    neurons only keeps its first neuron unchanged (a layer is never emptied). Kept neurons stay in their
    original order. On a non-degenerate batch,
    ``BFD(merged) ≤ BFD(net) ≤ BFD(merged) + n_layer·(neurons removed from groups)``, with equality
    under the condition of the module docstring.

    Parameters
    ----------
    net : Network
    layer : int
        Hidden layer index ``0 … L−2`` (default 0).

    Raises
    ------
    ShapeError
        if ``layer`` is not a hidden layer of ``net``.

    Examples
    --------
    Outgoing weights 2 and −1 with ``u_1 = 2 u_0``: the merged weight is 0 and BFD drops by ``n_0 = 1``.

    >>> from relugeom.core.network import Network
    >>> from relugeom.dimension.bfd import batch_functional_dimension as bfd
    >>> net = Network.from_layers([([[1], [2]], [0, 0]), ([[2, -1]], [0])])
    >>> merged = merge_aligned(net)
    >>> merged.weights
    (((Fraction(1, 1),),), ((Fraction(0, 1),),))
    >>> bfd(net, [-1, 1, 2]), bfd(merged, [-1, 1, 2])
    (3, 2)
    """
    k = net.hidden_layer(layer)
    al = alignment(net, k)
    incoming = _incoming(net, k)
    scale = [max(abs(v) for v in u) for u in incoming]
    W_next = net.weights[k + 1]
    if al.groups:
        keep = [g[0] for g in al.groups]
        columns = [
            [sum((row[m] * (scale[m] / scale[g[0]]) for m in g), Fraction(0)) for row in W_next] for g in al.groups
        ]
    else:  # every neuron is a zero neuron: keep the first one
        keep = [0]
        columns = [[row[0] for row in W_next]]
    weights, biases = list(net.weights), list(net.biases)
    weights[k] = tuple(net.weights[k][i] for i in keep)
    biases[k] = tuple(net.biases[k][i] for i in keep)
    weights[k + 1] = tuple(tuple(col[o] for col in columns) for o in range(len(W_next)))
    return Network(tuple(weights), tuple(biases))
