"""Neuron alignment (relugeom.training.alignment): exact groups, merging, cosines, and the BFD relation.

Oracles: hand computations, a pairwise exact collinearity test (cross products and a dot product, no
hashing), planted groups, exact forward passes, symmetry maps, and direct numpy cosines.
"""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
from helpers import rational_inputs, same_outputs
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import relugeom as rg
from relugeom.symmetry import permute_neurons, rescale_neurons
from relugeom.training.alignment import Alignment, alignment, merge_aligned

bfd = rg.batch_functional_dimension

POSITIVE = st.fractions(min_value=Fraction(1, 20), max_value=20).filter(lambda c: c > 0)


def incoming(net, layer):
    return [tuple(row) + (b,) for row, b in zip(net.weights[layer], net.biases[layer])]


def positively_collinear(u, v):
    """Pairwise oracle: u, v nonzero, all 2×2 minors of [u; v] zero, and u·v > 0."""
    if not any(u) or not any(v):
        return False
    n = len(u)
    minors_zero = all(u[p] * v[q] == u[q] * v[p] for p in range(n) for q in range(p + 1, n))
    return minors_zero and sum(a * b for a, b in zip(u, v)) > 0


def oracle_groups(net, layer):
    us = incoming(net, layer)
    live = [i for i, u in enumerate(us) if any(u)]
    groups, seen = [], set()
    for i in live:
        if i in seen:
            continue
        g = tuple(j for j in live if j == i or positively_collinear(us[i], us[j]))
        seen.update(g)
        groups.append(g)
    return tuple(groups), tuple(i for i, u in enumerate(us) if not any(u))


def removed(al):
    return sum(len(g) - 1 for g in al.groups)


# ---------------------------------------------------------------------------------------------- planting


@st.composite
def planted(draw, zeros=True, next_width=None, parallel_outgoing=False):
    """A network with planted groups in hidden layer ``layer``.

    Returns ``(net, layer, groups, zero_neurons, c)`` where ``c[m]`` is the factor with
    ``u_m = c[m]·u_first`` for every member ``m`` of a planted group (positions after shuffling).
    ``next_width`` fixes n_{layer+2}; ``parallel_outgoing`` makes every member's outgoing column a
    multiple of one random column per group.
    """
    layer = draw(st.integers(0, 1))
    n0 = draw(st.integers(1, 3))
    n_in = n0 if layer == 0 else draw(st.integers(1, 3))
    entries = st.integers(-3, 3)
    num_groups = draw(st.integers(1, 3))
    bases = draw(
        st.lists(
            st.lists(entries, min_size=n_in + 1, max_size=n_in + 1)
            .filter(any)
            .map(lambda u: tuple(Fraction(v) for v in u)),
            min_size=num_groups,
            max_size=num_groups,
        )
    )
    assume(
        not any(positively_collinear(bases[a], bases[b]) for a in range(num_groups) for b in range(a + 1, num_groups))
    )
    sizes = draw(st.lists(st.integers(1, 3), min_size=num_groups, max_size=num_groups))
    num_zero = draw(st.integers(0, 1)) if zeros else 0
    slots = []  # (group, factor) or None for a zero neuron
    for g, size in enumerate(sizes):
        slots.append((g, Fraction(1)))
        slots.extend((g, draw(POSITIVE)) for _ in range(size - 1))
    slots.extend([None] * num_zero)
    order = draw(st.permutations(range(len(slots))))
    slots = [slots[p] for p in order]
    H = len(slots)

    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))

    def ints(*shape):
        return rng.integers(-3, 4, shape).tolist()

    rows = [[0] * (n_in + 1) if s is None else [v * s[1] for v in bases[s[0]]] for s in slots]
    after = next_width if next_width is not None else draw(st.integers(1, 3))
    layers = []
    if layer == 1:
        layers.append((ints(n_in, n0), ints(n_in)))
    layers.append(([r[:-1] for r in rows], [r[-1] for r in rows]))
    W_next = ints(after, H)
    if parallel_outgoing:
        direction = [rng.integers(-3, 4, after).tolist() for _ in sizes]
        alpha = [int(rng.integers(-3, 4)) for _ in slots]
        W_next = [
            [0 if s is None else alpha[m] * direction[s[0]][o] for m, s in enumerate(slots)] for o in range(after)
        ]
    layers.append((W_next, ints(after)))
    if draw(st.booleans()):  # a further hidden layer after the next one
        n_last = draw(st.integers(1, 2))
        layers.append((ints(n_last, after), ints(n_last)))
    net = rg.Network.from_layers(layers)

    firsts = {}
    groups, c = [], {}
    for m, s in enumerate(slots):
        if s is None:
            continue
        g, factor = s
        firsts.setdefault(g, []).append(m)
    for g, members in firsts.items():
        base = slots[members[0]][1]
        for m in members:
            c[m] = slots[m][1] / base
        groups.append(tuple(members))
    groups.sort()
    zero = tuple(m for m, s in enumerate(slots) if s is None)
    return net, layer, tuple(groups), zero, c


def merged_columns_nonzero(net, layer, al):
    us = incoming(net, layer)
    for g in al.groups:
        i = g[0]
        p = next(q for q, v in enumerate(us[i]) if v != 0)
        col = [sum(row[m] * us[m][p] / us[i][p] for m in g) for row in net.weights[layer + 1]]
        if not any(col):
            return False
    return True


# ---------------------------------------------------------------------------------------------- 1. hand cases

HAND = [([[1, -2], [-1, 2], [3, -6], [0, 0]], ["1/2", "-1/2", "3/2", 0]), ([[5, 7, -1, 4]], [2])]


def test_hand_case_groups_directions_and_merge():
    net = rg.Network.from_layers(HAND)
    al = alignment(net)
    assert al.layer == 0
    assert al.groups == ((0, 2), (1,))  # u_2 = 3 u_0; u_1 = −u_0 is not grouped
    assert al.zero_neurons == (3,)
    assert al.num_directions == 2
    # u_0 = (1, −2, 1/2), max-abs 2; u_1 = −u_0
    assert al.directions == (
        (Fraction(1, 2), Fraction(-1), Fraction(1, 4)),
        (Fraction(-1, 2), Fraction(1), Fraction(-1, 4)),
    )
    merged = merge_aligned(net)
    # neuron 0 keeps u_0, outgoing 5 + 3·(−1) = 2; neuron 1 unchanged; neurons 2 (merged) and 3 (zero) gone
    expected = rg.Network.from_layers([([[1, -2], [-1, 2]], ["1/2", "-1/2"]), ([[2, 7]], [2])])
    assert merged == expected
    assert same_outputs(net, merged, rational_inputs(2, 0, 20))


def test_hand_case_cosine():
    al = alignment(rg.Network.from_layers(HAND))
    expected = np.array([[1, -1, 1, 0], [-1, 1, -1, 0], [1, -1, 1, 0], [0, 0, 0, 0]], dtype=float)
    assert np.allclose(al.cosine, expected, atol=1e-15)
    assert al.float_groups(0.999) == ((0, 2), (1,))
    assert al.float_groups(-1.0) == ((0, 1, 2),)  # every nonzero neuron links at threshold −1


def test_merge_in_a_deeper_layer_by_hand():
    # layer 1: u_0 = (1, 0, 2), u_1 = (2, 0, 4) = 2 u_0;
    # outgoing [[1, 3], [−1, 1]] → merged column (1 + 2·3, −1 + 2·1)
    net = rg.Network.from_layers([([[1], [-1]], [0, 1]), ([[1, 0], [2, 0]], [2, 4]), ([[1, 3], [-1, 1]], [0, 5])])
    al = alignment(net, layer=1)
    assert al.groups == ((0, 1),) and al.directions == ((Fraction(1, 2), Fraction(0), Fraction(1)),)
    merged = merge_aligned(net, 1)
    assert merged == rg.Network.from_layers([([[1], [-1]], [0, 1]), ([[1, 0]], [2]), ([[7], [1]], [0, 5])])
    assert alignment(net, 0).groups == ((0,), (1,))
    assert same_outputs(net, merged, rational_inputs(1, 3, 20))


def test_all_zero_layer_keeps_one_neuron_and_no_op_merge():
    net = rg.Network.from_layers([([[0], [0]], [0, 0]), ([[1, 2]], [3])])
    al = alignment(net)
    assert al.groups == () and al.zero_neurons == (0, 1) and al.directions == ()
    assert al.num_directions == 0 and al.float_groups() == ()
    assert not al.cosine.any()
    assert merge_aligned(net) == rg.Network.from_layers([([[0]], [0]), ([[1]], [3])])
    plain = rg.Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
    assert merge_aligned(plain) == plain


def test_errors():
    net = rg.Network.from_layers(HAND)
    with pytest.raises(rg.ShapeError):
        alignment(net, layer=1)
    with pytest.raises(rg.ShapeError):
        merge_aligned(rg.Network.from_layers([([[1]], [0])]))
    with pytest.raises(ValueError):
        alignment(net).float_groups(1.5)


def test_to_dict_is_json_and_exact():
    al = alignment(rg.Network.from_layers(HAND))
    d = json.loads(json.dumps(al.to_dict()))
    assert d["groups"] == [[0, 2], [1]] and d["zero_neurons"] == [3] and d["num_directions"] == 2
    assert d["directions"] == [["1/2", "-1", "1/4"], ["-1/2", "1", "-1/4"]]
    assert np.allclose(np.array(d["cosine"]), al.cosine)
    assert isinstance(al, Alignment) and al == alignment(rg.Network.from_layers(HAND))


# ---------------------------------------------------------------------------------------------- 2. exactness


def test_float_collinear_but_not_exact():
    u = [0.3, -1.7, 0.05]
    v = [Fraction(x) for x in u]
    v[0] *= 1 + Fraction(1, 2**50)  # off by 2^-50 relative, in one entry
    net = rg.Network.from_layers([([u[:2], v[:2]], [u[2], v[2]]), ([[1, 1]], [0])])
    al = alignment(net)
    assert al.groups == ((0,), (1,)) and al.num_directions == 2
    assert al.cosine[0, 1] > 0.999999
    assert al.float_groups(0.999) == ((0, 1),) and al.num_float_directions(0.999) == 1


def test_float_scaling_by_three_is_not_exact_but_by_powers_of_two_is():
    u = [0.1, 0.7, -0.3]
    tripled = [3.0 * x for x in u]  # float products round: not exactly 3·u
    assert [Fraction(t) for t in tripled] != [3 * Fraction(x) for x in u]
    quartered = [x / 4.0 for x in u]  # exact in binary
    rows = [u, tripled, quartered]
    net = rg.Network.from_layers([([r[:2] for r in rows], [r[2] for r in rows]), ([[1, 1, 1]], [0])])
    al = alignment(net)
    assert al.groups == ((0, 2), (1,))
    assert al.float_groups(0.999) == ((0, 1, 2),)
    assert al.directions[0] == tuple(Fraction(x) / Fraction(0.7) for x in u)


# ---------------------------------------------------------------------------------------------- 3. laws


@settings(max_examples=60)
@given(planted(), st.integers(0, 10**6))
def test_merged_network_computes_the_same_function(case, seed):
    net, layer, _, _, _ = case
    merged = merge_aligned(net, layer)
    assert same_outputs(net, merged, rational_inputs(net.input_dim, seed))
    H = net.widths[layer + 1]
    al = alignment(net, layer)
    assert merged.widths[layer + 1] == max(al.num_directions, 1) <= H
    again = alignment(merged, layer)  # nothing left to merge
    assert all(len(g) == 1 for g in again.groups) and again.zero_neurons == ()
    assert merge_aligned(merged, layer) == merged


@settings(max_examples=60)
@given(planted())
def test_alignment_recovers_planted_groups(case):
    net, layer, groups, zero, _ = case
    al = alignment(net, layer)
    assert al.groups == groups and al.zero_neurons == zero
    us = incoming(net, layer)
    for g, d in zip(al.groups, al.directions):
        assert max(abs(v) for v in d) == 1
        for m in g:
            s = max(abs(v) for v in us[m])
            assert tuple(v / s for v in us[m]) == d


@given(st.sampled_from([(1, 3, 1), (2, 4, 2), (2, 3, 3, 1), (1, 2, 4, 1)]), st.integers(0, 10**6))
def test_alignment_agrees_with_pairwise_oracle_on_random_small_integer_networks(widths, seed):
    net = rg.Network.random_integer(widths, -1, 1, seed=seed)  # entries in {−1, 0, 1}: many collisions
    for layer in range(len(widths) - 2):
        al = alignment(net, layer)
        assert (al.groups, al.zero_neurons) == oracle_groups(net, layer)


@settings(max_examples=60)
@given(planted(), st.data())
def test_groups_are_permutation_equivariant_and_rescaling_invariant(case, data):
    net, layer, _, _, _ = case
    H = net.widths[layer + 1]
    al = alignment(net, layer)
    perm = data.draw(st.permutations(range(H)))
    inverse = {old: new for new, old in enumerate(perm)}  # new neuron j is old neuron perm[j]
    permuted = alignment(permute_neurons(net, layer, perm), layer)
    mapped = sorted(tuple(sorted(inverse[i] for i in g)) for g in al.groups)
    assert permuted.groups == tuple(mapped)
    assert permuted.zero_neurons == tuple(sorted(inverse[i] for i in al.zero_neurons))
    assert set(permuted.directions) == set(al.directions)
    assert np.allclose(permuted.cosine, al.cosine[np.ix_(perm, perm)], atol=1e-15)
    scales = data.draw(st.lists(POSITIVE, min_size=H, max_size=H))
    rescaled = alignment(rescale_neurons(net, layer, scales), layer)
    assert rescaled == al and np.array_equal(rescaled.cosine, al.cosine)


# ---------------------------------------------------------------------------------------------- BFD laws


def batch_for(net, seed, draw_batch, n=10):
    X = draw_batch(net, n, np.random.default_rng(seed))
    assume(X is not None)
    return X


@settings(max_examples=50)
@given(planted(zeros=False), st.integers(0, 10**6))
def test_bfd_sandwich(draw_batch, case, seed):
    net, layer, _, _, _ = case
    X = batch_for(net, seed, draw_batch)
    merged = merge_aligned(net, layer)
    full, small = bfd(net, X), bfd(merged, X)
    r = removed(alignment(net, layer))
    n_in = net.widths[layer]
    assert small <= full <= small + n_in * r
    assert full <= small + (n_in + 1) * r  # the weaker bound of the issue


@settings(max_examples=50)
@given(planted(zeros=False, next_width=1), st.integers(0, 10**6))
def test_bfd_equality_when_next_layer_has_width_one(draw_batch, case, seed):
    # includes one hidden layer with n_L = 1; members' own outgoing weights may be 0
    net, layer, _, _, _ = case
    al = alignment(net, layer)
    assume(merged_columns_nonzero(net, layer, al))
    X = batch_for(net, seed, draw_batch)
    assert bfd(net, X) == bfd(merge_aligned(net, layer), X)


@settings(max_examples=40)
@given(planted(zeros=False, parallel_outgoing=True), st.integers(0, 10**6))
def test_bfd_equality_when_member_columns_are_parallel_to_the_merged_column(draw_batch, case, seed):
    net, layer, _, _, _ = case
    assume(merged_columns_nonzero(net, layer, alignment(net, layer)))
    X = batch_for(net, seed, draw_batch)
    assert bfd(net, X) == bfd(merge_aligned(net, layer), X)


def test_bfd_drops_when_the_merged_outgoing_weight_is_zero():
    # u_1 = 2 u_0, outgoing 2 and −1: merged weight 2 − 2 = 0, F ≡ 0.
    net = rg.Network.from_layers([([[1], [2]], [0, 0]), ([[2, -1]], [0])])
    X = [-1, 1, 2]
    merged = merge_aligned(net)
    assert merged == rg.Network.from_layers([([[1]], [0]), ([[0]], [0])])
    # by hand: merged J has columns 0, 0, relu(x) = (0,1,2), 1 = (1,1,1): rank 2; net adds the
    # incoming columns 2·d·x = (0,2,4) and 2·d = (0,2,2): rank 3.
    assert bfd(merged, X) == 2 and bfd(net, X) == 3
    assert bfd(net, X) > bfd(merged, X)


def test_bfd_equality_with_a_zero_member_weight():
    # the extra hypothesis (every member's outgoing weight nonzero) is not needed
    net = rg.Network.from_layers([([[1], [2], [-1]], [1, 2, 1]), ([[3, 0, 1]], [0])])
    X = [-3, "-1/2", "1/3", 2, 5]
    assert alignment(net).groups == ((0, 1), (2,))
    assert bfd(net, X) == bfd(merge_aligned(net), X)


def test_bfd_bound_is_attained():
    # widths (2, 2, 2), u_1 = 2 u_0: the gap n_0 · 1 = 2 is attained, so n_ℓ·r is the sharp bound
    net = rg.Network.from_layers([([[1, 2], [2, 4]], [0, 0]), ([[2, -1], [0, 1]], [0, 0])])
    X = [[1, 1], [2, 1], [1, 3], [3, 2], [2, 5], [-1, 1], [1, -1], [-1, -1], [5, 1], [4, 3]]
    assert bfd(net, X) == 8 and bfd(merge_aligned(net), X) == 6


# ---------------------------------------------------------------------------------------------- 4. cosine


@settings(max_examples=60)
@given(planted(), st.integers(0, 10**6))
def test_cosine_matches_direct_numpy(case, seed):
    net, layer, _, zero, _ = case
    al = alignment(net, layer)
    C = al.cosine
    H = net.widths[layer + 1]
    assert C.shape == (H, H) and C.dtype == np.float64
    assert np.array_equal(C, C.T)
    live = [i for i in range(H) if i not in zero]
    assert np.all(np.diag(C)[live] == 1.0)
    assert not C[list(zero), :].any() and not C[:, list(zero)].any()
    W, b = net.float_layers()[layer]
    U = np.hstack([W, b[:, None]])
    norms = np.linalg.norm(U, axis=1)
    safe = np.where(norms > 0, norms, 1.0)
    direct = (U @ U.T) / np.outer(safe, safe)
    assert np.allclose(C, direct, atol=1e-12)
    for g in al.groups:  # exact groups: cosine exactly 1
        assert np.all(C[np.ix_(g, g)] == 1.0)
    # the float grouping coarsens the exact one
    for fg in al.float_groups(0.999):
        assert all(set(g) <= set(fg) or not set(g) & set(fg) for g in al.groups)
