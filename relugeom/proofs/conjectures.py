"""Conjectures for the counterexample search (``relugeom search NAME``): plain predicates on (θ, X).

Each entry of :data:`CONJECTURES` is a :class:`relugeom.search.counterexamples.Conjecture`: a one-sentence statement, a
check ``Case -> Outcome`` (``"violation"`` refutes it on that case, ``"degenerate"`` means the case is
outside its hypotheses) and where to search. Most are false, and the search finds and shrinks a minimal
refutation of each (pinned in ``tests/test_search.py``); one is a theorem (T1) run as a conjecture, as a
control: the search must find nothing.

* ``float-rank`` (false): float64 ``matrix_rank`` of J equals the exact BFD.
* ``no-dead-full-rank`` (false): without dead neurons, BFD = min(n·n_L, N − H).
* ``patterns-determine-bfd`` (false): the activation patterns on X determine BFD(θ, X).
* ``symmetry-invariance`` (true, theorem T1): BFD is invariant under permutations and positive rescalings.
* ``cffd-full`` (false): if no hidden neuron is inactive on all of R^{n0}, then CFFD = N − H.
* ``cffd-full-nonzero`` (false): the same for networks whose weights are all nonzero: the search finds a
  hidden symmetry in the sense of [GLR23] (twin neurons; a neuron active everywhere acts affinely).
* ``equal-implies-equivalent`` (false): two networks that compute the same function on R^{n0} are
  equivalent under permutations and positive rescalings. A *pair* conjecture (``case.other``): the search
  walks the unordered pairs of a grid, and :func:`relugeom.functionally_equal` decides exactly.
* ``equal-implies-equivalent-nonzero`` (false): the same for networks whose parameters are all nonzero.
* ``deficit-explained`` (false): :func:`relugeom.explain_deficit` leaves nothing unexplained on R^{n0}.

Examples
--------
>>> from relugeom.search.counterexamples import search
>>> res = search(CONJECTURES["no-dead-full-rank"], budget=400)
>>> res.found, res.case.net.widths, len(res.case.inputs), res.quantities["bfd"], res.quantities["bound"]
(True, (1, 1, 1), 2, 1, 2)
"""

from __future__ import annotations

from relugeom.core.forward import forward
from relugeom.core.patterns import activation_patterns
from relugeom.dimension.bfd import batch_functional_dimension, dimension_report
from relugeom.dimension.jacobian import jacobian
from relugeom.exceptions import LimitReached, RelugeomError
from relugeom.identifiability.deficit import explain_deficit
from relugeom.identifiability.equality import functionally_equal
from relugeom.linalg.floating import float_rank as svd_rank
from relugeom.regions import region_decomposition
from relugeom.regions.cffd import cffd_batch
from relugeom.search.counterexamples import Conjecture
from relugeom.search.families import Case, LogRandomFamily, Outcome
from relugeom.search.perturbation import perturb_within_region
from relugeom.symmetry import are_equivalent

from .t1_symmetry_invariance import check as t1_check

__all__ = ["CONJECTURES", "float_rank", "no_dead_full_rank", "patterns_determine_bfd", "cffd_full", "cffd_full_nonzero"]


def float_rank(case: Case) -> Outcome:
    """(a) "``numpy.linalg.matrix_rank`` of the float64 Jacobian equals the exact BFD" — false.

    The float Jacobian is built from float64 parameters, a float64 forward pass and float signs; its rank
    uses numpy's default tolerance σ_max · max(m, N) · eps. A point where float64 rounding alone makes a
    pre-activation 0.0 (or exactly degenerate) is outside the statement: ``"degenerate"``.

    Why it is false: float64 cannot separate nearly parallel rows. The search's minimal refutation:
    widths (1, 1, 1), n = 2, W0 = 1, b0 = 2^25, W1 = 0, b1 = 0, X = {0, 1}. The neuron is active on both
    samples and, as W1 = 0, the rows of J are [0, 0, 2^25, 1] and [0, 0, 2^25 + 1, 1]: exactly
    independent (BFD 2), but σ_2 = 1/σ_1 ≈ 2.1e-8 is below the tolerance σ_1 · 4 · eps ≈ 4.2e-8, so
    float64 says 1 (with b0 = 2^24 it still says 2). A huge outgoing weight does the same when the neuron
    is active on one sample only: rows [c·x1, c, relu(a·x1 + b), 1] and [0, 0, 0, 1] with c ≈ 2^52.
    Grids over {−1, 0, 1} cannot see either; the random stage draws magnitudes 2^±60
    (:class:`~relugeom.search.families.LogRandomFamily`).

    Examples
    --------
    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[1]], [0]), ([[2**52]], [0])])
    >>> out = float_rank(Case(net, ((1,), (-1,))))
    >>> out.status, out.quantities["bfd"], out.quantities["float_rank"]
    ('violation', 2, 1)
    """
    bfd = batch_functional_dimension(case.net, case.inputs)  # DegeneratePointError: degenerate
    J = jacobian(case.net, case.inputs, method="float")  # float-only zero: degenerate too
    res = svd_rank(J)  # one SVD, numpy.linalg.matrix_rank's rule: S > σ_max · max(m, N) · eps
    r = res.rank
    q = {"bfd": bfd, "float_rank": r, "singular_values": list(res.singular_values), "tolerance": res.tolerance}
    return Outcome("violation" if r != bfd else "ok", q, f"float64 rank {r} but exact BFD {bfd}" if r != bfd else "")


def no_dead_full_rank(case: Case) -> Outcome:
    """(b) "if no hidden neuron is inactive on all of X, then BFD = min(n·n_L, N − H)" — false.

    Cases with a dead neuron are outside the hypothesis (``"degenerate"``).

    Why it is false: BFD can be lower for non-generic θ even when every neuron is used. Widths (1, 1, 1),
    n = 2, W0 = 0, b0 = 1, W1 = 0: the neuron is active everywhere (it outputs the constant 1), both rows
    of J are [0, 0, 1, 1] (the W0 and b0 columns carry the factor W1 = 0), so BFD = 1 < 2 = min(2, 4 − 1).

    Examples
    --------
    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[0]], [1]), ([[0]], [0])])
    >>> out = no_dead_full_rank(Case(net, ((0,), (1,))))
    >>> out.status, out.quantities["bfd"], out.quantities["bound"]
    ('violation', 1, 2)
    """
    rep = dimension_report(case.net, case.inputs)  # DegeneratePointError: degenerate
    bound = min(rep.bound_rows, rep.bound_params)
    q = {
        "bfd": rep.bfd,
        "bound": bound,
        "n_times_nL": rep.bound_rows,
        "N_minus_H": rep.bound_params,
        "dead_neurons": [list(d) for d in rep.dead_neurons],
    }
    if rep.dead_neurons:
        return Outcome("degenerate", q, "a hidden neuron is inactive on every sample: outside the hypothesis")
    return Outcome(
        "violation" if rep.bfd != bound else "ok",
        q,
        f"no dead neuron, yet BFD {rep.bfd} != {bound}" if rep.bfd != bound else "",
    )


def patterns_determine_bfd(case: Case) -> Outcome:
    """(c) "BFD(θ, X) depends only on the activation patterns of θ on X" — false.

    Tested against θ' = :func:`relugeom.search.perturbation.perturb_within_region` (θ plus a small random
    rational step, seeded by ``case.seed``, with the same pattern on every sample): a violation is a pair
    θ, θ' with equal patterns and different BFDs. The quantities hold the witness θ' and its BFD.

    Why it is false: within one pattern region J is polynomial in θ, so its rank is constant only for
    generic θ and drops on an algebraic subset ([BMB24]; theorem T3). Widths (1, 1, 1), n = 2, W0 = 0,
    b0 = 1, W1 = 0 has BFD 1; any nearby θ' (same patterns: the neuron active on both samples) with
    W0' ≠ 0 and W1' ≠ 0 has BFD 2.

    Examples
    --------
    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[0]], [1]), ([[0]], [0])])
    >>> out = patterns_determine_bfd(Case(net, ((0,), (1,))))
    >>> out.status, out.quantities["bfd"], out.quantities["witness_bfd"]
    ('violation', 1, 2)
    """
    bfd = batch_functional_dimension(case.net, case.inputs)  # DegeneratePointError: degenerate
    witness = perturb_within_region(case.net, case.inputs, seed=case.seed)
    wbfd = batch_functional_dimension(witness, case.inputs)
    patterns = activation_patterns(case.net, case.inputs)
    same = bool((activation_patterns(witness, case.inputs) == patterns).all())
    q = {
        "bfd": bfd,
        "witness_bfd": wbfd,
        "same_patterns": same,
        "patterns": patterns.astype(int).tolist(),
        "witness_seed": case.seed,
        "witness_network": witness.to_dict(),
    }
    bad = same and wbfd != bfd
    return Outcome(
        "violation" if bad else "ok", q, f"same patterns, BFD {bfd} here but {wbfd} at the witness" if bad else ""
    )


def cffd_full(case: Case) -> Outcome:
    """(d) "if no hidden neuron is inactive on all of R^{n0}, then CFFD(θ) = N − H" — false.

    The CFFD is exact (regions of R^{n0} enumerated exactly, theorem T6). A neuron inactive on every
    region, a network with no region at all (every input degenerate) or a degenerate batch X are outside
    the statement (``"degenerate"``). The quantities hold ``cffd_batch``, the batch X* whose BFD is the
    CFFD, so ``relugeom dim`` can re-check it.

    Why it is false: zero weights lose directions, e.g. widths (1, 1, 1) with W1 = 0: the neuron is used
    (active for x > 0 when W0 = 1), but its incoming columns carry the factor W1 = 0. See
    :func:`cffd_full_nonzero` for the same question with every weight nonzero.

    Examples
    --------
    >>> from relugeom.core.network import Network
    >>> out = cffd_full(Case(Network.from_layers([([[1]], [0]), ([[0]], [0])]), ((1,),)))
    >>> out.status, out.quantities["cffd"], out.quantities["N_minus_H"]
    ('violation', 2, 3)
    """
    net = case.net
    bfd = batch_functional_dimension(net, case.inputs)  # DegeneratePointError: degenerate
    dec = region_decomposition(net)
    labels = [(k, i) for k, w in enumerate(net.hidden_widths) for i in range(w)]
    dead = [labels[j] for j in range(len(labels)) if not any(r.pattern[j] for r in dec.regions)]
    if not dec.regions or dead:
        return Outcome(
            "degenerate",
            {"bfd": bfd, "dead_everywhere": [list(d) for d in dead]},
            "a hidden neuron is inactive on all of R^n0 (or no region exists): outside the hypothesis",
        )
    star = cffd_batch(dec)
    cffd = batch_functional_dimension(net, star)
    bound = net.num_params - net.num_hidden
    q = {
        "bfd": bfd,
        "cffd": cffd,
        "N_minus_H": bound,
        "regions": len(dec.regions),
        "patterns": [r.pattern_string for r in dec.regions],
        "cffd_batch": [[str(v) for v in x] for x in star],
    }
    return Outcome(
        "violation" if cffd != bound else "ok",
        q,
        f"every neuron is used, yet CFFD {cffd} < N − H = {bound}" if cffd != bound else "",
    )


def cffd_full_nonzero(case: Case) -> Outcome:
    """(e) :func:`cffd_full` restricted to networks whose weights (not biases) are all nonzero — false.

    Why it is false: hidden symmetries [GLR23], beyond permutations and positive rescalings. The
    search's minimal refutation is widths (1, 2, 1) with two *twin* neurons, W0 = [[−1], [−1]],
    b0 = [−1, −1], W1 = [[−1, −1]]: F depends on the outgoing weights only through their sum, and the
    two incoming vectors move together, so CFFD = 3 < 5 = N − H (neuron alignment, SPEC §7). Another: a
    neuron active on all of R^{n0} computes an affine function of its inputs, and an affine layer can be
    traded against its neighbours. Widths (1, 1, 1, 1), W0 = 1, b0 = 0, W1 = 1, b1 = 1, W2 = 1: the
    second neuron is relu(x) + 1 ≥ 1, so F = W2 W1 relu(W0 x + b0) + W2 b1 + b2 depends on θ through
    three numbers only, and CFFD = 3 < 4 = N − H (below). A third: two opposite neurons on one
    hyperplane, relu(x − 3/5) + relu(3/5 − x) = |x − 3/5|, leave F four functional parameters (one
    breakpoint, two slopes, an offset) against N − H = 5; with a smaller budget the search shrinks to it.

    Examples
    --------
    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[1]], [0]), ([[1]], [1]), ([[1]], [0])])
    >>> out = cffd_full_nonzero(Case(net, ((1,),)))
    >>> out.status, out.quantities["cffd"], out.quantities["N_minus_H"]
    ('violation', 3, 4)
    """
    if any(w == 0 for W in case.net.weights for row in W for w in row):
        return Outcome("degenerate", {}, "a weight is zero: outside the hypothesis")
    return cffd_full(case)


def _has_zero_incoming_vector(net) -> bool:
    return any(
        all(v == 0 for v in W[i]) and b[i] == 0
        for W, b in zip(net.weights[:-1], net.biases[:-1])
        for i in range(len(b))
    )


def equal_implies_equivalent(case: Case) -> Outcome:
    """(f) "if F_a = F_b on R^{n0}, then a and b are equivalent under permutations and rescalings" — false.

    A pair case (``case.net`` = a, ``case.other`` = b). Outside the statement (``"degenerate"``): a case
    without a second network, and a network with a hidden neuron whose incoming weights and bias are all 0
    (it computes the constant 0, its scale is arbitrary and canonical forms cannot compare it). A pair that
    differs on the batch is settled at once (``"ok"``); otherwise :func:`relugeom.functionally_equal` decides
    on R^{n0} exactly, and equal pairs are compared with :func:`relugeom.are_equivalent` (different hidden
    widths are never equivalent).

    Why it is false: hidden symmetries [GLR23]. A neuron whose outgoing weights are all 0 can have any
    incoming vector; twin neurons can share their outgoing weight in any proportion; an opposite pair
    relu(s) − relu(−s) = s can move its hyperplane and pay with the next bias. The search's smallest
    refutation (pinned in ``tests/identifiability/test_hidden_symmetries.py``) is the first kind, on widths
    (1, 1, 1): a = relu(0·x − 1)·0 − 1 and b = relu(−x)·0 − 1 both compute −1, and (0, −1) is no positive
    multiple of (−1, 0).

    Examples
    --------
    >>> from relugeom.core.network import Network
    >>> a = Network.from_layers([([[0]], [-1]), ([[0]], [-1])])
    >>> b = Network.from_layers([([[-1]], [0]), ([[0]], [-1])])
    >>> out = equal_implies_equivalent(Case(a, ((0,),), other=b))
    >>> out.status, out.quantities["functionally_equal"], out.quantities["equivalent"]
    ('violation', True, False)
    """
    a, b = case.net, case.other
    if b is None:
        return Outcome("degenerate", {}, "a pair conjecture needs case.other")
    if _has_zero_incoming_vector(a) or _has_zero_incoming_vector(b):
        return Outcome("degenerate", {}, "a hidden neuron computes the constant 0: outside the statement")
    if not (forward(a, case.inputs) == forward(b, case.inputs)).all():
        return Outcome("ok", {"functionally_equal": False, "differs_on_batch": True})
    eq = functionally_equal(a, b)
    if not eq:
        return Outcome("ok", {"functionally_equal": False, "differs_on_batch": False})
    try:
        equivalent = are_equivalent(a, b)
    except RelugeomError:
        return Outcome("degenerate", {"functionally_equal": True}, "canonical forms cannot decide equivalence")
    q = {"functionally_equal": True, "equivalent": equivalent, "regions": eq.regions}
    if equivalent:
        return Outcome("ok", q)
    return Outcome(
        "violation", q, "F_a = F_b on R^n0, but a and b are not equivalent under permutations and rescalings"
    )


def equal_implies_equivalent_nonzero(case: Case) -> Outcome:
    """(g) :func:`equal_implies_equivalent` for pairs whose weights and biases are all nonzero — false.

    Why it is false: twin neurons whose outgoing weights cancel contribute nothing, whatever their common
    incoming vector. The search's smallest refutation (pinned in
    ``tests/identifiability/test_hidden_symmetries.py``), widths (1, 2, 1), every parameter ±1:
    a = −relu(−x − 1) + relu(−x − 1) − 1 and b = −relu(−x + 1) + relu(−x + 1) − 1 both compute −1. An opposite
    pair carries a linear piece, and a linear piece can be shifted: relu(x + 1) − relu(−x − 1) − 1 = x =
    relu(x − 1) − relu(1 − x) + 1 is another (1, 2, 1) refutation with every parameter ±1 (below).

    Examples
    --------
    >>> from relugeom.core.network import Network
    >>> a = Network.from_layers([([[1], [-1]], [1, -1]), ([[1, -1]], [-1])])
    >>> b = Network.from_layers([([[1], [-1]], [-1, 1]), ([[1, -1]], [1])])
    >>> out = equal_implies_equivalent_nonzero(Case(a, ((0,), (2,), (-3,)), other=b))
    >>> out.status, out.quantities["functionally_equal"], out.quantities["equivalent"]
    ('violation', True, False)
    """
    for net in (case.net, case.other):
        if net is not None and any(v == 0 for v in net.parameters()):
            return Outcome("degenerate", {}, "a parameter is zero: outside the hypothesis")
    return equal_implies_equivalent(case)


def deficit_explained(case: Case) -> Outcome:
    """(h) "every CFFD deficit is explained by the named mechanisms" — what does the search find?

    :func:`relugeom.explain_deficit` on the regions of R^{n0}: a violation is a network whose deficit
    (N − H) − CFFD keeps an ``unexplained`` part after the nine mechanisms. A network without a region
    (every input degenerate) is outside the statement.

    The search's answer (pinned in ``tests/identifiability/test_hidden_symmetries.py``): nothing in the whole
    {−1, 0, 1} grids of (1,1,1), (1,2,1), (2,1,1) and (1,1,1,1) nor in 100 random networks of each (3,640
    cases); the first network left with an unexplained direction has widths (1, 2, 1, 1) and shrinks to
    F = relu(relu(−x) + relu(x − 1) − 1). The last hidden neuron is active only for
    x < −1 and x > 2, where the first-layer neurons take turns: relu(−x) alone on the left, relu(x − 1) alone
    on the right. Shifting both first-layer biases by t and the next bias by −t leaves F unchanged, although
    neither neuron is dead, always active, or active wherever it matters: a *turn-taking translation*, a
    hidden symmetry none of the named mechanisms covers (CFFD 5 < N − H = 6).

    Examples
    --------
    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[-1], [1]], [0, -1]), ([[1, 1]], [-1]), ([[1]], [0])])
    >>> out = deficit_explained(Case(net, ((0,),)))
    >>> out.status, out.quantities["deficit"], out.quantities["unexplained"]
    ('violation', 1, 1)
    """
    try:
        ex = explain_deficit(case.net)
    except LimitReached:
        raise
    except RelugeomError as err:  # no region: every input degenerate
        return Outcome("degenerate", {}, f"outside the statement: {err}")
    q = {
        "cffd": ex.rank,
        "N_minus_H": ex.num_params - ex.num_hidden,
        "deficit": ex.deficit,
        "explained": ex.explained,
        "unexplained": ex.unexplained_dimension,
        "mechanisms": {m.name: m.dimension for m in ex.mechanisms},
    }
    if ex.unexplained_dimension:
        return Outcome("violation", q, f"{ex.unexplained_dimension} of the deficit {ex.deficit} is not explained")
    return Outcome("ok", q)


#: one sample suffices (the CFFD does not depend on X); from the smallest shapes up
CFFD_SIZES = (
    ((1, 1, 1), 1),
    ((1, 2, 1), 1),
    ((2, 1, 1), 1),
    ((1, 1, 1, 1), 1),
    ((1, 2, 1, 1), 1),
    ((1, 1, 2, 1), 1),
    ((2, 2, 1), 1),
)

#: the deficit hunt goes on past CFFD_SIZES: two hidden layers, wider, then two inputs
DEFICIT_SIZES = (((1, 2, 2, 1), 1), ((1, 3, 1), 1), ((2, 2, 2, 1), 1), ((1, 3, 3, 1), 1), ((2, 3, 2, 1), 1))

CONJECTURES: dict[str, Conjecture] = {
    c.name: c
    for c in (
        Conjecture(
            "float-rank",
            "numpy.linalg.matrix_rank of the float64 Jacobian J(θ, X) equals the exact BFD(θ, X).",
            float_rank,
            expected="false",
            sizes=(((1, 1, 1), 1), ((1, 1, 1), 2), ((1, 1, 1), 3), ((1, 2, 1), 2), ((1, 2, 1), 3)),
            random_cases=300,
            random_family=LogRandomFamily,
            random_options={"max_exponent": 60},
        ),
        Conjecture(
            "no-dead-full-rank",
            "If no hidden neuron is inactive on every sample of X, then BFD(θ, X) = min(n·n_L, N − H).",
            no_dead_full_rank,
            expected="false",
        ),
        Conjecture(
            "patterns-determine-bfd",
            "BFD(θ, X) is determined by the activation patterns of θ on X: a θ' with the same patterns "
            "has the same BFD.",
            patterns_determine_bfd,
            expected="false",
        ),
        Conjecture(
            "symmetry-invariance",
            "BFD(θ, X) is invariant under neuron permutations and positive rescalings of θ (theorem T1).",
            t1_check,
            expected="true",
        ),
        Conjecture(
            "cffd-full",
            "If no hidden neuron is inactive on all of R^n0, then CFFD(θ) = N − H.",
            cffd_full,
            expected="false",
            sizes=CFFD_SIZES,
            random_cases=100,
        ),
        Conjecture(
            "cffd-full-nonzero",
            "If every weight is nonzero and no hidden neuron is inactive on all of R^n0, then CFFD(θ) = N − H.",
            cffd_full_nonzero,
            expected="false",
            sizes=CFFD_SIZES,
            random_cases=100,
        ),
        Conjecture(
            "equal-implies-equivalent",
            "If two networks compute the same function on R^n0, they are equivalent under neuron permutations "
            "and positive rescalings.",
            equal_implies_equivalent,
            expected="false",
            sizes=(((1, 1, 1), 3), ((2, 1, 1), 3)),
            random_cases=0,
            max_grid=20_000,
            pairs=True,
            symmetric=True,
        ),
        Conjecture(
            "equal-implies-equivalent-nonzero",
            "If two networks with all parameters nonzero compute the same function on R^n0, they are "
            "equivalent under neuron permutations and positive rescalings.",
            equal_implies_equivalent_nonzero,
            expected="false",
            sizes=(((1, 1, 1), 3), ((1, 2, 1), 3)),
            grid_values=(-1, 1),
            random_cases=0,
            max_grid=20_000,
            pairs=True,
            symmetric=True,
        ),
        Conjecture(
            "deficit-explained",
            "Every CFFD deficit (N − H) − CFFD is explained by the named mechanisms of explain_deficit.",
            deficit_explained,
            expected="false",
            sizes=CFFD_SIZES + DEFICIT_SIZES,
            random_cases=100,
        ),
    )
}
