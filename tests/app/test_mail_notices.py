"""The mails a booking change queues, read from the outbox as SendGrid would be given them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app_under_test.db import get_db
from app_under_test.mail import notices
from app_under_test.models import OutboxMessage
from app_under_test.payments.records import booking_by_public_id, lock_booking
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
