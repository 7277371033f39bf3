"""Which local booking a Calendly invitee is about.

The rule, in order:

1. the booking linked to the invitee's URI;
2. the booking whose public id the invitee carries in ``tracking.utm_content``
   (every invitee this app books carries it; a reschedule keeps it);
3. for a reschedule's new half, the booking linked to ``old_invitee``;
4. a match: same session type (by the event type), same start, same client
   email, not yet linked to any invitee, and exactly one such booking.

A create may take any of these. A cancel or a no-show only takes a booking
already linked to *this* invitee (or one not linked to any yet): if the
booking is still linked to the invitee it was rescheduled from, the create
that moves it has not been applied, and the change waits for it.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app_under_test.booking_locks import lock_booking_ref
from app_under_test.calendly.payload import InviteeChange
from app_under_test.models import Booking, Client, SessionType


def by_invitee(session: Session, uri: str | None) -> Booking | None:
    if not uri:
        return None
    return session.scalar(select(Booking).where(Booking.calendly_invitee_uri == uri))


def _by_invitee_or_reference(session: Session, change: InviteeChange) -> tuple[Booking | None, Booking | None]:
    """Rules 1 and 2 in one query (the common case: one round trip)."""
    ref = change.booking_ref
    clauses = [Booking.calendly_invitee_uri == change.uri] + ([Booking.public_id == ref] if ref else [])
    rows = session.scalars(select(Booking).where(or_(*clauses))).all()
    linked = next((b for b in rows if b.calendly_invitee_uri == change.uri), None)
    referenced = next((b for b in rows if ref and b.public_id == ref), None)
    if ref and referenced is None and linked is None:
        # The booking may be committing right now (Calendly answers the booking call and sends
        # invitee.created at once): wait for that transaction, then look again.
        lock_booking_ref(session, ref)
        referenced = session.scalar(select(Booking).where(Booking.public_id == ref))
    return linked, referenced


def by_match(session: Session, change: InviteeChange) -> Booking | None:
    candidates = session.scalars(
        select(Booking)
        .join(SessionType, Booking.session_type_id == SessionType.id)
        .join(Client, Booking.client_id == Client.id)
        .where(
            SessionType.calendly_event_type_uri == change.event_type_uri,
            Booking.start_at == change.start,
            Client.email == change.email,
            Booking.calendly_invitee_uri.is_(None),
        )
    ).all()
    return candidates[0] if len(candidates) == 1 else None


def booking_for_create(session: Session, change: InviteeChange) -> Booking | None:
    linked, referenced = _by_invitee_or_reference(session, change)
    if linked is not None:
        return linked
    if referenced is not None and referenced.calendly_invitee_uri in (None, change.uri, change.old_invitee):
        return referenced
    return by_invitee(session, change.old_invitee) or by_match(session, change)


def booking_for_change(session: Session, change: InviteeChange) -> Booking | None:
    """The booking a cancel or no-show of this invitee applies to, or None (not known here yet)."""
    linked, referenced = _by_invitee_or_reference(session, change)
    if linked is not None:
        return linked
    if referenced is not None:
        return referenced if referenced.calendly_invitee_uri is None else None
    return by_match(session, change)
