"""Step modules share helpers through ``steps.support`` only, never by importing one another.

Each step family is a pytest plugin (``steps/conftest.py``); a helper imported from another family
ties the two together and lets same-named helpers shadow each other, so this reads every import.
"""

from __future__ import annotations

import ast
from pathlib import Path

STEPS = Path(__file__).resolve().parents[2] / "steps"
SHARED = {"steps.support", "steps.fault_phrases"}  # helpers and the fault phrase table: no steps in them


def step_modules() -> list[Path]:
    return sorted(p for p in STEPS.glob("*.py") if p.stem.endswith(("_steps", "_checks")))


def steps_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("steps"):
            found.add(node.module or "")
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("steps")}
    return found


def test_every_step_module_is_checked():
    assert len(step_modules()) >= 16, step_modules()


def test_step_modules_import_only_the_shared_helpers():
    crossing = {path.name: sorted(steps_imports(path) - SHARED) for path in step_modules()}
    assert {name: found for name, found in crossing.items() if found} == {}
