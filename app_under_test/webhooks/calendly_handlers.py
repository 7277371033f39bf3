"""Calendly's five webhook events, one plain function each, behind one ``match``.

Handlers run inside the inbox's transaction: whatever they raise rolls their
writes back. ``Unprocessable`` (data missing) dead-letters the event at once,
``Ignore`` records it as ignored with the reason, and any other exception
(``NotYetKnown`` for an invitee no booking is linked to yet, Calendly's API
being down) makes the inbox retry it with backoff. The rules about order live
in ``calendly.sync``; this module only reads payloads and routes them.
"""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy.orm import Session

from app_under_test.calendly import payload as read
from app_under_test.calendly import sync as calendly_sync
from app_under_test.calendly.client import app_client
from app_under_test.calendly.routing import store_submission
from app_under_test.calendly.sync import InviteeReader, Outcome
from app_under_test.event_outcomes import Unprocessable
from app_under_test.models import WebhookEvent

log = structlog.get_logger("calendly")


def dispatch(session: Session, row: WebhookEvent, envelope: dict[str, Any]) -> None:
    outcome = apply_event(session, envelope, app_client())
    log.info("calendly_event_applied", event_id=row.id, event_type=row.event_type, outcome=outcome)


def apply_event(session: Session, envelope: dict[str, Any], calendly: InviteeReader | None) -> object:
    """Route one event; ``calendly`` answers "what does Calendly say about this invitee now" (None: not asked)."""
    match envelope["event"]:
        case "invitee.created":
            return invitee_created(session, envelope, calendly)
        case "invitee.canceled":
            return invitee_canceled(session, envelope)
        case "invitee_no_show.created":
            return no_show_created(session, envelope)
        case "invitee_no_show.deleted":
            return no_show_deleted(session, envelope)
        case "routing_form_submission.created":
            return routing_form_submission_created(session, envelope)
        case other:
            raise Unprocessable(f"no handler for Calendly event {other!r}")


def invitee_created(session: Session, envelope: dict[str, Any], calendly: InviteeReader | None) -> Outcome | None:
    # Someone booked (on Calendly, or through this app), or a reschedule created its new invitee.
    return calendly_sync.invitee_created(session, read.invitee_created(envelope), calendly)


def invitee_canceled(session: Session, envelope: dict[str, Any]) -> Outcome | None:
    # The invitee or the host canceled, or a reschedule canceled the old invitee (rescheduled: true).
    return calendly_sync.invitee_canceled(session, read.invitee_canceled(envelope))


def no_show_created(session: Session, envelope: dict[str, Any]) -> Outcome | None:
    # The host marked the invitee as a no-show after the meeting.
    return calendly_sync.no_show_changed(session, read.no_show_created(envelope), no_show=True)


def no_show_deleted(session: Session, envelope: dict[str, Any]) -> Outcome | None:
    # The host took a no-show mark back.
    return calendly_sync.no_show_changed(session, read.no_show_deleted(envelope), no_show=False)


def routing_form_submission_created(session: Session, envelope: dict[str, Any]) -> str:
    # Someone submitted a routing form, whether or not they went on to book.
    return store_submission(session, read.routing_form_submission(envelope))
