"""Which mail each booking event queues (``notices`` composes them into the outbox)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app_under_test.booking_events import (
    BookingCanceled,
    BookingConfirmed,
    BookingMoved,
    PaidBookingConfirmed,
    PaymentRefunded,
)
from app_under_test.event_bus import EventBus
from app_under_test.mail import notices


def confirmed(session: Session, event: BookingConfirmed) -> None:
    notices.booking_confirmed(session, event.booking)


def paid_confirmed(session: Session, event: PaidBookingConfirmed) -> None:
    notices.paid_booking_confirmed(session, event.booking, event.payment)


def canceled(session: Session, event: BookingCanceled) -> None:
    notices.booking_canceled(session, event.booking, canceler_type=event.canceler_type)


def moved(session: Session, event: BookingMoved) -> None:
    notices.booking_moved(session, event.booking, previous_start=event.previous_start)


def refunded(session: Session, event: PaymentRefunded) -> None:
    notices.payment_refunded(session, event.booking, event.refund)


def subscribe(bus: EventBus) -> None:
    bus.subscribe(BookingConfirmed, confirmed)
    bus.subscribe(PaidBookingConfirmed, paid_confirmed)
    bus.subscribe(BookingCanceled, canceled)
    bus.subscribe(BookingMoved, moved)
    bus.subscribe(PaymentRefunded, refunded)
