"""The client's side of paying: the return pages from Stripe's hosted checkout and "pay again".

``/bookings/<id>/paid`` is where Stripe sends the client after paying. It never
takes the redirect's word for it: it shows what the *webhook* has recorded
(polling the booking's JSON with a small script, or a refresh link without
JavaScript), so "you're booked" appears only once Stripe's event confirmed it.
``/bookings/<id>/payment-canceled`` is where the hosted page's "back" leads; it
offers to pay again, which opens a new session for the same held booking after
expiring the old one through the API, so only one of them can ever be paid.
"""

from __future__ import annotations

from typing import Any

import sentry_sdk
import structlog
from flask import Blueprint, abort, make_response, redirect, render_template, url_for
from flask import session as session_cookie
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app_under_test.db import get_db
from app_under_test.errors import error_response
from app_under_test.models import Booking, BookingStatus
from app_under_test.payments import money
from app_under_test.payments.checkout import CannotPay, pay_again
from app_under_test.payments.gateway import PaymentsNotConfigured, ProviderError, ProviderUnavailable, app_client
from app_under_test.payments.records import payment_json
from app_under_test.providers import app_config
from app_under_test.timeutil import format_in_zone

log = structlog.get_logger("payments")

blueprint = Blueprint("payments", __name__)
POLL_SECONDS = 2  # the waiting page's slowest check of the booking
FIRST_POLL_MS = 250  # its first check; the delay doubles up to POLL_SECONDS


def _load(session: Session, public_id: str) -> Booking:
    booking = session.scalar(
        select(Booking)
        .where(Booking.public_id == public_id)
        .options(selectinload(Booking.builder), selectinload(Booking.session_type), selectinload(Booking.client))
    )
    if booking is None:
        abort(404)
    return booking


def payment_context(booking: Booking) -> dict[str, Any]:
    """What ``_payment_notice.html`` needs (call while the booking's session is open)."""
    return {
        "payment": payment_json(booking),
        "format_amount": money.format_amount,
        "can_pay": holds_booking(booking),
        "price": money.format_amount(booking.price_cents, booking.currency),
        "hold_until": format_in_zone(booking.hold_expires_at, booking.client_timezone, "%H:%M")
        if booking.hold_expires_at
        else None,
    }


def _render(template: str, public_id: str) -> str:
    with get_db().reader() as session:
        booking = _load(session, public_id)
        return render_template(
            template,
            booking=booking,
            local_start=format_in_zone(booking.start_at, booking.client_timezone),
            poll_seconds=POLL_SECONDS,
            first_poll_ms=FIRST_POLL_MS,
            waiting=booking.status is BookingStatus.PENDING_PAYMENT,
            **payment_context(booking),
        )


@blueprint.get("/bookings/<public_id>/paid")
def paid(public_id: str) -> ResponseReturnValue:
    response = make_response(_render("payment_paid.html", public_id))
    response.headers["Cache-Control"] = "no-store"  # the state changes under the page; never show a stale copy
    return response


@blueprint.get("/bookings/<public_id>/payment-canceled")
def payment_canceled(public_id: str) -> ResponseReturnValue:
    return _render("payment_canceled.html", public_id)


def provider_unavailable(exc: ProviderError) -> ResponseReturnValue:
    """Stripe failed: a clear, retryable answer (nothing was written or charged)."""
    if isinstance(exc, ProviderUnavailable) and exc.rate_limited:
        response = make_response(
            error_response(
                429,
                "payment_provider_busy",
                "Our payment provider is busy right now; nothing was booked or charged. Please try again in a minute.",
            )
        )
    elif isinstance(exc, ProviderUnavailable):
        response = make_response(
            error_response(
                503,
                "payment_provider_unavailable",
                "Our payment provider cannot "
                "be reached right now; nothing was booked or charged. Please try "
                "again in a minute.",
            )
        )
    else:
        # The client is told "we have been notified": the operator is, with Stripe's reason (an error log line
        # and a Sentry message), since retrying the same request would be refused the same way.
        log.error("payment_provider_refused", code=exc.code, error=exc.message)
        sentry_sdk.capture_message(f"Stripe refused to start a payment: {exc.message}", level="error")
        response = make_response(
            error_response(
                502,
                "payment_provider_error",
                "Our payment provider refused to "
                "start the payment; nothing was booked or charged. We have been "
                "notified.",
            )
        )
        return response
    response.headers["Retry-After"] = "60"
    return response


HELD_BOOKINGS = "held_bookings"  # the signed session cookie's list of bookings this browser made anonymously


def remember_held_booking(public_id: str) -> None:
    """This browser made the booking without an account: it, and only it, may pay for it."""
    held = [b for b in session_cookie.get(HELD_BOOKINGS, []) if b != public_id]
    session_cookie[HELD_BOOKINGS] = [*held[-19:], public_id]


def holds_booking(booking: Booking) -> bool:
    """Whether the person asking made the booking: the client signed in, or the browser that booked it."""
    if current_user.is_authenticated and booking.client_id == current_user.id:
        return True
    return booking.public_id in session_cookie.get(HELD_BOOKINGS, [])


@blueprint.post("/bookings/<public_id>/pay")
def pay(public_id: str) -> ResponseReturnValue:
    with get_db().reader() as session:
        booking = _load(session, public_id)
        booking_id = booking.id
        if not holds_booking(booking):
            return error_response(
                403,
                "not_your_booking",
                "Only the person who made this booking can pay for it: "
                "open it in the browser you booked with, or sign in to the account you used.",
            )
    try:
        client = app_client()
        with get_db().transaction() as session:
            payment = pay_again(session, booking_id, client, app_config())
            checkout_url = payment.checkout_url
    except PaymentsNotConfigured as exc:
        return error_response(503, "payments_unavailable", str(exc))
    except CannotPay as exc:
        if exc.code == "payment_in_progress":
            return redirect(url_for("payments.paid", public_id=public_id), code=303)
        if exc.open_checkout_url:
            return error_response(409, exc.code, exc.message, checkout_url=exc.open_checkout_url)
        return error_response(409, exc.code, exc.message)
    except ProviderError as exc:
        return provider_unavailable(exc)
    if checkout_url is None:  # open_checkout refuses a session without one, so this is a bug
        raise LookupError(f"the new payment of booking {public_id} has no checkout URL")
    return redirect(checkout_url, code=303)
