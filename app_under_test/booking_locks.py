"""The two locks a booking has: its row, and its reference while it is being booked.

The booking row (``lock_booking``): every change to a booking's state, its
payments included, happens with the row locked (``SELECT ... FOR UPDATE``, the
row re-read as the last transaction that held the lock committed it), and the
change is decided on what that read returns. Stripe's handlers, settlement,
"pay again", the hold sweep and Calendly's cancel and no-show handlers all take
it, booking first, so they serialise instead of deadlocking, and none acts on a
status another has just changed (a booking canceled twice, a second
cancellation mail). SQLite ignores ``FOR UPDATE``: there every writing
transaction already holds the database's one write lock from BEGIN to COMMIT.

The booking reference (``lock_booking_ref``): booking through Calendly makes
Calendly send ``invitee.created`` at once, often before the booking's own
transaction has committed. The webhook handler then cannot see the booking yet
and would take it for a booking made elsewhere. Both sides therefore take this
lock: the booking transaction before it calls the calendar, the handler before
it concludes that a booking carrying our reference does not exist. On
PostgreSQL it is a transaction-scoped advisory lock; SQLite needs none, for the
same reason as above.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select, text
from sqlalchemy.orm import Session, joinedload

from app_under_test.models import Booking

# The booking's client and session type come in the same locking query: confirming needs them for the calendar.
WITH_PARTIES = (joinedload(Booking.client, innerjoin=True), joinedload(Booking.session_type, innerjoin=True))


def lock_booking(session: Session, booking_id: int) -> Booking | None:
    """The booking, its row locked until commit or rollback, as the last holder of the lock committed it."""
    return session.scalar(
        select(Booking)
        .where(Booking.id == booking_id)
        .options(*WITH_PARTIES)
        .with_for_update(of=Booking)
        .execution_options(populate_existing=True)
    )


def lock_existing_booking(session: Session, booking_id: int) -> Booking:
    """``lock_booking`` for a booking that must exist: one a payment, refund, queued job or lookup points at."""
    booking = lock_booking(session, booking_id)
    if booking is None:
        raise LookupError(f"no booking {booking_id} to lock")
    return booking


def lock_key(booking_ref: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_xact_lock``."""
    return int.from_bytes(hashlib.sha256(f"booking:{booking_ref}".encode()).digest()[:8], "big", signed=True)


def lock_booking_ref(session: Session, booking_ref: str) -> None:
    """Block until no other transaction holds ``booking_ref``; released at commit or rollback."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(booking_ref)})
