"""``relugeom equal A B``: whether two networks compute the same function, exactly, on R^n0 or a box.

``relugeom equal FILE`` compares the pair of networks of a counterexample file (its ``"network"`` and
``"other_network"`` keys, as ``relugeom search`` writes them for a conjecture about pairs). The answer is
exact (:func:`relugeom.identifiability.equality.functionally_equal`): "equal on R^2 (…)" or "not equal:
at x = (…), F_a = (…) but F_b = (…)", and whether the two are equivalent under permutations and positive
rescalings, which shows an "equal but not equivalent" pair (a hidden symmetry). Exit code 0 when equal,
1 when a difference was found (like ``cmp`` and ``diff``), 2 for bad input, 3 for a limit.

Examples
--------
>>> import tempfile, os
>>> from relugeom.cli import main
>>> from relugeom.core.network import Network
>>> from relugeom.io import save_network
>>> tmp = tempfile.TemporaryDirectory()
>>> twins, merged = os.path.join(tmp.name, "twins.json"), os.path.join(tmp.name, "merged.json")
>>> save_network(Network.from_layers([([[1], [1]], [0, 0]), ([[1, 2]], [0])]), twins)
>>> save_network(Network.from_layers([([[1]], [0]), ([[3]], [0])]), merged)
>>> main(["equal", twins, merged])  # doctest: +ELLIPSIS
A: network widths (1, 2, 1): N = 7, H = 2
B: network widths (1, 1, 1): N = 4, H = 1
equal on R^1 (1 region of the common refinement)
equivalent under permutations and positive rescalings: not comparable (the widths differ)
...
0
>>> tmp.cleanup()
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from ..core.network import Network
from ..exceptions import RelugeomError
from ..io import load_json, load_network
from .format import network_line
from .options import Subparsers, add_json, add_max_regions, add_network
from .regions import BOX_HELP, parse_box_spec

__all__ = ["register", "run", "load_pair", "equivalence"]


def register(subparsers: Subparsers) -> None:
    """Add ``equal`` to the sub-commands."""
    p = subparsers.add_parser(
        "equal",
        help="whether two networks compute the same function, exactly (on R^n0 or a box), with a witness if not",
    )
    add_network(p)
    p.add_argument(
        "other",
        nargs="?",
        metavar="B",
        help="the second network file (any format the first takes). Leave it out to compare the pair of a "
        "counterexample file (its 'network' and 'other_network' keys)",
    )
    p.add_argument(
        "--box",
        metavar="SPEC",
        help="compare on a box instead of R^n0: " + BOX_HELP,
    )
    add_json(p)
    add_max_regions(p)
    p.set_defaults(func=run)


def load_pair(path: str, other: str | None, bias_free: str | None = None) -> tuple[Network, Network]:
    """The two networks to compare: two network files, or the pair inside one counterexample file.

    Parameters
    ----------
    path : str
        A network file, or (when ``other`` is None) a counterexample JSON with the keys ``"network"`` and
        ``"other_network"``.
    other : str or None
        The second network file.
    bias_free : {None, "zero"}
        As ``--bias-free`` (float formats).

    Returns
    -------
    (Network, Network)

    Raises
    ------
    RelugeomError
        when one file is given and it holds no ``"other_network"``.

    Examples
    --------
    >>> import tempfile, os, json
    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[1]], [0]), ([[2]], [0])])
    >>> path = os.path.join(tempfile.mkdtemp(), "pair.json")
    >>> with open(path, "w") as fh:
    ...     json.dump({"network": net.to_dict(), "other_network": net.to_dict()}, fh)
    >>> a, b = load_pair(path, None)
    >>> a == b == net
    True
    """
    if other is not None:
        return load_network(path, bias_free=bias_free), load_network(other, bias_free=bias_free)
    if not os.fspath(path).lower().endswith(".json"):
        raise RelugeomError(
            f"relugeom equal with one file needs a counterexample JSON holding a pair of networks; {path} is not "
            f"JSON: give two network files (relugeom equal A B)"
        )
    data = load_json(path, "counterexample")
    if not isinstance(data, dict) or "other_network" not in data or "network" not in data:
        raise RelugeomError(
            f"{path} holds no pair of networks (it needs the keys 'network' and 'other_network'; 'other_network' is "
            f"missing): give two network files (relugeom equal A B) or a counterexample file of a pair"
        )
    try:
        return Network.from_dict(data["network"]), Network.from_dict(data["other_network"])
    except RelugeomError as err:
        raise type(err)(f"{path}: {err}") from None


def equivalence(a: Network, b: Network) -> tuple[bool | None, str]:
    """Whether ``b`` is ``a`` up to permutations and positive rescalings: (answer or None, text).

    None when the widths differ ("not comparable") or the canonical forms cannot decide.

    Examples
    --------
    >>> from relugeom.core.network import Network
    >>> one = Network.from_layers([([[1]], [0]), ([[3]], [0])])
    >>> equivalence(one, one)
    (True, 'yes')
    >>> equivalence(one, Network.from_layers([([[1], [1]], [0, 0]), ([[1, 2]], [0])]))
    (None, 'not comparable (the widths differ)')
    """
    from ..symmetry import are_equivalent

    if a.widths != b.widths:
        return None, "not comparable (the widths differ)"
    try:
        same = are_equivalent(a, b)
    except RelugeomError as err:
        return None, f"undecided ({err})"
    return same, "yes" if same else "no"


def _vector(v: Any) -> str:
    return "(" + ", ".join(str(t) for t in v) + ")"


def run(args: argparse.Namespace) -> int:
    """Compare the two networks; 0 when equal, 1 when a witness separates them."""
    from ..identifiability.equality import functionally_equal

    a, b = load_pair(args.network, args.other, args.bias_free)
    if a.input_dim != b.input_dim or a.output_dim != b.output_dim:
        raise RelugeomError(
            f"the networks have different input or output widths: A has widths {a.widths}, B has {b.widths}; "
            f"only networks with the same n0 and n_L can compute the same function"
        )
    box = None if args.box is None else parse_box_spec(args.box, a.input_dim)
    res = functionally_equal(a, b, box, max_regions=args.max_regions)
    equivalent, said = equivalence(a, b)
    if args.json:
        out = {
            **res.to_dict(),
            "widths_a": list(a.widths),
            "widths_b": list(b.widths),
            "equivalent": equivalent,
            "equivalence": said,
            "hidden_symmetry": bool(res.equal and equivalent is False),
        }
        print(json.dumps(out))
        return 0 if res.equal else 1
    print("A: " + network_line(a))
    print("B: " + network_line(b))
    if res.equal:
        plural = "region" if res.regions == 1 else "regions"
        print(f"equal on {res.domain} ({res.regions} {plural} of the common refinement)")
    else:
        where = "" if res.box is None else f" in {res.domain}"
        print(
            f"not equal: at x = {_vector(res.witness)}{where}, F_a = {_vector(res.value_a)} but F_b = {_vector(res.value_b)}"
        )
    print(f"equivalent under permutations and positive rescalings: {said}")
    if res.equal and equivalent is False:
        print("equal but not equivalent: a hidden symmetry (beyond permutations and positive rescalings)")
    print(f"method: {res.method}")
    return 0 if res.equal else 1
