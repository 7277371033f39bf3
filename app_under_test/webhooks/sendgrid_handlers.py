"""SendGrid delivery events: what the app does when a mail could not be delivered.

The inbox hands over the whole batch (a JSON array); each event is handled on
its own, idempotently:
  - ``bounce`` (a hard bounce, not a temporary ``blocked``) and ``dropped``
    because the address bounced before: the client with that address is marked
    ``email_undeliverable``, which the operator API lists.
  - ``bounce`` and ``dropped`` also mark the outbox row they belong to (found
    through the ``outbox_id`` custom arg) as dead, with SendGrid's reason, so
    the operator sees which mail never arrived.
Other events (processed, delivered, deferred...) change nothing.
"""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from app_under_test.event_outcomes import Ignore
from app_under_test.models import Client, OutboxMessage, WebhookEvent

log = structlog.get_logger("sendgrid")
BOUNCED_ADDRESS_DROP = "bounced address"


def dispatch(session: Session, row: WebhookEvent, events: list[Any]) -> None:
    changes = []
    for event in events:
        match event.get("event"):
            case "bounce":
                # The receiving server refused the mail (type "bounce"), or blocked it for now ("blocked").
                changes += bounced(session, event)
            case "dropped":
                # SendGrid did not even try: a suppressed (bounced) address, an invalid template...
                changes += dropped(session, event)
            case _:
                pass  # processed, delivered, deferred, open...: nothing to do
    if not changes:
        raise Ignore(f"nothing to do for {row.event_type}")
    log.info("sendgrid_events_applied", event_id=row.id, changes=changes)


def _address(event: dict[str, Any]) -> str:
    email = event.get("email")
    return email.strip().lower() if isinstance(email, str) else ""


def mark_undeliverable(session: Session, email: str) -> list[str]:
    client = session.scalar(select(Client).where(Client.email == email)) if email else None
    if client is None or client.email_undeliverable:
        return []
    client.email_undeliverable = True
    return [f"client {client.id} undeliverable"]


def mark_outbox_dead(session: Session, event: dict[str, Any], reason: str) -> list[str]:
    raw_id = event.get("outbox_id")
    if not (isinstance(raw_id, str) and raw_id.isdigit()):
        return []
    message = session.get(OutboxMessage, int(raw_id))
    if message is None or message.recipient.lower() != _address(event) or message.status == "dead":
        return []
    message.status, message.next_attempt_at = "dead", None
    message.last_error = reason[:2000]
    return [f"mail {message.id} dead"]


def bounced(session: Session, event: dict[str, Any]) -> list[str]:
    reason = str(event.get("reason") or event.get("status") or "bounced")
    if event.get("type") == "blocked":
        return []  # a temporary block: the address itself is fine
    return mark_undeliverable(session, _address(event)) + mark_outbox_dead(
        session, event, f"SendGrid reported a bounce: {reason}"
    )


def dropped(session: Session, event: dict[str, Any]) -> list[str]:
    reason = str(event.get("reason") or "dropped")
    changes = mark_outbox_dead(session, event, f"SendGrid dropped the mail: {reason}")
    if BOUNCED_ADDRESS_DROP in reason.lower():
        changes += mark_undeliverable(session, _address(event))
    return changes
