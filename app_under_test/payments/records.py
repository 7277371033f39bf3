"""Reading and locking the payment rows of a booking.

Every change to a booking's payments happens with the booking row locked
(``booking_locks.lock_booking``: ``SELECT ... FOR UPDATE`` on PostgreSQL; on
SQLite every writing transaction already holds the database's one write lock).
Locking the booking, never a payment first, gives one lock order for the webhook
handlers, "pay again" and the hold sweep, so they serialise instead of
deadlocking, and a handler always sees the payment rows the others committed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from app_under_test.booking_locks import WITH_PARTIES, lock_existing_booking
from app_under_test.models import Booking, Payment, Refund
from app_under_test.timeutil import iso_z


def locked(session: Session, payment: Payment) -> tuple[Booking, Payment]:
    """Lock the payment's booking, then re-read the payment as other transactions left it."""
    booking = lock_existing_booking(session, payment.booking_id)
    session.refresh(payment)
    return booking, payment


def locked_checkout(session: Session, checkout_session_id: str) -> tuple[Booking, Payment] | None:
    """The booking and payment of a Checkout Session, both locked, in one query; None when no payment has it.

    PostgreSQL locks a row's marks in FROM order (the booking, then its payment), the same order every
    other path takes (booking first, its payments when it updates them), and after waiting for a lock it
    re-reads both rows, so what comes back is what the other transaction committed."""
    row = session.execute(
        select(Booking, Payment)
        .join(Payment, Payment.booking_id == Booking.id)
        .where(Payment.checkout_session_id == checkout_session_id)
        .options(*WITH_PARTIES)
        .with_for_update(of=(Booking, Payment))
        .execution_options(populate_existing=True)
    ).first()
    return (row[0], row[1]) if row is not None else None


def booking_by_public_id(session: Session, public_id: str) -> Booking | None:
    return session.scalar(select(Booking).where(Booking.public_id == public_id))


def payments_of(session: Session, booking_id: int) -> list[Payment]:
    return list(
        session.scalars(
            select(Payment)
            .where(Payment.booking_id == booking_id)
            .order_by(Payment.id)
            .execution_options(populate_existing=True)
        )
    )


def payment_for_checkout(session: Session, checkout_session_id: str) -> Payment | None:
    return session.scalar(
        select(Payment)
        .where(Payment.checkout_session_id == checkout_session_id)
        .execution_options(populate_existing=True)
    )


def payment_for_intent(session: Session, payment_intent_id: str) -> Payment | None:
    return session.scalar(
        select(Payment).where(Payment.payment_intent_id == payment_intent_id).execution_options(populate_existing=True)
    )


def refunds_of(session: Session, payment_id: int) -> list[Refund]:
    return list(
        session.scalars(
            select(Refund)
            .where(Refund.payment_id == payment_id)
            .order_by(Refund.id)
            .execution_options(populate_existing=True)
        )
    )


def main_payment(payments: list[Payment]) -> Payment | None:
    """The payment that speaks for the booking: one that took money if any, else the latest attempt."""
    for payment in reversed(payments):
        if payment.status in ("paid", "refunded"):
            return payment
    return payments[-1] if payments else None


def payment_json(booking: Booking) -> dict[str, Any] | None:
    """The ``payment`` block of the public booking JSON (None for bookings that never had a payment)."""
    session = object_session(booking)
    if session is None:
        return None
    attempts = payments_of(session, booking.id)
    payment = main_payment(attempts)
    if payment is None:
        return None
    refunds = refunds_of(session, payment.id)
    return {
        "status": payment.status,
        "amount_cents": payment.amount_cents,
        "currency": payment.currency,
        "refunded_cents": sum(r.amount_cents for r in refunds if r.status == "succeeded"),
        "refund_pending": any(r.status == "pending" for r in refunds),
        "refund_failed": any(r.status == "failed" for r in refunds),
        "refund_reasons": sorted({r.reason for r in refunds}),
        "last4": payment.card_last4,
        "failure_code": payment.failure_code,
        "checkout_session_id": payment.checkout_session_id,
        "attempts": len(attempts),
        "updated_at": iso_z(payment.updated_at),
    }
