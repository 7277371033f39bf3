"""What happens *because* a booking changed: one function per change, called inside the
transaction that made the change.

Side effects that leave the process (mails, refunds) are not performed here:
they are queued (outbox rows, refund requests) in the same transaction, so they
happen exactly once if and only if the change commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app_under_test.mail import notices
from app_under_test.models import Booking


def booking_confirmed(session: Session, booking: Booking) -> None:
    """A booking became confirmed (free/pathway at once, paid once the payment arrived)."""
    notices.booking_confirmed(session, booking)


def paid_booking_confirmed(session: Session, booking: Booking, payment) -> None:
    """Stripe confirmed the money of a held booking, which is now confirmed: the confirmations and the
    receipt (``payment`` is the ``models.Payment`` row)."""
    notices.paid_booking_confirmed(session, booking, payment)


def booking_canceled(session: Session, booking: Booking, *, canceler_type: str | None) -> None:
    """A booking was canceled by the client, the builder, or Calendly on their behalf (its paid
    payments are already queued for refund by ``booking_service.cancel_booking``)."""
    notices.booking_canceled(session, booking, canceler_type=canceler_type)


def booking_moved(session: Session, booking: Booking, *, previous_start: datetime) -> None:
    """A booking was rescheduled to a new time (not a cancellation)."""
    notices.booking_moved(session, booking, previous_start=previous_start)


def booking_expired(session: Session, booking: Booking) -> None:
    """A payment hold ran out; the slot was released."""


def payment_refunded(session: Session, booking: Booking, refund, *, reason: str) -> None:
    """Money went back to the client (``refund`` is the ``models.Refund`` row): cancellation or late payment."""
    notices.payment_refunded(session, booking, refund)
