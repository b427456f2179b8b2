"""Every teaching script in examples/ runs, and prints what it claims."""

import runpy
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_example_01_reproduces_the_spec_hand_values(capsys):
    results = runpy.run_path(str(EXAMPLES / "01_batch_functional_dimension.py"))["main"]()
    assert list(results.values())[:5] == [5, 4, 2, 1, 3]  # SPEC §3 hand example
    assert results["demo"] == (6, 5)  # exact 6, float64 5
    assert "Jacobian (exact)" in capsys.readouterr().out
