"""Validate a payload against a schema from a provider's published OpenAPI description.

OpenAPI 3.0 schemas are not quite JSON Schema: ``nullable: true`` means "or
null", and ``$ref`` points into ``components.schemas``. ``json_schema``
rewrites one component into plain JSON Schema (refs inlined, nullable turned
into a ``null`` alternative) so the ``jsonschema`` package can check it, with
format checks for the formats these providers use (``date-time``, ``email``,
``uri``). The one deliberate edit to a copied schema is an enum widened by
``x-booking-harness-widened`` (see README.md): values an older API version
still sends.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
STRIPE = HERE / "stripe.openapi.json"
CALENDLY = HERE / "calendly.openapi.json"
WIDENED = "x-booking-harness-widened"


@cache
def _document(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _convert(node: Any, schemas: dict[str, Any], seen: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_convert(item, schemas, seen) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            raise ValueError(f"recursive schema {' -> '.join((*seen, name))} is not supported")
        return _convert(schemas[name], schemas, (*seen, name))
    result = {
        key: _convert(value, schemas, seen)
        for key, value in node.items()
        if not key.startswith("x-") and key != "nullable"
    }
    if WIDENED in node and "enum" in result:
        result["enum"] = [*result["enum"], *node[WIDENED]]
    if node.get("nullable"):
        if "enum" in result and None not in result["enum"]:
            result["enum"] = [*result["enum"], None]
        if "type" in result:
            result["type"] = [result["type"], "null"] if isinstance(result["type"], str) else [*result["type"], "null"]
        else:
            result = {"anyOf": [result, {"type": "null"}]}
    return result


def json_schema(document: Path, component: str) -> dict[str, Any]:
    """``components.schemas[component]`` of ``document`` as a self-contained JSON Schema."""
    schemas = _document(document)["components"]["schemas"]
    return _convert(copy.deepcopy(schemas[component]), schemas, (component,))


def _format_checker():
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())

    @checker.checks("date-time", raises=ValueError)
    def date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed.tzinfo is not None and "T" in value

    @checker.checks("email")
    def email(value: object) -> bool:
        return not isinstance(value, str) or ("@" in value and " " not in value)

    @checker.checks("uri")
    def uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return parts.scheme in ("http", "https") and bool(parts.netloc)

    return checker


def problems(payload: Any, document: Path, component: str) -> list[str]:
    """Every way ``payload`` breaks the component's schema, as ``path: message`` lines (empty when valid)."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(json_schema(document, component), format_checker=_format_checker())
    found = sorted(validator.iter_errors(payload), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in found]
