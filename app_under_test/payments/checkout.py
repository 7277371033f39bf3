"""Opening a Stripe Checkout Session for a held booking.

The booking (``pending_payment``, its slot claimed) and the session are made
in ONE database transaction: the Stripe call happens after the booking row is
flushed and before the transaction commits, so a Stripe failure (after the
library's own retries) rolls everything back and leaves no booking, no claims
and no payment row. The session carries the session type's price and currency
in minor units, the booking's public id in ``metadata.bookingId``,
``client_reference_id`` and the PaymentIntent's metadata, and expires with the
hold (never sooner than the 30 minutes Stripe requires).

The idempotency key names the booking, the attempt and the expiry asked for:
stripe-python's own retries (and any re-run with the same parameters) replay
the first answer instead of opening a second session, and a re-run with other
parameters can never collide with an earlier key.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import stripe
from sqlalchemy.orm import Session
from stripe.params.checkout import SessionCreateParams

from app_under_test.booking_locks import lock_booking
from app_under_test.config import Config
from app_under_test.models import Booking, BookingStatus, Payment
from app_under_test.payments import money
from app_under_test.payments.gateway import ProviderRefused, classify
from app_under_test.payments.records import payments_of
from app_under_test.timeutil import utcnow

STRIPE_MIN_EXPIRY = timedelta(minutes=30)
EXPIRY_MARGIN = timedelta(minutes=1)  # the request reaches Stripe a moment after "now"
MAX_ATTEMPTS = 10  # checkout sessions per booking: "pay again" cannot hold a slot forever


class CannotPay(Exception):
    """This booking cannot take a payment now (not held any more, already paid, out of attempts)."""

    def __init__(self, code: str, message: str, *, open_checkout_url: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.open_checkout_url = open_checkout_url  # a payment page that can still be used, if any


def session_expiry(hold_end: datetime, now: datetime) -> int:
    """Unix time the session expires: the hold's end, but at least 31 minutes away, on a whole minute."""
    earliest = now + STRIPE_MIN_EXPIRY + EXPIRY_MARGIN
    return int(math.ceil(max(hold_end, earliest).timestamp() / 60) * 60)


def idempotency_key(booking: Booking, attempt: int, expires_at: int) -> str:
    return f"booking-{booking.public_id}-checkout-{attempt}-exp-{expires_at}"


def session_params(booking: Booking, config: Config, expires_at: int, attempt: int) -> SessionCreateParams:
    session_type = booking.session_type
    base = config.public_base_url.rstrip("/")
    amount = money.check_minor_units(booking.price_cents, booking.currency)
    return {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": booking.currency,
                    "unit_amount": amount,
                    "product_data": {
                        "name": f"{session_type.name} with {booking.builder.name}"[:250],
                        "description": f"{session_type.duration_minutes} minutes",
                    },
                },
                "quantity": 1,
            }
        ],
        "metadata": {"bookingId": booking.public_id},
        "client_reference_id": booking.public_id,
        "customer_email": booking.client.email,
        # The PaymentIntent's events name the booking and the attempt (PaymentIntents do not name their session).
        "payment_intent_data": {
            "metadata": {"bookingId": booking.public_id, "attempt": str(attempt)},
            "description": f"Booking {booking.public_id}",
        },
        "success_url": f"{base}/bookings/{booking.public_id}/paid?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{base}/bookings/{booking.public_id}/payment-canceled",
        "expires_at": expires_at,
    }


def open_checkout(
    session: Session, booking: Booking, client: stripe.StripeClient, config: Config, *, now: datetime | None = None
) -> Payment:
    """Create the Checkout Session and its payment row (inside the caller's transaction)."""
    now = now or utcnow()
    attempt = len(payments_of(session, booking.id)) + 1
    if attempt > MAX_ATTEMPTS:
        raise CannotPay("too_many_attempts", "This booking has had too many payment attempts; please book again.")
    expires_at = session_expiry(booking.hold_expires_at or now, now)
    try:
        checkout = client.v1.checkout.sessions.create(
            params=session_params(booking, config, expires_at, attempt),
            options={"idempotency_key": idempotency_key(booking, attempt, expires_at)},
        )
    except stripe.StripeError as exc:
        raise classify(exc) from exc
    if not checkout.url:
        raise ProviderRefused(f"Stripe opened checkout session {checkout.id} without a payment page URL")
    payment = Payment(
        booking_id=booking.id,
        checkout_session_id=checkout.id,
        amount_cents=checkout.amount_total,
        currency=checkout.currency,
        status="open",
        checkout_url=checkout.url,
        created_at=now,
        updated_at=now,
    )
    session.add(payment)
    session.flush()
    return payment


def expire_open_sessions(
    session: Session, booking: Booking, client: stripe.StripeClient, *, now: datetime
) -> list[Payment]:
    """Expire every open session of the booking through the API, so none of them can be paid any more.

    Returns the payments whose session turned out to be complete already (paid, or paying by a delayed
    method): the caller must not open another session, or release the hold, while one exists. ``now`` is the
    caller's (pay again, the hold sweep): the expiry is recorded at the instant the caller decided it."""
    completed: list[Payment] = []
    for payment in payments_of(session, booking.id):
        if payment.status != "open":
            continue
        try:
            client.v1.checkout.sessions.expire(payment.checkout_session_id)
        except stripe.InvalidRequestError as exc:
            current = _retrieve(client, payment.checkout_session_id)
            if current.status == "complete":
                completed.append(payment)
                continue
            if current.status != "expired":
                raise classify(exc) from exc
        except stripe.StripeError as exc:
            raise classify(exc) from exc
        payment.status, payment.updated_at = "expired", now
    return completed


def _retrieve(client: stripe.StripeClient, checkout_session_id: str) -> stripe.checkout.Session:
    try:
        return client.v1.checkout.sessions.retrieve(checkout_session_id)
    except stripe.StripeError as exc:
        raise classify(exc) from exc


def pay_again(
    session: Session, booking_id: int, client: stripe.StripeClient, config: Config, *, now: datetime | None = None
) -> Payment:
    """A new session for the same held booking, after expiring the open one (only one can ever be paid)."""
    now = now or utcnow()
    booking = lock_booking(session, booking_id)
    if booking is None or booking.status is not BookingStatus.PENDING_PAYMENT:
        status = booking.status.value if booking else "unknown"
        raise CannotPay("not_payable", f"This booking is {status.replace('_', ' ')}; there is nothing to pay.")
    if booking.hold_expires_at is not None and booking.hold_expires_at <= now:
        raise CannotPay("hold_ended", "The time we held for you has been released; please pick a slot again.")
    payments = payments_of(session, booking.id)
    if len(payments) >= MAX_ATTEMPTS:
        # Checked before expiring anything: the last payment page stays usable and the slot stays held.
        still_open = next((p.checkout_url for p in reversed(payments) if p.status == "open"), None)
        raise CannotPay(
            "too_many_attempts",
            "This booking has had as many payment attempts as we allow. "
            + (
                "Your last payment page is still open while we hold the time for you."
                if still_open
                else "Please book again."
            ),
            open_checkout_url=still_open,
        )
    if expire_open_sessions(session, booking, client, now=now):
        raise CannotPay(
            "payment_in_progress",
            "Your payment is already being processed; this page will update as soon as Stripe confirms it.",
        )
    return open_checkout(session, booking, client, config, now=now)
