"""Money the app did not move itself: part of a payment refunded on Stripe's Dashboard, a refund another tool made,
a refund decided while Stripe cannot be reached, a payment whose row was lost. What the client gets back, and
what the payment says, in each case."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from app_under_test.db import get_db
from app_under_test.models import Payment
from app_under_test.payments import refunds
from app_under_test.payments.gateway import app_client
from app_under_test.payments.records import booking_by_public_id, lock_booking
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


def _paid_booking(app, stripe_server) -> tuple[str, str]:
    booking_id, session_id = held_booking(app)
    pay(stripe_server, session_id)
    for event in events_for(booking_id):
        deliver(event)
    assert state_of(booking_id)["status"] == "confirmed"
    return booking_id, session_id


def _deliver_new(booking_id: str, seen: set[str]) -> None:
    for event in events_for(booking_id):
        if event["id"] not in seen:
            seen.add(event["id"])
            deliver(event)


def _cancel_and_refund(booking_id: str) -> None:
    with get_db().transaction() as session:
        booking = booking_by_public_id(session, booking_id)
        refunds.refund_paid_payments(session, lock_booking(session, booking.id), "canceled")


def _money_back(session_id: str) -> list[tuple[int, str]]:
    """Every refund Stripe holds for the payment of this Checkout Session: (amount, status)."""
    intent = app_client().v1.checkout.sessions.retrieve(session_id).payment_intent
    listed = app_client().v1.refunds.list(params={"payment_intent": intent, "limit": 100}).auto_paging_iter()
    return sorted((r.amount, r.status) for r in listed)


def test_a_canceled_booking_refunds_only_what_the_dashboard_did_not(payments_app, stripe_server):
    with payments_app.app_context():
        booking_id, session_id = _paid_booking(payments_app, stripe_server)
        seen = {e["id"] for e in events_for(booking_id)}
        with control(stripe_server) as client:  # support refunds 15.00 of the 45.00 by hand
            partial = client.post("/refunds", json={"payment": session_id, "amount": 1500})
            assert partial.status_code == 200, partial.text
        _deliver_new(booking_id, seen)
        after_dashboard = state_of(booking_id)
        assert after_dashboard["payments"] == [("paid", True, "4242", None)]  # still paid: 30.00 are kept
        assert [(status, amount) for _, status, amount in after_dashboard["refunds"]] == [("succeeded", 1500)]

        _cancel_and_refund(booking_id)
        _deliver_new(booking_id, seen)

        assert _money_back(session_id) == [(1500, "succeeded"), (3000, "succeeded")]  # 45.00 back, not more
        assert state_of(booking_id)["payments"] == [("refunded", True, "4242", None)]


def test_a_refund_decided_while_stripe_is_down_waits_and_goes_out_on_the_next_run(payments_app, stripe_server):
    with payments_app.app_context():
        booking_id, session_id = _paid_booking(payments_app, stripe_server)
        with control(stripe_server) as client:
            down = client.post("/faults", json={"down": "503"})
            assert down.status_code == 201, down.text
        try:
            _cancel_and_refund(booking_id)  # sent right after the commit: Stripe answers 503
            waiting = state_of(booking_id)
        finally:
            with control(stripe_server) as client:
                client.delete("/faults")
        assert waiting["refunds"] == [("canceled", "requested", 4500)]  # kept to send again, not given up
        assert waiting["payments"] == [("paid", True, "4242", None)]

        assert refunds.issue_requested(get_db(), app_client()) == {"issued": 1}  # the operator's next run

        assert _money_back(session_id) == [(4500, "succeeded")]
        assert state_of(booking_id)["refunds"] == [("canceled", "succeeded", 4500)]


def test_a_refund_another_tool_made_keeps_the_reason_it_gave_stripe(payments_app, stripe_server):
    """A refund made straight through Stripe's API by another tool (a support script) with a reason in its
    metadata: the booking lists it under that reason, as it does the app's own."""
    with payments_app.app_context():
        booking_id, session_id = _paid_booking(payments_app, stripe_server)
        seen = {e["id"] for e in events_for(booking_id)}
        intent = app_client().v1.checkout.sessions.retrieve(session_id).payment_intent
        app_client().v1.refunds.create(
            params={"payment_intent": intent, "amount": 500, "metadata": {"reason": "goodwill"}}
        )
        _deliver_new(booking_id, seen)
        assert [(reason, status, amount) for reason, status, amount in state_of(booking_id)["refunds"]] == [
            ("goodwill", "succeeded", 500)
        ]


def test_a_paid_checkout_whose_payment_row_was_lost_is_recorded_from_stripe_and_confirms(payments_app, stripe_server):
    """The app's transaction that opened the Checkout Session rolled back after Stripe made it (the row is gone)
    and the client paid on the page anyway: the payment is recorded from Stripe's session, amount included."""
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        with get_db().transaction() as session:
            session.execute(delete(Payment).where(Payment.checkout_session_id == session_id))
        pay(stripe_server, session_id)
        since = app_client().v1.checkout.sessions.retrieve(session_id).created
        listed = app_client().v1.events.list(params={"limit": 100, "created": {"gte": since}}).auto_paging_iter()
        for event in reversed([e.to_dict() for e in listed]):
            if (event["data"]["object"].get("metadata") or {}).get("bookingId") == booking_id:
                deliver(event)
        state = state_of(booking_id)
        assert (state["status"], [status for status, *_ in state["payments"]], state["refunds"]) == (
            "confirmed",
            ["paid"],
            [],
        )
        with get_db().reader() as session:  # the price was paid: not refused as an amount mismatch
            assert session.scalar(select(Payment.amount_cents)) == 4500
