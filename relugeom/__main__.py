"""``python -m relugeom`` is the ``relugeom`` command."""

from .cli import main_entry

main_entry()
