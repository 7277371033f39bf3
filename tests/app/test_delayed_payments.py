"""A bank debit: Checkout completes unpaid, and the booking waits for Stripe's word that the money came or not.

Stripe sends ``checkout.session.completed`` with ``payment_status: unpaid`` for a delayed method, then
``checkout.session.async_payment_succeeded`` or ``..._failed`` days later. Only the first of those may
confirm the booking; the second must leave the booking unconfirmed with the payment failed.
"""

from __future__ import annotations

import pytest

from tests.app.log_capture import info_logs
from tests.app.payments_fixtures import (  # noqa: F401 (pytest fixtures, used by name)
    control,
    deliver,
    events_for,
    held_booking,
    payments_app,
    state_of,
    stripe_server,
)

pytestmark = [pytest.mark.stripe, pytest.mark.webhook, pytest.mark.database]


def _debit(stripe_server, session_id: str, outcome: str) -> None:
    with control(stripe_server) as client:
        paid = client.post(f"/checkout/sessions/{session_id}/pay", json={"payment_method": "us_bank_account"})
        assert paid.status_code == 200, paid.text
        settled = client.post(f"/checkout/sessions/{session_id}/settle", json={"outcome": outcome})
        assert settled.status_code == 200, settled.text


def _deliver_up_to(booking_id: str, last_type: str) -> list[str]:
    delivered = []
    for event in events_for(booking_id):
        delivered.append(event["type"])
        deliver(event)
        if event["type"] == last_type:
            break
    return delivered


def test_a_bank_debit_confirms_the_booking_only_when_it_settles(payments_app, stripe_server):
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        _debit(stripe_server, session_id, "succeeded")
        with info_logs() as logs:
            delivered = _deliver_up_to(booking_id, "checkout.session.completed")
            completed = next(e for e in events_for(booking_id) if e["type"] == "checkout.session.completed")
            deliver({**completed, "id": completed["id"] + "_again"})  # Stripe's distinct copy
        assert "checkout.session.async_payment_succeeded" not in delivered
        outcomes = [line["outcome"] for line in logs if line["event"] == "stripe_event_applied"]
        assert outcomes[-2:] == ["payment processing; hold kept until it settles", "no change"]
        assert state_of(booking_id) == {
            "status": "pending_payment",
            "claims": 4,
            "payments": [("open", True, None, None)],
            "refunds": [],
        }
        for event in events_for(booking_id):
            if event["type"] == "checkout.session.async_payment_succeeded":
                assert deliver(event) == "processed"
        assert state_of(booking_id) == {
            "status": "confirmed",
            "claims": 4,
            "payments": [("paid", True, None, None)],
            "refunds": [],
        }


def test_a_bank_debit_that_fails_leaves_the_booking_unconfirmed_and_the_payment_failed(payments_app, stripe_server):
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        _debit(stripe_server, session_id, "failed")
        _deliver_up_to(booking_id, "checkout.session.completed")
        failure = next(e for e in events_for(booking_id) if e["type"] == "checkout.session.async_payment_failed")
        with info_logs() as logs:
            assert deliver(failure) == "processed"
            assert deliver({**failure, "id": failure["id"] + "_again"}) == "processed"  # Stripe's distinct copy
        # what the operator's log says each delivery did: the first failed the payment, the copy changed nothing
        assert [line["outcome"] for line in logs if line["event"] == "stripe_event_applied"] == [
            "delayed payment failed",
            "no change",
        ]
        # the slot stays held for the customer to pay another way until the hold expires
        assert state_of(booking_id) == {
            "status": "pending_payment",
            "claims": 4,
            "payments": [("failed", True, None, "async_payment_failed")],
            "refunds": [],
        }
