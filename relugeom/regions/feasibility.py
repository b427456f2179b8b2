"""Exact strict feasibility of open polyhedra ``P = {x ∈ Q^d : A x < b}``, and their boundedness.

The input is parsed by :mod:`relugeom.regions.parsing` (exact ``int``/``Fraction`` entries, floats
refused, every row rewritten with coprime integers); facets are in :mod:`relugeom.regions.facets`.

How :func:`strict_feasibility` decides (a float is only ever a guide):

1. **trivial**: rows ``0·x < b_i`` are decided on their own; ``d = 0`` or no constraint left is feasible.
2. **guided**: a float LP (HiGHS through :mod:`relugeom.regions.lp`) finds a Chebyshev centre ``x`` with radius
   ``s`` for the rows scaled by their largest entry. If ``s > 0``, a point with small denominators
   inside the float ball (the simplest rationals in a box around ``x``), or else ``x`` itself at its
   exact binary value, is checked against ``A x < b`` in exact integer arithmetic.
3. **dual**: if ``s <= 0``, the constraints carrying the float LP's dual form a support ``S``; the
   exact null space of ``A_S^T`` (FLINT) is computed and, when it is a single ray that can be signed
   ``y >= 0`` with ``b·y <= 0``, ``y`` is an exact Farkas certificate.

   If neither check succeeds (typically a region thinner than HiGHS's 1e-7 tolerances), the LP is
   solved again around the last float point with the *exact* residuals magnified (iterative
   refinement, at most ``_REFINE_ROUNDS`` rounds), and steps 2-3 are retried.
4. **simplex**: otherwise an exact rational simplex decides (fraction-free integer tableau on FLINT
   matrices; Dantzig's rule switching to Bland's rule on degenerate streaks, so it cannot cycle). It
   runs by constraint generation, seeded with the float support ``S`` when there is one: an infeasible
   working set certifies the whole system; rows violated by its point join the set.

No answer relies on a tolerance: a feasible answer carries a point ``x`` with ``A x < b`` exactly, an
infeasible one a certificate ``y`` for the alternative of Motzkin's transposition theorem (in its
Gordan/Farkas form for one strict system): ``A x < b`` has no solution iff there is ``y >= 0``,
``y != 0`` with ``A^T y = 0`` and ``b·y <= 0``. Both are re-checked by :meth:`Feasibility.verify`.

Examples
--------
>>> square = [[1, 0], [-1, 0], [0, 1], [0, -1]]            # 0 < x < 1, 0 < y < 1
>>> res = strict_feasibility(square, [1, 0, 1, 0])
>>> res.feasible, res.point, res.verify(square, [1, 0, 1, 0])
(True, (Fraction(1, 2), Fraction(1, 2)), True)
>>> res = strict_feasibility([[1], [-1]], [0, 0])           # x < 0 and x > 0
>>> res.feasible, res.certificate
(False, (Fraction(1, 1), Fraction(1, 1)))
>>> is_bounded(square, [1, 0, 1, 0])
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NamedTuple, Sequence

import flint
import numpy as np

from ..exceptions import RelugeomError, ShapeError
from ..numbers import simplest_rational
from .lp import chebyshev
from .parsing import (
    PrimitiveSystem,
    common_denominator,
    exact_entry,
    fraction_system,
    int_dot,
    parse_system,
    strictly_inside,
)
from .simplex import exact_simplex

__all__ = [
    "Feasibility",
    "strict_feasibility",
    "is_bounded",
    "float_strict_feasibility",
    "decide",
]

#: Relative threshold below which a float dual value is taken as zero (it only chooses a support).
DUAL_SUPPORT_THRESHOLD = 1e-9
#: Entries with at most this many bits are converted to float64 in one numpy call.
_NUMPY_FLOAT_BITS = 1000
#: Rounds of iterative refinement of the float LP for regions thinner than the float tolerances.
_REFINE_ROUNDS = 2
#: Magnified right-hand sides are clipped to ±_CLIP (far constraints do not matter locally).
_CLIP = 1e9


def _certificate_in_original_scale(
    sys: PrimitiveSystem, support: Sequence[int], y: Sequence[int]
) -> tuple[Fraction, ...]:
    """Map a certificate of the primitive rows (on ``support``) to the caller's rows, as coprime integers."""
    # original row i = num_i/den_i · primitive row i, so y_i(original) = y_i · den_i / num_i
    L = 1
    for i in support:
        L = math.lcm(L, sys.scale[i][0])
    full = [0] * len(sys.rows)
    for i, yi in zip(support, y):
        num, den = sys.scale[i]
        full[i] = yi * den * (L // num)
    g = math.gcd(*full) or 1
    return tuple(Fraction(v // g) for v in full)


# -------------------------------------------------------------------------------------- result type
@dataclass(frozen=True)
class Feasibility:
    """The exact answer to "is ``{x : A x < b}`` non-empty?", with its proof.

    Attributes
    ----------
    feasible : bool
        Whether the open polyhedron is non-empty.
    point : tuple of Fraction or None
        When feasible: a point with ``A·point < b`` exactly.
    certificate : tuple of Fraction or None
        When infeasible: ``y`` of length m with ``y >= 0``, ``y != 0``, ``A^T y = 0`` and ``b·y <= 0``
        (Motzkin's transposition theorem), scaled to coprime integers.
    route : str
        How it was decided: ``"trivial"``, ``"guided"`` (float LP point verified exactly), ``"dual"``
        (Farkas certificate built exactly on the float dual's support) or ``"simplex"`` (exact simplex).

    Examples
    --------
    >>> res = strict_feasibility([[1], [-1]], [1, 1])
    >>> res.feasible, res.route, res.verify([[1], [-1]], [1, 1])
    (True, 'guided', True)
    >>> Feasibility(True, (Fraction(2),), None, "made up").verify([[1], [-1]], [1, 1])
    False
    """

    feasible: bool
    point: tuple[Fraction, ...] | None
    certificate: tuple[Fraction, ...] | None
    route: str

    def verify(self, A: Any, b: Any) -> bool:
        """Re-check the point or the certificate exactly (plain Fractions), whatever the route.

        Parameters
        ----------
        A, b : nested sequence, sequence
            The system the answer is about.

        Returns
        -------
        bool
            True iff the answer is proved by its point (feasible) or certificate (infeasible).

        Examples
        --------
        >>> strict_feasibility([[0, 1]], [-2]).verify([[0, 1]], [-2])
        True
        """
        rows, rhs, d = fraction_system(A, b)
        if self.feasible:
            if self.point is None or self.certificate is not None:
                return False
            x = [Fraction(exact_entry(v, "point")) for v in self.point]
            if rows and len(x) != d:
                return False
            return all(sum((a * v for a, v in zip(r, x)), Fraction(0)) < q for r, q in zip(rows, rhs))
        y = self.certificate
        if y is None or self.point is not None or len(y) != len(rows):
            return False
        y = [Fraction(exact_entry(v, "certificate")) for v in y]
        if any(v < 0 for v in y) or not any(y):
            return False
        if any(sum((r[j] * v for r, v in zip(rows, y)), Fraction(0)) != 0 for j in range(d)):
            return False
        return sum((q * v for q, v in zip(rhs, y)), Fraction(0)) <= 0


def _internal(message: str) -> RelugeomError:
    return RelugeomError(f"internal error in relugeom.regions.feasibility: {message}; please report it")


# --------------------------------------------------------------------------------------- float guide
def _normalised_float(
    rows: Sequence[Sequence[int]], rhs: Sequence[int]
) -> tuple[np.ndarray, np.ndarray, list[int]] | None:
    """Rows and right-hand sides divided by the rows' largest |entry| (returned too), in float64.

    None if a right-hand side does not fit in a float.
    """
    maxes = [max(map(abs, r)) for r in rows]
    big = max(max(m.bit_length() for m in maxes), max(abs(q).bit_length() for q in rhs))
    if big <= _NUMPY_FLOAT_BITS:
        M = np.array(maxes, dtype=np.float64)
        A = np.array(rows, dtype=np.float64) / M[:, None]
        bb = np.array(rhs, dtype=np.float64) / M
        return A, bb, maxes
    try:  # int / int is correctly rounded; only the ratio has to fit in a float
        A = np.array([[v / m for v in r] for r, m in zip(rows, maxes)], dtype=np.float64)
        bb = np.array([q / m for q, m in zip(rhs, maxes)], dtype=np.float64)
    except OverflowError:
        return None
    return A, bb, maxes


class _ChebyshevLP(NamedTuple):
    x: np.ndarray
    s: float
    duals: np.ndarray  # |dual value| per constraint


def _chebyshev_lp(A: np.ndarray, bb: np.ndarray) -> _ChebyshevLP | None:
    """max s s.t. A x + ‖A_i‖ s <= b, s <= 1 (x, s free): always feasible and bounded (HiGHS, :mod:`.lp`)."""
    try:
        res = chebyshev(A, bb)
    except (ValueError, ArithmeticError):
        return None
    if res.status != "optimal" or res.x is None or not np.all(np.isfinite(res.x)):
        return None
    return _ChebyshevLP(np.asarray(res.x, dtype=np.float64), res.radius, np.abs(res.duals))


def _guided_point(rows, rhs, x: np.ndarray, s: float) -> tuple[Fraction, ...] | None:
    """An exact point of ``A x < b`` near the float centre ``x`` (radius ``s``), or None."""
    d = len(x)
    r = min(s, 1.0) / (4.0 * math.sqrt(d))
    simple = []
    for v in x.tolist():
        ln, ld = (v - r).as_integer_ratio()
        hn, hd = (v + r).as_integer_ratio()
        q = simplest_rational(Fraction(ln, ld), Fraction(hn, hd))
        simple.append((q.numerator, q.denominator))
    for cand in (simple, [v.as_integer_ratio() for v in x.tolist()]):
        nums, den = common_denominator(cand)
        if strictly_inside(rows, rhs, nums, den):
            return tuple(Fraction(p, q) for p, q in cand)
    return None


def _dual_ray(rows, rhs, support: Sequence[int], d: int) -> list[int] | None:
    """The exact ray ``y >= 0`` of ``null(A_S^T)`` with ``b_S·y <= 0`` when the null space is a line."""
    k = len(support)
    if not d or not k:
        return None
    X, nullity = flint.fmpz_mat([[rows[i][j] for i in support] for j in range(d)]).nullspace()
    if nullity != 1:
        return None
    y = [int(X[i, 0]) for i in range(k)]
    if all(v <= 0 for v in y):
        y = [-v for v in y]
    elif not all(v >= 0 for v in y):
        return None
    g = math.gcd(*y)
    if g == 0:
        return None
    y = [v // g for v in y]
    if sum(rhs[i] * v for i, v in zip(support, y)) > 0:
        return None
    if any(sum(rows[i][j] * v for i, v in zip(support, y)) for j in range(d)):
        raise _internal("FLINT null-space vector is not in the null space")
    return y


def _ratio(num: int, den: int) -> float:
    """``num / den`` as a float for ranking only (``inf`` when it does not fit)."""
    try:
        return num / den
    except OverflowError:
        return math.inf


def _simplex_decide(sys: PrimitiveSystem, active: Sequence[int], seed: Sequence[int] | None = None) -> Feasibility:
    """Decide exactly with the simplex, by constraint generation over the rows ``active``.

    The simplex runs on a working set (``seed``, or the first ``2d + 2`` rows): an infeasible working
    set certifies the whole system; a point of it that violates other rows adds them, until the point
    satisfies every row (at most ``d + 1`` of the most violated rows join per round). The working set
    grows at each round, so this ends.
    """
    d = sys.d
    work = list(dict.fromkeys(seed)) if seed else list(active[: 2 * d + 2])
    in_work = set(work)
    while True:
        rows = [sys.rows[i] for i in work]
        rhs = [sys.rhs[i] for i in work]
        feasible, out = exact_simplex(rows, rhs, d)
        if not feasible:
            y = out
            if (
                any(v < 0 for v in y)
                or not any(y)
                or any(sum(r[j] * v for r, v in zip(rows, y)) for j in range(d))
                or sum(q * v for q, v in zip(rhs, y)) > 0
            ):
                raise _internal("the exact simplex dual is not a certificate")
            return Feasibility(False, None, _certificate_in_original_scale(sys, work, y), "simplex")
        nums, den = common_denominator([(v.numerator, v.denominator) for v in out])
        if not strictly_inside(rows, rhs, nums, den):
            raise _internal("the exact simplex point is not strictly inside")
        violation = []
        for i in active:
            if i not in in_work:
                excess = int_dot(sys.rows[i], nums) - sys.rhs[i] * den
                if excess >= 0:
                    violation.append((_ratio(excess, den * sum(map(abs, sys.rows[i]))), i))
        if not violation:
            return Feasibility(True, tuple(out), None, "simplex")
        violation.sort(reverse=True)  # the most violated first (a heuristic: any choice is correct)
        added = [i for _, i in violation[: d + 1]]
        work.extend(added)
        in_work.update(added)


# ------------------------------------------------------------------------------------ feasibility
def decide(sys: PrimitiveSystem, guide: bool) -> Feasibility:
    """:func:`strict_feasibility` of an already parsed system (``guide``: use the float LP first)."""
    m, d = len(sys.rows), sys.d
    active = []
    for i, (r, q) in enumerate(zip(sys.rows, sys.rhs)):
        if any(r):
            active.append(i)
        elif q <= 0:
            cert = tuple(Fraction(int(j == i)) for j in range(m))
            return Feasibility(False, None, cert, "trivial")
    if d == 0 or not active:
        return Feasibility(True, (Fraction(0),) * d, None, "trivial")
    seed = None
    if guide:
        res, seed = _guided(sys, active)
        if res is not None:
            return res
    return _simplex_decide(sys, active, seed)


def _refined_rhs(
    rows, rhs, maxes: Sequence[int], center: Sequence[Fraction], margin: float
) -> tuple[np.ndarray, int] | None:
    """Right-hand sides of the Chebyshev LP re-centred at ``center`` and magnified by ``2^-E``.

    The residuals ``b_i − a_i·center`` are exact; divided by ``max|a_i|`` they are the (signed)
    distances the float LP sees. ``2^E`` is the scale of the largest violation or of ``|margin|`` (of the
    smallest positive slack when both are 0: the centre is on the boundary), so a region thinner than
    the float tolerances becomes wide enough to be seen. Returns ``(b̂, E)``.
    """
    nums, den = common_denominator([(c.numerator, c.denominator) for c in center])
    res = [q * den - int_dot(r, nums) for r, q in zip(rows, rhs)]  # den · residual
    worst = max([0.0] + [-_ratio(v, m * den) for v, m in zip(res, maxes) if v < 0])
    scale = max(worst, abs(margin))
    if scale == 0:  # the centre sits on the boundary of a region too thin to see: zoom to its slacks
        scale = min([math.inf] + [_ratio(v, m * den) for v, m in zip(res, maxes) if v > 0])
    if not 0 < scale < math.inf:
        return None
    E = math.frexp(scale)[1]  # 2^E >= scale
    out = []
    for v, m in zip(res, maxes):
        q = _ratio(v << -E, m * den) if E <= 0 else _ratio(v, (m * den) << E)
        out.append(min(max(q, -_CLIP), _CLIP))
    return np.array(out, dtype=np.float64), E


def _exact_point_near(rows, rhs, center: Sequence[Fraction], radius: float) -> tuple[Fraction, ...] | None:
    """Like :func:`_guided_point` for an exact centre and an absolute float radius."""
    r = Fraction(radius) / (4 * math.isqrt(len(center)) + 4) if radius > 0 else Fraction(0)
    simple = []
    for c in center:
        lo, hi = c - r, c + r
        q = simplest_rational(lo, hi)
        simple.append((q.numerator, q.denominator))
    for cand in (simple, [(c.numerator, c.denominator) for c in center]):
        nums, den = common_denominator(cand)
        if strictly_inside(rows, rhs, nums, den):
            return tuple(Fraction(p, q) for p, q in cand)
    return None


def _guided(sys: PrimitiveSystem, active: list[int]) -> tuple[Feasibility | None, list[int] | None]:
    """The float-guided routes; on failure ``(None, seed)`` with the float LP's last support (or None).

    Round 0 is the Chebyshev LP of the rows. If neither its point nor its dual proves anything, up to
    ``_REFINE_ROUNDS`` rounds of iterative refinement re-solve it around the last float point with the
    exact residuals magnified (:func:`_refined_rhs`), which resolves regions thinner than HiGHS's
    tolerances. Every answer is checked exactly before it is returned.
    """
    rows = [sys.rows[i] for i in active]
    rhs = [sys.rhs[i] for i in active]
    normalised = _normalised_float(rows, rhs)
    if normalised is None:
        return None, None
    A, bb, maxes = normalised
    lp = _chebyshev_lp(A, bb)
    center: list[Fraction] | None = None  # round 0: the LP's own coordinates
    E = 0
    seed = None
    for round_ in range(_REFINE_ROUNDS + 1):
        if lp is None:
            break
        top = float(lp.duals.max()) if len(lp.duals) else 0.0
        support = np.flatnonzero(lp.duals > DUAL_SUPPORT_THRESHOLD * top).tolist() if top > 0 else []
        seed = [active[k] for k in support] or seed
        if lp.s > 0:
            if center is None:
                point = _guided_point(rows, rhs, lp.x, lp.s)
            else:
                shifted = [c + Fraction(v) * Fraction(2) ** E for c, v in zip(center, lp.x.tolist())]
                point = _exact_point_near(rows, rhs, shifted, math.ldexp(min(lp.s, 1.0), E))
            if point is not None:
                return Feasibility(True, point, None, "guided"), seed
        elif support:
            y = _dual_ray(rows, rhs, support, sys.d)
            if y is not None:
                cert = _certificate_in_original_scale(sys, [active[k] for k in support], y)
                return Feasibility(False, None, cert, "dual"), seed
        if round_ == _REFINE_ROUNDS:
            break
        step = Fraction(2) ** E
        base = [Fraction(0)] * sys.d if center is None else center
        center = [c + Fraction(v) * step for c, v in zip(base, lp.x.tolist())]
        refined = _refined_rhs(rows, rhs, maxes, center, math.ldexp(lp.s, E))
        if refined is None:
            break
        bb, E = refined
        lp = _chebyshev_lp(A, bb)
    return None, seed


def strict_feasibility(A: Any, b: Any, *, guide: bool = True) -> Feasibility:
    """Decide exactly whether ``{x : A x < b}`` is non-empty, with a point or a certificate.

    Parameters
    ----------
    A : nested sequence or array, m × d, of int or Fraction
        A numpy array of shape ``(0, d)`` gives the dimension of a system without rows (a list ``[]``
        is taken as ``d = 0``).
    b : sequence of int or Fraction, length m
    guide : bool, default True
        Use the float LP as a guide (verified exactly). ``False`` goes straight to the exact simplex
        (an independent computation, slower).

    Returns
    -------
    Feasibility
        ``.point`` (feasible) or ``.certificate`` (infeasible) proves the answer; ``.verify(A, b)``
        holds for every result.

    Raises
    ------
    ShapeError
        Ragged rows or ``len(b) != m``.
    NotExactError
        For float entries (also a ``TypeError``): convert them to Fractions first.

    Examples
    --------
    >>> tri = [[-1, 0], [0, -1], [1, 1]]                       # x > 0, y > 0, x + y < 1
    >>> res = strict_feasibility(tri, [0, 0, 1])
    >>> res.feasible, res.verify(tri, [0, 0, 1])
    (True, True)
    >>> res = strict_feasibility(tri, [0, 0, 0], guide=False)  # x > 0, y > 0, x + y < 0
    >>> res.feasible, res.certificate, res.route
    (False, (Fraction(1, 1), Fraction(1, 1), Fraction(1, 1)), 'simplex')
    """
    return decide(parse_system(A, b), guide)


# ---------------------------------------------------------------------------------- other decisions
def _nullspace_columns(M: flint.fmpz_mat) -> tuple[list[list[int]], int]:
    """Null space of M as an (ncols × k) integer list, and k."""
    X, k = M.nullspace()
    return [[int(X[i, j]) for j in range(k)] for i in range(M.ncols())], k


def is_bounded(A: Any, b: Any) -> bool:
    """Whether the **non-empty** open polyhedron ``{x : A x < b}`` is bounded (exact).

    ``P`` is bounded iff its recession cone ``{x : A x <= 0}`` is ``{0}``, iff the rows' cone is all of
    ``R^d``: ``rank A = d`` and some ``y > 0`` (every entry) has ``A^T y = 0``. With ``N`` a basis of
    ``null(A^T)`` the latter is the strict feasibility of ``N z > 0``.

    Parameters
    ----------
    A, b : as in :func:`strict_feasibility`
        ``P`` must be non-empty (check with :func:`strict_feasibility` first); ``b`` is not used beyond
        its shape.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_bounded([[-1, 0], [0, -1], [1, 1]], [0, 0, 1])      # a triangle
    True
    >>> is_bounded([[1, 0], [-1, 0]], [1, 1])                    # a strip
    False
    """
    sys = parse_system(A, b)
    d, m = sys.d, len(sys.rows)
    if d == 0:
        return True
    if m < d + 1:
        return False
    M = flint.fmpz_mat([[r[j] for r in sys.rows] for j in range(d)])  # A^T, d × m
    N, k = _nullspace_columns(M)
    if m - k < d or k == 0:
        return False
    return strict_feasibility([[-v for v in row] for row in N], [0] * m).feasible


def float_strict_feasibility(A: Any, b: Any, tol: float = 1e-9) -> np.ndarray | None:
    """The plain float64 test (a baseline): the Chebyshev-centre LP, nothing exact.

    Parameters
    ----------
    A, b : array-like of numbers (floats allowed)
    tol : float
        The float radius must exceed ``tol`` (in units of the rows normalised by their max |entry|).

    Returns
    -------
    numpy.ndarray or None
        A float point (not verified), or None when the LP radius is at most ``tol``.

    Examples
    --------
    >>> float_strict_feasibility([[1.0], [-1.0]], [1.0, 0.0])
    array([0.5])
    >>> float_strict_feasibility([[1.0], [-1.0]], [0.0, 0.0]) is None
    True
    """
    A = np.asarray(A, dtype=np.float64)
    bb = np.asarray(b, dtype=np.float64).reshape(-1)
    if A.ndim != 2:
        A = A.reshape(len(bb), -1) if A.size else np.zeros((len(bb), 0))
    if A.shape[0] != len(bb):
        raise ShapeError(f"A has {A.shape[0]} rows but b has {len(bb)} entries; they must match")
    M = np.abs(A).max(axis=1) if A.shape[1] else np.zeros(len(bb))
    zero = M == 0
    if np.any(bb[zero] <= tol):
        return None
    A, bb, M = A[~zero], bb[~zero], M[~zero]
    d = A.shape[1]
    if len(bb) == 0 or d == 0:
        return np.zeros(d)
    lp = _chebyshev_lp(A / M[:, None], bb / M)
    if lp is None or not lp.s > tol:
        return None
    return lp.x
