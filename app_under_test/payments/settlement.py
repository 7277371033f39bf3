"""Applying what Stripe says about a Checkout Session to its booking, idempotently and in any order.

Webhook handlers and the hold sweep's reconciliation call these inside one
transaction, with the booking row locked and the payment read after the lock
(``records.locked``, ``records.locked_checkout``). Each
returns a short sentence of what changed ("" when nothing did), so applying
the same news twice (a duplicate delivery, Stripe's two events for one change,
the sweep finding what a webhook already said) is a no-op.

The rules:
- paid, booking held   -> payment paid; the slot is booked with the calendar; booking confirmed.
- paid, but the session's ``amount_total``/``currency`` differ from the booking's price (Stripe's fulfilment
  guidance: check what was paid, not only that something was) -> the payment records what was actually
  taken, is refunded in full (``amount_mismatch``), the booking is canceled unconfirmed, and the operator is
  told (the ``payment_amount_mismatch`` log line; ``GET /admin/api/payments/mismatches``).
- paid, booking released (expired/canceled) -> the money goes back (``late_payment``), booking stays released.
- paid, booking confirmed by another payment -> the second payment goes back (``duplicate_payment``).
- paid, calendar refuses the time -> refunded (``slot_unavailable``) and the booking is canceled.
- session expired -> the payment is expired; the hold is released only if it was the booking's latest attempt
  (an attempt replaced by "pay again" expires without touching the booking).
- a calendar that cannot be reached raises ``CalendarUnavailable``: nothing is applied, the inbox retries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.orm import Session

from app_under_test import booking_events
from app_under_test.availability import SlotProvider
from app_under_test.booking_service import SlotTaken, book_with_calendar, cancel_booking, release_slot
from app_under_test.lifecycle import transition
from app_under_test.models import Booking, BookingStatus, Payment
from app_under_test.payments import money
from app_under_test.payments.records import payments_of
from app_under_test.payments.refunds import request_refund, settle_refunded
from app_under_test.timeutil import utcnow

CALENDAR_REFUSED = "The calendar no longer offers this time; your payment has been refunded in full."
AMOUNT_MISMATCH = "amount_mismatch"  # the failure code and refund reason of a payment that was not the price

log = structlog.get_logger("payments")


def _touch(payment: Payment, now: datetime) -> None:
    payment.updated_at = now


def checkout_paid(
    session: Session,
    booking: Booking,
    payment: Payment,
    checkout: dict[str, Any],
    provider: SlotProvider,
    *,
    now: datetime | None = None,
) -> str:
    """The session completed with the money received (``payment_status == "paid"``)."""
    now = now or utcnow()
    if payment.status in ("paid", "refunded"):
        return ""
    outcome = _settle_paid(session, booking, payment, checkout, provider, now)
    # Stripe does not keep its events in order: a refund (made on the Dashboard, say) may have been told first.
    settle_refunded(session, payment, now)
    return outcome


def _settle_paid(
    session: Session,
    booking: Booking,
    payment: Payment,
    checkout: dict[str, Any],
    provider: SlotProvider,
    now: datetime,
) -> str:
    payment.status = "paid"
    payment.payment_intent_id = payment.payment_intent_id or checkout.get("payment_intent")
    payment.failure_code = None
    _touch(payment, now)
    paid_the_price = _paid_the_price(booking, payment, checkout)
    if not paid_the_price:
        return _refuse_mismatch(session, booking, payment, now, told_what_was_taken=paid_the_price is not None)
    if booking.status is BookingStatus.PENDING_PAYMENT:
        return _confirm(session, booking, payment, provider, now)
    if booking.status is BookingStatus.CONFIRMED:
        request_refund(session, payment, "duplicate_payment", now=now)
        return f"booking {booking.public_id} was already paid; this second payment is refunded"
    request_refund(session, payment, "late_payment", now=now)
    return f"payment arrived after booking {booking.public_id} was {booking.status.value}; refunded"


def _paid_the_price(booking: Booking, payment: Payment, checkout: dict[str, Any]) -> bool | None:
    """Whether Stripe took exactly the booking's price, None when the session does not say what was taken; the
    payment row is made to say what was taken."""
    amount, currency = checkout.get("amount_total"), checkout.get("currency")
    if isinstance(amount, int) and not isinstance(amount, bool) and isinstance(currency, str) and currency:
        payment.amount_cents, payment.currency = amount, currency.lower()[:3]
        return (amount, currency.lower()) == (booking.price_cents, booking.currency.lower())
    return None  # a completed session always carries both; without them nothing proves what was paid


def _refuse_mismatch(
    session: Session, booking: Booking, payment: Payment, now: datetime, *, told_what_was_taken: bool
) -> str:
    """Money that is not the price confirms nothing: it all goes back, and a held booking is canceled. A session
    that does not say what was taken is treated the same way: nothing proves the price was paid."""
    payment.failure_code = AMOUNT_MISMATCH
    price = money.format_amount(booking.price_cents, booking.currency)
    paid = money.format_amount(payment.amount_cents, payment.currency) if told_what_was_taken else "an unknown amount"
    log.error(
        "payment_amount_mismatch",
        booking=booking.public_id,
        checkout_session=payment.checkout_session_id,
        expected_amount=booking.price_cents,
        expected_currency=booking.currency,
        paid_amount=payment.amount_cents if told_what_was_taken else None,
        paid_currency=payment.currency if told_what_was_taken else None,
        booking_status=booking.status.value,
    )
    request_refund(session, payment, AMOUNT_MISMATCH, now=now)
    if booking.status is not BookingStatus.PENDING_PAYMENT:
        return f"payment of {paid} for booking {booking.public_id} ({booking.status.value}) is not its price; refunded"
    taken = f"Stripe took {paid} where" if told_what_was_taken else "Stripe did not tell us what it took, and"
    reason = (
        f"{taken} this session costs {price}, so we did not confirm the booking "
        f"and are refunding your payment in full. Please book again."
    )
    cancel_booking(session, booking, reason=reason, canceled_by="payments", at=now)
    return f"payment of {paid} for booking {booking.public_id} is not its price {price}; canceled and refunded"


def _confirm(session: Session, booking: Booking, payment: Payment, provider: SlotProvider, now: datetime) -> str:
    try:
        book_with_calendar(booking, provider)
    except SlotTaken:
        request_refund(session, payment, "slot_unavailable", now=now)
        cancel_booking(session, booking, reason=CALENDAR_REFUSED, canceled_by="calendar", at=now)
        return f"the calendar refused booking {booking.public_id}; canceled and refunded"
    transition(booking, BookingStatus.CONFIRMED, at=now)
    booking_events.publish(session, booking_events.PaidBookingConfirmed(booking, payment))
    return f"booking {booking.public_id} paid and confirmed"


def checkout_awaiting_payment(
    session: Session, payment: Payment, checkout: dict[str, Any], *, now: datetime | None = None
) -> str:
    """Completed with a delayed method (bank debit): the money is on its way; the hold is kept."""
    now = now or utcnow()
    if payment.status != "open" or payment.payment_intent_id:
        return ""
    payment.payment_intent_id = checkout.get("payment_intent")
    _touch(payment, now)
    return "payment processing; hold kept until it settles"


def checkout_payment_failed(
    session: Session, payment: Payment, failure_code: str | None, *, now: datetime | None = None
) -> str:
    """A delayed payment did not settle: the attempt failed; the hold stays until it runs out."""
    now = now or utcnow()
    if payment.status != "open":
        return ""
    payment.status, payment.failure_code = "failed", failure_code or payment.failure_code
    _touch(payment, now)
    return "delayed payment failed"


def checkout_expired(session: Session, booking: Booking, payment: Payment, *, now: datetime | None = None) -> str:
    now = now or utcnow()
    changed = ""
    if payment.status == "open":
        payment.status = "expired"
        _touch(payment, now)
        changed = "checkout session expired"
    latest = payments_of(session, booking.id)[-1]
    if (
        booking.status is BookingStatus.PENDING_PAYMENT
        and latest.id == payment.id
        and payment.status in ("expired", "failed")
    ):
        release_hold(session, booking, now=now)
        changed = f"hold of booking {booking.public_id} released"
    return changed


def release_hold(session: Session, booking: Booking, *, now: datetime | None = None) -> None:
    """The hold ran out without payment: the booking expires and its slot is offered again."""
    transition(booking, BookingStatus.EXPIRED, at=now or utcnow())
    release_slot(booking)
    booking_events.publish(session, booking_events.BookingExpired(booking))


def attempt_declined(
    session: Session,
    payment: Payment,
    failure_code: str | None,
    payment_intent_id: str | None,
    *,
    now: datetime | None = None,
) -> str:
    """A card was declined (or 3-D Secure failed): the session stays open for another try."""
    now = now or utcnow()
    payment.payment_intent_id = payment.payment_intent_id or payment_intent_id
    # Recorded whenever it arrives (an expiry may be applied first); a payment that went through has no failure.
    if payment.status in ("paid", "refunded") or payment.failure_code == failure_code:
        return ""
    payment.failure_code = failure_code
    _touch(payment, now)
    return f"attempt declined ({failure_code})"


def card_charged(session: Session, payment: Payment, last4: str | None, payment_intent_id: str | None) -> str:
    payment.payment_intent_id = payment.payment_intent_id or payment_intent_id
    if not last4 or payment.card_last4 == last4:
        return ""
    payment.card_last4 = last4
    return f"card ending {last4}"
