"""The house rules of ARCHITECTURE.md, checked on the package's own source.

Sizes: no module over 600 lines, no CLI module over 400, at most ten modules flat in ``relugeom/``.
Names: no private name (one leading underscore) imported from another relugeom module. Vocabulary: every
exception and warning class is defined in ``exceptions.py``. The layers themselves are checked by
``lint-imports`` (``.ci/run``).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import relugeom as rg
import relugeom.exceptions as exc

PACKAGE = Path(rg.__file__).parent
MODULES = sorted(PACKAGE.rglob("*.py"))


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_the_package_has_the_flows_subpackages():
    rooms = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    expected = {"core", "linalg", "dimension", "regions", "measures", "training", "search", "proofs", "plots", "cli"}
    assert expected <= rooms


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_size(path: Path):
    limit = 400 if path.parent.name == "cli" else 600
    assert _lines(path) <= limit, f"{path.relative_to(PACKAGE)} has {_lines(path)} lines (at most {limit})"


def test_at_most_ten_flat_modules():
    flat = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(flat) <= 10, flat


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_private_name_crosses_a_module(path: Path):
    crossing = []
    for node in ast.walk(_tree(path)):
        if not isinstance(node, ast.ImportFrom):
            continue
        ours = node.level > 0 or (node.module or "").startswith("relugeom")
        if not ours:
            continue
        for alias in node.names:
            if alias.name.startswith("_") and not alias.name.startswith("__"):
                crossing.append(f"{node.module}.{alias.name} (line {node.lineno})")
    assert not crossing, crossing


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_exception_classes_live_in_exceptions_py(path: Path):
    if path.name == "exceptions.py" and path.parent == PACKAGE:
        return
    defined = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ClassDef):
            bases = {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
            if any(b.endswith(("Error", "Exception", "Warning", "Timeout")) for b in bases):
                defined.append(node.name)
    assert not defined, f"{path.relative_to(PACKAGE)} defines {defined}: move them to relugeom/exceptions.py"


def test_every_exception_is_public_and_in_the_hierarchy():
    classes = [v for k, v in vars(exc).items() if isinstance(v, type) and v.__module__ == exc.__name__]
    assert classes
    for cls in classes:
        assert not cls.__name__.startswith("_")
        assert issubclass(cls, (exc.RelugeomError, exc.RelugeomWarning)), cls


def test_the_readmes_names_still_work():
    for name in rg.__all__:
        assert getattr(rg, name) is not None, name
    for room in ("core", "linalg", "dimension", "regions", "measures", "training", "search", "plots"):
        assert getattr(rg, room).__name__ == f"relugeom.{room}"


def test_check_runs_from_a_plain_checkout(tmp_path):
    """``python -m relugeom check T1`` with only the repository on PYTHONPATH: no install, no remap."""
    import os
    import subprocess
    import sys

    root = PACKAGE.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    probe = "import relugeom, relugeom.proofs; print(relugeom.__file__)"
    where = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert Path(where.stdout.strip()).parent == PACKAGE
    run = subprocess.run(
        [sys.executable, "-m", "relugeom", "check", "T1", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    (report,) = json.loads(run.stdout)["theorems"]
    assert report["name"] == "T1" and report["checked"] > 0 and report["violations"] == 0
