"""Which payment a Stripe event is about, whatever Stripe sends first.

A PaymentIntent, a charge and a refund name their payment by the intent's id once the app has recorded it,
and by the booking and attempt their metadata carries before that. Each event kind must reach its payment
both ways: a refund made on Stripe's Dashboard announces itself by ``refund.created`` alone, a charge can be
refunded before the app heard of its intent, and a second decline on the same intent must update the first.
"""

from __future__ import annotations

import pytest

from app_under_test.payments.gateway import app_client
from tests.app.payments_fixtures import (  # noqa: F401 (pytest fixtures, used by name)
    deliver,
    events_for,
    held_booking,
    pay,
    payments_app,
    state_of,
    stripe_server,
)

pytestmark = [pytest.mark.stripe, pytest.mark.webhook, pytest.mark.database]


def of_type(events: list[dict], kind: str) -> list[dict]:
    return [event for event in events if event["type"] == kind]


def test_a_refund_made_on_stripes_dashboard_is_recorded_from_its_refund_created_event(payments_app, stripe_server):
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        paid = pay(stripe_server, session_id)
        before = events_for(booking_id)
        for event in before:
            deliver(event)
        app_client().v1.refunds.create(
            params={"payment_intent": paid["payment_intent"]["id"], "metadata": {"bookingId": booking_id}}
        )
        seen = {event["id"] for event in before}
        [created] = of_type([e for e in events_for(booking_id) if e["id"] not in seen], "refund.created")
        assert deliver(created) == "processed"
        state = state_of(booking_id)
        assert [status for status, *_ in state["payments"]] == ["refunded"]
        assert [(status, amount) for _reason, status, amount in state["refunds"]] == [("succeeded", 4500)]


def test_a_charge_refunded_before_the_app_heard_of_its_intent_is_found_by_its_metadata(payments_app, stripe_server):
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        paid = pay(stripe_server, session_id)
        app_client().v1.refunds.create(
            params={"payment_intent": paid["payment_intent"]["id"], "metadata": {"bookingId": booking_id}}
        )
        events = events_for(booking_id)
        [refunded] = of_type(events, "charge.refunded")
        assert deliver(refunded) == "processed"  # no retry: the charge's metadata names the booking and attempt
        for event in events:
            deliver(event)
        state = state_of(booking_id)
        assert [status for status, *_ in state["payments"]] == ["refunded"]
        assert [(status, amount) for _reason, status, amount in state["refunds"]] == [("succeeded", 4500)]


def test_an_intent_event_after_its_charge_is_applied_to_the_payment_the_charge_named(payments_app, stripe_server):
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        pay(stripe_server, session_id)
        events = events_for(booking_id)
        [charge] = of_type(events, "charge.succeeded")
        [intent] = of_type(events, "payment_intent.succeeded")
        assert deliver(charge) == "processed"  # records the intent's id on the payment
        assert deliver(intent) == "processed"  # found by that id, not turned away as someone else's


@pytest.mark.parametrize("attempt", ["0", "2"])
def test_an_intent_whose_metadata_names_an_attempt_the_booking_never_had_is_ignored(
    payments_app, stripe_server, attempt
):
    """Only the booking's own attempts, counted from 1, take an intent by its metadata: attempt "0" or one past the
    last names no payment (metadata anyone with the key may edit), so the decline is left alone, not pinned on
    the latest attempt."""
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        pay(stripe_server, session_id, "4000000000000002")
        [declined] = of_type(events_for(booking_id), "payment_intent.payment_failed")
        assert declined["data"]["object"]["metadata"]["attempt"] == "1"
        declined["data"]["object"]["metadata"]["attempt"] = attempt
        assert deliver(declined) == "ignored"
        assert state_of(booking_id)["payments"] == [("open", False, None, None)]
