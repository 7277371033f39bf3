""" "Pay again" for a held paid booking: when a new payment page is refused, with the reason the client reads.

The pay-again view answers each refusal with its code and this message (409), so both are pinned; a
refused attempt opens no Checkout Session and keeps the hold as it was.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app_under_test.db import get_db
from app_under_test.models import Booking, BookingStatus, Payment
from app_under_test.payments.checkout import MAX_ATTEMPTS, CannotPay, pay_again
from app_under_test.payments.gateway import app_client
from app_under_test.payments.records import booking_by_public_id
from tests.app.payments_fixtures import control, held_booking, payments_app, stripe_server  # noqa: F401 (pytest fixtures, used by name)

pytestmark = [pytest.mark.stripe, pytest.mark.database]


def refused(app, booking_id: int, **kwargs) -> CannotPay:
    with pytest.raises(CannotPay) as caught, get_db().transaction() as session:
        pay_again(session, booking_id, app_client(), app.extensions["booking_config"], **kwargs)
    return caught.value


def _held(app) -> Booking:
    public_id, _session_id = held_booking(app)
    with get_db().reader() as session:
        return booking_by_public_id(session, public_id)


def _payments(booking_id: int) -> list[tuple[str, str | None]]:
    with get_db().reader() as session:
        rows = session.scalars(select(Payment).where(Payment.booking_id == booking_id).order_by(Payment.id))
        return [(p.status, p.checkout_url) for p in rows]


def test_a_booking_that_is_no_longer_held_has_nothing_to_pay(payments_app, stripe_server):
    with payments_app.app_context():
        booking = _held(payments_app)
        with get_db().transaction() as session:
            session.get(Booking, booking.id).status = BookingStatus.CONFIRMED
        problem = refused(payments_app, booking.id)
        assert (problem.code, problem.message) == ("not_payable", "This booking is confirmed; there is nothing to pay.")
        unknown = refused(payments_app, 10**6)
        assert (unknown.code, unknown.message) == ("not_payable", "This booking is unknown; there is nothing to pay.")


def test_a_hold_that_ends_now_is_released_and_cannot_be_paid(payments_app, stripe_server):
    with payments_app.app_context():
        booking = _held(payments_app)
        before = _payments(booking.id)
        problem = refused(payments_app, booking.id, now=booking.hold_expires_at)
        assert (problem.code, problem.message) == (
            "hold_ended",
            "The time we held for you has been released; please pick a slot again.",
        )
        assert _payments(booking.id) == before
        assert len(before) == 1
        with get_db().transaction() as session:
            opened = pay_again(
                session,
                booking.id,
                app_client(),
                payments_app.extensions["booking_config"],
                now=booking.hold_expires_at - timedelta(seconds=1),
            )
            assert opened.status == "open"
        assert [status for status, _ in _payments(booking.id)] == ["expired", "open"]


def test_after_the_last_allowed_attempt_the_open_page_is_offered_or_the_client_books_again(payments_app, stripe_server):
    with payments_app.app_context():
        booking = _held(payments_app)
        config = payments_app.extensions["booking_config"]
        for _ in range(MAX_ATTEMPTS - 1):
            with get_db().transaction() as session:
                pay_again(session, booking.id, app_client(), config)
        payments = _payments(booking.id)
        assert len(payments) == MAX_ATTEMPTS and payments[-1][0] == "open"
        problem = refused(payments_app, booking.id)
        assert problem.code == "too_many_attempts"
        assert problem.message == (
            "This booking has had as many payment attempts as we allow. "
            "Your last payment page is still open while we hold the time for you."
        )
        assert problem.open_checkout_url == payments[-1][1]
        with get_db().transaction() as session:
            latest = session.scalars(select(Payment).where(Payment.booking_id == booking.id).order_by(Payment.id))
            latest.all()[-1].status = "failed"
        spent = refused(payments_app, booking.id)
        assert spent.message == "This booking has had as many payment attempts as we allow. Please book again."
        assert spent.open_checkout_url is None


def test_a_payment_already_under_way_is_not_paid_twice(payments_app, stripe_server):
    with payments_app.app_context():
        booking = _held(payments_app)
        ((_status, _url),) = _payments(booking.id)
        with get_db().reader() as session:
            checkout_id = session.scalar(select(Payment.checkout_session_id).where(Payment.booking_id == booking.id))
        with control(stripe_server) as client:  # a bank debit: the session completed, the money is on its way
            paid = client.post(f"/checkout/sessions/{checkout_id}/pay", json={"payment_method": "us_bank_account"})
            assert paid.status_code == 200, paid.text
        problem = refused(payments_app, booking.id)
        assert (problem.code, problem.message) == (
            "payment_in_progress",
            "Your payment is already being processed; this page will update as soon as Stripe confirms it.",
        )
        assert len(_payments(booking.id)) == 1


def test_a_new_payment_page_stays_open_at_least_31_minutes_from_the_request(payments_app, stripe_server):
    with payments_app.app_context():
        booking = _held(payments_app)
        asked_at = booking.hold_expires_at - timedelta(minutes=1)
        with get_db().transaction() as session:
            opened = pay_again(
                session, booking.id, app_client(), payments_app.extensions["booking_config"], now=asked_at
            )
            checkout_id = opened.checkout_session_id
        expires_at = app_client().v1.checkout.sessions.retrieve(checkout_id).expires_at
        assert asked_at.timestamp() + 31 * 60 <= expires_at <= asked_at.timestamp() + 33 * 60


def test_a_page_stripe_expired_on_its_own_is_replaced_by_a_new_one(payments_app, stripe_server):
    """Stripe refuses to expire a session it expired already (its own deadline passed before the app heard of
    it): that session can no longer be paid, so the client gets a new page, not an error."""
    with payments_app.app_context():
        booking = _held(payments_app)
        with get_db().reader() as session:
            checkout_id = session.scalar(select(Payment.checkout_session_id).where(Payment.booking_id == booking.id))
        with control(stripe_server) as client:
            expired = client.post(f"/checkout/sessions/{checkout_id}/expire")
            assert expired.status_code == 200, expired.text
        with get_db().transaction() as session:
            opened = pay_again(session, booking.id, app_client(), payments_app.extensions["booking_config"])
            assert opened.status == "open"
        assert [status for status, _ in _payments(booking.id)] == ["expired", "open"]
