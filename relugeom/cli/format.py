"""The text output the commands share: tables, aligned ``key  value`` lines, short exact numbers.

Examples
--------
>>> print(table(["n", "BFD"], [(1, 2), (10, 7)]))
n   BFD
--  ---
1   2
10  7
>>> print(key_values([("BFD", 5), ("parameters N", 7)]))
BFD           5
parameters N  7
>>> short(Fraction(1, 3)), short(Fraction(1, 3**30))
('1/3', '≈4.857e-15')
"""

from __future__ import annotations

from fractions import Fraction
from typing import Sequence

from ..core.network import Network
from ..numbers import to_float

__all__ = ["table", "key_values", "short", "network_line"]


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Columns left-aligned two spaces apart, a rule of dashes under the header, no trailing blanks."""
    cells = [list(map(str, header))] + [list(map(str, r)) for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def key_values(rows: Sequence[tuple[str, object]]) -> str:
    """One ``key  value`` line per row, the values aligned after the longest key."""
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{key:<{width}}  {value}" for key, value in rows)


def short(v: Fraction, width: int = 10) -> str:
    """A Fraction as 'p/q' when short, else '≈' and 4 significant digits."""
    text = str(v)
    return text if len(text) <= width else f"≈{to_float(v):.4g}"


def network_line(net: Network) -> str:
    """The first line of a report on a network: its widths, N and H."""
    return f"network widths {net.widths}: N = {net.num_params}, H = {net.num_hidden}"
