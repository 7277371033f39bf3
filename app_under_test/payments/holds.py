"""Releasing holds whose time ran out (``booking-app payments expire-holds``, run from cron every minute).

For each held booking past its ``hold_expires_at``, with the booking locked:
its open Checkout Sessions are expired through the API first, so none can be
paid afterwards. If Stripe says a session is already complete, the hold is
kept and the session is reconciled from the API (the webhook saying so may have
been lost or refused): paid -> the booking is confirmed as the webhook would
have done (or refunded, when what was paid is not the booking's price); still
settling (a bank debit) -> the hold waits for it. If Stripe
cannot be asked, the hold is released anyway: a builder's time is not held
hostage by an outage, and a payment that still arrives is refunded
automatically (``settlement.checkout_paid``). Running it twice changes nothing
the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import stripe
import structlog
from sqlalchemy import select

from app_under_test.availability import SlotProvider
from app_under_test.booking_locks import lock_existing_booking
from app_under_test.db import Database
from app_under_test.models import Booking, BookingStatus
from app_under_test.payments import settlement
from app_under_test.payments.checkout import expire_open_sessions
from app_under_test.payments.gateway import ProviderError, ProviderUnavailable, classify
from app_under_test.payments.records import payments_of
from app_under_test.payments.refunds import issue_requested
from app_under_test.timeutil import utcnow

log = structlog.get_logger("payments")


@dataclass
class SweepReport:
    released: list[str] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # paid, but not the booking's price: refunded, not confirmed
    kept: list[str] = field(default_factory=list)
    released_without_stripe: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "released": self.released,
            "confirmed": self.confirmed,
            "refused": self.refused,
            "kept": self.kept,
            "released_without_stripe": self.released_without_stripe,
            "errors": self.errors,
        }


def overdue_holds(db: Database, as_of: datetime) -> list[int]:
    with db.reader() as session:
        return list(
            session.scalars(
                select(Booking.id)
                .where(Booking.status == BookingStatus.PENDING_PAYMENT, Booking.hold_expires_at <= as_of)
                .order_by(Booking.id)
            )
        )


def expire_holds(
    db: Database, client: stripe.StripeClient, provider: SlotProvider, *, as_of: datetime | None = None
) -> SweepReport:
    as_of = as_of or utcnow()
    report = SweepReport()
    for booking_id in overdue_holds(db, as_of):
        try:
            _sweep_one(db, client, provider, booking_id, as_of, report)
        except Exception as exc:  # one booking's trouble (a calendar outage) must not stop the sweep
            log.exception("hold_sweep_failed", booking_id=booking_id)
            report.errors.append(f"booking {booking_id}: {type(exc).__name__}: {exc}")
    issue_requested(db, client)
    return report


def _sweep_one(
    db: Database,
    client: stripe.StripeClient,
    provider: SlotProvider,
    booking_id: int,
    as_of: datetime,
    report: SweepReport,
) -> None:
    with db.transaction() as session:
        booking = lock_existing_booking(session, booking_id)
        held_until = booking.hold_expires_at
        if booking.status is not BookingStatus.PENDING_PAYMENT or held_until is None or held_until > as_of:
            return  # paid or released meanwhile
        try:
            completed = expire_open_sessions(session, booking, client, now=as_of)
        except ProviderUnavailable as exc:
            log.warning("hold_released_without_stripe", booking=booking.public_id, error=exc.message)
            for payment in payments_of(session, booking.id):
                if payment.status == "open":  # dead to this app; a payment that still arrives is refunded
                    payment.status, payment.updated_at = "expired", as_of
            settlement.release_hold(session, booking, now=as_of)
            report.released_without_stripe.append(booking.public_id)
            return
        for payment in completed:
            checkout = _retrieve(client, payment.checkout_session_id)
            if checkout is not None and checkout["payment_status"] == "paid":
                settlement.checkout_paid(session, booking, payment, checkout, provider, now=as_of)
                if _is_confirmed(booking):  # checkout_paid may have refused it (wrong amount)
                    report.confirmed.append(booking.public_id)
                else:
                    report.refused.append(booking.public_id)
                return
        if completed:
            report.kept.append(booking.public_id)
            return
        settlement.release_hold(session, booking, now=as_of)
        report.released.append(booking.public_id)


def _retrieve(client: stripe.StripeClient, checkout_session_id: str) -> dict[str, Any] | None:
    try:
        return client.v1.checkout.sessions.retrieve(checkout_session_id).to_dict()
    except stripe.StripeError as exc:
        problem: ProviderError = classify(exc)
        log.warning("checkout_not_reconciled", checkout_session=checkout_session_id, error=problem.message)
        return None


def _is_confirmed(booking: Booking) -> bool:
    return booking.status is BookingStatus.CONFIRMED
