"""Decode Stripe's form-encoded parameters into nested dicts and lists.

Stripe's v1 API takes ``application/x-www-form-urlencoded`` bodies (and query
strings) whose keys carry the structure: ``line_items[0][price_data][currency]=usd``,
``metadata[booking_id]=42``, ``expand[]=payment_intent``. stripe-python writes
lists with explicit indices (``a[0]``, ``a[1]``), booleans as ``true``/``false``
and numbers as their decimal text; this module rebuilds the nesting and leaves
every leaf a string, as Stripe's own parser does (the route validators coerce
types). A dict whose keys are all integers becomes a list, ordered by index.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


class FormDecodeError(ValueError):
    """A key that cannot be parsed (unbalanced brackets, mixed list/dict use)."""


def split_key(key: str) -> list[str]:
    """``a[b][0][c]`` -> ``["a", "b", "0", "c"]``; ``a[]`` -> ``["a", ""]``."""
    head, bracket, rest = key.partition("[")
    if not bracket:
        return [key]
    rest = "[" + rest
    segments = _SEGMENT.findall(rest)
    if "".join(f"[{s}]" for s in segments) != rest or not head:
        raise FormDecodeError(f"Invalid array: {key}")
    return [head, *segments]


def decode_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Nest ``(key, value)`` pairs; later values for the same scalar key win."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = split_key(key)
        node = root
        for depth, part in enumerate(parts[:-1]):
            nxt = parts[depth + 1]
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            if not isinstance(child, dict):
                raise FormDecodeError(f"Invalid hash: {key}")
            if nxt == "":  # ``a[]=x``: append in arrival order
                nxt = str(len(child))
                parts[depth + 1] = nxt
            node = child
        leaf = parts[-1]
        if isinstance(node.get(leaf), dict):
            raise FormDecodeError(f"Invalid hash: {key}")
        node[leaf] = value
    return {key: _listify(value) for key, value in root.items()}


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {k: _listify(v) for k, v in node.items()}
    if converted and all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


def decode_form(body: str) -> dict[str, Any]:
    """Decode a whole urlencoded body or query string."""
    return decode_pairs(parse_qsl(body, keep_blank_values=True))
