"""``python -m relugeom`` is the ``relugeom`` command."""

from .cli.main import main_entry

main_entry()
