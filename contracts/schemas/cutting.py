"""What the three subset scripts share: dropping prose, finding references, collecting a closure.

A subset keeps chosen operations and every component they reach, verbatim
apart from descriptions, summaries, examples and ``x-`` annotations (the few
annotations a check reads are kept). Property *names* are never dropped,
even when a property is called ``description`` or ``summary``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PROSE = ("description", "summary", "example", "examples")
KEPT_ANNOTATIONS = {"x-resourceId", "x-expandableFields"}


def load(path: Path) -> dict[str, Any]:
    """A full description, JSON or YAML."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def clean(node: Any, *, names: bool = False, prose: tuple[str, ...] = PROSE) -> Any:
    """``node`` without prose and annotations; ``names``: its keys are property names, all kept."""
    if isinstance(node, list):
        return [clean(item, prose=prose) for item in node]
    if not isinstance(node, dict):
        return node
    return {
        key: clean(value, names=key == "properties" and not names, prose=prose)
        for key, value in node.items()
        if names or (key not in prose and (not key.startswith("x-") or key in KEPT_ANNOTATIONS))
    }


def component_refs(node: Any) -> set[str]:
    """``section/name`` of every ``#/components/...`` reference under ``node``."""
    if isinstance(node, list):
        return set().union(*map(component_refs, node)) if node else set()
    if not isinstance(node, dict):
        return set()
    ref = str(node.get("$ref", ""))
    found = {ref[len("#/components/") :]} if ref.startswith("#/components/") else set()
    return found.union(*map(component_refs, node.values())) if node else found


def closure(document: dict[str, Any], roots: set[str], prose: tuple[str, ...] = PROSE) -> dict[str, dict[str, Any]]:
    """Every component (``section/name``) reachable from ``roots``, cleaned, by section."""
    kept: dict[str, dict[str, Any]] = {}
    todo = sorted(roots)
    while todo:
        section, name = todo.pop().split("/", 1)
        if name in kept.get(section, {}):
            continue
        kept.setdefault(section, {})[name] = clean(document["components"][section][name], prose=prose)
        todo.extend(sorted(component_refs(kept[section][name])))
    return {section: dict(sorted(items.items())) for section, items in sorted(kept.items())}
