"""Event Webhook payloads: the delivery events a real send produces, per recipient.

SendGrid posts a JSON *array* of events. Every event carries ``email``,
``timestamp``, ``event``, ``sg_event_id``, ``sg_message_id`` (the request's
X-Message-Id, a dot, then a per-recipient suffix: apps match events to sends
by splitting on the first dot), ``smtp-id``, ``category`` (an array, when the
send had categories) and the send's ``custom_args`` flattened into the event
(personalization args over message-wide ones; reserved names win).

Outcomes, decided per recipient when the message is accepted:
  - suppressed (bounced before): ``processed`` then ``dropped`` "Bounced Address"
  - matches ``bounce_addresses``: ``processed`` then ``bounce`` (and the address
    is suppressed from then on, as SendGrid's bounce list does)
  - matches ``blocked_addresses``: ``processed`` then ``bounce`` of ``type``
    ``blocked`` (the receiving server refused for now, e.g. the sending IP's
    reputation; SendGrid lists it as a block but does not suppress the address)
  - matches ``deferred_addresses``: ``processed``, ``deferred``, ``delivered``
  - template unknown in "drop" mode: ``processed`` then ``dropped`` "Invalid SMTPAPI header"
  - otherwise: ``processed`` then ``delivered``
Whether ``processed`` precedes ``dropped`` on SendGrid is not verified.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BLOCK_REASON = "550 5.7.1 Message rejected: the sending IP is listed on a block list. Try again later."
BOUNCE_REASON = (
    "550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking "
    "the recipient's email address for typos or unnecessary spaces."
)


@dataclass
class Outcome:
    final: str  # delivered | bounce | dropped
    deferred: bool = False
    drop_reason: str | None = None
    blocked: bool = False  # a bounce of type "blocked" (temporary) rather than "bounce" (the address is bad)


def sg_message_id(message_id: str, copy_index: int, filter_token: str) -> str:
    return f"{message_id}.filterdrecv-sim-1-{filter_token}-{copy_index}.0"


def smtp_id(message_id: str, personalization_index: int) -> str:
    return f"<{message_id}.{personalization_index}@ismtpd-sim>"


def base_event(
    *,
    kind: str,
    email: str,
    timestamp: float,
    event_id: str,
    message_id: str,
    copy_index: int,
    personalization_index: int,
    filter_token: str,
    categories: list[str],
    custom_args: dict[str, str],
) -> dict[str, Any]:
    event: dict[str, Any] = dict(custom_args)
    event.update(
        {
            "email": email,
            "timestamp": int(timestamp),
            "event": kind,
            "sg_event_id": event_id,
            "sg_message_id": sg_message_id(message_id, copy_index, filter_token),
            "smtp-id": smtp_id(message_id, personalization_index),
        }
    )
    if categories:
        event["category"] = list(categories)
    return event


def details(kind: str, outcome: Outcome) -> dict[str, Any]:
    """The fields specific to one event kind."""
    if kind == "delivered":
        return {"response": "250 OK", "tls": 1, "ip": "149.72.0.1"}
    if kind == "deferred":
        return {"response": "400 try again later", "attempt": "1", "tls": 1, "ip": "149.72.0.1"}
    if kind == "bounce" and outcome.blocked:
        return {
            "reason": BLOCK_REASON,
            "status": "5.7.1",
            "type": "blocked",
            "bounce_classification": "Reputation",
            "tls": 1,
            "ip": "149.72.0.1",
        }
    if kind == "bounce":
        return {
            "reason": BOUNCE_REASON,
            "status": "5.1.1",
            "type": "bounce",
            "bounce_classification": "Invalid Address",
            "tls": 1,
            "ip": "149.72.0.1",
        }
    if kind == "dropped":
        return {"reason": outcome.drop_reason or "Bounced Address", "status": "5.0.0"}
    return {}


def kinds_for(outcome: Outcome) -> list[str]:
    kinds = ["processed"]
    if outcome.deferred:
        kinds.append("deferred")
    kinds.append(outcome.final)
    return kinds


# Seconds after acceptance at which each kind happens (virtual time); SendGrid's are seconds to minutes.
EVENT_DELAYS = {"processed": 0, "deferred": 2, "delivered": 3, "bounce": 3, "dropped": 0}
DEFERRED_DELIVERY_DELAY = 300


def category_as_string(events: dict[str, Any]) -> dict[str, Any]:
    """Shape variant: ``category`` as a bare string, as older integrations produced."""
    return {
        key: ({**event, "category": event["category"][0]} if event.get("category") else event)
        for key, event in events.items()
    }


def without_message_id(events: dict[str, Any]) -> dict[str, Any]:
    """Shape variant: events without ``sg_message_id`` (SendGrid omits it on some drops)."""
    return {key: {k: v for k, v in event.items() if k != "sg_message_id"} for key, event in events.items()}


SHAPE_VARIANTS = {"category_string": category_as_string, "no_sg_message_id": without_message_id}
