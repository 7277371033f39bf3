"""Creating and changing bookings: the rules of the brief, in one place.

Views call these functions inside a transaction; every rule violation raises a
``BookingError`` carrying an HTTP status and a sentence for the client, and the
transaction rolls back, so a refused booking leaves nothing behind.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from app_under_test import booking_events
from app_under_test.availability import MINIMUM_NOTICE, Invitee, SlotProvider, SlotUnavailable
from app_under_test.booking_locks import lock_booking_ref
from app_under_test.lifecycle import transition
from app_under_test.models import (
    CLAIM_BLOCK_MINUTES,
    Booking,
    BookingStatus,
    Client,
    Pathway,
    SessionKind,
    SessionType,
    SlotClaim,
)
from app_under_test.timeutil import iso_z, utcnow

log = structlog.get_logger("booking")


class BookingError(Exception):
    status = 422
    code = "invalid_booking"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SlotInPast(BookingError):
    code = "slot_in_past"


class SlotNotOffered(BookingError):
    code = "slot_not_offered"


class SlotTaken(BookingError):
    status = 409
    code = "slot_taken"


class SignInRequired(BookingError):
    status = 401
    code = "sign_in_required"


class PathwayRequired(BookingError):
    code = "pathway_required"


@dataclass(frozen=True)
class BookingRequest:
    session_type: SessionType
    start_at: datetime  # aware UTC
    client_name: str
    client_email: str
    client_timezone: str
    account: Client | None = None  # the signed-in client, if any
    pathway_slug: str | None = None


def new_public_id() -> str:
    return secrets.token_urlsafe(12)


def claim_blocks(start: datetime, end: datetime) -> list[datetime]:
    block = timedelta(minutes=CLAIM_BLOCK_MINUTES)
    blocks, cursor = [], start
    while cursor < end:
        blocks.append(cursor)
        cursor += block
    return blocks


def taken_blocks(session: Session, builder_id: int, start: datetime, end: datetime) -> set[datetime]:
    rows = session.scalars(
        select(SlotClaim.block_start).where(
            SlotClaim.builder_id == builder_id,
            SlotClaim.block_start >= start - timedelta(hours=8),
            SlotClaim.block_start < end,
        )
    )
    return set(rows)


def is_free(start: datetime, end: datetime, taken: set[datetime]) -> bool:
    return not any(block in taken for block in claim_blocks(start, end))


def find_or_create_client(session: Session, name: str, email: str, timezone: str) -> Client:
    email = email.strip().lower()
    client = session.scalar(select(Client).where(Client.email == email))
    if client is None:
        client = Client(email=email, name=name.strip(), timezone=timezone)
        session.add(client)
        session.flush()
    return client


def create_booking(
    session: Session,
    request: BookingRequest,
    provider: SlotProvider,
    *,
    hold_minutes: int = 30,
    now: datetime | None = None,
) -> Booking:
    now = now or utcnow()
    session_type = request.session_type
    if request.start_at < now + MINIMUM_NOTICE:
        raise SlotInPast("That time has already passed (or is less than an hour away); please pick a later slot.")

    pathway = None
    if session_type.kind is SessionKind.PATHWAY:
        if request.account is None:
            raise SignInRequired("Pathway sessions are for signed-in clients; please sign in first.")
        pathway = session.scalar(select(Pathway).where(Pathway.slug == (request.pathway_slug or "")))
        if pathway is None:
            raise PathwayRequired("Please choose the pathway this session is for.")

    end_at = request.start_at + timedelta(minutes=session_type.duration_minutes)
    client = request.account or find_or_create_client(
        session, request.client_name, request.client_email, request.client_timezone
    )
    paid = session_type.kind is SessionKind.PAID
    booking = Booking(
        public_id=new_public_id(),
        builder_id=session_type.builder_id,
        session_type_id=session_type.id,
        client_id=client.id,
        pathway_id=pathway.id if pathway else None,
        start_at=request.start_at,
        end_at=end_at,
        client_timezone=request.client_timezone,
        status=BookingStatus.PENDING_PAYMENT if paid else BookingStatus.CONFIRMED,
        price_cents=session_type.price_cents if paid else 0,
        currency=session_type.currency,
        hold_expires_at=now + timedelta(minutes=hold_minutes) if paid else None,
    )
    booking.claims = [
        SlotClaim(builder_id=session_type.builder_id, block_start=b) for b in claim_blocks(request.start_at, end_at)
    ]
    session.add(booking)
    try:
        session.flush()  # the slot_claims primary key refuses an overlapping active booking here
    except IntegrityError as exc:
        raise SlotTaken("Someone has just booked that time; please pick another slot.") from exc

    # Asked only once the claims hold the time: a calendar that stopped offering it because a racing
    # booking here just took it must not turn that race's loser into "not offered" (the claims said 409).
    offered = provider.available_slots(session_type, request.start_at, request.start_at + timedelta(seconds=1))
    if not any(slot.start == request.start_at for slot in offered):
        raise SlotNotOffered("That time is not offered for this session; please pick one of the listed slots.")

    if not paid:
        # Free and pathway bookings go to the calendar now; paid ones once payment arrives.
        book_with_calendar(booking, provider)
        booking_events.publish(session, booking_events.BookingConfirmed(booking))
    return booking


def book_with_calendar(booking: Booking, provider: SlotProvider) -> None:
    invitee = Invitee(name=booking.client.name, email=booking.client.email, timezone=booking.client_timezone)
    session = object_session(booking)
    if session is not None:
        lock_booking_ref(session, booking.public_id)  # the calendar's webhook waits for this commit
    try:
        recorded = provider.book(booking.session_type, booking.start_at, invitee, booking.public_id)
    except SlotUnavailable as exc:
        # The client is only asked to pick again; the calendar's own reason is for the operator.
        log.info("calendar_refused_time", booking=booking.public_id, start=iso_z(booking.start_at), reason=str(exc))
        raise SlotTaken("The calendar no longer offers that time; please pick another slot.") from exc
    booking.calendly_event_uri = recorded.event_uri or booking.calendly_event_uri
    booking.calendly_invitee_uri = recorded.invitee_uri or booking.calendly_invitee_uri


def move_booking(session: Session, booking: Booking, new_start: datetime, new_end: datetime) -> datetime:
    """Reschedule: swap the slot claims; raises ``SlotTaken`` if the new time overlaps, the booking unchanged.

    The swap runs in a savepoint: a refused flush rolls back only the swap, so the caller's transaction stays
    usable (a webhook handler goes on to record the refusal instead of failing on a closed transaction).
    """
    previous = booking.start_at
    savepoint = session.begin_nested()
    try:
        booking.claims.clear()
        session.flush()
        booking.start_at, booking.end_at = new_start, new_end
        booking.claims = [
            SlotClaim(builder_id=booking.builder_id, block_start=b) for b in claim_blocks(new_start, new_end)
        ]
        session.flush()
    except IntegrityError as exc:
        savepoint.rollback()
        raise SlotTaken("The new time overlaps another booking of this builder.") from exc
    savepoint.commit()
    booking_events.publish(session, booking_events.BookingMoved(booking, previous_start=previous))
    return previous


def release_slot(booking: Booking) -> None:
    """Give the booking's time back to the builder's calendar (canceled or expired)."""
    booking.claims.clear()


def cancel_booking(
    session: Session,
    booking: Booking,
    *,
    reason: str | None,
    canceled_by: str | None,
    canceler_type: str | None = None,
    at: datetime | None = None,
) -> bool:
    """Cancel; returns False when it already was canceled or expired (idempotent)."""
    if booking.status in (BookingStatus.CANCELED, BookingStatus.EXPIRED):
        return False
    transition(booking, BookingStatus.CANCELED, at=at)
    booking.cancel_reason = reason
    booking.canceled_by = canceled_by
    release_slot(booking)
    booking_events.publish(session, booking_events.BookingCanceled(booking, canceler_type=canceler_type))
    return True
