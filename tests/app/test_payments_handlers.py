"""Stripe's events, applied in any order and any number of times, change a booking exactly once.

The events are real: the app opens the Checkout Session at the simulator and
the simulator records what a customer's payment produces. Hypothesis then
delivers them through the inbox in every order, with exact duplicates (same
event id) and Stripe's distinct duplicates (a new id for the same change).
"""

from __future__ import annotations

import copy
import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, text

from app_under_test import booking_events
from app_under_test.booking_locks import lock_booking
from app_under_test.db import get_db
from app_under_test.event_bus import EventBus, attach
from app_under_test.models import Payment
from app_under_test.payments import refunds, settlement
from app_under_test.payments import subscribers as payment_subscribers
from app_under_test.payments.checkout import pay_again
from app_under_test.payments.gateway import app_client
from app_under_test.payments.records import booking_by_public_id
from app_under_test.webhooks import inbox, stripe_handlers
from harness.waiting import wait_until
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
# Each example is a real checkout at the simulator (about a second), so shrinking is left out: a failure
# still prints its example and seed.
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def hooks(payments_app) -> Counter:
    """How often each booking event was published, per booking: the app's bus gives way to one that counts
    (the mail side is not under test here) and keeps the refund subscriber. A refund decided by a handler
    goes to the Stripe simulator right after its commit, as in the running app."""
    calls: Counter = Counter()
    bus = EventBus()
    payment_subscribers.subscribe(bus)
    for kind, name in (
        (booking_events.BookingConfirmed, "booking_confirmed"),
        (booking_events.BookingExpired, "booking_expired"),
        (booking_events.PaidBookingConfirmed, "paid_booking_confirmed"),
    ):
        bus.subscribe(kind, lambda session, event, _name=name: calls.update([(_name, event.booking.public_id)]))
    bus.subscribe(
        booking_events.PaymentRefunded, lambda session, event: calls.update([("payment_refunded", event.reason)])
    )
    attach(payments_app.extensions["booking_db"].session_info, bus)
    return calls


def distinct(event: dict, n: int) -> dict:
    twin = copy.deepcopy(event)
    twin["id"] = f"{event['id']}_distinct{n}"
    return twin


def shuffled_with_copies(data, events: list[dict]) -> list[dict]:
    order = data.draw(st.permutations(events))
    copies = data.draw(st.lists(st.sampled_from(events), max_size=4))
    twins = [distinct(e, i) for i, e in enumerate(data.draw(st.lists(st.sampled_from(events), max_size=3)))]
    return data.draw(st.permutations(order + copies + twins))


@EXAMPLES
@given(data=st.data())
def test_a_paid_checkout_confirms_the_booking_once_whatever_the_order_and_copies(
    payments_app, stripe_server, hooks, data
):
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        pay(stripe_server, session_id, "4000000000000002")  # a decline first, then a good card
        pay(stripe_server, session_id, "4242424242424242")
        events = events_for(booking_id)
        assert {e["type"] for e in events} >= {
            "checkout.session.completed",
            "charge.succeeded",
            "payment_intent.payment_failed",
            "payment_intent.succeeded",
        }
        for event in shuffled_with_copies(data, events):
            assert deliver(event) in ("processed", "ignored", "duplicate")
        assert state_of(booking_id) == {
            "status": "confirmed",
            "claims": 4,
            "payments": [("paid", True, "4242", None)],
            "refunds": [],
        }
        assert hooks[("paid_booking_confirmed", booking_id)] == 1 and not hooks[("booking_confirmed", booking_id)]


@EXAMPLES
@given(data=st.data())
def test_an_expired_checkout_releases_the_hold_once(payments_app, stripe_server, hooks, data):
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        pay(stripe_server, session_id, "4000000000009995")
        with control(stripe_server) as client:
            assert client.post(f"/checkout/sessions/{session_id}/expire").status_code == 200
        for event in shuffled_with_copies(data, events_for(booking_id)):
            deliver(event)
        assert state_of(booking_id) == {
            "status": "expired",
            "claims": 0,
            "payments": [("expired", True, None, "insufficient_funds")],
            "refunds": [],
        }
        assert hooks[("booking_expired", booking_id)] == 1 and not hooks[("paid_booking_confirmed", booking_id)]


@EXAMPLES
@given(data=st.data())
def test_a_payment_after_the_hold_was_released_is_refunded_once(payments_app, stripe_server, hooks, data):
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        with get_db().transaction() as session:  # the hold ran out while Stripe could not be asked
            booking = booking_by_public_id(session, booking_id)
            settlement.release_hold(session, lock_booking(session, booking.id))
        pay(stripe_server, session_id)
        for event in shuffled_with_copies(data, events_for(booking_id)):
            deliver(event)
        # Sent after the commit that decided it, once whatever the copies: a 4242 card's refund succeeds at once.
        assert [(r["amount"], r["status"]) for r in stripe_refunds(booking_id)] == [(4500, "succeeded")]
        assert state_of(booking_id) == {
            "status": "expired",
            "claims": 0,
            "payments": [("refunded", True, "4242", None)],
            "refunds": [("late_payment", "succeeded", 4500)],
        }
        assert not hooks[("paid_booking_confirmed", booking_id)] and not hooks[("booking_confirmed", booking_id)]


@settings(EXAMPLES, max_examples=10)  # each example is a payment, a refund and its settling at the simulator
@given(data=st.data())
def test_a_refund_that_failed_stays_failed_whatever_the_order_of_its_events(payments_app, stripe_server, hooks, data):
    # Stripe's card 4000000000005126: the refund succeeds, then fails (the card refuses the money). Its
    # events (refund.created succeeded, charge.refunded, refund.failed) may arrive in any order; an
    # older snapshot must never bring a failed refund back to succeeded, nor the payment to refunded.
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        pay(stripe_server, session_id, "4000000000005126")
        paid = events_for(booking_id)
        for event in paid:
            deliver(event)
        with get_db().transaction() as session:
            booking = booking_by_public_id(session, booking_id)
            refunds.refund_paid_payments(session, lock_booking(session, booking.id), "canceled")
        assert refunds.issue_requested(get_db(), app_client()) == {}  # sent already, right after that commit
        [(refund_id,)] = [(r["id"],) for r in stripe_refunds(booking_id)]
        with control(stripe_server) as client:
            assert client.post(f"/refunds/{refund_id}/settle").status_code == 200
        seen = {e["id"] for e in paid}
        later = [e for e in events_for(booking_id) if e["id"] not in seen]
        assert {e["type"] for e in later} >= {"charge.refunded", "refund.failed"}
        for event in shuffled_with_copies(data, later):
            deliver(event)
        assert state_of(booking_id) == {
            "status": "confirmed",
            "claims": 4,
            "payments": [("paid", True, "5126", None)],
            "refunds": [("canceled", "failed", 4500)],
        }


def stripe_refunds(booking_id: str) -> list[dict]:
    listed = [r.to_dict() for r in app_client().v1.refunds.list(params={"limit": 100}).auto_paging_iter()]
    return [r for r in listed if (r.get("metadata") or {}).get("bookingId") == booking_id]


def test_a_second_attempts_charge_heard_before_its_checkout_records_the_card_and_intent_on_that_attempt(
    payments_app, stripe_server, hooks
):
    """The first attempt was declined (its PaymentIntent is recorded), the client paid again on a new page, and
    the new charge is the first news of it: the charge names its attempt in its metadata, so the card and the
    PaymentIntent (what a refund is sent against) go to the second attempt, not the first, and nothing is ignored."""
    with payments_app.app_context():
        booking_id, first_session = held_booking(payments_app)
        pay(stripe_server, first_session, "4000000000000002")
        [declined] = [e for e in events_for(booking_id) if e["type"] == "payment_intent.payment_failed"]
        assert deliver(declined) == "processed"
        with get_db().transaction() as session:
            booking = booking_by_public_id(session, booking_id)
            second_session = pay_again(
                session, booking.id, app_client(), payments_app.extensions["booking_config"]
            ).checkout_session_id
        pay(stripe_server, second_session)
        [charge] = [e for e in events_for(booking_id) if e["type"] == "charge.succeeded"]
        assert charge["data"]["object"]["metadata"]["attempt"] == "2"

        assert deliver(charge) == "processed"

        assert state_of(booking_id)["payments"] == [
            ("expired", True, None, "generic_decline"),
            ("open", True, "4242", None),  # the session's checkout.session.completed is still to come
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


def _a_handler_waits_for_a_lock() -> int:
    """Asked in a transaction of its own each time (one transaction's snapshot would never see the wait begin)."""
    with get_db().reader() as watcher:
        return watcher.scalar(
            text(
                "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()"
            )
        )


@pytest.mark.postgresql_only(reason="SQLite has one writer at a time: the two handlers cannot overlap")
def test_two_copies_at_once_of_a_paid_checkout_whose_row_was_lost_record_one_payment_and_both_apply(
    payments_app, stripe_server
):
    """The payment row of a Checkout Session was lost (its transaction rolled back after Stripe made the session),
    the client paid, and Stripe sends the news twice (a distinct copy, new id) at the same moment. The second
    copy finds no row, then waits for the booking the first is confirming; once the first commits, the second
    must see the payment the first recorded instead of recording it again (a duplicate, left to retry)."""
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        pay(stripe_server, session_id)
        [completed] = [e for e in events_for(booking_id) if e["type"] == "checkout.session.completed"]
        with get_db().transaction() as session:
            session.execute(delete(Payment).where(Payment.checkout_session_id == session_id))
    applied, release = threading.Event(), threading.Event()

    def first_copy(session, row, event) -> None:  # applies the news, then holds its transaction open
        stripe_handlers.dispatch(session, row, event)
        applied.set()
        assert release.wait(timeout=30), "the test never let the first copy commit"

    def receive(event: dict, dispatch) -> str | None:
        with payments_app.app_context():
            incoming = inbox.IncomingEvent("stripe", f"stripe:{event['id']}", event["type"], json.dumps(event))
            return inbox.receive(get_db(), incoming, dispatch).status

    with ThreadPoolExecutor(max_workers=2) as webhook_views:
        first = webhook_views.submit(receive, completed, first_copy)
        try:
            assert applied.wait(timeout=30), "the first copy was never applied"
            second = webhook_views.submit(receive, distinct(completed, 1), stripe_handlers.dispatch)
            wait_until(
                lambda: second.done() or _a_handler_waits_for_a_lock(),
                what="the second copy to wait for the booking the first is confirming",
            )
        finally:
            release.set()  # whatever happened: a handler left waiting would never return
        assert (first.result(timeout=30), second.result(timeout=30)) == ("processed", "processed")
        assert state_of(booking_id) == {
            "status": "confirmed",
            "claims": 4,
            "payments": [("paid", True, None, None)],  # the card's last four digits come with charge.succeeded
            "refunds": [],
        }
