"""Which mechanism removed which directions: the deficit (N − H) − BFD explained, exactly.

The accounting
--------------
Let X* be the *domain batch*: the batch X itself, or, when X is None, the CFFD batch of the activation
regions of R^n0 (or of a box): n0 + 1 affinely independent interior points of every region
(:func:`relugeom.regions.cffd.cffd_batch`), for which BFD(θ, X*) = CFFD(θ) (theorem T6). Let
J = J(θ, X*) (exact), r = rank J (certified), K = ker J, so dim K = N − r. The H rescaling vectors R (one
per hidden neuron: + incoming weights and bias, − outgoing weights) lie in K and are independent at
every non-degenerate point (theorem T2), so the **deficit** is

    deficit = (N − H) − r = dim K − H.

The deficit is split among named *mechanisms*, attributed in this fixed order. Each instance m has a
coordinate set V_m (a set of parameters) and its subspace S_m = K ∩ V_m: the kernel directions that move
only those parameters (the null space of J restricted to the columns V_m). Its ``dimension`` is what it
adds beyond everything before it,

    dim(R + S_1 + … + S_m) − dim(R + S_1 + … + S_{m−1}),

computed with exact ranks, and its ``vectors`` are that many exact kernel vectors of S_m completing the
span before. Only instances with a positive dimension are reported (``mechanisms_checked`` counts all).

1. ``dead``: a hidden neuron inactive on every sample of X* (for X None: on every region). V = its
   incoming weights and bias and its outgoing weights (all of their columns vanish, theorem T5). One
   instance per neuron; beyond its rescaling it frees n_k + n_{k+2} directions.
2. ``always-active``: the set A_k of hidden neurons of layer k active on every sample. On the domain they
   compute an affine function, so the next map absorbs any invertible mix of them and any constant.
   V = incoming weights and biases of A_k, their outgoing weights and the next map's bias. One instance
   per layer with A_k ≠ ∅.
3. ``unseen-kink``: the set U_k of neurons of layer k, neither dead nor always active, that are active on
   every sample where their output matters ((B_{k+1}(x_s) W[k+1])[:, i] ≠ 0): wherever the kink of such a
   neuron could show, it is on the active side, so it acts affinely where it counts (relu(relu(x) − 1): the
   first kink, at 0, is hidden where the second neuron is off). V = incoming and outgoing weights of
   A_k ∪ U_k and the next map's bias: always-active's block, grown to these neurons. One instance per layer.
4. ``twins``: a class (size ≥ 2) of neurons of one layer whose incoming vectors (weights and bias) are
   nonzero and positively collinear: they act as one neuron ([GLR23]; SPEC §7's neuron alignment).
   V = the class's incoming and outgoing weights.
5. ``opposite``: neurons of one layer whose incoming vectors lie on one line through 0 with both signs
   present: relu(s) − relu(−s) = s, so together they carry a linear piece. V = incoming and outgoing
   weights of every neuron on that line and the next map's bias.
6. ``input-span``: the first layer sees only the affine span of X*: the vectors c ⊗ e_i, for each first-
   layer neuron i and each c with [X* | 1] c = 0, are kernel vectors (no pre-activation moves). Explicit
   vectors, no intersection; zero when X* affinely spans R^n0 (always for X None).
7. ``silent-edges``: the columns of map k that vanish on the whole domain: a weight W[k][j, i] whose source
   a_{k,i} is 0 wherever neuron (k, j) matters (B_k[:, j] ≠ 0), or a bias of a neuron that never matters.
   V = those single coordinates (unit kernel vectors). One instance per map.
8. ``neuron-support``: for each neuron (k, j) (the outputs included, as layer L − 1): the columns of its
   incoming weights and bias factor through the rows (a_k(x_s), 1) of the samples where it matters, so every
   dependency among those rows is a kernel vector (:func:`~relugeom.dimension.kernels.incoming_null_vectors`):
   on its own support some of its inputs are off, or affine in the others. V = its incoming weights and
   bias. This is the input-span limit (6) of every later neuron, seen on that neuron's support; on
   He-initialised networks it is where most of the CFFD deficit lives.
9. ``sample-rows``: the per-sample row limit of map k (SPEC §3): the columns of map k have rank at most
   ρ_k = Σ_s rank B_k(x_s) (:func:`~relugeom.dimension.kernels.sample_block_ranks`). V = the columns of
   map k; ``data`` records N_k (its columns), ρ_k and how many of its columns vanish on the whole domain.
   One instance per map. What it adds beyond 1–8 moves several neurons of map k together: on each sample
   the change of z_k reaches the outputs only through B_k(x_s), whose rank is at most n_L, so the changes of
   different neurons cancel sample by sample (e.g. with n_L = 1, an input a_{k,i} active only where neurons
   j and j' of layer k are both active can feed either: W[k][j, i] and W[k][j', i] trade against each other).
10. ``pattern-rows``: the per-pattern row limit (SPEC §3): rows of samples sharing a pattern are affine in
   the input of the first map that matters, so r ≤ ρ_pat = m − (number of those affine dependencies,
   :func:`~relugeom.dimension.kernels.affine_left_kernel`). This is a count, not a set of parameters:
   after 1–9, with s = N − dim(R + S_1 + … + S_9) (the rank the structural mechanisms allow) and
   u = dim K − dim(R + S_1 + … + S_9) (what is left), it accounts for min(u, max(0, s − ρ_pat))
   dimensions. Its vectors are that many exact kernel vectors completing R + S_1 + … + S_9: *any*
   completion, since the rows are too few and no parameter direction is singled out.

What remains is ``unexplained``: an exact basis completing everything before to all of K, of dimension
u − (pattern-rows). By construction H + Σ dimensions + dim(unexplained) = dim K, that is

    Σ mechanism dimensions + dim(unexplained) = deficit,  exactly (theorem T10).

Exactness. r is the certified rank (:func:`relugeom.linalg.rank`). Every S_m is a null space computed
exactly and checked (``J' K = 0`` in integers); the dimensions come from a greedy choice modulo a random
prime confirmed by FLINT's exact rank (:func:`~relugeom.identifiability.mechanisms.extend_basis`). The
completion of K is never a generic null space of J: u is known first from the ranks, and only when u > 0
are u vectors computed, by :func:`relugeom.linalg.exact.complete_kernel` with everything before as hints.
Finally every reported vector is checked J v = 0 exactly. If the rescaling vectors were dependent (a
floating group of T2, possible only at a degenerate point taken with ``at_zero``), the deficit would
count directions that do not exist: that case is refused (:class:`~relugeom.exceptions.InvalidArgumentError`)
rather than reported with a wrong sum.

References
----------
.. [GLR23] Grigsby, Lindsey, Rolnick, *Hidden symmetries of ReLU networks*, ICML 2023.
.. [BMB24] Bona-Pellissier, Malgouyres, Bachoc, arXiv 2402.08269 (2024).

Examples
--------
SPEC §3's hand example on X = {2, 3, 4, 5}: both neurons are active on every sample, F is affine there
(BFD 2), and the always-active block frees 5 − 2 = 3 directions beyond the rescalings:

>>> from relugeom.core.network import Network
>>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> ex = explain_deficit(net, [2, 3, 4, 5])
>>> ex.rank, ex.deficit, [(m.name, m.neurons, m.dimension) for m in ex.mechanisms], ex.unexplained_dimension
(2, 3, [('always-active', ((0, 0), (0, 1)), 3)], 0)

On all of R (X None) the same network has CFFD 5 = N − H: nothing to explain.

>>> ex = explain_deficit(net)
>>> ex.domain, ex.rank, ex.deficit, ex.mechanisms, ex.mechanisms_checked
('R^n0', 5, 0, (), 9)

Twins: relu(2x − 2) = 2 relu(x − 1), so the pair acts as one neuron (CFFD 3, deficit 2).

>>> twins = Network.from_layers([([[1], [2]], [-1, -2]), ([[1, 1]], [0])])
>>> print(explain_deficit(twins).summary())
deficit 2 = (N − H) − CFFD = 5 − 3 on R^1 (2 regions, 4 samples)
mechanism    where        dimension
-----------  -----------  ---------
twins        (0,0) (0,1)  2
unexplained               0
sum          2 = 2 + 0
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import flint
import numpy as np

from ..core.network import Network
from ..core.patterns import AtZero
from ..dimension.jacobian import ExactJacobian
from ..dimension.kernels import (
    HINT_MAX_ENTRIES,
    JacobianSource,
    affine_left_kernel,
    rescaling_vectors,
    sample_block_ranks,
)
from ..exceptions import InvalidArgumentError, RelugeomError
from ..limits import checkpoint, require_memory
from ..linalg import rank as matrix_rank
from ..linalg.exact import complete_kernel
from ..linalg.memory import python_int_matrix_bytes
from ..regions import region_decomposition
from ..regions.cffd import cffd_batch
from .mechanisms import (
    MECHANISMS,
    Vector,
    check_kernel,
    extend_basis,
    input_span_vectors,
    neuron_columns,
    neuron_instances,
    output_matters,
    primitive,
    restricted_kernel,
)

__all__ = ["Mechanism", "DeficitExplanation", "explain_deficit", "MECHANISMS"]


@dataclass(frozen=True)
class Mechanism:
    """One mechanism instance and the directions it accounts for (see the module docstring).

    Attributes
    ----------
    name : str
        One of :data:`MECHANISMS`.
    neurons : tuple of (layer, index)
        The hidden neurons involved (``()`` for input-span's all-first-layer, sample-rows, pattern-rows).
    samples : tuple of int
        The samples involved (pattern-rows: those of patterns with affine dependencies), else ``()``.
    maps : tuple of int
        The affine map (sample-rows), else ``()``.
    dimension : int
        Its contribution beyond the mechanisms before it.
    vectors : tuple of integer vectors
        ``dimension`` exact kernel vectors of J (parameter coordinates) completing the previous span.
    detail : str
        One sentence.
    data : dict
        Numbers the mechanism rests on (sample-rows: ``N_k``, ``rho_k``, ``zero_columns``; pattern-rows: ``rho_pat``,
        ``structural_bound``).
    """

    name: str
    neurons: tuple[tuple[int, int], ...]
    samples: tuple[int, ...]
    maps: tuple[int, ...]
    dimension: int
    vectors: tuple[Vector, ...]
    detail: str
    data: dict = field(default_factory=dict, hash=False)

    def where(self) -> str:
        """The neurons, map or samples involved, short (for tables)."""
        if self.neurons:
            text = " ".join(f"({k},{i})" for k, i in self.neurons[:6])
            return text + (f" … ({len(self.neurons)} neurons)" if len(self.neurons) > 6 else "")
        if self.name == "silent-edges":
            return f"map {self.maps[0]} ({self.data['zero_columns']} of {self.data['N_k']} columns zero)"
        if self.maps:
            return f"map {self.maps[0]} (N_k {self.data['N_k']}, ρ_k {self.data['rho_k']})"
        if self.name == "pattern-rows":
            return f"ρ_pat {self.data['rho_pat']} < {self.data['structural_bound']}"
        return "first layer"

    def to_dict(self, vectors: bool = True) -> dict[str, Any]:
        """JSON-ready (vectors as lists of ints unless ``vectors=False``)."""
        out: dict[str, Any] = {
            "name": self.name,
            "neurons": [list(h) for h in self.neurons],
            "samples": list(self.samples),
            "maps": list(self.maps),
            "dimension": self.dimension,
            "detail": self.detail,
            "data": dict(self.data),
        }
        if vectors:
            out["vectors"] = [list(v) for v in self.vectors]
        return out


@dataclass(frozen=True)
class DeficitExplanation:
    """The deficit (N − H) − rank split among mechanisms, with an exact basis of what none explains.

    Attributes
    ----------
    domain : {"batch", "R^n0", "box"}
    num_params, num_hidden : int
        N and H.
    rank : int
        BFD(θ, X) (domain "batch") or the CFFD (of R^n0 or of the box), certified.
    mechanisms : tuple of Mechanism
        The instances with a positive dimension, in attribution order.
    unexplained : tuple of integer vectors
        An exact basis completing R and every mechanism's vectors to ker J.
    mechanisms_checked : int
        Instances examined (including those that added nothing).
    num_samples : int
        Size of the domain batch X*.
    num_regions : int or None
        Regions whose points make X* (None for a batch).
    input_dim : int
        n0.
    """

    domain: str
    num_params: int
    num_hidden: int
    rank: int
    mechanisms: tuple[Mechanism, ...]
    unexplained: tuple[Vector, ...]
    mechanisms_checked: int
    num_samples: int
    num_regions: int | None
    input_dim: int

    @property
    def deficit(self) -> int:
        """(N − H) − rank."""
        return self.num_params - self.num_hidden - self.rank

    @property
    def explained(self) -> int:
        """Σ of the mechanisms' dimensions."""
        return sum(m.dimension for m in self.mechanisms)

    @property
    def unexplained_dimension(self) -> int:
        return len(self.unexplained)

    @property
    def rank_name(self) -> str:
        return "BFD" if self.domain == "batch" else "CFFD"

    def to_dict(self, vectors: bool = True) -> dict[str, Any]:
        """JSON-ready (the CLI's ``"explanation"``); vectors as lists of ints unless ``vectors=False``."""
        out: dict[str, Any] = {
            "domain": self.domain,
            "num_params": self.num_params,
            "num_hidden": self.num_hidden,
            "rank": self.rank,
            "deficit": self.deficit,
            "explained": self.explained,
            "unexplained_dimension": self.unexplained_dimension,
            "mechanisms_checked": self.mechanisms_checked,
            "num_samples": self.num_samples,
            "num_regions": self.num_regions,
            "mechanisms": [m.to_dict(vectors) for m in self.mechanisms],
        }
        if vectors:
            out["unexplained"] = [list(v) for v in self.unexplained]
        return out

    def summary(self) -> str:
        """A short table: one line per mechanism (name, where, dimension), the unexplained rest, the sum."""
        if self.domain == "batch":
            where = f"on the batch ({self.num_samples} samples)"
        else:
            space = f"R^{self.input_dim}" if self.domain == "R^n0" else "the box"
            plural = "" if self.num_regions == 1 else "s"
            where = f"on {space} ({self.num_regions} region{plural}, {self.num_samples} samples)"
        head = (
            f"deficit {self.deficit} = (N − H) − {self.rank_name} = "
            f"{self.num_params - self.num_hidden} − {self.rank} {where}"
        )
        rows = [(m.name, m.where(), str(m.dimension)) for m in self.mechanisms]
        rows.append(("unexplained", "", str(self.unexplained_dimension)))
        terms = [str(m.dimension) for m in self.mechanisms] + [str(self.unexplained_dimension)]
        rows.append(("sum", f"{self.deficit} = " + " + ".join(terms), ""))
        cells = [("mechanism", "where", "dimension")] + rows
        widths = [max(len(r[i]) for r in cells) for i in range(3)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join([head] + lines)


def _domain_batch(net: Network, box: Any, at_zero: AtZero, max_regions: int | None) -> tuple[list, int]:
    """X* for X None: n0 + 1 affinely independent points in every region of R^n0 (or of the box)."""
    kwargs = {} if max_regions is None else {"max_regions": max_regions}
    dec = region_decomposition(net, box, at_zero=at_zero, **kwargs)
    if not dec.regions:
        raise RelugeomError(
            "every input is degenerate for this network (a hidden neuron is identically zero everywhere): "
            "there is no region to explain. Pass at_zero='inactive' or 'active' to use a one-sided convention."
        )
    # a region of a box is an open polyhedron whose constraints include the box's sides: the points and
    # steps of cffd_batch stay inside it, exactly as for R^n0 (the same argument as theorem T6)
    return cffd_batch(replace(dec, box=None)), len(dec.regions)


def _pattern_rows(jac: ExactJacobian) -> tuple[int, tuple[int, ...]]:
    """ρ_pat = m − (affine dependencies within patterns), and the samples of patterns that have some.

    When the dependencies are too many to list (more than the hint budget of
    :mod:`relugeom.dimension.kernels`), only those among the inputs themselves are counted (the bound
    n_L Σ_r rank[X_r, 1], weaker but still valid).
    """
    P = jac.pattern_matrix()
    n, n_out = jac.num_samples, jac.net.output_dim
    groups: dict[bytes, list[int]] = {}
    for s in range(n):
        groups.setdefault(P[s].tobytes(), []).append(s)
    most = n_out * sum(len(g) - 1 for g in groups.values())
    if most * n * n_out <= HINT_MAX_ENTRIES:
        left = affine_left_kernel(jac)
        samples = sorted({row // n_out for vec in left for row, v in enumerate(vec) if v != 0})
        return n * n_out - len(left), tuple(samples)
    A, den = jac.exact.inputs[0], jac.exact.input_dens[0]
    rho, samples = 0, []
    for g in groups.values():
        rk = int(flint.fmpz_mat([[int(v) for v in A[s]] + [int(den)] for s in g]).rank())
        rho += n_out * rk
        if rk < len(g):
            samples.extend(g)
    return rho, tuple(sorted(samples))


def explain_deficit(
    net: Network,
    X: Any = None,
    *,
    box: Any = None,
    at_zero: AtZero = None,
    max_regions: int | None = None,
    seed: int = 0,
    certify_timeout: float = 60.0,
) -> DeficitExplanation:
    """Split the deficit (N − H) − BFD(θ, X) (or − CFFD(θ) when X is None) among named mechanisms, exactly.

    Parameters
    ----------
    net : Network
    X : batch of inputs, optional
        None: the domain is all of R^n0 (or ``box``), through the CFFD batch of its regions.
    box : sequence of (low, high), optional
        Only with X None: the regions of this box, as :func:`~relugeom.regions.region_decomposition` takes it.
    at_zero : {None, "inactive", "active"}
        Convention at zero pre-activations (SPEC §2); None refuses a degenerate X.
    max_regions : int, optional
        Cap of the region enumeration (None: its default, 200,000).
    seed : int
        Seeds the primes (the result's numbers do not depend on it; the vectors chosen may).
    certify_timeout : float
        Seconds for each exact kernel computation (and the certified rank).

    Returns
    -------
    DeficitExplanation
        ``explained + unexplained_dimension == deficit`` always.

    Raises
    ------
    DegeneratePointError
        A sample of X with a zero hidden pre-activation (``at_zero`` None), naming sample, layer, neuron.
    InvalidArgumentError
        ``box`` together with X, or dependent rescaling vectors (a floating group, only with ``at_zero``).
    RelugeomError
        X None and every input degenerate (no region).
    CertificationTimeout, TimeLimitReached, RegionLimitReached, MemoryLimitReached
        Limits (``certify_timeout``, :func:`relugeom.limits.bounds`, ``max_regions``; J is held as exact
        integers, refused beyond the ``max_memory`` bound).

    Examples
    --------
    An opposite pair: relu(x − 1) + relu(1 − x) = |x − 1| (CFFD 4, N − H 5).

    >>> from relugeom.core.network import Network
    >>> absval = Network.from_layers([([[1], [-1]], [-1, 1]), ([[1, 1]], [0])])
    >>> ex = explain_deficit(absval)
    >>> [(m.name, m.neurons, m.dimension) for m in ex.mechanisms], ex.deficit, ex.unexplained_dimension
    ([('opposite', ((0, 0), (0, 1)), 1)], 1, 0)
    >>> ex.to_dict(vectors=False)["explained"]
    1
    """
    if X is not None and box is not None:
        raise InvalidArgumentError("box= selects the regions of a box when X is None; with a batch X leave it out")
    if X is None:
        batch, num_regions = _domain_batch(net, box, at_zero, max_regions)
        domain = "R^n0" if box is None else "box"
    else:
        batch, num_regions, domain = X, None, "batch"
    jac = ExactJacobian(net, batch, at_zero)  # validates X; DegeneratePointError names sample, layer, neuron
    m, N = jac.shape
    bits = max((int(v).bit_length() + 1) // 2 for v in jac.row_norm_sq_bounds()) if m else 1
    require_memory(python_int_matrix_bytes(m, N, bits), f"the Jacobian ({m:,} × {N:,}) as exact integers")
    checkpoint("deficit: certified rank")
    r = matrix_rank(JacobianSource(jac), "exact", seed=seed, certify_timeout=certify_timeout).rank
    rng = np.random.default_rng(seed)
    H = net.num_hidden
    J, scale = jac.integer(), jac.column_scale
    basis = extend_basis([], list(rescaling_vectors(net)), rng)
    if len(basis) < H:
        raise InvalidArgumentError(
            f"the {H} rescaling vectors span only {len(basis)} dimensions (a floating group, theorem T2: a "
            f"degenerate point taken with at_zero): the deficit (N − H) − rank would count directions that do not "
            f"exist, so it is not explained"
        )
    dim_k = N - r
    found: list[Mechanism] = []
    checked = 0

    def add(name, candidates, detail, neurons=(), samples=(), maps=(), data=None) -> None:
        nonlocal checked
        checked += 1
        if len(basis) == dim_k:
            return  # K is exhausted: nothing can add
        new = extend_basis(basis, candidates, rng)
        if new:
            basis.extend(new)
            found.append(Mechanism(name, neurons, samples, maps, len(new), tuple(new), detail, data or {}))

    for name, neurons, cols in neuron_instances(net, jac.masks, output_matters(jac)):
        checkpoint(f"deficit: {name} {neurons[0]}")
        S = restricted_kernel(J, scale, cols, rng, certify_timeout) if len(basis) < dim_k else []
        add(name, S, _DETAILS[name](neurons, len(cols)), neurons=neurons)
    checkpoint("deficit: input-span")
    span = input_span_vectors(net, jac.exact.inputs[0], jac.exact.input_dens[0])
    first_layer = tuple((0, i) for i in range(net.widths[1])) if net.num_layers > 1 else ()
    add("input-span", span, "the samples lie in a proper affine subspace of the inputs", neurons=first_layer)
    blocks = sample_block_ranks(jac).blocks
    for k, (start, stop, _) in enumerate(blocks):
        checkpoint(f"deficit: silent edges of map {k}")
        silent = [c for c in range(start, stop) if not (J[:, c] != 0).any()] if J.shape[0] else list(range(start, stop))
        units = [tuple(int(c == z) for c in range(N)) for z in silent]
        detail = (
            f"{len(silent)} of map {k}'s {stop - start} columns vanish on the whole domain: those weights (or biases) "
            f"never carry a signal there (the source is off wherever the target matters)"
        )
        add("silent-edges", units, detail, maps=(k,), data={"zero_columns": len(silent), "N_k": stop - start})
    for k in range(net.num_layers):
        for j in range(net.widths[k + 1]):
            checkpoint(f"deficit: support of neuron ({k}, {j})")
            cols = neuron_columns(net, k, j, outgoing=False)
            S = restricted_kernel(J, scale, cols, rng, certify_timeout) if len(basis) < dim_k else []
            what = "output" if k == net.num_layers - 1 else "neuron"
            detail = (
                f"on the samples where {what} ({k}, {j}) matters, its inputs (a_{k}, 1) span fewer than "
                f"{net.widths[k] + 1} dimensions (some of them off there, or affine there)"
            )
            add("neuron-support", S, detail, neurons=((k, j),))
    for k, (start, stop, rho) in enumerate(blocks):
        checkpoint(f"deficit: sample-rows of map {k}")
        S = restricted_kernel(J, scale, range(start, stop), rng, certify_timeout) if len(basis) < dim_k else []
        zero = int((~(J[:, start:stop] != 0).any(axis=0)).sum()) if J.shape[0] else stop - start
        data = {"N_k": stop - start, "rho_k": rho, "zero_columns": zero}
        detail = (
            f"directions moving several of map {k}'s neurons together: on each sample the change of z_{k} reaches "
            f"the outputs only through B_{k}(x_s) (Σ_s rank B_{k}(x_s) = ρ_k = {rho}), so the changes of different "
            f"neurons cancel (e.g. an input active only where two neurons both are can feed either)"
        )
        add("sample-rows", S, detail, maps=(k,), data=data)
    checkpoint("deficit: pattern-rows")
    structural = len(basis)
    s, u = N - structural, dim_k - structural
    rho_pat, pattern_samples = _pattern_rows(jac)
    rest: tuple[Vector, ...] = ()
    if u > 0:
        checkpoint("deficit: completing the kernel")
        rest = tuple(
            primitive(v) for v in complete_kernel(JacobianSource(jac), basis, rng, rank=r, timeout=certify_timeout)
        )
    pr = min(u, max(0, s - rho_pat))
    checked += 1
    if pr:
        detail = (
            f"too few rows: of the {m} rows, {m - rho_pat} are affine combinations of rows of the same pattern, "
            f"so rank ≤ ρ_pat = {rho_pat} < {s}, the rank the structural mechanisms allow (any completion)"
        )
        data = {"rho_pat": rho_pat, "structural_bound": s}
        found.append(Mechanism("pattern-rows", (), pattern_samples, (), pr, rest[:pr], detail, data))
    reported = [v for mech in found for v in mech.vectors] + list(rest[pr:])
    if not check_kernel(J, scale, reported):  # pragma: no cover - would be a bug
        raise RuntimeError("a reported vector is not in the kernel of J: a bug in the deficit accounting")
    return DeficitExplanation(
        domain, N, H, r, tuple(found), rest[pr:], checked, jac.num_samples, num_regions, net.input_dim
    )


_DETAILS = {
    "dead": lambda neurons, c: f"neuron {neurons[0]} is inactive on the whole domain: its {c} columns vanish",
    "always-active": lambda neurons, c: (
        f"{len(neurons)} neuron(s) active on the whole domain compute an affine map the next layer can absorb"
    ),
    "unseen-kink": lambda neurons, c: (
        f"{len(neurons)} neuron(s) active wherever their output matters: the kink is never seen, so on the domain "
        f"they act affinely and the next layer can absorb their translations and mixes"
    ),
    "twins": lambda neurons, c: f"{len(neurons)} neurons with positively collinear incoming vectors act as one",
    "opposite": lambda neurons, c: (
        f"{len(neurons)} neurons on one line through 0 with both signs carry a linear piece (relu(s) − relu(−s) = s)"
    ),
}
