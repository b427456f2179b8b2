"""Plain-text tables for the benchmark scripts (left-aligned columns, a rule under the header)."""

from __future__ import annotations

from typing import Sequence


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """The rows under the header, each column as wide as its widest cell.

    >>> print(format_table(("a", "bb"), [("1", "2"), ("333", "4")]))
    a    bb
    ---  --
    1    2
    333  4
    """
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)
