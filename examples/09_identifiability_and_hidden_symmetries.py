"""Teaching demo 9: when does F_θ determine θ? Identifiability from a batch, a hidden symmetry, a deficit explained.

Run: python examples/09_identifiability_and_hidden_symmetries.py   (a few seconds)

1. **Local identifiability from a batch** ([BBM22], SPEC §9). For F(x) = relu(x) + relu(x − 1) the verdict
   is computed as the batch grows: R_Γ (the Jacobian's rank once each neuron's largest outgoing weight is
   fixed; = BFD here, theorem T8) against R_A = n_L · rank α (the path-activation matrix, from its Gram
   matrix) and N − H. Samples on one side of both kinks see an affine function: not identifiable (C_N
   fails); once every piece holds enough samples, R_Γ = N − H: identifiable (C_S).
2. **A hidden symmetry** [GLR23]: relu(x − 1) + 3 relu(2x − 2) and 4 relu(x − 1) + 3 relu(x − 1) are both
   7 relu(x − 1): twin neurons (positively collinear incoming vectors) can split their outgoing weight in any
   proportion. ``functionally_equal`` proves F_a = F_b on all of R exactly, yet the two networks are not
   equivalent under permutations and positive rescalings; change one weight and it returns an exact witness
   where they differ.
3. **A deficit explained**: the CFFD of the twin network falls 2 below N − H, and ``explain_deficit`` says
   which mechanism removed which directions, with exact kernel vectors that add up to the deficit.
"""

import relugeom as rg


def main() -> dict:
    # 1. the verdict as X grows
    net = rg.Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])  # relu(x) + relu(x − 1)
    X = [2, 3, -1, "1/2", "-1/2", "7/10"]
    print("F(x) = relu(x) + relu(x − 1): N = 7, H = 2, N − H = 5")
    print(f"{'samples':<28} {'R_Γ':>4} {'R_A':>4}  verdict")
    verdicts = []
    for k in range(1, len(X) + 1):
        rep = rg.local_identifiability(net, X[:k])
        verdicts.append((k, rep.rank_gamma, rep.rank_alpha, rep.verdict))
        print(f"{', '.join(map(str, X[:k])):<28} {rep.rank_gamma:>4} {rep.rank_alpha:>4}  {rep.verdict}")
    print(f"  last reason: {rep.reason}")

    # 2. a hidden symmetry: twins split their outgoing weight in any proportion
    a = rg.Network.from_layers([([[1], [2]], [-1, -2]), ([[1, 3]], [0])])  # relu(x−1) + 3·relu(2x−2) = 7 relu(x−1)
    b = rg.Network.from_layers([([[1], [1]], [-1, -1]), ([[4, 3]], [0])])  # 4 relu(x−1) + 3 relu(x−1)
    eq = rg.functionally_equal(a, b)
    equivalent = rg.are_equivalent(a, b)
    print(
        f"\ntwins a = relu(x−1) + 3 relu(2x−2), b = 4 relu(x−1) + 3 relu(x−1): equal on R: {bool(eq)}, "
        f"equivalent under permutations and rescalings: {equivalent}"
    )
    c = rg.Network.from_layers([([[1], [1]], [-1, -1]), ([[4, 4]], [0])])  # 8 relu(x−1)
    neq = rg.functionally_equal(a, c)
    (w,) = neq.witness
    print(
        f"b with its second weight 4 instead of 3: equal {bool(neq)}, witness x = {w}: "
        f"F_a = {neq.value_a[0]}, F_c = {neq.value_b[0]}"
    )

    # 3. the deficit of the twin network, explained
    ex = rg.explain_deficit(a)
    print("\n" + ex.summary())
    for m in ex.mechanisms:
        print(f"  {m.name}: {m.detail}; kernel vectors {[list(v) for v in m.vectors]}")
    return {
        "verdicts": verdicts,
        "equal": bool(eq),
        "equivalent": equivalent,
        "witness": (w, neq.value_a[0], neq.value_b[0]),
        "deficit": ex.deficit,
        "mechanisms": [(m.name, m.neurons, m.dimension) for m in ex.mechanisms],
        "unexplained": ex.unexplained_dimension,
        "twins": a,
        "vectors": [v for m in ex.mechanisms for v in m.vectors],
    }


if __name__ == "__main__":
    main()
