"""The shared vocabulary of arguments: the ``method=`` and ``at_zero=`` literals and the one choice check.

Every function that takes ``method=`` (or another closed set of names) validates it with
:func:`check_choice`, so the message is the same everywhere.

Examples
--------
>>> check_choice("method", "exact", EXACT_OR_FLOAT)
'exact'
>>> check_choice("method", "sympy", EXACT_OR_FLOAT)
Traceback (most recent call last):
...
relugeom.exceptions.InvalidArgumentError: method must be 'exact' or 'float', got 'sympy'
"""

from __future__ import annotations

from typing import Literal, Sequence, TypeVar

from .exceptions import InvalidArgumentError

__all__ = ["Method", "RankMethod", "AtZero", "EXACT_OR_FLOAT", "RANK_METHODS", "AT_ZERO", "check_choice"]

#: ``method=`` of everything that computes either exactly or in float64.
Method = Literal["exact", "float"]
#: ``method=`` of a rank (and so of the BFD): the modular rank sits between the two.
RankMethod = Literal["exact", "modular", "float"]
#: The one-sided derivative convention at a zero pre-activation (SPEC §2); None refuses such a point.
AtZero = Literal["inactive", "active"] | None

EXACT_OR_FLOAT: tuple[str, ...] = ("exact", "float")
RANK_METHODS: tuple[str, ...] = ("exact", "modular", "float")
AT_ZERO: tuple[str | None, ...] = (None, "inactive", "active")

T = TypeVar("T")


def _spell(choices: Sequence[object]) -> str:
    words = ["None" if c is None else repr(c) for c in choices]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def check_choice(name: str, value: T, choices: Sequence[object]) -> T:
    """``value`` if it is one of ``choices``, else :class:`InvalidArgumentError` naming them all."""
    if any(value is c or (c is not None and value == c) for c in choices):
        return value
    raise InvalidArgumentError(f"{name} must be {_spell(choices)}, got {value!r}")
