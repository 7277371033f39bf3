"""Money the app did not move itself: part of a payment refunded on Stripe's Dashboard, a refund another tool made,
a refund decided while Stripe cannot be reached, a payment whose row was lost. What the client gets back, and
what the payment says, in each case."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select

from app_under_test.db import get_db
from app_under_test.models import Payment
from app_under_test.payments import refunds
from app_under_test.payments.gateway import app_client
from app_under_test.payments.records import booking_by_public_id, lock_booking
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
            with info_logs() as logs:
                _cancel_and_refund(booking_id)  # sent right after the commit: Stripe answers 503
            waiting = state_of(booking_id)
        finally:
            with control(stripe_server) as client:
                client.delete("/faults")
        assert waiting["refunds"] == [("canceled", "requested", 4500)]  # kept to send again, not given up
        # the operator is warned (not alerted) that a refund waits for Stripe, with Stripe's answer
        [warning] = [line for line in logs if line["log_level"] == "warning"]
        assert warning["event"] == "refund_waiting_for_stripe" and "503" in warning["error"]
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


def test_a_refund_whose_answer_was_lost_is_sent_again_and_stripe_refunds_once(payments_app, stripe_server):
    """Stripe made the refund but its answer never reached the app (the connection dropped on the way back, on
    every try): the refund is kept as requested and sent again later, and Stripe, seeing the same idempotency key,
    answers with the refund it made instead of making a second."""
    with payments_app.app_context():
        booking_id, session_id = _paid_booking(payments_app, stripe_server)
        with control(stripe_server) as client:
            lost = {"method": "POST", "path": "/v1/refunds", "when": "after", "times": None}
            assert client.post("/faults", json=lost).status_code == 201
        try:
            _cancel_and_refund(booking_id)  # sent right after the commit; every answer is lost
            assert state_of(booking_id)["refunds"] == [("canceled", "requested", 4500)]
        finally:
            with control(stripe_server) as client:
                client.delete("/faults")
        assert refunds.issue_requested(get_db(), app_client()) == {"issued": 1}
        assert _money_back(session_id) == [(4500, "succeeded")]  # one refund at Stripe, not two
        assert state_of(booking_id)["refunds"] == [("canceled", "succeeded", 4500)]


def test_a_refund_the_card_refused_later_is_raised_to_the_operator_with_stripes_reason(payments_app, stripe_server):
    """Card 4000000000005126: the refund succeeds, then fails (the card refuses the money). The app does not
    retry it (another refund would fail the same way): an error log line tells the operator which refund, how
    much and why, so the money can be returned another way."""
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        pay(stripe_server, session_id, "4000000000005126")
        seen: set[str] = set()
        _deliver_new(booking_id, seen)
        _cancel_and_refund(booking_id)
        [(refund_id, amount)] = [
            (r.id, r.amount)
            for r in app_client().v1.refunds.list(params={"limit": 100}).auto_paging_iter()
            if (r.to_dict().get("metadata") or {}).get("bookingId") == booking_id
        ]
        with control(stripe_server) as client:
            assert client.post(f"/refunds/{refund_id}/settle").status_code == 200
        with info_logs() as logs:
            _deliver_new(booking_id, seen)
        alerts = [line for line in logs if line["event"] == "refund_failed"]
        assert alerts and {(a["log_level"], a["refund"], a["amount_cents"]) for a in alerts} == {
            ("error", refund_id, amount)
        }
        assert all(a["failure_reason"] for a in alerts)
        assert state_of(booking_id)["refunds"] == [("canceled", "failed", 4500)]


def test_a_refund_of_a_payment_whose_payment_intent_is_not_known_yet_waits_for_it(payments_app, stripe_server):
    """Stripe refunds a PaymentIntent, so a refund of a payment recorded before Stripe named its PaymentIntent
    cannot be sent yet: the operator's issue-refunds run says it is waiting, and sends it once the intent is known."""
    with payments_app.app_context():
        booking_id, session_id = _paid_booking(payments_app, stripe_server)
        with get_db().transaction() as session:
            payment = session.scalar(select(Payment).where(Payment.checkout_session_id == session_id))
            intent, payment.payment_intent_id = payment.payment_intent_id, None
        _cancel_and_refund(booking_id)

        run = payments_app.test_cli_runner().invoke(args=["payments", "issue-refunds"])

        assert (run.exit_code, json.loads(run.output)) == (0, {"waiting": 1})
        assert state_of(booking_id)["refunds"] == [("canceled", "requested", 4500)]
        assert _money_back(session_id) == []  # nothing sent to Stripe yet
        with get_db().transaction() as session:
            session.scalar(select(Payment).where(Payment.checkout_session_id == session_id)).payment_intent_id = intent
        assert refunds.issue_requested(get_db(), app_client()) == {"issued": 1}
        assert _money_back(session_id) == [(4500, "succeeded")]
