"""Shrinking a counterexample: fewer neurons, outputs, input coordinates and samples, simpler numbers.

:func:`shrink` makes a violating :class:`~relugeom.search.families.Case` greedily smaller while the check
still says ``"violation"``: first the structural moves (one hidden neuron, output, input coordinate or
sample fewer), then every number replaced by a strictly simpler one (:func:`simpler_numbers`, simplest
first), repeated to a fixed point. A pair case (two networks a and b, :attr:`~relugeom.search.families.Case.other`)
loses hidden neurons of a and of b independently. :func:`relugeom.search.counterexamples.search` shrinks its first
violation this way.

Examples
--------
>>> [str(c) for c in simpler_numbers(Fraction(5, 3))]
['0', '1', '-1', '2', '3/2']
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Callable, Iterator

from ..core.network import Network
from ..exceptions import RelugeomError
from .families import Case, Outcome

__all__ = ["Check", "shrink", "shrink_with_steps", "simpler_numbers"]

#: A conjecture's check: ``"violation"`` refutes it on the case, ``"degenerate"`` puts the case outside it.
Check = Callable[[Case], Outcome]


def _key(v: Fraction) -> tuple[int, int, int]:
    """Complexity of a rational: height max(|p|, q), then q, then |p| (0 is the simplest)."""
    return (max(abs(v.numerator), v.denominator), v.denominator, abs(v.numerator))


def _floor_log2(a: Fraction) -> int:
    """⌊log2 a⌋ for a > 0, exactly."""
    e = a.numerator.bit_length() - a.denominator.bit_length()
    if Fraction(2) ** e > a:
        e -= 1
    elif Fraction(2) ** (e + 1) <= a:
        e += 1
    return e


def simpler_numbers(v: Any) -> list[Fraction]:
    """Candidates strictly simpler than ``v`` (height max(|p|, q), then q, then |p|), simplest first.

    0, ±1, the nearest integers, powers of two up to |v| (with v's sign), |v| rounded to 1–3 significant
    bits, halving, and the best approximations with smaller denominators.

    Examples
    --------
    >>> [str(c) for c in simpler_numbers(Fraction(7, 3))]
    ['0', '1', '-1', '2', '3', '5/2']
    >>> [str(c) for c in simpler_numbers(-12)]
    ['0', '-1', '1', '-2', '-4', '-6', '-8']
    >>> [str(c) for c in simpler_numbers(Fraction(3, 8))]
    ['0', '1', '-1', '1/2', '1/3', '1/4', '2/5']
    >>> simpler_numbers(0)
    []
    """
    v = Fraction(v)
    if v == 0:
        return []
    sign = 1 if v > 0 else -1
    a = abs(v)
    cands: set[Fraction] = {
        Fraction(0),
        Fraction(1),
        Fraction(-1),
        Fraction(round(v)),
        Fraction(math.floor(v)),
        Fraction(math.ceil(v)),
    }
    e = _floor_log2(a)
    for j in range(min(e, 0), max(e, 0) + 1):
        cands.add(sign * Fraction(2) ** j)
    for bits in (2, 3):  # |v| to `bits` significant bits (integers and dyadics)
        unit = Fraction(2) ** (e - bits + 1)
        cands.add(sign * round(a / unit) * unit)
    if v.denominator == 1:
        cands.add(Fraction(int(v) // 2) if v > 0 else -Fraction(int(-v) // 2))
    d = 1
    while d < v.denominator:
        cands.add(v.limit_denominator(d))
        d *= 2
    for d in range(2, min(v.denominator, 9)):
        cands.add(v.limit_denominator(d))
    k = _key(v)
    return sorted((c for c in cands if _key(c) < k), key=lambda c: (_key(c), (c < 0) != (v < 0)))


def _violates(check: Check, case: Case, memo: dict) -> bool:
    if len(set(case.inputs)) != len(case.inputs):
        return False
    other = None if case.other is None else (case.other.widths, case.other.parameters())
    key = (case.net.widths, case.net.parameters(), other, case.inputs)
    if key not in memo:
        try:
            memo[key] = check(case).status == "violation"
        except RelugeomError:  # DegeneratePointError and friends: not a confirmed violation
            memo[key] = False
    return memo[key]


def _without_output(net: Network, i: int) -> Network:
    W, b = list(net.weights), list(net.biases)
    W[-1], b[-1] = W[-1][:i] + W[-1][i + 1 :], b[-1][:i] + b[-1][i + 1 :]
    return Network(tuple(W), tuple(b))


def _without_input(net: Network, j: int) -> Network:
    W = list(net.weights)
    W[0] = tuple(row[:j] + row[j + 1 :] for row in W[0])
    return Network(tuple(W), net.biases)


def _hidden_removals(net: Network) -> Iterator[Network]:
    for k in range(net.num_layers - 1):
        if net.widths[k + 1] > 1:
            for i in range(net.widths[k + 1]):
                yield net.without_neuron(k, i)


def _structural_moves(case: Case) -> Iterator[Case]:
    """Smaller cases: one hidden neuron, output, input coordinate or sample fewer (in that order).

    For a pair case (``case.other`` is b) a hidden neuron is removed from a, or from b, independently (their
    hidden widths may come to differ); an output or an input coordinate is removed from both networks at
    once (and the input coordinate from every sample), so they keep the same input and output widths.
    """
    net, other = case.net, case.other
    for smaller in _hidden_removals(net):
        yield case.replace(net=smaller)
    if other is not None:
        for smaller in _hidden_removals(other):
            yield case.replace(other=smaller)
    if net.output_dim > 1:
        for i in range(net.output_dim):
            b = None if other is None else _without_output(other, i)
            yield case.replace(net=_without_output(net, i), other=b)
    if net.input_dim > 1:
        for j in range(net.input_dim):
            b = None if other is None else _without_input(other, j)
            X = tuple(x[:j] + x[j + 1 :] for x in case.inputs)
            yield case.replace(net=_without_input(net, j), inputs=X, other=b)
    if len(case.inputs) > 1:
        for i in range(len(case.inputs)):
            yield case.replace(inputs=case.inputs[:i] + case.inputs[i + 1 :])


def shrink_with_steps(check: Check, case: Case, max_steps: int = 1000) -> tuple[Case, int]:
    """:func:`shrink`, also returning the number of accepted moves."""
    memo: dict = {}
    if not _violates(check, case, memo):
        raise RelugeomError("shrink needs a case that violates the conjecture (check says 'violation')")
    steps = 0
    while steps < max_steps:
        before = case
        # structure first: restart the moves after each success (indices shift)
        progress = True
        while progress and steps < max_steps:
            progress = False
            for cand in _structural_moves(case):
                if _violates(check, cand, memo):
                    case, steps, progress = cand, steps + 1, True
                    break
        # then every number, one at a time, simplest candidate first: a's parameters, b's, the inputs
        for which in ("net", "other") if case.other is not None else ("net",):
            for p in range(getattr(case, which).num_params):
                for c in simpler_numbers(getattr(case, which).parameters()[p]):
                    if steps >= max_steps:
                        break
                    net = getattr(case, which)
                    params = list(net.parameters())
                    params[p] = c
                    cand = case.replace(**{which: Network.from_parameters(net.widths, params)})
                    if _violates(check, cand, memo):
                        case, steps = cand, steps + 1
                        break
        for i in range(len(case.inputs)):
            for j in range(case.net.input_dim):
                for c in simpler_numbers(case.inputs[i][j]):
                    if steps >= max_steps:
                        break
                    x = case.inputs[i][:j] + (c,) + case.inputs[i][j + 1 :]
                    cand = case.replace(inputs=case.inputs[:i] + (x,) + case.inputs[i + 1 :])
                    if _violates(check, cand, memo):
                        case, steps = cand, steps + 1
                        break
        if case == before:
            break
    return case, steps


def shrink(check: Check, case: Case, max_steps: int = 1000) -> Case:
    """Greedily make a violating case smaller while ``check`` still says ``"violation"``.

    Moves, repeated to a fixed point: remove a hidden neuron (:meth:`Network.without_neuron`), an output,
    an input coordinate or a sample; replace a parameter or an input coordinate by a strictly simpler
    number (:func:`simpler_numbers`, simplest first). A move is kept only if the check says
    ``"violation"`` (not ``"degenerate"``, no :class:`~relugeom.exceptions.RelugeomError`) and the samples
    stay distinct. Deterministic; at most ``max_steps`` accepted moves. Every accepted move makes the case
    strictly smaller (fewer entries, or one number of lower height), so the loop ends.

    A pair case (:attr:`Case.other` is the second network b) shrinks both: a hidden neuron is removed
    from a or from b independently (they may end with different hidden widths), an output or an input
    coordinate from both networks (and the batch) at once; then a's numbers, b's numbers and the inputs are
    simplified in that order.

    Raises
    ------
    RelugeomError
        if ``case`` does not violate in the first place.

    Examples
    --------
    >>> from relugeom.search.families import Outcome
    >>> def two_positive_outputs(case):      # violation: F(x) > 0 at two samples or more
    ...     from relugeom.core.forward import forward
    ...     pos = int((forward(case.net, case.inputs) > 0).sum())
    ...     return Outcome("violation" if pos >= 2 else "ok", {"positive": pos})
    >>> big = Case(Network.from_layers([([[3], ["7/2"]], [5, 1]), ([["2/3", 4]], [9])]),
    ...            ((Fraction(-7, 3),), (Fraction(5, 2),), (Fraction(11, 4),)))
    >>> small = shrink(two_positive_outputs, big)
    >>> small.net.widths, [str(v) for v in small.net.parameters()], small.inputs
    ((1, 1, 1), ['0', '0', '0', '1'], ((Fraction(0, 1),), (Fraction(1, 1),)))
    """
    return shrink_with_steps(check, case, max_steps)[0]
