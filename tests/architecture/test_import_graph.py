"""The project's import graph has no cycles, counting the imports hidden inside functions.

A lazy import inside a function is how a cycle usually sneaks in (the module loads, so nothing
fails until someone reorders it), so this reads every ``import`` statement in the source, at any
depth, resolves it to a module of the project and looks for strongly connected components.
The layer rules themselves (views over webhooks over the domain over the models; the app and the
simulators apart) are import-linter contracts in pyproject.toml, run by ``harness test``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app_under_test", "simulators", "harness")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations/versions" not in path.as_posix()
    }


def imported_names(tree: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """Every module name an import statement anywhere in ``tree`` may bind (``from a import b`` gives a and a.b)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            yield source
            yield from (f"{source}.{alias.name}" for alias in node.names)


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets = {
            target
            for target in imported_names(tree, name, path.name == "__init__.py")
            if target in modules and target != name
        }
        # ``from pkg import mod`` names both pkg and pkg.mod: keep the most precise one
        graph[name] = {t for t in targets if not any(other.startswith(f"{t}.") for other in targets)}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_walker_sees_imports_inside_functions():
    source = "def f():\n    from app_under_test.payments import refunds\n"
    names = set(imported_names(ast.parse(source), "app_under_test.booking_events", False))
    assert "app_under_test.payments.refunds" in names


def test_the_cycle_finder_finds_a_two_module_cycle():
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]


def test_the_project_has_no_import_cycles():
    graph = import_graph()
    assert len(graph) > 150, "the walker found too few modules to be reading the project"
    assert cycles(graph) == []
