"""One lock per booking reference, held from "tell the calendar" to commit.

Booking through Calendly makes Calendly send ``invitee.created`` at once, often
before the booking's own transaction has committed. The webhook handler then
cannot see the booking yet and would take it for a booking made elsewhere. Both
sides therefore take this lock: the booking transaction before it calls the
calendar, the handler before it concludes that a booking carrying our reference
does not exist. On PostgreSQL it is a transaction-scoped advisory lock; SQLite
needs none, because every writing transaction there already holds the single
write lock from BEGIN to COMMIT.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session


def lock_key(booking_ref: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_xact_lock``."""
    return int.from_bytes(hashlib.sha256(f"booking:{booking_ref}".encode()).digest()[:8], "big", signed=True)


def lock_booking_ref(session: Session, booking_ref: str) -> None:
    """Block until no other transaction holds ``booking_ref``; released at commit or rollback."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(booking_ref)})
