"""Sending the Event Webhook through the shared delivery engine.

Events of one accepted message are posted in batches, one per event kind
(``processed`` first, then ``deferred``, then ``delivered``/``bounce``/
``dropped``), each batch a JSON array as SendGrid posts them. One batch per
kind keeps delivery plans targetable by event type (``event_type: "bounce"``).

The payload handed to the engine is an object keyed ``"0"``, ``"1"``... and
serialised as the array of its values, so plan field paths read naturally:
``drop_fields: ["0.sg_message_id"]`` removes the first event's message id.
Failed posts are retried for up to 24 hours, as SendGrid documents.
"""

from __future__ import annotations

import json
from typing import Any

from simulators.delivery import RetryPolicy
from simulators.sendgrid import events as event_payloads
from simulators.sendgrid.signing import EventWebhookSigner
from simulators.sendgrid.state import InboxEntry, SendGridState

DAY = 24 * 3600.0
BATCH_ORDER = ("processed", "deferred", "delivered", "bounce", "dropped")


def _backoff(first: float, factor: float, horizon: float) -> tuple[float, ...]:
    delays, total, step = [], 0.0, first
    while total + step <= horizon:
        delays.append(step)
        total += step
        step *= factor
    return tuple(delays)


SENDGRID_RETRY = RetryPolicy("sendgrid", _backoff(60.0, 2.0, DAY), DAY)


def serialize_batch(payload: dict[str, Any]) -> bytes:
    return json.dumps(list(payload.values()), separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def build_events(
    state: SendGridState, entry: InboxEntry, outcome: event_payloads.Outcome, copy_index: int, filter_token: str
) -> list[dict[str, Any]]:
    """Every event this recipient's copy produces, in order; their ids are recorded on the entry."""
    produced = []
    for kind in event_payloads.kinds_for(outcome):
        delay = event_payloads.EVENT_DELAYS[kind]
        if kind == "delivered" and outcome.deferred:
            delay = event_payloads.DEFERRED_DELIVERY_DELAY
        event = event_payloads.base_event(
            kind=kind,
            email=entry.to,
            timestamp=entry.virtual_time + delay,
            event_id=state.new_event_id(),
            message_id=entry.message_id,
            copy_index=copy_index,
            personalization_index=entry.personalization_index,
            filter_token=filter_token,
            categories=entry.categories,
            custom_args=entry.custom_args,
        )
        event.update(event_payloads.details(kind, outcome))
        entry.events.append(event["sg_event_id"])
        produced.append(event)
    return produced


def submit_batches(state: SendGridState, produced: list[dict[str, Any]]) -> int:
    """Hand the events to the engine, one batch per kind; returns how many batches were queued."""
    config = state.config
    engine = state.hub.engine
    if engine is None or not config.event_webhook_enabled or not config.event_webhook_url:
        return 0
    signer = EventWebhookSigner(state.private_key, state.wrong_private_key)
    queued = 0
    for kind in BATCH_ORDER:
        if not config.event_kinds.get(kind, True):
            continue
        batch = [event for event in produced if event["event"] == kind]
        if not batch:
            continue
        engine.submit(
            provider="sendgrid",
            endpoint=config.event_webhook_url,
            event_type=kind,
            payload={str(i): event for i, event in enumerate(batch)},
            signer=signer,
            retry=SENDGRID_RETRY,
            event_id=None,
            shape_variants=event_payloads.SHAPE_VARIANTS,
            serialize=serialize_batch,
            headers={"User-Agent": "SendGrid Event API"},
        )
        queued += 1
    return queued
