"""Reminders for sessions starting soon: run from cron, as often as you like.

Each run queues a reminder for every confirmed booking starting within the
window; the reminder's idempotency key (booking + start time) makes every run
after the first a no-op for that booking, so "exactly once" holds however often
cron fires, and a booking moved to a new time gets a reminder for that time.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select

from app_under_test.db import Database
from app_under_test.mail import notices
from app_under_test.models import Booking, BookingStatus

DEFAULT_WINDOW = timedelta(hours=24)
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


def parse_window(text: str) -> timedelta:
    """``"24h"``, ``"90m"``, ``"1d"``, ``"1h30m"`` or a bare number of hours."""
    text = text.strip().lower()
    if text.isdigit():
        return timedelta(hours=int(text))
    match = _DURATION.match(text)
    if not text or not match:
        raise ValueError(f"not a duration: {text!r} (try 24h, 90m or 1d)")
    days, hours, minutes = (int(part or 0) for part in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def queue_reminders(db: Database, *, now: datetime, within: timedelta) -> dict[str, int]:
    """Queue reminders for bookings starting in ``(now, now + within]``; sent once the transaction commits."""
    if within <= timedelta(0):
        raise ValueError("the window must be positive")
    counts = {"queued": 0, "already_queued": 0}
    with db.transaction() as session:
        bookings = session.scalars(
            select(Booking)
            .where(Booking.status == BookingStatus.CONFIRMED, Booking.start_at > now, Booking.start_at <= now + within)
            .order_by(Booking.start_at, Booking.id)
        ).all()
        for booking in bookings:
            counts["queued" if notices.reminder(session, booking, now=now) else "already_queued"] += 1
    return counts
