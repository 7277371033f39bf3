"""What payments do when a booking changes: a canceled paid booking gets its money back."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app_under_test.booking_events import BookingCanceled
from app_under_test.event_bus import EventBus
from app_under_test.payments.refunds import refund_paid_payments


def refund_on_cancel(session: Session, event: BookingCanceled) -> None:
    refund_paid_payments(session, event.booking, "canceled")


def subscribe(bus: EventBus) -> None:
    bus.subscribe(BookingCanceled, refund_on_cancel)
