"""Teaching demo 3: three plausible claims about the batch functional dimension, and their refutations.

Run: python examples/03_counterexamples.py   (a few seconds)

For each false conjecture of ``relugeom.proofs.conjectures`` the search walks small networks in increasing
size (the exhaustive grid over {−1, 0, 1}, then random rationals), stops at the first violation and shrinks
it: fewer neurons, fewer samples, simpler numbers. What is left is a minimal refutation, printed with the
exact quantities that refute the claim, and re-checked here independently:

* "float64 matrix_rank of J equals the exact BFD": a huge bias makes two rows of J nearly parallel;
* "no dead neuron ⇒ BFD = min(n·n_L, N − H)": a neuron with zero weights in and out is alive but useless;
* "patterns determine BFD": that same network has BFD 1, a nearby one with the same patterns BFD 2.

The search is deterministic: ``relugeom search NAME`` on the command line gives the same examples and
writes them as JSON that ``relugeom dim FILE`` re-checks.
"""

import numpy as np

import relugeom as rg
from relugeom.proofs.conjectures import CONJECTURES
from relugeom.search.counterexamples import search

FALSE_CONJECTURES = ("float-rank", "no-dead-full-rank", "patterns-determine-bfd")


def main() -> dict:
    results = {}
    for name in FALSE_CONJECTURES:
        conj = CONJECTURES[name]
        print(f"conjecture {name!r}: {conj.statement}")
        result = search(conj, budget=1000, seed=0)
        print(result.summary())

        # an independent re-check of the refutation: exact BFD, and what the claim predicted
        case = result.case
        bfd = rg.batch_functional_dimension(case.net, case.inputs)
        assert bfd == result.quantities["bfd"]
        if name == "float-rank":
            float_rank = int(np.linalg.matrix_rank(rg.jacobian(case.net, case.inputs, method="float")))
            print(f"  re-check: exact BFD {bfd}, float64 rank {float_rank}")
        elif name == "no-dead-full-rank":
            n, nL = len(case.inputs), case.net.output_dim
            bound = min(n * nL, case.net.num_params - case.net.num_hidden)
            print(f"  re-check: every neuron active somewhere, yet BFD {bfd} < min(n·n_L, N − H) = {bound}")
        else:
            witness = rg.Network.from_dict(result.quantities["witness_network"])
            same = (rg.activation_patterns(witness, case.inputs) == rg.activation_patterns(case.net, case.inputs)).all()
            print(
                f"  re-check: same patterns {bool(same)}, BFD {bfd} here and "
                f"{rg.batch_functional_dimension(witness, case.inputs)} at the witness"
            )
        print()
        results[name] = result
    return results


if __name__ == "__main__":
    main()
