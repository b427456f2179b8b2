"""Teaching demo 1: from a network to its exact batch functional dimension.

Run: python examples/01_batch_functional_dimension.py   (a few seconds)

It walks through the data flow of relugeom on the hand example of SPEC §3 (widths (1, 2, 1)):
patterns → Jacobian → exact BFD with a certificate → the three bounds → the float64 pitfall.
"""

from fractions import Fraction

import relugeom as rg
from relugeom.cli.demo import demo_inputs, demo_network


def main() -> dict:
    net = rg.Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
    print(f"network widths {net.widths}: N = {net.num_params} parameters, H = {net.num_hidden} hidden")

    # 1. activation patterns: neuron i of the hidden layer is active iff its pre-activation is > 0
    X = [-1, "-1/2", "1/2", "7/10", 2, 3]
    P = rg.activation_patterns(net, X)
    for x, row in zip(X, P.astype(int)):
        print(f"  x = {x:>5}: pattern {row.tolist()}")

    # 2. the Jacobian of θ ↦ F_θ(X): one row per sample (one output), one column per parameter
    J = rg.jacobian(net, X)
    print("Jacobian (exact):")
    for row in J:
        print("  ", [str(v) for v in row])

    # 3. its exact rank, certified, and the SPEC's hand-checked values for sub-batches
    results = {}
    for batch in (X, ["1/2", "7/10", 2, 3], [2, 3, 4, 5], [-3, -2, -1], [-1, "1/2", 2]):
        rep = rg.dimension_report(net, batch, seed=0)
        assert rep.certificate.verify(rg.jacobian(net, batch))  # sympy re-checks the certificate
        results[tuple(map(str, batch))] = rep.bfd
        print(
            f"BFD on {[str(Fraction(v)) for v in batch]}: {rep.bfd}   "
            f"(bounds n·n_L = {rep.bound_rows}, N − H = {rep.bound_params}, "
            f"per-pattern = {rep.bound_patterns}; {rep.num_patterns} patterns)"
        )

    # 4. a neuron inactive on the whole batch contributes nothing
    rep = rg.dimension_report(net, [-3, -2, -1], seed=0)
    print(f"on negative inputs both neurons are dead: {rep.dead_neurons}; BFD {rep.bfd} (only b1 moves F)")

    # 5. the float pitfall: rescale neurons (same function, same exact BFD); float64 loses a direction
    cmp = rg.compare_methods(demo_network(), demo_inputs(), seed=0)
    print("float64 vs exact on a rescaled network:", cmp.message())
    results["demo"] = (cmp.exact.bfd, cmp.float.bfd)
    return results


if __name__ == "__main__":
    main()
