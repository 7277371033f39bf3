"""The mails a booking change queues, read from the outbox as SendGrid would be given them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app_under_test.booking_locks import lock_booking
from app_under_test.booking_service import cancel_booking
from app_under_test.db import get_db
from app_under_test.mail import notices
from app_under_test.models import OutboxMessage, Refund
from app_under_test.payments.checkout import open_checkout
from app_under_test.payments.gateway import app_client
from app_under_test.payments.records import booking_by_public_id
from tests.app.payments_fixtures import (  # noqa: F401 (pytest fixtures, used by name)
    deliver,
    events_for,
    held_booking,
    pay,
    payments_app,
    state_of,
    stripe_server,
)

pytestmark = [pytest.mark.email, pytest.mark.stripe, pytest.mark.database]


def test_a_paid_booking_canceled_before_its_refund_is_requested_still_mails_both_sides_the_amount_coming_back(
    payments_app, stripe_server
):
    """The cancellation mail does not wait for the refund row: told of a cancellation whose payment has no
    refund yet, it names the whole payment as the refund to come, with no Stripe reference to quote."""
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        pay(stripe_server, session_id)
        for stripe_event in events_for(booking_id):
            deliver(stripe_event)
        assert state_of(booking_id)["status"] == "confirmed" and state_of(booking_id)["refunds"] == []

        with get_db().transaction() as session:
            booking = lock_booking(session, booking_by_public_id(session, booking_id).id)
            notices.booking_canceled(session, booking, canceler_type="host")

        with get_db().reader() as session:
            mails = session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "cancellation").order_by(OutboxMessage.id)
            ).all()
            sent = [(mail.recipient, mail.data.get("refund_amount"), "refund_reference" in mail.data) for mail in mails]
    assert sent == [("grace@example.com", "45.00 GBP", False), ("ada@example.com", "45.00 GBP", False)]


def cancel(booking_id: str) -> None:
    """The host cancels the booking in the app: the refund is requested, then the mails queued, in one commit."""
    with get_db().transaction() as session:
        booking = lock_booking(session, booking_by_public_id(session, booking_id).id)
        assert cancel_booking(session, booking, reason="Double-booked", canceled_by="host", canceler_type="host")


def cancellation_mails() -> list[tuple[str, str | None, str | None]]:
    with get_db().reader() as session:
        mails = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "cancellation").order_by(OutboxMessage.id)
        ).all()
        return [(mail.recipient, mail.data.get("refund_amount"), mail.data.get("refund_reference")) for mail in mails]


def stripe_refund_ids() -> list[str]:
    with get_db().reader() as session:
        return list(session.scalars(select(Refund.stripe_refund_id).order_by(Refund.id)))


def paid_and_told(stripe_server, booking_id: str, session_id: str) -> None:
    pay(stripe_server, session_id)
    for stripe_event in events_for(booking_id):
        deliver(stripe_event)


def test_a_paid_booking_canceled_in_the_app_names_the_amount_coming_back_and_no_refund_id_before_stripe_has_one(
    payments_app, stripe_server
):
    """The refund is only requested when the mails are queued (Stripe is asked after the commit): the mails say
    how much comes back, and quote no "Stripe refund" until Stripe has made one to quote."""
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        paid_and_told(stripe_server, booking_id, session_id)

        cancel(booking_id)

        assert cancellation_mails() == [
            ("grace@example.com", "45.00 GBP", None),
            ("ada@example.com", "45.00 GBP", None),
        ]
        [made] = stripe_refund_ids()
        assert made.startswith("re_")  # Stripe made it after the commit; its receipt mail quotes it


@pytest.mark.parametrize(
    ("refunded_on_stripe", "amount", "names_the_dashboards_refund"),
    [(4500, "45.00 GBP", True), (1000, "35.00 GBP", False)],
    ids=["in full", "in part"],
)
def test_a_booking_refunded_on_stripes_dashboard_before_it_is_canceled_names_the_refund_that_covers_it(
    payments_app, stripe_server, refunded_on_stripe, amount, names_the_dashboards_refund
):
    """Money refunded from the Dashboard before the cancellation is not refunded twice: refunded in full, the
    mails name that refund, Stripe id and all; in part, they name the rest, which the cancellation refunds."""
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        paid_and_told(stripe_server, booking_id, session_id)
        intent = app_client().v1.checkout.sessions.retrieve(session_id).payment_intent
        dashboard = app_client().v1.refunds.create(params={"payment_intent": intent, "amount": refunded_on_stripe})
        for stripe_event in events_for(booking_id):
            deliver(stripe_event)  # charge.refunded: the app records the Dashboard's refund

        cancel(booking_id)

        expected = (amount, dashboard.id if names_the_dashboards_refund else None)
        assert cancellation_mails() == [("grace@example.com", *expected), ("ada@example.com", *expected)]


def test_a_booking_paid_twice_then_canceled_names_the_cancellations_refund_not_the_duplicates(
    payments_app, stripe_server
):
    """Two payment pages were open and both were paid: the second payment went back as a duplicate (Stripe made
    that refund at once). Canceled later, the booking's mails name the refund the cancellation makes, which
    Stripe has not made yet, not the duplicate's refund quoted with its Stripe id."""
    with payments_app.app_context():
        booking_id, first_session = held_booking(payments_app)
        with get_db().transaction() as session:
            booking = lock_booking(session, booking_by_public_id(session, booking_id).id)
            second_session = open_checkout(
                session, booking, app_client(), payments_app.extensions["booking_config"]
            ).checkout_session_id
        paid_and_told(stripe_server, booking_id, first_session)
        paid_and_told(stripe_server, booking_id, second_session)
        [duplicate] = stripe_refund_ids()
        assert duplicate.startswith("re_") and state_of(booking_id)["refunds"] == [
            ("duplicate_payment", "succeeded", 4500)
        ]

        cancel(booking_id)

        assert cancellation_mails() == [
            ("grace@example.com", "45.00 GBP", None),
            ("ada@example.com", "45.00 GBP", None),
        ]
