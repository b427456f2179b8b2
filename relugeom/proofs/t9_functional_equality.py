"""T9 (ours): exact functional equality is symmetric, implied by equivalence, and its witness separates.

Statement
---------
For networks a, b with the same input width n0 and output width n_L (hidden widths and depths free), let
``functionally_equal(a, b, box)`` (:mod:`relugeom.identifiability.equality`) decide F_a = F_b on R^{n0}
(box None) or on a box. Then

(i) it is symmetric: ``functionally_equal(a, b)`` and ``functionally_equal(b, a)`` agree;
(ii) it is implied by equivalence: a and any ``random_symmetry(a, seed)`` (neuron permutations and
     positive rescalings) are equal;
(iii) a returned witness w separates: F_a(w) ≠ F_b(w), exactly, by the networks' own forward passes (and
      w lies in the box when a box was given);
(iv) equality on R^{n0} implies equality on every box.

Proof (in our words)
--------------------
The function answers "equal" iff the side-by-side network G = F_a − F_b has the zero affine map on every
activation region of the domain; since G is continuous and the regions' union is dense in the domain,
that holds iff G = 0 on the domain, i.e. iff F_a = F_b there. (i) F_b − F_a = −G, and −G = 0 iff G = 0.
(ii) relu(λz) = λ relu(z) for λ > 0, so a rescaling of neuron (k, i) (row i of W[k] and b[k][i] times λ,
column i of W[k+1] divided by λ) leaves every later pre-activation, hence F, unchanged; a permutation of a
layer's neurons with the matching permutation of the next map's columns only reorders a sum. So
F_{random_symmetry(a)} = F_a everywhere. (iii) The witness is returned only after the exact forward passes
of a and b at it differ. (iv) A box is a subset of R^{n0}: if F_a = F_b everywhere, then on the box. ∎

The check also tests what the statement implies on the case's batch X: "equal on R^{n0}" must give
F_a(x) = F_b(x) on every sample (an independent test of the "equal" answers). It builds two partners b of
a = the case's network: ``random_symmetry(a, seed)`` and :func:`changed_parameter` (a with one parameter
moved by a rule of the case's seed); the latter is equal to a now and then (a parameter that does not
reach the output, e.g. an outgoing weight of a dead neuron), which the quantities count. Boxes: [−1, 1]^{n0}
and a box beside the first sample of X. No case is degenerate.

Measured (one core): default run 81 + 128 + 243 + 30 + 30 cases in about 3 s, no violation; the changed
parameter keeps the function in 21 of the 81 (1,1,1) cases, 0 of 128 (1,2,1) over {−1, 1}, 52 of 243
(2,1,1), 0 of 30 random (2,2,1) and 4 of 30 random (1,2,2,1). Exhaustive run (13 s): 626 of 2187 (1,2,1)
over {−1, 0, 1}, 5 of 200 random (2,2,1), 38 of 200 random (1,2,2,1).

Examples
--------
>>> import relugeom as rg
>>> from relugeom.search.families import Case
>>> net = rg.Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> out = check(Case(net, (("-1",), ("1/2",), ("2",)), seed=3))
>>> out.status, out.quantities["changed_equal"], out.quantities["changed_witness"]
('ok', False, ['1'])

The check can fail: a comparison that says "equal" without looking is caught by the batch.

>>> from relugeom.identifiability.equality import Equality
>>> def careless(a, b, box=None):
...     return Equality(True, None, None, None, 0, None, "did not look", a.input_dim)
>>> other = rg.Network.from_layers([([[1], [1]], [0, -1]), ([[1, 2]], [0])])
>>> judge(net, other, (("2",),), compare=careless)
['equal on R^1 but F_a(2) = 3 ≠ F_b(2) = 4']
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable, Sequence

from relugeom.core.forward import forward
from relugeom.core.network import Network
from relugeom.identifiability.equality import Equality, functionally_equal
from relugeom.search.families import Case, GridFamily, Outcome, RandomFamily, default_batch
from relugeom.symmetry import random_symmetry

from .toy_families import RANDOM_PARAMETERS

__all__ = ["NAME", "TITLE", "check", "families", "judge", "changed_parameter", "boxes_for"]

NAME = "T9"
TITLE = "functional equality is symmetric, implied by equivalence, its witness separates, R^n0 ⇒ box (ours)"

Compare = Callable[..., Equality]


def changed_parameter(net: Network, seed: int) -> tuple[Network, int]:
    """``net`` with one parameter moved: index ``seed mod N``, by ±1, ±1/2 or ±1/3 (from ``seed // N``).

    Examples
    --------
    >>> net = Network.from_layers([([[1]], [0]), ([[2]], [0])])
    >>> other, index = changed_parameter(net, 5)
    >>> index, [str(v) for v in other.parameters()]
    (1, ['1', '1/2', '2', '0'])
    """
    params = list(net.parameters())
    n = len(params)
    index, rest = seed % n, seed // n
    step = Fraction(1, 1 + rest % 3) * (1 if (rest // 3) % 2 == 0 else -1)
    params[index] += step
    return Network.from_parameters(net.widths, params), index


def boxes_for(X: Sequence[Sequence[Fraction]], n0: int) -> list[tuple[tuple[Fraction, Fraction], ...]]:
    """The boxes of statement (iv): [−1, 1]^{n0} and [x_j − 1/2, x_j + 3/2] around the first sample x.

    >>> [[tuple(map(str, p)) for p in box] for box in boxes_for([(Fraction(2),)], 1)]
    [[('-1', '1')], [('3/2', '7/2')]]
    """
    first = tuple((Fraction(-1), Fraction(1)) for _ in range(n0))
    x = [Fraction(v) for v in X[0]] if X else [Fraction(0)] * n0
    return [first, tuple((v - Fraction(1, 2), v + Fraction(3, 2)) for v in x)]


def _fwd(net: Network, x: Sequence[Fraction]) -> tuple[Fraction, ...]:
    return tuple(Fraction(v) for v in forward(net, [list(x)])[0])


def _vec(v: Sequence[Fraction]) -> str:
    return ", ".join(str(t) for t in v)


def _witness_problems(first: Network, second: Network, res: Equality, what: str) -> list[str]:
    """Statement (iii) for one "not equal" answer about (first, second)."""
    w = res.witness
    if w is None:
        return [f"{what}: 'not equal' without a witness"]
    problems = []
    fa, fb = _fwd(first, w), _fwd(second, w)
    if fa == fb:
        problems.append(f"{what}: the witness ({_vec(w)}) does not separate: F_a = F_b = ({_vec(fa)})")
    if (tuple(res.value_a or ()), tuple(res.value_b or ())) != (fa, fb):
        problems.append(f"{what}: the reported values at ({_vec(w)}) are not the networks' outputs")
    if res.box is not None and not all(lo <= v <= hi for v, (lo, hi) in zip(w, res.box)):
        problems.append(f"{what}: the witness ({_vec(w)}) lies outside the box {res.domain}")
    return problems


def judge(
    a: Network,
    b: Network,
    X: Sequence[Sequence[Any]],
    boxes: Sequence[Any] = (),
    compare: Compare = functionally_equal,
    expect_equal: bool = False,
) -> list[str]:
    """The problems found with statements (i), (iii), (iv) (and (ii) with ``expect_equal``) for (a, b).

    ``compare`` replaces :func:`functionally_equal` (to show that the check can fail).
    """
    X = [tuple(Fraction(v) for v in x) for x in X]
    ab, ba = compare(a, b), compare(b, a)
    problems = []
    n0 = a.input_dim
    if ab.equal != ba.equal:
        problems.append(f"not symmetric on R^{n0}: (a, b) gives {ab.equal}, (b, a) gives {ba.equal}")
    if expect_equal and not ab.equal:
        problems.append(f"a and an equivalent network are reported not equal on R^{n0}")
    if ab.equal:
        for x in X:
            fa, fb = _fwd(a, x), _fwd(b, x)
            if fa != fb:
                problems.append(f"equal on R^{n0} but F_a({_vec(x)}) = {_vec(fa)} ≠ F_b({_vec(x)}) = {_vec(fb)}")
    else:
        problems += _witness_problems(a, b, ab, f"R^{n0} (a, b)")
    if not ba.equal:
        problems += _witness_problems(b, a, ba, f"R^{n0} (b, a)")
    for box in boxes:
        on_box = compare(a, b, box)
        if ab.equal and not on_box.equal:
            problems.append(f"equal on R^{n0} but not on the box {on_box.domain}")
        if not on_box.equal:
            problems += _witness_problems(a, b, on_box, f"box {on_box.domain}")
    return problems


def check(case: Case) -> Outcome:
    """Statements (i)–(iv) for a = the case's network against random_symmetry(a) and a changed parameter."""
    a, X = case.net, case.inputs
    boxes = boxes_for(X, a.input_dim)
    twin = random_symmetry(a, seed=case.seed % 2**32)
    changed, index = changed_parameter(a, case.seed)
    problems = judge(a, twin, X, boxes, expect_equal=True)
    problems += judge(a, changed, X, boxes)
    res = functionally_equal(a, changed)
    q = {
        "changed_index": index,
        "changed_equal": res.equal,
        "changed_witness": None if res.witness is None else [str(v) for v in res.witness],
        "regions": res.regions,
    }
    return Outcome("violation", q, "; ".join(problems)) if problems else Outcome("ok", q)


def families(exhaustive: bool) -> list:
    """Small grids over {−1, 0, 1} and random rational nets with two hidden layers.

    Exhaustive: (1,1,1) (81), (1,2,1) (2187) and (2,1,1) (243) over {−1, 0, 1}, and 200 random (2,2,1)
    and (1,2,2,1) nets. Default: (1,1,1) and (2,1,1) over {−1, 0, 1}, (1,2,1) over {−1, 1} (128), and 30
    random nets of each shape.
    """
    count = 200 if exhaustive else 30
    randoms = [
        RandomFamily((2, 2, 1), num_samples=3, count=count, seed=91, **RANDOM_PARAMETERS),
        RandomFamily((1, 2, 2, 1), num_samples=3, count=count, seed=92, **RANDOM_PARAMETERS),
    ]
    grids = [
        GridFamily((1, 1, 1), (-1, 0, 1), default_batch(1, 3)),
        GridFamily((1, 2, 1), (-1, 0, 1) if exhaustive else (-1, 1), default_batch(1, 3)),
        GridFamily((2, 1, 1), (-1, 0, 1), default_batch(2, 3)),
    ]
    return grids + randoms
