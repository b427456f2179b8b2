"""Every teaching script in examples/ runs, and prints what it claims."""

import runpy
from pathlib import Path

import sympy

import relugeom as rg

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_example_01_reproduces_the_spec_hand_values(capsys):
    results = runpy.run_path(str(EXAMPLES / "01_batch_functional_dimension.py"))["main"]()
    assert list(results.values())[:5] == [5, 4, 2, 1, 3]  # SPEC §3 hand example
    assert results["demo"] == (6, 5)  # exact 6, float64 5
    assert "Jacobian (exact)" in capsys.readouterr().out


def test_example_02_symmetries_keep_outputs_bfd_and_canonical_form(capsys):
    results = runpy.run_path(str(EXAMPLES / "02_symmetries.py"))["main"]()
    assert results["same_outputs"] and results["canonical_equal"] and results["kernel_ok"]
    bfd_a, bfd_b = results["bfd"]
    J = sympy.Matrix(rg.jacobian(results["network"], results["inputs"]).tolist())
    assert bfd_a == bfd_b == J.rank() and results["kernel_size"] == 6  # sympy as the second backend
    assert "canonical forms equal: True" in capsys.readouterr().out
