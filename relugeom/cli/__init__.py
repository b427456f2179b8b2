"""The ``relugeom`` command: ``main(argv) -> int`` (testable without a subprocess) and the entry point."""

from .main import build_parser, main, main_entry

__all__ = ["main", "main_entry", "build_parser"]
