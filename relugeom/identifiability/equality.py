"""Exact functional equality of two ReLU networks: is F_a = F_b on R^{n0}, or on a box?

Two networks with the same input width n0 and output width n_L, whose hidden widths and depths may
differ, compute the same function far more often than the symmetries of SPEC §5 say: twin neurons,
neurons dead on the domain, opposite pairs that make a linear piece ([GLR23]'s hidden symmetries).
:func:`~relugeom.symmetry.are_equivalent` only compares canonical forms; this module decides F_a = F_b
exactly.

The method
----------
1. **Side by side.** The network G computes both networks at once and outputs F_a − F_b: its hidden layers
   stack a's and b's hidden layers block-diagonally (the first map stacks W_a[0] over W_b[0], since both
   read x), and its last map is [W_a^last, −W_b^last] with bias b_a^last − b_b^last
   (:func:`side_by_side`). When the depths differ, the shallower network is first lengthened with exact
   identity layers z ↦ (relu(z), relu(−z)) ↦ relu(z) − relu(−z) = z (:func:`lengthen`); these add the
   hyperplanes F_{a,i}(x) = 0 to the refinement but change no function.
2. **Fewer neurons** (:func:`simplify_network`). A hidden neuron whose incoming weights are all zero
   outputs the constant relu(b): it is folded into the next layer's bias and dropped (this matters: the
   enumeration treats a pre-activation identically 0 as degenerate). A neuron whose incoming vector is
   λ > 0 times another's of the same layer (twins: relu(λz) = λ relu(z)) is merged into it, and a neuron
   whose outgoing weights are all zero is dropped. None changes G's function, and each removes hyperplanes:
   for a and an equivalent b (permutations, positive rescalings) b's neurons merge into a's layer by layer,
   the last map cancels, and G collapses to the constant 0 with one region.
3. **Regions.** The activation regions of G (:func:`~relugeom.regions.region_decomposition`, exact) are
   the common refinement of a's and b's regions (and of the hyperplanes of step 1; coarser where step 2
   removed hyperplanes that cannot change G). On each, G is an exact
   affine map x ↦ Wx + c. Both F_a and F_b are continuous and the regions' union is dense in the domain,
   so F_a = F_b on the domain iff W = 0 and c = 0 on every region. A neuron whose pre-activation is
   identically 0 on a whole cell (all its inputs inactive there, bias 0) outputs relu(0) = 0, which is
   what ``at_zero="inactive"`` computes: the enumeration uses that convention, so no cell is lost.
4. **Witness.** On a region whose map is nonzero, an affine map that vanished at n0 + 1 affinely
   independent points would vanish identically; so among the interior point p and the points p + ε e_j
   (inside the region) one has F_a(x) ≠ F_b(x). The witness is verified by exact forward passes of a and b
   themselves (never trusting G alone).

A cheap prefilter runs first: exact forward passes of a and b at a few deterministic points (the origin
and ±e_j, ±(1, …, 1) on R^{n0}; the centre and quarter points of a box). A difference there is already a
witness, and no region is enumerated.

References
----------
.. [GLR23] Grigsby, Lindsey, Rolnick, *Hidden symmetries of ReLU networks*, ICML 2023.

Examples
--------
>>> from relugeom.core.network import Network
>>> a = Network.from_layers([([[1], [-1]], [0, 0]), ([[1, -1]], [0])])   # relu(x) − relu(−x) = x
>>> b = Network.from_layers([([[1]], [10]), ([[1]], [-10])])             # relu(x + 10) − 10
>>> bool(functionally_equal(a, b, box=[(-5, 5)]))
True
>>> res = functionally_equal(a, b)
>>> res.equal, res.witness, res.value_a, res.value_b
(False, (Fraction(-11, 1),), (Fraction(-11, 1),), (Fraction(-10, 1),))
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

from ..core.forward import forward
from ..core.network import Network
from ..exceptions import InvalidArgumentError, RelugeomError, ShapeError
from ..limits import checkpoint
from ..regions.cffd import region_points
from ..regions.enumeration import Box, parse_box, region_decomposition
from ..symmetry import ray

__all__ = [
    "Equality",
    "functionally_equal",
    "side_by_side",
    "lengthen",
    "simplify_network",
    "probe_points",
    "domain_text",
]

Layers = list[tuple[list[list[Fraction]], list[Fraction]]]


def domain_text(box: Box | None, n0: int) -> str:
    """The domain as text: ``R^2``, or ``[-1, 1] × [0, 1/2]``.

    >>> domain_text(None, 2), domain_text(((Fraction(-1), Fraction(1)),), 1)
    ('R^2', '[-1, 1]')
    """
    if box is None:
        return f"R^{n0}"
    return " × ".join(f"[{lo}, {hi}]" for lo, hi in box)


@dataclass(frozen=True)
class Equality:
    """Whether F_a = F_b on a domain, exactly, with a separating witness when they differ.

    Attributes
    ----------
    equal : bool
        F_a(x) = F_b(x) for every x of the domain (R^{n0}, or the closed box).
    witness : tuple of Fraction or None
        A point of the domain where F_a ≠ F_b (None when equal).
    value_a, value_b : tuple of Fraction or None
        F_a(witness) and F_b(witness), exact outputs of the two networks' own forward passes.
    regions : int
        Activation regions of the common refinement examined (0 when the prefilter found the witness).
    box : tuple of (low, high) or None
        The domain's box (None: all of R^{n0}).
    method : str
        How the answer was reached, in words.
    input_dim : int
        n0 (to name the domain R^{n0}).

    ``bool(result)`` is ``result.equal``.

    Examples
    --------
    Twin neurons: relu(x) + 2 relu(x) = 3 relu(x), equal on R^1 though the widths differ.

    >>> from relugeom.core.network import Network
    >>> twins = Network.from_layers([([[1], [1]], [0, 0]), ([[1, 2]], [0])])
    >>> merged = Network.from_layers([([[1]], [0]), ([[3]], [0])])
    >>> res = functionally_equal(twins, merged)
    >>> bool(res), res.witness, res.regions       # the twins merge: G = 3 relu(x) − 3 relu(x) = 0, one region
    (True, None, 1)
    >>> functionally_equal(twins, merged, merge_twins=False).regions      # x < 0 and x > 0
    2

    An unequal pair and the witness that separates it (found here by the prefilter):

    >>> res = functionally_equal(merged, Network.from_layers([([[1]], [0]), ([[2]], [0])]))
    >>> bool(res), res.witness, res.value_a, res.value_b, res.regions
    (False, (Fraction(1, 1),), (Fraction(3, 1),), (Fraction(2, 1),), 0)
    >>> res.to_dict()["witness"]
    ['1']
    """

    equal: bool
    witness: tuple[Fraction, ...] | None
    value_a: tuple[Fraction, ...] | None
    value_b: tuple[Fraction, ...] | None
    regions: int
    box: Box | None
    method: str
    input_dim: int = 0

    def __bool__(self) -> bool:
        return self.equal

    @property
    def domain(self) -> str:
        """The domain as text (:func:`domain_text`)."""
        return domain_text(self.box, self.input_dim)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: exact numbers as strings ``"p/q"``."""

        def strs(v: Sequence[Fraction] | None) -> list[str] | None:
            return None if v is None else [str(t) for t in v]

        return {
            "equal": self.equal,
            "domain": self.domain,
            "box": None if self.box is None else [[str(lo), str(hi)] for lo, hi in self.box],
            "witness": strs(self.witness),
            "value_a": strs(self.value_a),
            "value_b": strs(self.value_b),
            "regions": self.regions,
            "method": self.method,
        }


# ------------------------------------------------------------------------------------ building G
def _layers(net: Network) -> Layers:
    return [([list(r) for r in W], list(b)) for W, b in net.layers()]


def _network(layers: Layers) -> Network:
    return Network(tuple(tuple(tuple(r) for r in W) for W, _ in layers), tuple(tuple(b) for _, b in layers))


def lengthen(net: Network, num_layers: int) -> Network:
    """``net`` with exact identity layers appended so that it has ``num_layers`` affine maps.

    The last map (W, b) becomes the hidden layer (W; −W), (b; −b), followed by identity layers
    (p, q) ↦ (relu(p − q), relu(q − p)) and the output map (p, q) ↦ p − q: relu(z) − relu(−z) = z, so the
    function is unchanged; each extra hidden layer has 2 n_L neurons, whose hyperplanes are F_i(x) = 0.

    Parameters
    ----------
    net : Network
    num_layers : int
        At least ``net.num_layers``.

    Returns
    -------
    Network

    Raises
    ------
    InvalidArgumentError
        if ``num_layers`` is below the network's number of maps.

    Examples
    --------
    >>> net = Network.from_layers([([[1]], [0]), ([[2]], [1])])
    >>> longer = lengthen(net, 4)
    >>> longer.widths
    (1, 1, 2, 2, 1)
    >>> X = [-3, "1/2", 5]
    >>> bool((forward(longer, X) == forward(net, X)).all())
    True
    """
    if num_layers < net.num_layers:
        raise InvalidArgumentError(f"cannot shorten a network of {net.num_layers} maps to {num_layers}")
    if num_layers == net.num_layers:
        return net
    layers = _layers(net)
    W, b = layers.pop()
    m = len(W)
    zero, one = Fraction(0), Fraction(1)
    layers.append((W + [[-v for v in r] for r in W], b + [-v for v in b]))
    eye = [[one if i == j else zero for j in range(m)] for i in range(m)]
    neg = [[-v for v in r] for r in eye]
    for _ in range(num_layers - net.num_layers - 1):
        layers.append(([e + n for e, n in zip(eye, neg)] + [n + e for n, e in zip(neg, eye)], [zero] * (2 * m)))
    layers.append(([e + n for e, n in zip(eye, neg)], [zero] * m))
    return _network(layers)


def _check_shapes(a: Network, b: Network) -> None:
    if not isinstance(a, Network) or not isinstance(b, Network):
        raise InvalidArgumentError(
            f"functional equality compares two Networks, got {type(a).__name__} and {type(b).__name__}"
        )
    if a.input_dim != b.input_dim or a.output_dim != b.output_dim:
        raise ShapeError(
            f"functional equality needs the same input width n0 and output width n_L: a has widths {a.widths} "
            f"(n0 = {a.input_dim}, n_L = {a.output_dim}), b has widths {b.widths} "
            f"(n0 = {b.input_dim}, n_L = {b.output_dim})"
        )


def side_by_side(a: Network, b: Network) -> Network:
    """The network G with G(x) = F_a(x) − F_b(x), running a and b in parallel (hidden layers block-diagonal).

    The shallower network is first lengthened (:func:`lengthen`). With both at L maps: G's map 0 stacks
    W_a[0] over W_b[0]; maps 1 … L−2 are block-diagonal; map L−1 is [W_a[L−1], −W_b[L−1]] with bias
    b_a[L−1] − b_b[L−1]. Its hidden neurons are a's followed by b's, layer by layer.

    Parameters
    ----------
    a, b : Network
        Same n0 and n_L.

    Returns
    -------
    Network

    Raises
    ------
    ShapeError
        if the input or output widths differ.

    Examples
    --------
    >>> a = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
    >>> b = Network.from_layers([([[2]], [0]), ([[1]], [0])])
    >>> G = side_by_side(a, b)
    >>> G.widths, [str(v) for v in G.weights[-1][0]]
    ((1, 3, 1), ['1', '1', '-1'])
    >>> [str(v) for v in forward(G, [-1, "1/2", 3])[:, 0]]     # (x − 0) + (x − 1) − 2x on x > 1
    ['0', '-1/2', '-1']
    """
    _check_shapes(a, b)
    depth = max(a.num_layers, b.num_layers)
    la, lb = _layers(lengthen(a, depth)), _layers(lengthen(b, depth))
    (Wa, ba), (Wb, bb) = la[-1], lb[-1]
    if depth == 1:
        return _network(
            [([[x - y for x, y in zip(ra, rb)] for ra, rb in zip(Wa, Wb)], [x - y for x, y in zip(ba, bb)])]
        )
    layers: Layers = [(la[0][0] + lb[0][0], la[0][1] + lb[0][1])]
    for k in range(1, depth - 1):
        (Wa_k, ba_k), (Wb_k, bb_k) = la[k], lb[k]
        za, zb = [Fraction(0)] * len(Wb_k[0]), [Fraction(0)] * len(Wa_k[0])
        layers.append(([r + za for r in Wa_k] + [zb + r for r in Wb_k], ba_k + bb_k))
    last_W = [ra + [-v for v in rb] for ra, rb in zip(Wa, Wb)]
    layers.append((last_W, [x - y for x, y in zip(ba, bb)]))
    return _network(layers)


def simplify_network(net: Network, *, merge_twins: bool = True) -> Network:
    """The same function with fewer hidden neurons: constant neurons folded, twins merged, idle ones dropped.

    Forward, hidden layer by hidden layer k:

    * a neuron whose incoming weights are all 0 outputs the constant relu(b): its column of map k + 1
      times relu(b) is added to that map's bias, and the neuron is dropped;
    * with ``merge_twins``, a neuron whose incoming vector (weights and bias) is λ > 0 times that of an
      earlier neuron of the layer outputs λ times the earlier one's output (relu(λz) = λ relu(z)): λ times
      its outgoing column is added to the earlier neuron's, and it is dropped.

    Either can make neurons of layer k + 1 constant or twins in turn, so the pass goes on to the next layer.
    Then backward, from the last hidden layer: a neuron whose outgoing weights are all 0 is dropped (it
    changes no output). A layer left empty keeps one inert neuron (incoming weights 0, bias −1, outgoing
    weights 0), which outputs 0 and cuts nothing.

    Parameters
    ----------
    net : Network
    merge_twins : bool
        Merge positively collinear neurons of a layer (default True).

    Returns
    -------
    Network
        F is unchanged; every hidden neuron but the inert ones has nonzero incoming and outgoing weights.

    Examples
    --------
    >>> net = Network.from_layers([([[0], [1], [2]], [3, 0, 0]), ([[1, 1, 0]], [0])])
    >>> small = simplify_network(net)      # relu(3) folds into the bias; the third neuron feeds nothing
    >>> small.widths, [str(v) for v in small.parameters()]
    ((1, 1, 1), ['1', '0', '1', '3'])
    >>> twins = Network.from_layers([([[1], [2]], [-1, -2]), ([[1, 1]], [0])])   # relu(2x − 2) = 2 relu(x − 1)
    >>> [str(v) for v in simplify_network(twins).parameters()]
    ['1', '-1', '3', '0']
    >>> simplify_network(twins, merge_twins=False).widths
    (1, 2, 1)
    """
    layers = _layers(net)
    zero = Fraction(0)
    for k in range(len(layers) - 1):
        W, b = layers[k]
        W_next, b_next = layers[k + 1]
        keep: list[int] = []
        first_of: dict[tuple[Fraction, ...] | None, int] = {}  # the ray of an incoming vector → its first neuron
        for i, row in enumerate(W):
            if not any(row):  # constant relu(b[i])
                value = max(b[i], zero)
                if value:
                    b_next = [c + w[i] * value for c, w in zip(b_next, W_next)]
                continue
            key = ray(row + [b[i]])
            if merge_twins and key in first_of:
                j = first_of[key]
                lam = max(abs(v) for v in row + [b[i]]) / max(abs(v) for v in W[j] + [b[j]])
                W_next = [r[:j] + [r[j] + lam * r[i]] + r[j + 1 :] for r in W_next]
                continue
            first_of[key] = i
            keep.append(i)
        layers[k + 1] = (W_next, b_next)
        _select(layers, k, keep, len(W[0]))
    for k in range(len(layers) - 2, -1, -1):
        W_next = layers[k + 1][0]
        keep = [i for i in range(len(layers[k][0])) if any(row[i] for row in W_next)]
        _select(layers, k, keep, len(layers[k][0][0]))
    return _network(layers)


def _select(layers: Layers, k: int, keep: list[int], n_in: int) -> None:
    """Keep the neurons ``keep`` of hidden layer k (one inert neuron when none is kept)."""
    W, b = layers[k]
    W_next, b_next = layers[k + 1]
    if keep:
        layers[k] = ([W[i] for i in keep], [b[i] for i in keep])
        layers[k + 1] = ([[row[i] for i in keep] for row in W_next], b_next)
    else:
        layers[k] = ([[Fraction(0)] * n_in], [Fraction(-1)])
        layers[k + 1] = ([[Fraction(0)] for _ in W_next], b_next)


# ------------------------------------------------------------------------------------ points
def probe_points(n0: int, box: Box | None) -> list[tuple[Fraction, ...]]:
    """The prefilter's deterministic points: on R^{n0} the origin, ±e_j and ±(1, …, 1); in a box its
    centre and the points at a quarter and three quarters of every side (all 2^{n0} combinations when
    n0 ≤ 4, else along each axis from the centre).

    Parameters
    ----------
    n0 : int
    box : tuple of (low, high) or None

    Returns
    -------
    list of tuple of Fraction

    Examples
    --------
    >>> [tuple(map(str, p)) for p in probe_points(1, None)]
    [('0',), ('1',), ('-1',)]
    >>> [tuple(map(str, p)) for p in probe_points(1, ((Fraction(0), Fraction(4)),))]
    [('2',), ('1',), ('3',)]
    """
    pts: list[tuple[Fraction, ...]] = []
    if box is None:
        pts.append((Fraction(0),) * n0)
        for j in range(n0):
            for s in (1, -1):
                pts.append(tuple(Fraction(s if i == j else 0) for i in range(n0)))
        if n0 > 1:
            pts += [(Fraction(1),) * n0, (Fraction(-1),) * n0]
        return pts
    centre = tuple((lo + hi) / 2 for lo, hi in box)
    quarters = [((3 * lo + hi) / 4, (lo + 3 * hi) / 4) for lo, hi in box]
    pts.append(centre)
    if n0 <= 4:
        pts += [tuple(p) for p in itertools.product(*quarters)]
    else:
        for j in range(n0):
            pts += [tuple(q if i == j else c for i, c in enumerate(centre)) for q in quarters[j]]
    return pts


# ------------------------------------------------------------------------------------ the test
def _outputs(net: Network, points: Sequence[Sequence[Fraction]]) -> list[tuple[Fraction, ...]]:
    return [tuple(Fraction(v) for v in row) for row in forward(net, [list(p) for p in points])]


def functionally_equal(
    a: Network, b: Network, box: Any = None, *, max_regions: int | None = None, merge_twins: bool = True
) -> Equality:
    """Whether F_a = F_b on R^{n0} (or on a box), exactly, with a separating witness when not.

    See the module docstring for the method: the exact activation regions of the side-by-side network
    G = F_a − F_b (their common refinement) and G's exact affine map on each.

    Parameters
    ----------
    a, b : Network
        Same input width n0 and output width n_L; hidden widths and depths may differ.
    box : sequence of (low, high), optional
        One pair per input coordinate, or one pair for all (as :func:`~relugeom.regions.linear_regions`).
        None: all of R^{n0}.
    max_regions : int or None
        Cap on the cells of G's enumeration (None: no cap); beyond it
        :class:`~relugeom.exceptions.RegionLimitReached`.
    merge_twins : bool
        Merge positively collinear neurons of G before enumerating (:func:`simplify_network`; default
        True). False enumerates the full common refinement (slower, same answer).

    Returns
    -------
    Equality
        Truthy iff equal; otherwise ``witness`` with F_a(witness) = ``value_a`` ≠ ``value_b`` = F_b(witness),
        both from exact forward passes of a and b.

    Raises
    ------
    ShapeError
        if the input or output widths differ, or the box has the wrong shape.
    RegionLimitReached
        when the enumeration creates more than ``max_regions`` cells.
    TimeLimitReached
        past the deadline of :func:`relugeom.limits.bounds` (checked per region).

    Notes
    -----
    Equality on R^{n0} implies equality on every box; the converse fails (a (1,1,1) network computes x on
    [−5, 5] as relu(x + 10) − 10, never on all of R). Equivalent networks (permutations, positive
    rescalings) are always equal; equal networks need not be equivalent ([GLR23]).

    Examples
    --------
    >>> from relugeom.symmetry import random_symmetry
    >>> net = Network.random_rational((2, 3, 2, 1), seed=3)
    >>> res = functionally_equal(net, random_symmetry(net, seed=1))
    >>> bool(res), res.domain
    (True, 'R^2')
    >>> bent = Network.from_layers([([[1, 0]], [0]), ([[1]], [0])])            # relu(x1)
    >>> flat = Network.from_layers([([[1, 0]], [0]), ([[1]], [0]), ([[1]], [0])])
    >>> bool(functionally_equal(bent, flat)), bool(functionally_equal(bent, flat, box=(-1, 1)))
    (True, True)
    """
    _check_shapes(a, b)
    if max_regions is not None and not (type(max_regions) is int and max_regions >= 1):
        raise InvalidArgumentError(f"max_regions must be an integer >= 1 or None, got {max_regions!r}")
    n0 = a.input_dim
    B = parse_box(box, n0)

    def differ(x: tuple[Fraction, ...], regions: int, method: str) -> Equality:
        return Equality(False, x, *(_outputs(net, [x])[0] for net in (a, b)), regions, B, method, n0)

    probes = probe_points(n0, B)
    for x, ya, yb in zip(probes, *((_outputs(net, probes) if probes else []) for net in (a, b))):
        if ya != yb:
            return differ(x, 0, f"prefilter: exact forward passes at {len(probes)} fixed points of the domain")
    full = side_by_side(a, b)
    G = simplify_network(full, merge_twins=merge_twins)
    dec = region_decomposition(G, B, at_zero="inactive", max_regions=max_regions)
    where = f"the side-by-side network F_a − F_b (widths {full.widths}, simplified to {G.widths})"
    for count, r in enumerate(dec.regions, 1):
        checkpoint(f"comparing the affine maps: region {count:,} of {len(dec.regions):,}")
        if not any(any(row) for row in r.output_weight) and not any(r.output_bias):
            continue
        for x in region_points(r):
            if any(r.output(x)):
                ya, yb = _outputs(a, [x])[0], _outputs(b, [x])[0]
                if ya == yb:  # pragma: no cover - would be a bug in side_by_side or the enumeration
                    raise RelugeomError(f"internal: G(x) ≠ 0 but F_a(x) = F_b(x) at x = {x}; please report it")
                return differ(x, count, f"common refinement: region {count} of {len(dec.regions)} of {where}")
        raise RelugeomError(  # pragma: no cover - an affine map vanishing at n0 + 1 affinely independent points
            f"internal: region {r.index} has a nonzero affine map that vanishes at its n0 + 1 points; please report it"
        )
    return Equality(
        True,
        None,
        None,
        None,
        len(dec.regions),
        B,
        f"common refinement: the exact affine map is 0 on each of the {len(dec.regions)} region(s) of {where}",
        n0,
    )
