"""A one-line status on a terminal for commands without steps to count (dim, regions, cffd, measures).

The library reports what it is doing through the progress hook of :func:`relugeom.limits.bounds`
("hidden layer 1: 2,048 cells", "rank: 3,584 of 6,000 rows"); :class:`StatusLine` draws the latest report
with the time elapsed, at most ten times a second, and erases it at the end. It stays silent when stderr
is not a terminal or with ``--json``, so pipes and files never see it.

Examples
--------
>>> import io
>>> line = StatusLine("dim", enabled=True, stream=io.StringIO())   # not a terminal: silent
>>> line("rank: 512 of 6,000 rows"); line.enabled
False
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["StatusLine"]


class StatusLine:
    """Draws ``"<command>: <status>  <seconds> s"`` on stderr when it is a terminal, throttled."""

    def __init__(self, command: str, enabled: bool = True, stream: TextIO | None = None, interval: float = 0.1) -> None:
        self.stream = sys.stderr if stream is None else stream
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = bool(enabled) and callable(isatty) and bool(isatty())
        self.command, self.interval = command, interval
        self.t0 = time.monotonic()
        self.last = -float("inf")
        self.drawn = False

    def __call__(self, status: str) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last < self.interval:
            return
        self.last = now
        self.stream.write(f"\r{self.command}: {status}  {now - self.t0:.1f} s\033[K")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """Erase the line (before the command's output or its one error line)."""
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.drawn = False
