"""Test cards, 3-D Secure, delayed payments, refunds and expiry, through the control pay route and the API."""

from __future__ import annotations

import pytest
import stripe

pytestmark = [pytest.mark.stripe]

DECLINES = [
    ("4000000000000002", "card_declined", "generic_decline"),
    ("4000000000009995", "card_declined", "insufficient_funds"),
    ("4000000000000069", "expired_card", "expired_card"),
    ("4000000000000127", "incorrect_cvc", "incorrect_cvc"),
    ("4000000000000119", "processing_error", "processing_error"),
    ("4100000000000019", "card_declined", "fraudulent"),
]


@pytest.mark.parametrize(
    ("card", "brand"), [("4242424242424242", "visa"), ("5555555555554444", "mastercard"), ("378282246310005", "amex")]
)
def test_succeeding_cards_complete_the_session(new_session, pay, stripe_client, event_types, card, brand):
    session = new_session()
    answer = pay(session.id, card)
    assert answer["outcome"] == "succeeded"
    done = stripe_client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent.latest_charge"]})
    assert (done.status, done.payment_status, done.url) == ("complete", "paid", None)
    assert done.payment_intent.status == "succeeded"
    assert done.payment_intent.latest_charge.payment_method_details.card.brand == brand
    assert event_types() == [
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
        "checkout.session.completed",
    ]


@pytest.mark.parametrize(("card", "code", "decline_code"), DECLINES)
def test_declining_cards_keep_the_session_open(new_session, pay, stripe_client, event_types, card, code, decline_code):
    session = new_session()
    answer = pay(session.id, card)
    assert answer["outcome"] == "declined"
    assert (answer["error"]["code"], answer["error"]["decline_code"]) == (code, decline_code)
    fetched = stripe_client.v1.checkout.sessions.retrieve(session.id)
    assert (fetched.status, fetched.payment_status) == ("open", "unpaid")
    intent = stripe_client.v1.payment_intents.retrieve(fetched.payment_intent)
    assert intent.status == "requires_payment_method"
    assert (intent.last_payment_error.code, intent.last_payment_error.decline_code) == (code, decline_code)
    assert event_types() == ["payment_intent.created", "charge.failed", "payment_intent.payment_failed"]
    # The customer tries another card on the same session and PaymentIntent.
    assert pay(session.id)["payment_intent"]["id"] == intent.id
    assert stripe_client.v1.checkout.sessions.retrieve(session.id).status == "complete"


def test_fraud_block_reads_as_blocked_in_the_charge_outcome(new_session, pay, stripe_client):
    session = new_session()
    intent_id = pay(session.id, "4100000000000019")["payment_intent"]["id"]
    intent = stripe_client.v1.payment_intents.retrieve(intent_id, params={"expand": ["latest_charge"]})
    assert intent.latest_charge.outcome.type == "blocked" and intent.latest_charge.status == "failed"


@pytest.mark.parametrize("card", ["4000002500003155", "4000002760003184"])
def test_three_d_secure_passed_completes(new_session, pay, event_types, card):
    session = new_session()
    assert pay(session.id, card, three_d_secure="pass")["outcome"] == "succeeded"
    assert event_types()[:2] == ["payment_intent.created", "payment_intent.requires_action"]
    assert event_types()[-1] == "checkout.session.completed"


def test_three_d_secure_failed_declines_without_a_charge(new_session, pay, event_types):
    session = new_session()
    answer = pay(session.id, "4000002500003155", three_d_secure="fail")
    assert answer["outcome"] == "declined"
    assert answer["error"]["code"] == "payment_intent_authentication_failure"
    assert answer["checkout_session"]["status"] == "open"
    assert event_types() == [
        "payment_intent.created",
        "payment_intent.requires_action",
        "payment_intent.payment_failed",
    ]


def test_three_d_secure_left_pending_then_answered(new_session, pay, stripe_control, stripe_client):
    session = new_session()
    pending = pay(session.id, "4000002760003184")
    assert pending["outcome"] == "requires_action"
    assert stripe_client.v1.payment_intents.retrieve(pending["payment_intent"]["id"]).status == "requires_action"
    answer = stripe_control.post(f"/checkout/sessions/{session.id}/authenticate", json={"outcome": "pass"}).json()
    assert answer["outcome"] == "succeeded"
    again = stripe_control.post(f"/checkout/sessions/{session.id}/authenticate", json={"outcome": "pass"})
    assert again.status_code == 409


def test_authenticated_then_declined_card(new_session, pay):
    answer = pay(new_session().id, "4000008400001629", three_d_secure="pass")
    assert answer["outcome"] == "declined" and answer["error"]["decline_code"] == "generic_decline"


def test_card_form_errors_create_nothing(new_session, stripe_control, event_types):
    session = new_session()
    bad = stripe_control.post(f"/checkout/sessions/{session.id}/pay", json={"card": "4242424242424241"})
    assert bad.status_code == 400 and bad.json()["code"] == "incorrect_number"
    past = stripe_control.post(
        f"/checkout/sessions/{session.id}/pay", json={"card": "4242424242424242", "exp_month": 1, "exp_year": 2001}
    )
    assert past.status_code == 400 and past.json()["code"] == "invalid_expiry_year"
    assert event_types() == []


def test_delayed_payment_completes_unpaid_then_settles(new_session, pay, stripe_control, stripe_client, event_types):
    session = new_session(payment_method_types=["card", "us_bank_account"])
    answer = pay(session.id, payment_method="us_bank_account")
    assert answer["outcome"] == "processing"
    completed = answer["checkout_session"]
    assert (completed["status"], completed["payment_status"]) == ("complete", "unpaid")
    settled = stripe_control.post(f"/checkout/sessions/{session.id}/settle", json={"outcome": "succeeded"}).json()
    assert settled["checkout_session"]["payment_status"] == "paid"
    assert stripe_client.v1.payment_intents.retrieve(settled["payment_intent"]["id"]).status == "succeeded"
    assert event_types() == [
        "payment_intent.created",
        "payment_intent.processing",
        "checkout.session.completed",
        "charge.succeeded",
        "payment_intent.succeeded",
        "checkout.session.async_payment_succeeded",
    ]


def test_delayed_payment_that_fails_to_settle(new_session, pay, stripe_control, event_types):
    session = new_session()  # no payment_method_types: dynamic methods include the bank debit
    pay(session.id, payment_method="us_bank_account")
    failed = stripe_control.post(f"/checkout/sessions/{session.id}/settle", json={"outcome": "failed"}).json()
    assert failed["outcome"] == "settlement_failed"
    assert failed["checkout_session"]["payment_status"] == "unpaid"
    assert event_types()[-3:] == [
        "charge.failed",
        "payment_intent.payment_failed",
        "checkout.session.async_payment_failed",
    ]


def test_delayed_method_refused_when_the_session_does_not_offer_it(new_session, stripe_control):
    session = new_session(payment_method_types=["card"])
    refused = stripe_control.post(f"/checkout/sessions/{session.id}/pay", json={"payment_method": "us_bank_account"})
    assert refused.status_code == 409 and refused.json()["code"] == "payment_method_not_allowed"


def test_paying_a_closed_session_is_refused(new_session, pay, stripe_control):
    session = new_session()
    pay(session.id)
    again = stripe_control.post(f"/checkout/sessions/{session.id}/pay", json={"card": "4242424242424242"})
    assert again.status_code == 409 and again.json()["code"] == "session_not_open"


def test_partial_then_full_refund_then_refusals(new_session, pay, stripe_client, event_types):
    session = new_session()
    intent_id = pay(session.id)["payment_intent"]["id"]
    partial = stripe_client.v1.refunds.create(
        params={
            "payment_intent": intent_id,
            "amount": 1000,
            "reason": "requested_by_customer",
            "metadata": {"booking_id": "bk_123"},
        }
    )
    assert (partial.amount, partial.status, partial.payment_intent) == (1000, "succeeded", intent_id)
    assert partial.metadata["booking_id"] == "bk_123"
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        stripe_client.v1.refunds.create(params={"payment_intent": intent_id, "amount": 5000})
    assert (too_much.value.code, too_much.value.param) == ("amount_too_large", "amount")
    rest = stripe_client.v1.refunds.create(params={"payment_intent": intent_id})
    assert rest.amount == 3500
    charge = stripe_client.v1.charges.retrieve(rest.charge)
    assert (charge.refunded, charge.amount_refunded) == (True, 4500)
    with pytest.raises(stripe.InvalidRequestError) as done:
        stripe_client.v1.refunds.create(params={"payment_intent": intent_id})
    assert done.value.code == "charge_already_refunded"
    assert stripe_client.v1.refunds.retrieve(partial.id).amount == 1000
    assert [r.id for r in stripe_client.v1.refunds.list(params={"payment_intent": intent_id}).data] == [
        rest.id,
        partial.id,
    ]
    assert event_types(type="charge.refunded") == ["charge.refunded", "charge.refunded"]
    assert event_types(type="refund.created") == ["refund.created", "refund.created"]


def test_refund_event_carries_previous_attributes_and_request(new_session, pay, stripe_client):
    intent_id = pay(new_session().id)["payment_intent"]["id"]
    stripe_client.v1.refunds.create(params={"payment_intent": intent_id}, options={"idempotency_key": "refund-1"})
    event = stripe_client.v1.events.list(params={"type": "charge.refunded"}).data[0]
    assert event.data.previous_attributes.to_dict() == {"amount_refunded": 0, "refunded": False}
    assert event.data.object.refunded is True
    assert event.request.idempotency_key == "refund-1" and event.request.id.startswith("req_")


def test_refunding_an_unpaid_intent_is_refused(new_session, pay, stripe_client):
    intent_id = pay(new_session().id, "4000000000000002")["payment_intent"]["id"]
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_client.v1.refunds.create(params={"payment_intent": intent_id})
    assert refused.value.code == "charge_not_refundable"


def test_expiry_cancels_an_unfinished_payment_intent(new_session, pay, stripe_client, event_types):
    session = new_session()
    intent_id = pay(session.id, "4000000000000002")["payment_intent"]["id"]
    stripe_client.v1.checkout.sessions.expire(session.id)
    assert stripe_client.v1.payment_intents.retrieve(intent_id).status == "canceled"
    assert event_types()[-2:] == ["payment_intent.canceled", "checkout.session.expired"]


def test_sessions_expire_on_the_virtual_clock(new_session, simulator, stripe_client, stripe_control, event_types):
    short = new_session(expires_at=int(simulator.hub.clock.now()) + 1800)
    long = new_session()
    simulator.hub.clock.advance(1801)
    assert stripe_client.v1.checkout.sessions.retrieve(short.id).status == "expired"  # touched: expired
    assert stripe_client.v1.checkout.sessions.retrieve(long.id).status == "open"
    assert event_types() == ["checkout.session.expired"]
    simulator.hub.clock.advance(24 * 3600)
    assert stripe_control.post("/checkout/sessions/expire_due").json()["expired"] == [long.id]
    assert event_types() == ["checkout.session.expired", "checkout.session.expired"]


def test_control_expire_route(new_session, stripe_control):
    session = new_session()
    expired = stripe_control.post(f"/checkout/sessions/{session.id}/expire").json()["checkout_session"]
    assert expired["status"] == "expired"
    assert stripe_control.post(f"/checkout/sessions/{session.id}/expire").status_code == 400


def test_payment_intent_data_metadata_reaches_the_intent_and_charge(new_session, pay, stripe_client):
    session = new_session(payment_intent_data={"metadata": {"booking_id": "bk_123"}, "description": "Review"})
    intent_id = pay(session.id, "4000000000000002")["payment_intent"]["id"]
    intent = stripe_client.v1.payment_intents.retrieve(intent_id, params={"expand": ["latest_charge"]})
    assert intent.metadata["booking_id"] == "bk_123" and intent.description == "Review"
    assert intent.latest_charge.metadata["booking_id"] == "bk_123"
    assert stripe_client.v1.checkout.sessions.retrieve(session.id).payment_intent == intent_id
