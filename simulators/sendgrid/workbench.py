"""The SendGrid side of the workbench: point the Event Webhook anywhere, trigger each event kind, inject a batch.

A trigger sends a real message through ``mail_send.accept`` (so it lands in the inbox
and its events carry the message's ids) to a fresh address that the account treats
as the event needs: bounced, blocked, deferred, or already suppressed (dropped).
SendGrid signs with an ECDSA key pair, so ``listen`` prints the public key to verify
with; an app's own secret cannot be used for it.
"""

from __future__ import annotations

import json
from typing import Any

from simulators.hub import SimHub
from simulators.sendgrid.events import SHAPE_VARIANTS
from simulators.sendgrid.mail_send import accept
from simulators.sendgrid.signing import EventWebhookSigner
from simulators.sendgrid.state import EVENT_KINDS, state_for
from simulators.sendgrid.webhook import SENDGRID_RETRY, serialize_batch
from simulators.workbench import WorkbenchError, apply_overrides, engine_of

__all__ = ["EVENT_TYPES", "TRIGGERS", "inject", "listen", "trigger"]

EVENT_TYPES = EVENT_KINDS
TRIGGERS = {
    "processed": "a message accepted and delivered (processed, delivered)",
    "delivered": "a message accepted and delivered (processed, delivered)",
    "deferred": "a message deferred once, then delivered",
    "bounce": "a message to an address that does not exist (the address is then suppressed)",
    "blocked": "a message refused by the receiving server: a bounce of type blocked",
    "dropped": "a message to an address already on the bounce list",
}
_ADDRESS_LISTS = {"deferred": "deferred_addresses", "bounce": "bounce_addresses", "blocked": "blocked_addresses"}


def trigger(hub: SimHub, name: str, overrides: dict[str, str]) -> dict[str, Any]:
    """``--set subject=...``, ``from.email=...``, ``custom_args.booking_id=...`` change the message sent."""
    if name not in TRIGGERS:
        raise WorkbenchError(f"no SendGrid trigger {name!r}; known: {', '.join(TRIGGERS)}")
    state = state_for(hub)
    overrides = dict(overrides)
    address = overrides.pop("to", None) or f"{name}-{hub.token_hex('sendgrid.trigger', 4)}@example.com"
    body = apply_overrides(
        {
            "personalizations": [{"to": [{"email": address}]}],
            "from": {"email": "trigger@example.com"},
            "subject": f"Trigger: {name}",
            "content": [{"type": "text/plain", "value": f"simulate trigger sendgrid {name}"}],
        },
        overrides,
    )
    with state.lock:  # the account treats this one address as the event needs, for this one send
        listed = _ADDRESS_LISTS.get(name)
        if listed is not None:
            getattr(state.config, listed).append(address)
        if name == "dropped":
            state.suppressed_bounces[address.lower()] = hub.clock.now()
        try:
            message_id = accept(state, body, {"user-agent": "simulate trigger"})
        finally:
            if listed is not None:
                getattr(state.config, listed).remove(address)
    return {"objects": {"message_id": message_id, "to": address}}


def listen(hub: SimHub, url: str, *, secret: str | None, events: list[str] | None) -> dict[str, Any]:
    unknown = sorted(set(events or []) - set(EVENT_KINDS))
    if unknown:
        raise WorkbenchError(f"unknown SendGrid event kinds: {', '.join(unknown)}; known: {', '.join(EVENT_KINDS)}")
    state = state_for(hub)
    with state.lock:
        created = state.config.event_webhook_url != url
        state.config.event_webhook_url = url
        state.config.event_webhook_enabled = True
        state.config.event_kinds = {kind: events is None or kind in events for kind in EVENT_KINDS}
        answer = {
            "provider": "sendgrid",
            "id": "event_webhook",
            "url": url,
            "events": [kind for kind, on in state.config.event_kinds.items() if on],
            "public_key": state.public_key(),
            "created": created,
        }
    if secret is not None:
        answer["note"] = "SendGrid signs with its own key pair: verify with public_key (--secret does not apply)"
    return answer


def inject(hub: SimHub, body: bytes, to: str | None) -> list[Any]:
    """Deliver a captured Event Webhook batch (a JSON array), signed with the account's key."""
    try:
        events = json.loads(body)
    except ValueError as exc:
        raise WorkbenchError(f"the payload is not JSON: {exc}") from None
    if not isinstance(events, list) or not events or not all(isinstance(e, dict) for e in events):
        raise WorkbenchError("a SendGrid Event Webhook body is a non-empty JSON array of events")
    state = state_for(hub)
    url = to or state.config.event_webhook_url
    if not url:
        raise WorkbenchError("no Event Webhook URL is configured: run `simulate listen --forward-to URL` first")
    payload = {str(i): event for i, event in enumerate(events)}
    return engine_of(hub).submit(
        provider="sendgrid",
        endpoint=url,
        event_type=str(events[0].get("event")),
        payload=payload,
        signer=EventWebhookSigner(state.private_key, state.wrong_private_key),
        retry=SENDGRID_RETRY,
        shape_variants=SHAPE_VARIANTS,  # the variants take the keyed batch
        serialize=lambda p: body if p == payload else serialize_batch(p),
        headers={"User-Agent": "SendGrid Event API"},
    )
