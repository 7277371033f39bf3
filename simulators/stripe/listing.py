"""List pagination and ``expand[]`` the way Stripe does them.

Lists are newest first, ``{object: "list", data, has_more, url}``, paged with
``limit`` (1-100, default 10), ``starting_after`` and ``ending_before`` (object
ids), which is what stripe-python's ``auto_paging_iter`` relies on. ``expand``
replaces an id field with the object it names (``payment_intent``,
``payment_intent.latest_charge``, ``line_items``, ``data.payment_intent`` on lists).
"""

from __future__ import annotations

import copy
from typing import Any

from simulators.stripe import errors
from simulators.stripe.state import StripeState


def paginate(items_newest_first: list[dict[str, Any]], params: dict[str, Any], url: str) -> dict[str, Any]:
    limit = params.get("limit", 10)
    if not 1 <= limit <= 100:
        raise errors.invalid("Invalid limit: must be between 1 and 100", param="limit")
    ids = [item["id"] for item in items_newest_first]
    after, before = params.get("starting_after"), params.get("ending_before")
    if after:
        if after not in ids:
            raise errors.invalid(f"No such object: '{after}'", param="starting_after", code="resource_missing")
        rest = items_newest_first[ids.index(after) + 1 :]
        page, has_more = rest[:limit], len(rest) > limit
    elif before:
        if before not in ids:
            raise errors.invalid(f"No such object: '{before}'", param="ending_before", code="resource_missing")
        newer = items_newest_first[: ids.index(before)]
        page, has_more = newer[-limit:], len(newer) > limit
    else:
        page, has_more = items_newest_first[:limit], len(items_newest_first) > limit
    return {"object": "list", "data": copy.deepcopy(page), "has_more": has_more, "url": url}


def _resolve(state: StripeState, object_id: str) -> dict[str, Any] | None:
    for prefix, store in (
        ("pi_", state.payment_intents),
        ("ch_", state.charges),
        ("re_", state.refunds),
        ("cs_", state.sessions),
    ):
        if object_id.startswith(prefix):
            return store.get(object_id)
    return None


def line_items_list(state: StripeState, session_id: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    items = state.extras[session_id].line_items
    return paginate(items, params or {}, f"/v1/checkout/sessions/{session_id}/line_items")


def expand(state: StripeState, obj: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """A deep copy of ``obj`` with the ``paths`` expanded (call with ``state.lock`` held)."""
    result = copy.deepcopy(obj)
    for path in paths:
        _expand_path(state, result, path.split("."), path)
    return result


def _expand_path(state: StripeState, node: dict[str, Any], parts: list[str], full: str) -> None:
    head, rest = parts[0], parts[1:]
    if node.get("object") == "list" and head == "data":
        for item in node["data"]:
            if rest:
                _expand_path(state, item, rest, full)
        return
    if head == "line_items" and node.get("object") == "checkout.session":
        node["line_items"] = line_items_list(state, node["id"])
        return
    value = node.get(head)
    if isinstance(value, str):
        target = _resolve(state, value)
        if target is None:
            raise errors.invalid(f"This property cannot be expanded ({full}).", param="expand")
        node[head] = value = copy.deepcopy(target)
    elif (value is not None and not isinstance(value, dict)) or (value is None and head not in node):
        raise errors.invalid(f"This property cannot be expanded ({full}).", param="expand")
    if rest and isinstance(value, dict):
        _expand_path(state, value, rest, full)
