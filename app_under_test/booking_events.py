"""What can happen to a booking, as events the domain publishes inside the transaction that made it.

Side effects that leave the process (mails, refunds) are not performed by the code that changes
a booking: subscribers registered in ``create_app`` (``payments.subscribers``,
``mail.subscribers``) queue them (refund requests, outbox rows) in the same transaction, so they
happen exactly once if and only if the change commits. See ``event_bus``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app_under_test import event_bus
from app_under_test.models import Booking, Payment, Refund


@dataclass(frozen=True)
class BookingConfirmed:
    """A booking became confirmed at once (free or pathway session)."""

    booking: Booking


@dataclass(frozen=True)
class PaidBookingConfirmed:
    """Stripe confirmed the money of a held booking, which is now confirmed."""

    booking: Booking
    payment: Payment


@dataclass(frozen=True)
class BookingCanceled:
    """A booking was canceled by the client, the builder, or Calendly on their behalf."""

    booking: Booking
    canceler_type: str | None


@dataclass(frozen=True)
class BookingMoved:
    """A booking was rescheduled to a new time (not a cancellation)."""

    booking: Booking
    previous_start: datetime


@dataclass(frozen=True)
class BookingExpired:
    """A payment hold ran out; the slot was released."""

    booking: Booking


@dataclass(frozen=True)
class PaymentRefunded:
    """Money went back to the client: cancellation or late payment."""

    booking: Booking
    refund: Refund
    reason: str


def publish(session: Session, event: object) -> None:
    event_bus.publish(session, event)
