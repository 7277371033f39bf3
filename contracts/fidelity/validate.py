"""Check an object against a provider's OpenAPI description, strictly.

Stricter than plain schema validation, because the point is fidelity, not
compatibility: a property the description does not know is a violation (a
simulator inventing fields teaches the app to read fields that never come),
and so is a property the provider always returns that is missing. "Always
returns" is read from the description: a property listed in ``required``, or
one marked ``nullable`` (Stripe's descriptions up to late 2023 list only the
non-null properties as required, yet the API sends every nullable one, as
``null`` when empty; optional non-nullable properties, such as
``checkout.session.line_items``, come only when expanded).

OpenAPI 3.0 ``nullable`` becomes a ``null`` alternative; ``$ref``s resolve
inside the document (recursion is fine). Maps (``additionalProperties``) stay
open. Results are ``path: message`` lines; an empty list means conforms.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from contracts.schemas.openapi import _format_checker

REF_PREFIX = "#/components/schemas/"


@cache
def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


Extras = tuple[tuple[str, str], ...]  # (schema name, property name) pairs
# (schema name, route of keys below its properties, e.g. ("events", "items"), extra accepted values)
Widened = tuple[tuple[str, tuple[str, ...], tuple[Any, ...]], ...]


def _strict(node: Any, *, lenient_presence: bool, part: bool = False) -> Any:
    """``node`` as strict JSON Schema; ``part``: one branch of an ``allOf``, so it stays open to the others."""
    if isinstance(node, list):
        return [_strict(item, lenient_presence=lenient_presence, part=part) for item in node]
    if not isinstance(node, dict):
        return node
    result = {
        key: _strict(value, lenient_presence=lenient_presence, part=key == "allOf")
        for key, value in node.items()
        if not key.startswith("x-") and key not in ("nullable", "discriminator", "example", "examples")
    }
    if "$ref" in node:
        result = {"$ref": "#/$defs/" + node["$ref"][len(REF_PREFIX) :]}
    if isinstance(result.get("enum"), str):  # a description's slip: one value written without its list
        result["enum"] = [result["enum"]]
    if isinstance(node.get("properties"), dict) and not part:
        result.setdefault("additionalProperties", False)
        if not lenient_presence:
            always = set(node.get("required", [])) | {
                name for name, prop in node["properties"].items() if isinstance(prop, dict) and prop.get("nullable")
            }
            result["required"] = sorted(always)
    if node.get("nullable"):
        if "enum" in result and None not in result["enum"]:
            result["enum"] = [*result["enum"], None]
        if isinstance(result.get("type"), str):
            result["type"] = [result["type"], "null"]
        elif "type" not in result:
            result = {"anyOf": [result, {"type": "null"}]}
    return result


@cache
def _definitions(
    path: Path, lenient_presence: bool, added: Extras, on_request: Extras, widened: Widened
) -> dict[str, Any]:
    """The document's schemas, strict; ``added`` properties allowed (any value), ``on_request`` ones optional,
    ``widened`` values accepted where the description's enum or type would refuse them."""
    schemas = load(path)["components"]["schemas"]
    definitions = {name: _strict(schema, lenient_presence=lenient_presence) for name, schema in schemas.items()}
    for name, prop in added:  # ``prop`` may be a dotted route: "event_memberships.items.user_email"
        *route, last = prop.split(".")
        node = definitions[name]
        for key in route:
            node = node["properties"][key] if key in node.get("properties", {}) else node[key]
        node["properties"][last] = {}
    for name, prop in on_request:
        definitions[name]["required"] = [p for p in definitions[name].get("required", []) if p != prop]
    for name, route, values in widened:
        *parents, last = (name, "properties", *route) if route else (name,)
        holder = definitions
        for key in parents:
            holder = holder[key]
        node = holder[last]
        holder[last] = (
            {**node, "enum": [*node["enum"], *values]} if "enum" in node else {"anyOf": [node, {"enum": list(values)}]}
        )
    return definitions


def validator(
    path: Path,
    schema: dict[str, Any] | str,
    *,
    lenient_presence: bool = False,
    added: Extras = (),
    on_request: Extras = (),
    widened: Widened = (),
):
    """A jsonschema validator for a component (by name) or an inline schema of the document at ``path``.

    ``added``: (schema, property) pairs the description does not know but are accepted (a deliberate,
    documented divergence); ``on_request``: properties sent only when asked for (``expand``)."""
    from jsonschema import Draft202012Validator

    root = (
        {"$ref": f"#/$defs/{schema}"} if isinstance(schema, str) else _strict(schema, lenient_presence=lenient_presence)
    )
    root = {**root, "$defs": _definitions(path, lenient_presence, added, on_request, widened)}
    return Draft202012Validator(root, format_checker=_format_checker())


def _leaves(error) -> list:
    """The errors that say what is wrong: inside an ``anyOf``/``oneOf``, those of the branch the value was meant for."""
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return [error]
    branches: dict[int, list] = {}
    for sub in error.context:
        branches.setdefault(sub.schema_path[0], []).append(sub)
    meant = [errs for errs in branches.values() if not any(e.validator == "type" and not e.path for e in errs)]
    chosen = min(meant or list(branches.values()), key=len)
    return [leaf for sub in chosen for leaf in _leaves(sub)]


def problems(
    payload: Any,
    path: Path,
    schema: dict[str, Any] | str,
    *,
    lenient_presence: bool = False,
    added: Extras = (),
    on_request: Extras = (),
    widened: Widened = (),
) -> list[str]:
    """Every way ``payload`` breaks the schema (empty when it conforms)."""
    found = validator(
        path, schema, lenient_presence=lenient_presence, added=added, on_request=on_request, widened=widened
    ).iter_errors(payload)
    lines = []
    for error in found:
        for leaf in _leaves(error):
            where = ".".join(map(str, leaf.absolute_path)) or "<root>"
            message = leaf.message if len(leaf.message) < 300 else leaf.message[:300] + "..."
            lines.append(f"{where}: {message}")
    return sorted(set(lines))
