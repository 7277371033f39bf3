"""The Calendly side of the workbench: forward to any URL, trigger the five webhook events, inject a body.

Triggers book, cancel, reschedule and mark no-shows through ``Actions`` (the code the
hosted pages and the API use), on a calendar of their own (a "Trigger Host" created on
first use) unless ``--set event_type=<uuid>`` names another one. Bookings take the next
open slot on the virtual clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from simulators.calendly.account import CalendlyAccount, account_for
from simulators.calendly.api_scheduling import booker_from_json
from simulators.calendly.availability import available_slots
from simulators.calendly.control_setup import create_event_type, create_routing_form, create_user
from simulators.calendly.events import shape_variants
from simulators.calendly.signing import Signer
from simulators.calendly.state import WEBHOOK_EVENTS, EventType, Invitee, Subscription
from simulators.delivery import CALENDLY
from simulators.delivery.jobs import compact_json
from simulators.hub import SimHub
from simulators.workbench import WorkbenchError, apply_overrides, engine_of

__all__ = ["EVENT_TYPES", "TRIGGERS", "inject", "listen", "trigger"]

EVENT_TYPES = WEBHOOK_EVENTS
TRIGGERS = {
    "invitee.created": "a booking on the next open slot",
    "invitee.canceled": "a booking, then canceled by the invitee (--set by=host)",
    "invitee_no_show.created": "a booking, then marked as a no-show",
    "invitee_no_show.deleted": "a booking marked as a no-show, then unmarked",
    "routing_form_submission.created": "a routing form filled in (no booking)",
    "reschedule": "a booking moved to the next slot: invitee.canceled + invitee.created (--set order=created_first)",
}
TRIGGER_HOST_SLUG = "trigger-host"
LOOKAHEAD = 14 * 24 * 3600.0


def _event_type(account: CalendlyAccount, overrides: dict[str, Any]) -> EventType:
    state = account.state
    wanted = overrides.pop("event_type", None)
    if wanted is not None:
        found = state.event_type(wanted)
        if found is None:
            raise WorkbenchError(f"no Calendly event type {wanted!r}")
        return found
    with state.lock:
        host = state.user(TRIGGER_HOST_SLUG)
        if host is None:
            host, _ = create_user(state, {"name": "Trigger Host", "slug": TRIGGER_HOST_SLUG})
        mine = [t for t in state.event_types.values() if t.user_uuid == host.uuid]
        if mine:
            return mine[0]
        return create_event_type(state, {"user": host.uuid, "name": "Trigger call", "duration": 30})


def _next_slots(account: CalendlyAccount, event_type: EventType, count: int) -> list[float]:
    now = account.state.now()
    starts = [slot.start for slot in available_slots(account.state, event_type, now, now + LOOKAHEAD)][:count]
    if len(starts) < count:
        raise WorkbenchError(f"no open slot on {event_type.name!r} in the next 14 days")
    return starts


def _book(account: CalendlyAccount, overrides: dict[str, Any]) -> Invitee:
    event_type = _event_type(account, overrides)
    booking = apply_overrides(
        {"invitee": {"email": "invitee@example.com", "name": "Trigger Invitee", "timezone": "UTC"}},
        {k: v for k, v in overrides.items() if k.startswith(("invitee.", "tracking."))},
    )
    return account.actions.book(event_type, _next_slots(account, event_type, 1)[0], booker_from_json(booking))


def _canceled(account: CalendlyAccount, overrides: dict[str, Any]) -> dict[str, Any]:
    invitee = _book(account, overrides)
    account.actions.cancel_invitee(invitee, overrides.get("by", "invitee"), overrides.get("reason"))
    return {"invitee": invitee.uri}


def _no_show(account: CalendlyAccount, overrides: dict[str, Any], *, then_delete: bool) -> dict[str, Any]:
    invitee = _book(account, overrides)
    no_show = account.actions.mark_no_show(invitee)
    if then_delete:
        account.actions.unmark_no_show(no_show)
    return {"invitee": invitee.uri, "no_show": no_show.uri}


def _reschedule(account: CalendlyAccount, overrides: dict[str, Any]) -> dict[str, Any]:
    invitee = _book(account, overrides)
    event_type = account.state.event_types[account.state.events[invitee.event_uuid].event_type_uuid]
    new_start = _next_slots(account, event_type, 1)[0]
    new = account.actions.reschedule(invitee, new_start, order=overrides.get("order"), reason=overrides.get("reason"))
    return {"old_invitee": invitee.uri, "invitee": new.uri}


def _routing_form(account: CalendlyAccount, overrides: dict[str, Any]) -> dict[str, Any]:
    state = account.state
    with state.lock:
        form = next((f for f in state.routing_forms.values() if f.name == "Trigger form"), None)
        if form is None:
            state.ensure_organization()
            form = create_routing_form(state, {"name": "Trigger form", "questions": [{"name": "Topic"}]})
    question = form.questions[0]
    answers = [{"question_uuid": question["uuid"], "question": question["name"], "answer": overrides.get("answer", "")}]
    result = {"type": "custom_message", "value": {"headline": "Thank you", "body": ""}}
    utm_keys = ("utm_campaign", "utm_source", "utm_medium", "utm_content", "utm_term")
    tracking: dict[str, str | None] = dict.fromkeys(utm_keys)
    submission, _ = account.actions.submit_routing_form(form, answers, tracking, result)
    return {"routing_form_submission": submission.uri}


_TRIGGERS: dict[str, Callable[[CalendlyAccount, dict[str, Any]], dict[str, Any]]] = {
    "invitee.created": lambda account, overrides: {"invitee": _book(account, overrides).uri},
    "invitee.canceled": _canceled,
    "invitee_no_show.created": lambda account, overrides: _no_show(account, overrides, then_delete=False),
    "invitee_no_show.deleted": lambda account, overrides: _no_show(account, overrides, then_delete=True),
    "routing_form_submission.created": _routing_form,
    "reschedule": _reschedule,
}


def trigger(hub: SimHub, name: str, overrides: dict[str, str]) -> dict[str, Any]:
    """``--set invitee.email=...``, ``invitee.name``, ``tracking.utm_source``, ``event_type``, ``by``,
    ``reason``, ``order`` and ``answer`` change what is booked or sent."""
    if name not in _TRIGGERS:
        raise WorkbenchError(f"no Calendly trigger {name!r}; known: {', '.join(TRIGGERS)}")
    return {"objects": _TRIGGERS[name](account_for(hub), dict(overrides))}


def listen(hub: SimHub, url: str, *, secret: str | None, events: list[str] | None) -> dict[str, Any]:
    """An organization subscription for ``url`` (created, or updated when one already points there)."""
    unknown = sorted(set(events or []) - set(WEBHOOK_EVENTS))
    if unknown:
        raise WorkbenchError(f"unknown Calendly events: {', '.join(unknown)}; known: {', '.join(WEBHOOK_EVENTS)}")
    account = account_for(hub)
    state = account.state
    with state.lock:
        creator = next(iter(state.users.values()), None)
        if creator is None:
            creator, _ = create_user(state, {"name": "Trigger Host", "slug": TRIGGER_HOST_SLUG})
        subscription = next(
            (s for s in state.subscriptions.values() if s.callback_url == url and s.scope == "organization"), None
        )
        created = subscription is None
        key = secret or (subscription.signing_key if subscription else None) or hub.token_hex("calendly:listen-key", 24)
        now = state.now()
        if subscription is None:
            subscription = Subscription(
                uuid=state.new_uuid("webhook_subscription"),
                callback_url=url,
                events=list(events or WEBHOOK_EVENTS),
                scope="organization",
                organization=state.ensure_organization().uri,
                user=None,
                creator=creator.uri,
                signing_key=key,
                created_at=now,
                updated_at=now,
            )
            state.subscriptions[subscription.uuid] = subscription
        else:
            subscription.events = list(events or WEBHOOK_EVENTS)
            subscription.signing_key = key
            subscription.state = "active"
            subscription.updated_at = now
        return {
            "provider": "calendly",
            "id": subscription.uri,
            "url": url,
            "events": subscription.events,
            "secret": key,
            "created": created,
        }


def _exactly(parsed: dict[str, Any], raw: bytes) -> Callable[[dict[str, Any]], bytes]:
    """Serialise to the captured bytes unless a plan changed the payload."""
    return lambda payload: raw if payload == parsed else compact_json(payload)


def inject(hub: SimHub, body: bytes, to: str | None) -> list[Any]:
    """Deliver a captured webhook body, signed with the key of the subscription it goes to (or the first one)."""
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise WorkbenchError(f"the payload is not JSON: {exc}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("event"), str):
        raise WorkbenchError('a Calendly webhook body is a JSON object with an "event"')
    state = account_for(hub).state
    with state.lock:
        subscriptions = [s for s in state.subscriptions.values() if s.state == "active"]
        default_key = state.config.default_signing_key
    if not subscriptions:
        raise WorkbenchError("no Calendly subscription is configured: run `simulate listen --forward-to URL` first")
    if to is not None:
        targets = [(next((s for s in subscriptions if s.callback_url == to), subscriptions[0]), to)]
    else:
        targets = [(s, s.callback_url) for s in subscriptions if payload["event"] in s.events]
    deliveries: list[Any] = []
    for subscription, url in targets:
        deliveries += engine_of(hub).submit(
            provider="calendly",
            endpoint=url,
            event_type=payload["event"],
            payload=payload,
            signer=Signer(subscription.signing_key or default_key),
            retry=CALENDLY,
            shape_variants=shape_variants(),
            serialize=_exactly(payload, body),
        )
    return deliveries
