"""The Stripe side of the workbench: forward to any URL, trigger any event, inject a captured event.

A trigger walks the same code a customer and an app would: it creates a Checkout
Session, pays it with the test card that leads to the event (declined, 3-D Secure,
bank debit, asynchronous refund cards), and refunds, settles or expires it as
needed, so every event it causes (not only the named one) is the real sequence.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from simulators.hub import SimHub
from simulators.stripe import cards
from simulators.stripe.checkout import create_session, expire
from simulators.stripe.events import EVENT_TYPES
from simulators.stripe.payments import pay_card, pay_delayed, settle
from simulators.stripe.refunds import create_refund, settle_refund
from simulators.stripe.state import Endpoint, StripeState, for_hub
from simulators.stripe.webhooks import create_endpoint, publish, submit_event
from simulators.workbench import WorkbenchError, apply_overrides

__all__ = ["EVENT_TYPES", "TRIGGERS", "inject", "listen", "refund", "trigger"]

SUCCEEDS = "4242424242424242"
DECLINED = "4000000000000002"
THREE_D_SECURE = "4000002500003155"
REFUND_PENDING_THEN_SUCCEEDED = "4000000000007726"
REFUND_SUCCEEDED_THEN_FAILED = "4000000000005126"

# Trigger name -> (card or "bank", steps after paying, one line for `simulate trigger --help`).
_SCENARIOS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "checkout.session.completed": (SUCCEEDS, (), "a session paid by card"),
    "payment_intent.created": (SUCCEEDS, (), "a session paid by card"),
    "payment_intent.succeeded": (SUCCEEDS, (), "a session paid by card"),
    "charge.succeeded": (SUCCEEDS, (), "a session paid by card"),
    "payment_intent.payment_failed": (DECLINED, (), "a card declined (4000000000000002)"),
    "charge.failed": (DECLINED, (), "a card declined (4000000000000002)"),
    "payment_intent.requires_action": (THREE_D_SECURE, (), "a 3-D Secure card, challenge left pending"),
    "payment_intent.canceled": (THREE_D_SECURE, ("expire",), "a 3-D Secure payment abandoned, session expired"),
    "checkout.session.expired": ("", ("expire",), "an unpaid session expired"),
    "payment_intent.processing": ("bank", (), "a bank debit, not yet settled"),
    "checkout.session.async_payment_succeeded": ("bank", ("settle",), "a bank debit that settles"),
    "checkout.session.async_payment_failed": ("bank", ("settle-failed",), "a bank debit that fails"),
    "charge.refunded": (SUCCEEDS, ("refund",), "a card payment, fully refunded"),
    "refund.created": (SUCCEEDS, ("refund",), "a card payment, fully refunded"),
    "refund.updated": (REFUND_PENDING_THEN_SUCCEEDED, ("refund", "settle-refund"), "a pending refund that succeeds"),
    "refund.failed": (REFUND_SUCCEEDED_THEN_FAILED, ("refund", "settle-refund"), "a refund that later fails"),
}
TRIGGERS = {name: scenario[2] for name, scenario in _SCENARIOS.items()}
assert set(TRIGGERS) == set(EVENT_TYPES), "every emitted Stripe event type has a trigger"


def _session_params() -> dict[str, Any]:
    return {
        "mode": "payment",
        "success_url": "https://example.com/success",
        "cancel_url": "https://example.com/cancel",
        "customer_email": "trigger@example.com",
        "metadata": {"source": "simulate trigger"},
        "line_items": [
            {
                "quantity": "1",
                "price_data": {"currency": "usd", "unit_amount": "2000", "product_data": {"name": "Trigger item"}},
            }
        ],
    }


def trigger(hub: SimHub, name: str, overrides: dict[str, str]) -> dict[str, Any]:
    """Cause ``name`` (and what comes with it). ``--set`` paths go into the session's create parameters;
    ``--set card=<number>`` picks another test card."""
    if name not in _SCENARIOS:
        raise WorkbenchError(f"no Stripe trigger {name!r}; known: {', '.join(TRIGGERS)}")
    state = for_hub(hub)
    overrides = dict(overrides)
    card_number, steps, _ = _SCENARIOS[name]
    card_number = overrides.pop("card", card_number)
    params = apply_overrides(_session_params(), overrides)
    with state.lock:
        session = create_session(state, params, lambda session_id: f"/stripe/c/pay/{session_id}")
        session_id = session["id"]
        if card_number == "bank":
            pay_delayed(state, session_id, "us_bank_account", email=None, name=None)
        elif card_number:
            card = cards.validate(card_number, None, None, hub.clock.now())
            pay_card(state, session_id, card, email=None, name=None)
        for step in steps:
            _STEPS[step](state, session_id)
        objects = _objects(state, session_id)
    publish(state)
    return {"objects": objects}


def _refund(state: StripeState, session_id: str) -> None:
    intent = state.sessions[session_id]["payment_intent"]
    create_refund(state, {"payment_intent": intent}, request={"id": None, "idempotency_key": None})


def _settle_latest_refund(state: StripeState, session_id: str) -> None:
    intent = state.payment_intents[state.sessions[session_id]["payment_intent"]]
    refund = next(r for r in reversed(list(state.refunds.values())) if r["charge"] == intent["latest_charge"])
    settle_refund(state, refund["id"])


_STEPS: dict[str, Callable[[StripeState, str], Any]] = {
    "expire": expire,
    "settle": lambda state, session_id: settle(state, session_id, succeeded=True),
    "settle-failed": lambda state, session_id: settle(state, session_id, succeeded=False),
    "refund": _refund,
    "settle-refund": _settle_latest_refund,
}


def _objects(state: StripeState, session_id: str) -> dict[str, Any]:
    session = state.sessions[session_id]
    found: dict[str, Any] = {"checkout_session": session_id}
    intent = state.payment_intents.get(session["payment_intent"] or "")
    if intent is not None:
        found["payment_intent"] = intent["id"]
        if intent.get("latest_charge"):
            found["charge"] = intent["latest_charge"]
            refunds = [r["id"] for r in state.refunds.values() if r["charge"] == intent["latest_charge"]]
            if refunds:
                found["refunds"] = refunds
    return found


def refund(hub: SimHub, ref: str, amount: int | None) -> dict[str, Any]:
    """Refund a payment named by its session (cs_), PaymentIntent (pi_) or charge (ch_), as the app's
    ``stripe.Refund.create`` would."""
    state = for_hub(hub)
    with state.lock:
        params: dict[str, Any]
        if ref.startswith("cs_"):
            session = state.sessions.get(ref)
            if session is None or not session["payment_intent"]:
                raise WorkbenchError(f"no paid Checkout Session {ref!r}")
            params = {"payment_intent": session["payment_intent"]}
        elif ref.startswith("ch_"):
            params = {"charge": ref}
        else:
            params = {"payment_intent": ref}
        if amount is not None:
            params["amount"] = str(amount)
        created = create_refund(state, params, request={"id": None, "idempotency_key": None})
    publish(state)
    return {"refund": created}


def listen(hub: SimHub, url: str, *, secret: str | None, events: list[str] | None) -> dict[str, Any]:
    """The webhook endpoint for ``url`` (created, or updated when one already points there)."""
    if secret is not None and not secret.startswith("whsec_"):
        raise WorkbenchError("a Stripe signing secret starts with whsec_")
    unknown = sorted(set(events or []) - set(EVENT_TYPES) - {"*"})
    if unknown:
        raise WorkbenchError(f"unknown Stripe event types: {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}")
    state = for_hub(hub)
    with state.lock:
        endpoint = next((ep for ep in state.endpoints.values() if ep.url == url), None)
        created = endpoint is None
        if endpoint is None:
            endpoint = create_endpoint(state, {"url": url, "enabled_events": events or ["*"]}, secret=secret)
        else:
            endpoint.enabled_events = list(events or ["*"])
            endpoint.status = "enabled"
            if secret is not None:
                endpoint.secrets = [(secret, None)]
        return {
            "provider": "stripe",
            "id": endpoint.id,
            "url": endpoint.url,
            "events": endpoint.enabled_events,
            "secret": endpoint.secrets[0][0],
            "created": created,
        }


def inject(hub: SimHub, body: bytes, to: str | None) -> list[Any]:
    """Deliver a captured event body; signed with the secret of the endpoint it goes to (or the first one)."""
    payload = _json_object(body)
    if not isinstance(payload.get("type"), str):
        raise WorkbenchError('a Stripe event needs a "type"')
    state = for_hub(hub)
    with state.lock:
        endpoints = list(state.endpoints.values())
    if not endpoints:
        raise WorkbenchError("no Stripe webhook endpoint is configured: run `simulate listen --forward-to URL` first")
    if to is not None:
        chosen: list[tuple[Endpoint, str]] = [(next((ep for ep in endpoints if ep.url == to), endpoints[0]), to)]
    else:
        chosen = [(ep, ep.url) for ep in endpoints if ep.wants(payload["type"])]
    deliveries: list[Any] = []
    for endpoint, url in chosen:
        deliveries += submit_event(state, endpoint, payload, url=url, serialize_as=_exactly(payload, body))
    return deliveries


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise WorkbenchError(f"the payload is not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise WorkbenchError("a Stripe event is a JSON object")
    return payload


def _exactly(parsed: Any, raw: bytes) -> Callable[[Any], bytes]:
    """Serialise to the captured bytes unless a plan changed the payload."""
    from simulators.stripe.events import serialize

    return lambda payload: raw if payload == parsed else serialize(payload)
