"""Applying what Calendly says about an invitee to the local bookings, idempotently and in any order.

Webhook handlers and reconciliation both call these functions inside one
transaction. Each returns an ``Outcome`` saying what changed (None when
nothing did), raises ``Ignore`` when the event has nothing to do, ``Unprocessable``
when it can never be applied, and ``NotYetKnown`` when it concerns an invitee
no booking is linked to yet: the inbox then retries it with backoff, and the
``invitee.created`` that arrives meanwhile makes the retry succeed.

Order rules (see docs/calendly.md):
- terminal states stay terminal (``lifecycle``);
- a rescheduled cancel never cancels; the create carrying ``old_invitee`` moves the booking;
- no-show set/clear is ordered by the events' own times (``no_show_changed_at``);
- a cancel or no-show decides on its booking with the row locked and re-read (``booking_locks``),
  so it acts on what a Stripe handler holding that lock (canceling or confirming it) committed;
- a create for an invitee Calendly has since canceled or rescheduled (asked from the API, only
  when nothing local matches) ends in the same state as if the events had come in order.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app_under_test import booking_events
from app_under_test.booking_locks import lock_existing_booking
from app_under_test.booking_service import (
    SlotTaken,
    cancel_booking,
    claim_blocks,
    find_or_create_client,
    move_booking,
    new_public_id,
)
from app_under_test.calendly.lookup import booking_for_change, booking_for_create, by_invitee
from app_under_test.calendly.payload import Cancellation, InviteeChange, read_cancellation
from app_under_test.calendly.routing import link_submissions
from app_under_test.event_outcomes import Ignore, Unprocessable
from app_under_test.models import ACTIVE_STATUSES, Booking, BookingStatus, SessionType, SlotClaim
from app_under_test.timeutil import is_valid_zone

MAX_RESCHEDULE_CHAIN = 10


@dataclass(frozen=True)
class Outcome:
    """What one application changed: ``action`` is created, linked, moved, canceled, no_show_set or no_show_cleared."""

    action: str
    booking: str  # public id
    invitee: str
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class NotYetKnown(Exception):
    """No booking is linked to this invitee yet: retry later (its invitee.created may still be on its way)."""


class InviteeReader(Protocol):
    def invitee(self, uri: str) -> dict[str, Any] | None:
        """Calendly's current invitee resource, or None if it does not exist (``None`` reader: not asked)."""


def _link(booking: Booking, change: InviteeChange) -> bool:
    if (booking.calendly_invitee_uri, booking.calendly_event_uri) == (change.uri, change.event_uri):
        return False
    booking.calendly_invitee_uri, booking.calendly_event_uri = change.uri, change.event_uri
    return True


def invitee_created(session: Session, change: InviteeChange, calendly: InviteeReader | None) -> Outcome | None:
    booking = booking_for_create(session, change)
    if booking is None:
        return _create_from_calendly(session, change, calendly)
    if booking.calendly_invitee_uri not in (None, change.uri) and change.old_invitee:
        return _move(session, booking, change)
    linked = _link(booking, change)
    link_submissions(session, change, booking.client_id)
    return Outcome("linked", booking.public_id, change.uri) if linked else None


def _move(session: Session, booking: Booking, change: InviteeChange) -> Outcome:
    """The new half of a reschedule: same booking, new time, new invitee."""
    if booking.status not in ACTIVE_STATUSES:
        raise Ignore(f"booking {booking.public_id} is {booking.status.value}; a reschedule cannot revive it")
    if booking.start_at != change.start or booking.end_at != change.end:
        try:
            move_booking(session, booking, change.start, change.end)
        except SlotTaken as exc:
            raise Unprocessable(f"rescheduling booking {booking.public_id}: {exc.message}") from exc
    _link(booking, change)
    link_submissions(session, change, booking.client_id)
    return Outcome("moved", booking.public_id, change.uri, f"now at {change.start.isoformat()}")


def _session_type(session: Session, event_type_uri: str) -> SessionType:
    session_type = session.scalar(select(SessionType).where(SessionType.calendly_event_type_uri == event_type_uri))
    if session_type is None:
        raise Ignore(f"event type {event_type_uri} is not one of this marketplace's session types")
    return session_type


def _current_state(change: InviteeChange, calendly: InviteeReader | None) -> dict[str, Any] | None:
    """Calendly's invitee now, when it might differ from this (older) snapshot."""
    return calendly.invitee(change.uri) if calendly is not None else None


def _create_from_calendly(session: Session, change: InviteeChange, calendly: InviteeReader | None) -> Outcome:
    """Nothing here matches: the client booked on Calendly directly. Book it here from Calendly's data."""
    session_type = _session_type(session, change.event_type_uri)
    current = _current_state(change, calendly) or {}
    successor, hops = current, 0
    # Only an answer from Calendly starts a chain: without a reader ``current`` is empty.
    while (
        calendly is not None
        and successor.get("rescheduled")
        and successor.get("new_invitee")
        and hops < MAX_RESCHEDULE_CHAIN
    ):
        moved = by_invitee(session, successor["new_invitee"])
        if moved is not None:  # the reschedule's new half came first and is booked already
            raise Ignore(f"{change.uri} was rescheduled; booking {moved.public_id} holds its successor")
        successor, hops = (calendly.invitee(successor["new_invitee"]) or {}), hops + 1
    booking = _new_booking(session, session_type, change)
    outcome = Outcome("created", booking.public_id, change.uri, "booked on Calendly directly")
    if current.get("status") == "canceled" and not current.get("rescheduled"):
        # Calendly canceled it before this create was applied: end as the in-order events would.
        cancellation = read_cancellation(current.get("cancellation")) or Cancellation(None, None, None, None)
        _cancel(session, booking, cancellation, change.occurred_at)
        outcome = Outcome("created", booking.public_id, change.uri, "booked and already canceled on Calendly")
    return outcome


def _new_booking(session: Session, session_type: SessionType, change: InviteeChange) -> Booking:
    builder = session_type.builder
    zone = change.timezone if is_valid_zone(change.timezone) else builder.timezone
    client = find_or_create_client(session, change.name, change.email, zone)
    booking = Booking(
        public_id=new_public_id(),
        builder_id=builder.id,
        session_type_id=session_type.id,
        client_id=client.id,
        start_at=change.start,
        end_at=change.end,
        client_timezone=zone,
        status=BookingStatus.CONFIRMED,
        status_changed_at=change.occurred_at,
        price_cents=session_type.price_cents,
        currency=session_type.currency,
        calendly_event_uri=change.event_uri,
        calendly_invitee_uri=change.uri,
        source="calendly",
    )
    booking.claims = [SlotClaim(builder_id=builder.id, block_start=b) for b in claim_blocks(change.start, change.end)]
    savepoint = session.begin_nested()
    session.add(booking)
    try:
        session.flush()
    except IntegrityError as exc:  # the slot_claims key refuses an overlap with a booking made here
        savepoint.rollback()
        raise Unprocessable(
            f"Calendly booked {change.start.isoformat()} for {change.email}, but that time "
            f"overlaps another booking of {builder.slug} here"
        ) from exc
    savepoint.commit()
    booking_events.publish(session, booking_events.BookingConfirmed(booking))
    link_submissions(session, change, client.id)
    return booking


def _cancel(session: Session, booking: Booking, cancellation: Cancellation, fallback_at: datetime) -> bool:
    return cancel_booking(
        session,
        booking,
        reason=cancellation.reason,
        canceled_by=cancellation.canceled_by,
        canceler_type=cancellation.canceler_type,
        at=cancellation.at or fallback_at,
    )


def _locked_for_change(session: Session, change: InviteeChange) -> Booking:
    """The booking a cancel or no-show applies to, its row locked and re-read: what it decides on is what the
    last transaction to change the booking (a Stripe handler canceling it, say) committed."""
    booking = booking_for_change(session, change)
    if booking is None:
        raise NotYetKnown(f"no booking is linked to {change.uri} yet")
    return lock_existing_booking(session, booking.id)


def invitee_canceled(session: Session, change: InviteeChange) -> Outcome | None:
    if change.rescheduled:
        raise Ignore(f"rescheduled, not canceled: the invitee.created of {change.new_invitee} moves the booking")
    booking = _locked_for_change(session, change)
    _link(booking, change)
    cancellation = change.cancellation or Cancellation(None, None, None, None)
    if not _cancel(session, booking, cancellation, change.occurred_at):
        return None
    return Outcome("canceled", booking.public_id, change.uri, f"by {cancellation.canceled_by}: {cancellation.reason}")


def no_show_changed(
    session: Session, change: InviteeChange, *, no_show: bool, at: datetime | None = None
) -> Outcome | None:
    """Set or clear the flag as of ``at`` (default: the event's time); an older change never wins."""
    at = at or change.occurred_at
    booking = _locked_for_change(session, change)
    if booking.no_show_changed_at is not None and at < booking.no_show_changed_at:
        raise Ignore(f"stale: a newer no-show change ({booking.no_show_changed_at.isoformat()}) was applied")
    _link(booking, change)
    changed = booking.no_show != no_show
    booking.no_show, booking.no_show_changed_at = no_show, at
    return Outcome("no_show_set" if no_show else "no_show_cleared", booking.public_id, change.uri) if changed else None
