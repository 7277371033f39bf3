"""Stripe event payloads and their faulty variants.

An event is a snapshot: ``data.object`` is a deep copy of the object at the
moment of the change, so an app that re-reads the object from the API can see
a newer state than the event it is handling (as with real Stripe). The shape
variants are what a delivery plan's ``wrong_shape`` names; the distinct
variant is the "two events describing one change" case Stripe documents.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from simulators.stripe.state import StripeState

# Every event type the simulator emits (webhook endpoints may subscribe to any of them or "*").
EVENT_TYPES = (
    "checkout.session.completed",
    "checkout.session.expired",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "payment_intent.created",
    "payment_intent.processing",
    "payment_intent.requires_action",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "charge.succeeded",
    "charge.failed",
    "charge.refunded",
    "refund.created",
    "refund.updated",
    "refund.failed",
)


def request_info(request_id: str | None = None, idempotency_key: str | None = None) -> dict[str, Any]:
    """``event.request``: the API request that caused the event (both null for customer actions)."""
    return {"id": request_id, "idempotency_key": idempotency_key}


def emit(
    state: StripeState,
    event_type: str,
    obj: dict[str, Any],
    *,
    request: dict[str, Any] | None = None,
    previous_attributes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Record an event (call with ``state.lock`` held); it is delivered when the outbox is published."""
    data: dict[str, Any] = {"object": copy.deepcopy(obj)}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    event: dict[str, Any] = {
        "id": state.new_id("evt"),
        "object": "event",
        "api_version": state.config.api_version,
        "created": state.now(),
        "data": data,
        "livemode": False,
        "pending_webhooks": sum(1 for ep in state.endpoints.values() if ep.wants(event_type)),
        "request": request or request_info(),
        "type": event_type,
    }
    state.events[event["id"]] = event
    state.outbox.append(event)
    return event


def distinct_copy(state: StripeState, event: dict[str, Any]) -> dict[str, Any]:
    """A second, distinct event for the same change (new ``evt_`` id and request id), stored like any event.

    The same original always yields the same copy, whichever endpoint asks first."""
    with state.lock:
        known = state.distinct_variants.get(event.get("id", ""))
        if known is not None:
            return copy.deepcopy(known)
        twin = copy.deepcopy(event)
        twin["id"] = state.new_id("evt")
        request = twin.get("request") or request_info()
        twin["request"] = {"id": state.new_id("req"), "idempotency_key": request.get("idempotency_key")}
        state.events[twin["id"]] = twin
        state.distinct_variants[event.get("id", "")] = twin
        return copy.deepcopy(twin)


def _missing_metadata(event: dict[str, Any]) -> dict[str, Any]:
    mutated = copy.deepcopy(event)
    if isinstance(mutated.get("data", {}).get("object"), dict):
        mutated["data"]["object"]["metadata"] = {}
    return mutated


def _data_object_missing(event: dict[str, Any]) -> dict[str, Any]:
    mutated = copy.deepcopy(event)
    mutated.get("data", {}).pop("object", None)
    return mutated


def _not_an_event(event: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(event.get("data", {}).get("object", {}))


SHAPE_VARIANTS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "missing_metadata": _missing_metadata,
    "data_object_missing": _data_object_missing,
    "not_an_event": _not_an_event,
}


def serialize(payload: dict[str, Any]) -> bytes:
    """Stripe's JSON: pretty-printed with two-space indentation, UTF-8 as is."""
    return json.dumps(payload, indent=2, ensure_ascii=False).encode("utf-8")
