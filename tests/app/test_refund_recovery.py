"""Money the app did not move itself: part of a payment refunded on Stripe's Dashboard, a refund another tool made,
a refund decided while Stripe cannot be reached or refused by it. What the client gets back, and what the payment
says, in each case."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from sqlalchemy import select, text

from app_under_test.booking_locks import lock_booking
from app_under_test.db import get_db
from app_under_test.models import Payment
from app_under_test.payments import refunds
from app_under_test.payments.gateway import app_client
from app_under_test.payments.records import booking_by_public_id
from tests.app.log_capture import info_logs
from tests.app.payments_fixtures import (  # noqa: F401 (pytest fixtures, used by name)
    control,
    deliver,
    events_for,
    held_booking,
    paid_booking,
    pay,
    pay_in_euros,
    payments_app,
    state_of,
    stripe_server,
)

pytestmark = [pytest.mark.stripe, pytest.mark.webhook, pytest.mark.database]
OPERATOR_TOKEN = "operator-token-for-refund-tests-0123456789"


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
        booking_id, session_id = paid_booking(payments_app, stripe_server)
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


def test_the_operator_lists_a_mismatched_payments_refunds_oldest_first(payments_app, stripe_server):
    """A payment taken in another currency (not the price), with a card whose refunds settle later (4000000000007726):
    support refunded part of it on the Dashboard first, then the app refunded the rest. The operator's list of
    mismatches shows its refunds in the order they were made, even once the older one has changed since."""
    payments_app.extensions["booking_config"].admin_api_token = OPERATOR_TOKEN
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        pay_in_euros(stripe_server, session_id, "4000000000007726")  # 52.65 EUR
        paid = [json.loads(json.dumps(e, default=str)) for e in events_for(booking_id)]  # decimals: strings on the wire
        [completed] = [e for e in paid if e["type"] == "checkout.session.completed"]
        for event in paid:
            if event is not completed:
                deliver(event)
        with control(stripe_server) as client:  # support refunds 5.00 by hand: pending at the bank
            dashboard = client.post("/refunds", json={"payment": session_id, "amount": 500})
            assert dashboard.status_code == 200, dashboard.text
        seen = {e["id"] for e in paid}
        _deliver_new(booking_id, seen)
        deliver(completed)  # not the price: the rest (47.65) is refunded, pending too
        with control(stripe_server) as client:  # the Dashboard's refund settles
            settled = client.post(f"/refunds/{dashboard.json()['refund']['id']}/settle")
            assert settled.status_code == 200, settled.text
        [updated] = [
            e.to_dict()
            for e in app_client().v1.events.list(params={"type": "refund.updated", "limit": 100})
            if e.data.object.id == dashboard.json()["refund"]["id"]
        ]
        deliver(updated)
        with get_db().transaction() as session:  # what autovacuum does to a live database: the table is known small
            session.execute(text("ANALYZE refunds"))

        listed = payments_app.test_client().get(
            "/admin/api/payments/mismatches", headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"}
        )

        assert listed.status_code == 200, listed.text
        [mismatch] = listed.json["mismatches"]
        assert [(r["amount_cents"], r["status"], r["reason"]) for r in mismatch["refunds"]] == [
            (500, "succeeded", "external"),
            (4765, "pending", "amount_mismatch"),
        ]


def test_a_refund_decided_while_stripe_is_down_waits_and_goes_out_on_the_next_run(payments_app, stripe_server):
    with payments_app.app_context():
        booking_id, session_id = paid_booking(payments_app, stripe_server)
        with control(stripe_server) as client:
            down = client.post("/faults", json={"down": "503"})
            assert down.status_code == 201, down.text
        try:
            with info_logs() as logs:
                _cancel_and_refund(booking_id)  # sent right after the commit: Stripe answers 503
            waiting = state_of(booking_id)
            # an operator's run while Stripe is still down says the refund waits (neither issued nor failed)
            still_down = payments_app.test_cli_runner().invoke(args=["payments", "issue-refunds"])
        finally:
            with control(stripe_server) as client:
                client.delete("/faults")
        assert waiting["refunds"] == [("canceled", "requested", 4500)]  # kept to send again, not given up
        assert (still_down.exit_code, json.loads(still_down.output)) == (0, {"waiting": 1})
        # the operator is warned (not alerted) that a refund waits for Stripe, with Stripe's answer
        [warning] = [line for line in logs if line["log_level"] == "warning"]
        assert warning["event"] == "refund_waiting_for_stripe" and "503" in warning["error"]
        assert waiting["payments"] == [("paid", True, "4242", None)]

        assert refunds.issue_requested(get_db(), app_client()) == {"issued": 1}  # the operator's next run

        assert _money_back(session_id) == [(4500, "succeeded")]
        assert state_of(booking_id)["refunds"] == [("canceled", "succeeded", 4500)]


def test_a_refund_stripe_refuses_is_failed_and_raised_to_the_operator_with_stripes_code(payments_app, stripe_server):
    """Support refunded the whole payment on Stripe's Dashboard and the booking was canceled before the app heard of
    it: the app's own refund asks for money that is no longer there. Stripe refuses it; the refund is not sent again,
    and an error log line gives the operator Stripe's code for why."""
    with payments_app.app_context():
        booking_id, session_id = paid_booking(payments_app, stripe_server)
        with control(stripe_server) as client:
            dashboard = client.post("/refunds", json={"payment": session_id})
            assert dashboard.status_code == 200, dashboard.text
        with info_logs() as logs:
            _cancel_and_refund(booking_id)  # sent right after the commit: Stripe answers 400

        [refused] = [line for line in logs if line["event"] == "refund_refused"]
        assert (refused["log_level"], refused["code"]) == ("error", "charge_already_refunded")
        assert "already been refunded" in refused["error"]
        assert state_of(booking_id)["refunds"] == [("canceled", "failed", 4500)]
        assert refunds.issue_requested(get_db(), app_client()) == {}  # not sent again
        assert _money_back(session_id) == [(4500, "succeeded")]  # the Dashboard's refund, once


def test_an_operators_refund_run_that_stripe_refuses_says_failed(payments_app, stripe_server):
    """The refund waited for Stripe (down at the cancellation); meanwhile support refunded the payment in full on
    the Dashboard. The operator's next `payments issue-refunds` run is refused by Stripe and says so: failed."""
    with payments_app.app_context():
        booking_id, session_id = paid_booking(payments_app, stripe_server)
        with control(stripe_server) as client:
            down = client.post("/faults", json={"down": "503"})
            assert down.status_code == 201, down.text
        try:
            _cancel_and_refund(booking_id)  # sent right after the commit: Stripe answers 503, the refund waits
        finally:
            with control(stripe_server) as client:
                client.delete("/faults")
        with control(stripe_server) as client:
            dashboard = client.post("/refunds", json={"payment": session_id})
            assert dashboard.status_code == 200, dashboard.text
        run = payments_app.test_cli_runner().invoke(args=["payments", "issue-refunds"])
        assert (run.exit_code, json.loads(run.stdout)) == (0, {"failed": 1})  # the log line goes to stderr
        assert state_of(booking_id)["refunds"] == [("canceled", "failed", 4500)]


def test_a_dashboard_refund_without_metadata_is_recorded_with_the_reason_support_chose(payments_app, stripe_server):
    """A refund made on Stripe's Dashboard carries no metadata of ours, only Stripe's own reason: the app records
    that reason (what an operator reads next to the refund), not a generic one."""
    with payments_app.app_context():
        booking_id, session_id = paid_booking(payments_app, stripe_server)
        seen = {e["id"] for e in events_for(booking_id)}
        intent = app_client().v1.checkout.sessions.retrieve(session_id).payment_intent
        # what the Dashboard's "Refund" button sends: Stripe's own API, a reason from its list, no metadata
        app_client().v1.refunds.create(params={"payment_intent": intent, "reason": "requested_by_customer"})
        _deliver_new(booking_id, seen)
        assert state_of(booking_id)["refunds"] == [("requested_by_customer", "succeeded", 4500)]


def test_a_refund_the_app_sends_tells_stripe_its_booking_key_and_reason(payments_app, stripe_server):
    """What support sees on Stripe's Dashboard, and what any tool reading Stripe's refunds (or this app, for a refund
    it has no row for) learns from it: the booking, the refund's key, and the app's own reason in the metadata, next
    to the nearest reason Stripe itself accepts."""
    with payments_app.app_context():
        booking_id, session_id = paid_booking(payments_app, stripe_server)
        _cancel_and_refund(booking_id)
        with get_db().reader() as session:
            payment_id = session.scalar(select(Payment.id).where(Payment.checkout_session_id == session_id))
        intent = app_client().v1.checkout.sessions.retrieve(session_id).payment_intent
        [refund] = app_client().v1.refunds.list(params={"payment_intent": intent}).data
        assert (refund.amount, refund.reason, refund.metadata.to_dict()) == (
            4500,
            "requested_by_customer",
            {"bookingId": booking_id, "refundKey": f"{payment_id}:canceled", "reason": "canceled"},
        )


def test_a_refund_another_tool_made_keeps_the_reason_it_gave_stripe(payments_app, stripe_server):
    """A refund made straight through Stripe's API by another tool (a support script) with a reason in its
    metadata: the booking lists it under that reason, as it does the app's own."""
    with payments_app.app_context():
        booking_id, session_id = paid_booking(payments_app, stripe_server)
        seen = {e["id"] for e in events_for(booking_id)}
        intent = app_client().v1.checkout.sessions.retrieve(session_id).payment_intent
        app_client().v1.refunds.create(
            params={"payment_intent": intent, "amount": 500, "metadata": {"reason": "goodwill"}}
        )
        _deliver_new(booking_id, seen)
        assert [(reason, status, amount) for reason, status, amount in state_of(booking_id)["refunds"]] == [
            ("goodwill", "succeeded", 500)
        ]


def test_a_refund_whose_answer_was_lost_is_sent_again_and_stripe_refunds_once(payments_app, stripe_server):
    """Stripe made the refund but its answer never reached the app (the connection dropped on the way back, on
    every try): the refund is kept as requested and sent again later, and Stripe, seeing the same idempotency key,
    answers with the refund it made instead of making a second."""
    with payments_app.app_context():
        booking_id, session_id = paid_booking(payments_app, stripe_server)
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


class _SentAgainAfterStripeForgotTheKey:
    """The app's Stripe client, but a refund it sends goes out as a new request: Stripe keeps an idempotency key
    for 24 hours only. Just before it arrives, Stripe's delivery of the refund it made the first time reaches the
    app's webhook (``deliver_first``)."""

    def __init__(self, client, deliver_first):
        self.v1 = SimpleNamespace(refunds=SimpleNamespace(create=self._create))
        self._client, self._deliver_first = client, deliver_first

    def _create(self, params, options=None):
        self._deliver_first()
        return self._client.v1.refunds.create(params=params)


def test_a_refund_recorded_from_stripes_webhook_while_it_is_sent_again_is_issued_not_refused(
    payments_app, stripe_server
):
    """Stripe made the refund but its answer was lost, and the app sent it again after Stripe had forgotten the
    idempotency key: Stripe refuses it (the charge is refunded already). Meanwhile Stripe's webhook told the app of
    the refund it made, carrying the same refund key. The refund went out once and succeeded: the run counts it
    issued, the booking shows the money back, and no operator is alerted to a refusal."""
    with payments_app.app_context():
        booking_id, session_id = paid_booking(payments_app, stripe_server)
        seen = {e["id"] for e in events_for(booking_id)}
        with control(stripe_server) as client:
            lost = {"method": "POST", "path": "/v1/refunds", "when": "after", "times": None}
            assert client.post("/faults", json=lost).status_code == 201
        try:
            _cancel_and_refund(booking_id)  # Stripe makes the refund; every answer is lost
        finally:
            with control(stripe_server) as client:
                client.delete("/faults")
        assert state_of(booking_id)["refunds"] == [("canceled", "requested", 4500)]
        retried = _SentAgainAfterStripeForgotTheKey(app_client(), lambda: _deliver_new(booking_id, seen))

        with info_logs() as logs:
            outcomes = refunds.issue_requested(get_db(), retried)

        assert outcomes == {"issued": 1}
        assert [line for line in logs if line["log_level"] == "error"] == []
        assert _money_back(session_id) == [(4500, "succeeded")]
        state = state_of(booking_id)
        assert state["refunds"] == [("canceled", "succeeded", 4500)]
        assert state["payments"] == [("refunded", True, "4242", None)]


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


def test_money_support_returns_again_after_the_card_refused_the_refund_leaves_the_payment_refunded(
    payments_app, stripe_server
):
    """The card refused the app's refund (4000000000005126) and support refunded the payment again on the Dashboard.
    Stripe does not keep its events in order: the new refund's news may come before the old one's failure. Either
    way the money went back once in full, so the payment ends refunded, not paid."""
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        pay(stripe_server, session_id, "4000000000005126")
        seen: set[str] = set()
        _deliver_new(booking_id, seen)
        _cancel_and_refund(booking_id)
        _deliver_new(booking_id, seen)
        intent = app_client().v1.checkout.sessions.retrieve(session_id).payment_intent
        [first] = app_client().v1.refunds.list(params={"payment_intent": intent}).data
        with control(stripe_server) as client:
            assert client.post(f"/refunds/{first.id}/settle").status_code == 200  # the card refuses the money
            again = client.post("/refunds", json={"payment": session_id})  # support returns it another way
            assert again.status_code == 200, again.text
        [second] = [r for r in app_client().v1.refunds.list(params={"payment_intent": intent}) if r.id != first.id]
        [created] = [  # the Dashboard's refund carries no booking in its metadata: found by its own id
            e.to_dict()
            for e in app_client().v1.events.list(params={"type": "refund.created", "limit": 100})
            if e.data.object.id == second.id
        ]
        later = [e for e in events_for(booking_id) if e["id"] not in seen]
        [failed] = [e for e in later if e["type"] == "refund.failed"]

        for event in [created, failed, *[e for e in later if e is not failed]]:
            deliver(event)

        state = state_of(booking_id)
        assert state["payments"] == [("refunded", True, "5126", None)]
        assert [(status, amount) for _, status, amount in state["refunds"]] == [("failed", 4500), ("succeeded", 4500)]


def test_a_refund_of_a_payment_whose_payment_intent_is_not_known_yet_waits_for_it(payments_app, stripe_server):
    """Stripe refunds a PaymentIntent, so a refund of a payment recorded before Stripe named its PaymentIntent
    cannot be sent yet: the operator's issue-refunds run says it is waiting, and sends it once the intent is known."""
    with payments_app.app_context():
        booking_id, session_id = paid_booking(payments_app, stripe_server)
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
