"""A payment in another currency than the price: the client is told exactly what was taken and what the
session costs, in the reason their booking carries (shown on the booking page and in the cancellation mail)."""

from __future__ import annotations

import json
import logging

import pytest
import structlog
from structlog.testing import capture_logs

from app_under_test.db import get_db
from app_under_test.payments.records import booking_by_public_id
from app_under_test.webhooks import inbox, stripe_handlers
from tests.app.payments_fixtures import (  # noqa: F401 (pytest fixtures, used by name)
    control,
    events_for,
    held_booking,
    pay,
    pay_in_euros,
    payments_app,
    stripe_server,
)

pytestmark = [pytest.mark.stripe, pytest.mark.webhook, pytest.mark.database]


def deliver(event: dict) -> None:
    """Through the inbox as the webhook view does; decimals (the exchange rate) travel as strings, as on the wire."""
    body = json.dumps(event, default=str)
    stored = inbox.store(get_db(), inbox.IncomingEvent("stripe", f"stripe:{event['id']}", event["type"], body))
    inbox.process(get_db(), stored.event_id, stripe_handlers.dispatch)


def test_the_cancel_reason_names_the_amount_taken_and_the_price(payments_app, stripe_server):
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        pay_in_euros(stripe_server, session_id)
        saved = structlog.get_config()
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
        try:
            with capture_logs() as logs:
                for event in events_for(booking_id):
                    deliver(event)
        finally:
            structlog.configure(**saved)
        with get_db().reader() as session:
            booking = booking_by_public_id(session, booking_id)
            assert booking.status.value == "canceled" and booking.canceled_by == "payments"
            checkout_session = session_id
            assert booking.cancel_reason == (
                "Stripe took €52.65 where this session costs £45.00, so we did not confirm the booking "
                "and are refunding your payment in full. Please book again."
            )
    # what the operator's alert says: which booking, which payment page, what was expected and what was paid
    assert [line for line in logs if line["event"] == "payment_amount_mismatch"] == [
        {
            "event": "payment_amount_mismatch",
            "booking": booking_id,
            "checkout_session": checkout_session,
            "expected_amount": 4500,
            "expected_currency": "gbp",
            "paid_amount": 5265,
            "paid_currency": "eur",
            "booking_status": "pending_payment",
            "log_level": "error",
        }
    ]
