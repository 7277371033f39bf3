"""What a completed or expired Checkout Session does to its booking in the cases the order-and-copies
properties (``test_payments_handlers``) never meet: the calendar refusing a time that was just paid for, a
completed session that does not say what was taken, and a session that expires after its hold was released.

The events are the simulator's, as Stripe made them, delivered through the inbox as the webhook view does.
"""

from __future__ import annotations

import pytest

from app_under_test.availability import SlotUnavailable
from app_under_test.booking_locks import lock_booking
from app_under_test.db import get_db
from app_under_test.payments import settlement
from app_under_test.payments.records import booking_by_public_id
from tests.app.log_capture import info_logs
from tests.app.payments_fixtures import (  # noqa: F401 (pytest fixtures, used by name)
    control,
    deliver,
    events_for,
    held_booking,
    pay,
    payments_app,
    state_of,
    stripe_server,
)

pytestmark = [pytest.mark.stripe, pytest.mark.webhook, pytest.mark.database]


def test_a_paid_booking_whose_time_the_calendar_refuses_is_canceled_refunded_and_told_without_a_canceler(
    payments_app, stripe_server, monkeypatch
):
    def gave_the_time_away(session_type, slot_start, invitee, booking_ref):
        raise SlotUnavailable("The selected time is not available.")

    monkeypatch.setattr(payments_app.extensions["slot_provider"], "book", gave_the_time_away)
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        pay(stripe_server, session_id)
        for event in events_for(booking_id):
            deliver(event)
        assert state_of(booking_id) == {
            "status": "canceled",
            "claims": 0,
            "payments": [("refunded", True, "4242", None)],
            "refunds": [("slot_unavailable", "succeeded", 4500)],
        }
    page = payments_app.test_client().get(f"/bookings/{booking_id}").get_data(as_text=True)
    assert "This booking was canceled" in page
    assert settlement.CALENDAR_REFUSED in page
    assert "The calendar no longer offered this time when your payment arrived" in page
    # the calendar is no person: the page names no one who canceled
    assert 'data-testid="canceled-by"' not in page and "canceled this booking" not in page


@pytest.mark.parametrize("unsaid", ["currency", "amount_total"])
def test_a_completed_session_that_does_not_say_what_was_taken_confirms_nothing_and_is_refunded(
    payments_app, stripe_server, unsaid
):
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        pay(stripe_server, session_id)
        with info_logs() as logs:
            for event in events_for(booking_id):
                if event["type"] == "checkout.session.completed":
                    event["data"]["object"][unsaid] = None
                    assert deliver(event) == "processed"  # applied at once, not left failing for the inbox to retry
                else:
                    deliver(event)
        state = state_of(booking_id)
        assert state["status"] == "canceled"
        assert [(status, failure) for status, _intent, _last4, failure in state["payments"]] == [
            ("refunded", "amount_mismatch")
        ]
        assert state["refunds"] == [("amount_mismatch", "succeeded", 4500)]
        with get_db().reader() as session:
            reason = booking_by_public_id(session, booking_id).cancel_reason
    # the client is not told that Stripe took the price it did not name
    assert reason == (
        "Stripe did not tell us what it took, and this session costs £45.00, so we did not confirm the booking "
        "and are refunding your payment in full. Please book again."
    )
    [alert] = [line for line in logs if line["event"] == "payment_amount_mismatch"]
    assert (alert["expected_amount"], alert["paid_amount"], alert["paid_currency"]) == (4500, None, None)


def test_a_session_that_expires_after_its_hold_was_released_is_recorded_expired_and_says_so(
    payments_app, stripe_server
):
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        with get_db().transaction() as session:  # the hold ran out before Stripe expired the page
            booking = booking_by_public_id(session, booking_id)
            settlement.release_hold(session, lock_booking(session, booking.id))
        with control(stripe_server) as client:
            assert client.post(f"/checkout/sessions/{session_id}/expire").status_code == 200
        [expired] = [e for e in events_for(booking_id) if e["type"] == "checkout.session.expired"]
        with info_logs() as logs:
            assert deliver(expired) == "processed"
        # what the operator's log says the event did: the payment page expired, the booking was already released
        assert [line["outcome"] for line in logs if line["event"] == "stripe_event_applied"] == [
            "checkout session expired"
        ]
        assert state_of(booking_id) == {
            "status": "expired",
            "claims": 0,
            "payments": [("expired", False, None, None)],
            "refunds": [],
        }
