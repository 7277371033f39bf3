"""Refunds requested in a transaction go to Stripe after the *outer* commit, not when a savepoint is released."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import event

from app_under_test.booking_locks import lock_booking
from app_under_test.db import Database, get_db
from app_under_test.payments import refunds
from app_under_test.payments.gateway import app_client
from app_under_test.payments.records import booking_by_public_id
from tests.app.log_capture import info_logs
from tests.app.payments_fixtures import (  # noqa: F401 (pytest fixtures, used by name)
    deliver,
    events_for,
    held_booking,
    paid_booking,
    pay,
    payments_app,
    state_of,
    stripe_server,
)


def test_after_commit_fires_for_savepoints_too(tmp_path):
    """The SQLAlchemy behaviour the refund and mail hooks must guard against."""
    db = Database(f"sqlite:///{tmp_path}/s.sqlite3")
    calls: list[bool] = []
    with db.transaction() as session:
        event.listen(session, "after_commit", lambda s: calls.append(s.get_nested_transaction() is not None))
        with session.begin_nested():
            pass
    db.dispose()
    assert calls == [True, False]  # once for the savepoint (nested), once for the real commit


def cancel_outside_the_app(db_url: str, booking_id: str) -> None:
    """A script on the database (its own thread, no app context) cancels a paid booking: its refund is requested."""

    def script() -> None:
        db = Database(db_url)
        try:
            with db.transaction() as session:
                booking = booking_by_public_id(session, booking_id)
                refunds.refund_paid_payments(session, lock_booking(session, booking.id), "canceled")
        finally:
            db.dispose()

    with ThreadPoolExecutor(max_workers=1) as outside_the_app:
        outside_the_app.submit(script).result(timeout=60)  # raises what the script raised


def money_back(session_id: str) -> list[tuple[int, str]]:
    intent = app_client().v1.checkout.sessions.retrieve(session_id).payment_intent
    return [(r.amount, r.status) for r in app_client().v1.refunds.list(params={"payment_intent": intent})]


def test_a_refund_decided_outside_the_app_is_queued_and_goes_out_with_the_next_issue_refunds_run(
    payments_app, stripe_server, db_url
):
    """A script working on the database outside the app (its own thread, no app context to send a refund with)
    cancels a paid booking: the refund is written as requested, nothing fails and nothing reaches Stripe; the
    operator's next issue-refunds run sends it."""
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        pay(stripe_server, session_id)
        for stripe_event in events_for(booking_id):
            deliver(stripe_event)
        assert state_of(booking_id)["status"] == "confirmed"

    cancel_outside_the_app(db_url, booking_id)
    with payments_app.app_context():
        assert state_of(booking_id)["refunds"] == [("canceled", "requested", 4500)]
        intent = app_client().v1.checkout.sessions.retrieve(session_id).payment_intent
        assert app_client().v1.refunds.list(params={"payment_intent": intent}).data == []

        run = payments_app.test_cli_runner().invoke(args=["payments", "issue-refunds"])

        assert (run.exit_code, json.loads(run.output)) == (0, {"issued": 1})
        assert [(r.amount, r.status) for r in app_client().v1.refunds.list(params={"payment_intent": intent})] == [
            (4500, "succeeded")
        ]


def test_a_savepoint_released_after_a_refund_was_requested_sends_nothing_before_the_outer_commit(
    payments_app, stripe_server, db_url
):
    """A transaction cancels a paid booking, then releases a savepoint (SQLAlchemy's after_commit fires for it too),
    while an earlier refund still waits to be sent. Nothing goes to Stripe until the transaction itself commits:
    a refund sent from inside it would be recorded by a second transaction waiting on this one's locks. After the
    commit both refunds go out, once."""
    with payments_app.app_context():
        waiting_id, waiting_session = paid_booking(payments_app, stripe_server)
        booking_id, session_id = paid_booking(payments_app, stripe_server)
    cancel_outside_the_app(db_url, waiting_id)  # requested, not sent
    with payments_app.app_context():
        with info_logs() as logs, get_db().transaction() as session:
            booking = booking_by_public_id(session, booking_id)
            refunds.refund_paid_payments(session, lock_booking(session, booking.id), "canceled")
            with session.begin_nested():
                pass
            assert (money_back(waiting_session), money_back(session_id)) == ([], [])

        assert (money_back(waiting_session), money_back(session_id)) == ([(4500, "succeeded")], [(4500, "succeeded")])
        assert [state_of(b)["refunds"] for b in (waiting_id, booking_id)] == [[("canceled", "succeeded", 4500)]] * 2
        assert [line["event"] for line in logs if line["log_level"] == "error"] == []
