"""Teaching demo 2: neuron symmetries leave the function, and so the BFD, unchanged.

Run: python examples/02_symmetries.py   (about a second)

A ReLU network keeps its function when the neurons of a hidden layer are permuted, or when one neuron's
incoming weights and bias are multiplied by λ > 0 and its outgoing weights divided by λ
(relu(λz) = λ relu(z)). This script applies a random composition of both, checks that the outputs are
*exactly* equal, that the batch functional dimension is equal, and that both networks have the same
canonical form (SPEC §5). It ends with the symmetry kernel: the H directions in parameter space along which
F does not change at all, which is why BFD ≤ N − H.
"""

from fractions import Fraction

import relugeom as rg


def main() -> dict:
    net = rg.Network.random_rational((2, 3, 3, 1), seed=11)
    other = rg.random_symmetry(net, seed=5)
    print(f"network widths {net.widths}: N = {net.num_params}, H = {net.num_hidden}")
    print("first hidden layer, original (incoming weights | bias):")
    for row, b in zip(net.weights[0], net.biases[0]):
        print("   ", [str(v) for v in row], "|", b)
    print("first hidden layer after a random permutation and rescaling:")
    for row, b in zip(other.weights[0], other.biases[0]):
        print("   ", [str(v) for v in row], "|", b)

    # 30 distinct rational samples on a grid (enough rows for BFD to reach N − H)
    X = [[Fraction(6 * i + 1, 7) - 3, Fraction(3 * j + 1, 11) - 1] for i in range(6) for j in range(5)]
    out_a, out_b = rg.forward(net, X), rg.forward(other, X)
    same_outputs = bool((out_a == out_b).all())
    print(f"outputs on the first 5 of {len(X)} samples: {[str(v) for v in out_a[:5, 0]]}")
    print(f"exactly equal after the symmetry: {same_outputs}")

    bfd_a, bfd_b = rg.batch_functional_dimension(net, X), rg.batch_functional_dimension(other, X)
    print(f"BFD: {bfd_a} and {bfd_b} (N − H = {net.num_params - net.num_hidden}, n·n_L = {len(X)})")

    canon_a, canon_b = rg.canonical_form(net), rg.canonical_form(other)
    print("canonical form, first hidden layer (max-abs 1 per incoming vector, sorted):")
    for row, b in zip(canon_a.weights[0], canon_a.biases[0]):
        print("   ", [str(v) for v in row], "|", b)
    print(f"canonical forms equal: {canon_a == canon_b}; are_equivalent: {rg.are_equivalent(net, other)}")

    # the symmetry kernel: J u = 0 for each of the H rescaling directions u
    J = rg.jacobian(net, X)
    kernel = rg.symmetry_kernel(net)
    in_kernel = all(all(sum(Jij * uj for Jij, uj in zip(row, u)) == 0 for row in J) for u in kernel)
    print(f"{len(kernel)} symmetry-kernel vectors, J·u = 0 exactly for all: {in_kernel}")
    return {
        "same_outputs": same_outputs,
        "bfd": (bfd_a, bfd_b),
        "canonical_equal": canon_a == canon_b,
        "kernel_size": len(kernel),
        "kernel_ok": in_kernel,
        "network": net,
        "inputs": X,
    }


if __name__ == "__main__":
    main()
