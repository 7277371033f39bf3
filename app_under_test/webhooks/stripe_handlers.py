"""Stripe's payment events, one plain function each, behind one ``match``.

Handlers run inside the inbox's transaction (see ``inbox.process``) and apply
news through ``payments.settlement``, which locks the booking and applies each
change once, so duplicates (same event id: stopped by the inbox; a new id for
the same change: a no-op here) and any order are harmless. An event that names
no payment of this app is ``Unprocessable`` (a dead letter an operator can
see); an event with nothing to do is ``Ignore``d; a calendar outage raises, so
the inbox retries the whole event later.
"""

from __future__ import annotations

from typing import Any

import stripe
import structlog
from sqlalchemy.orm import Session

from app_under_test.booking_locks import lock_existing_booking
from app_under_test.event_outcomes import Ignore, Unprocessable
from app_under_test.models import Booking, Payment, WebhookEvent
from app_under_test.payments import settlement
from app_under_test.payments.gateway import app_client, classify
from app_under_test.payments.records import (
    booking_by_public_id,
    locked,
    locked_checkout,
    payment_for_checkout,
    payment_for_intent,
    payments_of,
)
from app_under_test.payments.refunds import record_stripe_refund
from app_under_test.providers import slot_provider
from app_under_test.timeutil import utcnow

log = structlog.get_logger("stripe")


def dispatch(session: Session, row: WebhookEvent, event: dict[str, Any]) -> None:
    obj = event["data"]["object"]
    match event["type"]:
        case "checkout.session.completed":
            outcome = checkout_completed(session, obj)
        case "checkout.session.async_payment_succeeded":
            outcome = async_payment_succeeded(session, obj)
        case "checkout.session.async_payment_failed":
            outcome = async_payment_failed(session, obj)
        case "checkout.session.expired":
            outcome = checkout_expired(session, obj)
        case "payment_intent.succeeded":
            outcome = payment_intent_succeeded(session, obj)
        case "payment_intent.payment_failed":
            outcome = payment_intent_failed(session, obj)
        case "charge.succeeded":
            outcome = charge_succeeded(session, obj)
        case "charge.refunded":
            outcome = charge_refunded(session, obj)
        case "refund.created" | "refund.updated" | "refund.failed":
            outcome = refund_changed(session, obj)
        case other:
            raise Ignore(f"no handler for Stripe event {other!r}")
    log.info("stripe_event_applied", event_id=row.id, event_type=row.event_type, outcome=outcome or "no change")


def checkout_completed(session: Session, checkout: dict[str, Any]) -> str:
    # The customer finished the hosted page: paid by card, or a delayed method started (payment_status unpaid).
    booking, payment = checkout_payment(session, checkout)
    if checkout.get("payment_status") == "paid":
        return settlement.checkout_paid(session, booking, payment, checkout, slot_provider())
    return settlement.checkout_awaiting_payment(session, payment, checkout)


def async_payment_succeeded(session: Session, checkout: dict[str, Any]) -> str:
    # A delayed payment (bank debit) of a completed session settled.
    booking, payment = checkout_payment(session, checkout)
    return settlement.checkout_paid(session, booking, payment, checkout, slot_provider())


def async_payment_failed(session: Session, checkout: dict[str, Any]) -> str:
    # A delayed payment of a completed session could not be collected.
    _booking, payment = checkout_payment(session, checkout)
    return settlement.checkout_payment_failed(session, payment, "async_payment_failed")


def checkout_expired(session: Session, checkout: dict[str, Any]) -> str:
    # The session reached expires_at unpaid, or this app (or anyone with the key) expired it through the API.
    booking, payment = checkout_payment(session, checkout)
    return settlement.checkout_expired(session, booking, payment)


def payment_intent_succeeded(session: Session, intent: dict[str, Any]) -> str:
    # The money was captured (the session's checkout.session.completed is what confirms the booking).
    _booking, payment = intent_payment(session, intent)
    return settlement.card_charged(session, payment, None, intent.get("id"))


def payment_intent_failed(session: Session, intent: dict[str, Any]) -> str:
    # A card was declined or 3-D Secure failed; the customer is still on the hosted page and may try again.
    error = intent.get("last_payment_error") or {}
    code = error.get("decline_code") or error.get("code")
    _booking, payment = intent_payment(session, intent)
    return settlement.attempt_declined(session, payment, code, intent.get("id"))


def charge_succeeded(session: Session, charge: dict[str, Any]) -> str:
    # A card charge went through (it carries the card's last four digits).
    details = charge.get("payment_method_details") or {}
    last4 = (details.get("card") or {}).get("last4") if details.get("type") == "card" else None
    _booking, payment = intent_payment(session, charge, charge.get("payment_intent"))
    return settlement.card_charged(session, payment, last4, charge.get("payment_intent"))


def charge_refunded(session: Session, charge: dict[str, Any]) -> str:
    # Some or all of a charge went back to the customer (by this app, or from the Dashboard).
    _booking, payment = intent_payment(session, charge, charge.get("payment_intent"))
    try:
        refunds = app_client().v1.refunds.list(params={"payment_intent": charge["payment_intent"], "limit": 100})
        listed = [refund.to_dict() for refund in refunds.auto_paging_iter()]
    except stripe.StripeError as exc:
        raise classify(exc) from exc  # the inbox retries once Stripe answers again
    return "; ".join(filter(None, (record_stripe_refund(session, payment, refund) for refund in listed)))


def refund_changed(session: Session, refund: dict[str, Any]) -> str:
    # A refund was created, or its status changed (pending -> succeeded; succeeded or pending -> failed).
    _booking, payment = intent_payment(session, refund, refund.get("payment_intent"))
    return record_stripe_refund(session, payment, refund)


# --- which payment an event is about (returned with its booking locked) ---------------------------


def checkout_payment(session: Session, checkout: dict[str, Any]) -> tuple[Booking, Payment]:
    """By the session id; else by ``metadata.bookingId``, then ``client_reference_id``, for a session this app
    opened but has no row for (the row is then made from the event). The session id comes first: it is the
    one reference this app wrote itself, where metadata could have been edited by anyone with the key."""
    checkout_id = checkout.get("id")
    found = locked_checkout(session, checkout_id) if isinstance(checkout_id, str) else None
    if found is not None:
        return found
    reference = (checkout.get("metadata") or {}).get("bookingId") or checkout.get("client_reference_id")
    booking = booking_by_public_id(session, reference) if isinstance(reference, str) and reference else None
    if booking is None or not isinstance(checkout_id, str) or not isinstance(checkout.get("amount_total"), int):
        raise Unprocessable(
            f"checkout session {checkout_id!r} is not one this app opened "
            f"(no payment row, metadata.bookingId or client_reference_id of a booking)"
        )
    booking = lock_existing_booking(session, booking.id)
    payment = payment_for_checkout(session, checkout_id)
    if payment is None:
        now = utcnow()
        payment = Payment(
            booking_id=booking.id,
            checkout_session_id=checkout_id,
            amount_cents=checkout["amount_total"],
            currency=str(checkout.get("currency") or booking.currency),
            status="open",
            created_at=now,
            updated_at=now,
        )
        session.add(payment)
        session.flush()
    return booking, payment


def intent_payment(session: Session, obj: dict[str, Any], intent_id: str | None = None) -> tuple[Booking, Payment]:
    """The payment of a PaymentIntent (or of a charge/refund naming one): by the intent id, else by the
    booking and attempt number the intent's metadata carries (charges copy their intent's metadata)."""
    intent_id = intent_id or obj.get("id")
    payment = payment_for_intent(session, intent_id) if isinstance(intent_id, str) else None
    if payment is not None:
        return locked(session, payment)
    metadata = obj.get("metadata") or {}
    reference, attempt = metadata.get("bookingId"), str(metadata.get("attempt") or "")
    booking = booking_by_public_id(session, reference) if isinstance(reference, str) and reference else None
    if booking is not None and attempt.isdigit():
        booking = lock_existing_booking(session, booking.id)
        attempts = payments_of(session, booking.id)
        if 0 < int(attempt) <= len(attempts) and attempts[int(attempt) - 1].payment_intent_id in (None, intent_id):
            return booking, attempts[int(attempt) - 1]
    raise Ignore(f"payment intent {intent_id!r} belongs to no payment of this app (yet)")
