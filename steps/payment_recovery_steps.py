"""Steps for recovering from payment trouble: pay again, expiry, the hold sweep, late payments and refunds."""

from __future__ import annotations

from datetime import datetime, timedelta

from pytest_bdd import given, parsers, then, when

from harness.calendly_driver import CalendlyDriver
from harness.stripe_driver import StripeDriver
from harness.web import Visitor
from steps.support import World, booking_json, on_checkout_page, page_text, slots_offered, wait_for_booking

# --- Recovery: cancel and pay again, expiry, late payments, refunds ----------------------------------


@when("the visitor goes back from Stripe's payment page")
def back_from_stripe(visitor: Visitor):
    [href] = [href for _text, href in visitor.parsed.links if "/payment-canceled" in href]
    visitor.open(href)


@then(parsers.parse('the page says "{heading}" and offers to pay again'))
def offers_to_pay_again(visitor: Visitor, checkout: dict, heading: str):
    assert visitor.page.status_code == 200 and visitor.parsed.h1 == heading, visitor.parsed.h1
    assert visitor.form(f"/bookings/{checkout['booking_id']}/pay").method == "post"


@when("the visitor chooses to pay now", target_fixture="checkout")
def pay_now(visitor: Visitor, stripe_sim: StripeDriver, checkout: dict) -> dict:
    visitor.submit(visitor.form(f"/bookings/{checkout['booking_id']}/pay"))
    again = on_checkout_page(visitor, stripe_sim, visitor.parsed.h1.removeprefix("Pay "))
    return {**checkout, **again, "previous_session_id": checkout["session_id"]}


@then("the visitor is on a new Stripe payment page for the same booking")
def new_payment_page(visitor: Visitor, checkout: dict):
    assert checkout["session_id"] != checkout["previous_session_id"]
    booking = booking_json(visitor, checkout["booking_id"])
    assert booking["status"] == "pending_payment" and booking["payment"]["attempts"] == 2, booking
    assert booking["payment"]["checkout_session_id"] == checkout["session_id"]


def assert_expired_at_stripe(stripe_sim: StripeDriver, session_id: str) -> None:
    session = stripe_sim.api.v1.checkout.sessions.retrieve(session_id)
    assert session.status == "expired", session.status
    refused = stripe_sim.pay(session_id)
    assert refused.status_code == 409 and refused.json()["code"] == "session_not_open", refused.text


@then("the first Checkout Session was expired at Stripe and can no longer be paid")
def first_session_expired(stripe_sim: StripeDriver, checkout: dict):
    assert_expired_at_stripe(stripe_sim, checkout["previous_session_id"])
    assert [s["status"] for s in stripe_sim.sessions_for(checkout["booking_id"])] == ["expired", "open"]


@then("the Checkout Session was expired at Stripe and can no longer be paid")
def session_expired(stripe_sim: StripeDriver, checkout: dict):
    assert_expired_at_stripe(stripe_sim, checkout["session_id"])


@when("the Checkout Session expires unpaid at Stripe")
def session_expires_at_stripe(stripe_sim: StripeDriver, checkout: dict):
    stripe_sim.advance(45 * 60)
    assert checkout["session_id"] in stripe_sim.expire_due_sessions()


@given("Stripe's API fails every request to expire a Checkout Session")
def expire_requests_fail(stripe_sim: StripeDriver):
    stripe_sim.fault(method="POST", path="/v1/checkout/sessions/*/expire", response="500", times=None)


@when("the hold sweep runs after the hold has ended", target_fixture="sweep")
def hold_sweep(admin, world: World, visitor: Visitor, checkout: dict) -> dict:
    hold_end = datetime.fromisoformat(
        booking_json(visitor, checkout["booking_id"])["hold_expires_at"].replace("Z", "+00:00")
    )
    as_of = (hold_end + timedelta(minutes=1)).isoformat()
    response = admin.post("/admin/api/payments/expire-holds", json={"as_of": as_of})
    assert response.status_code == 200, response.text
    if world.shared:  # the sweep covers every scenario's holds: what it did to this one's booking
        return {outcome: [b for b in ids if b == checkout["booking_id"]] for outcome, ids in response.json().items()}
    return response.json()


@then("the sweep released the booking")
def sweep_released(sweep: dict, checkout: dict):
    assert sweep["released"] == [checkout["booking_id"]], sweep


@then("the sweep changed nothing")
def sweep_changed_nothing(sweep: dict):
    assert not any(sweep.values()), sweep


@then(parsers.parse('the booking expires, its payment "{payment_status}", and its slot is offered again'))
def booking_expired(visitor: Visitor, visitors, checkout: dict, payment_status: str):
    booking = wait_for_booking(
        visitor, checkout["booking_id"], lambda b: b["status"] == "expired", "the booking to expire"
    )
    assert booking["payment"]["status"] == payment_status, booking["payment"]
    assert checkout["slot"] in slots_offered(visitors, booking)


@then(parsers.parse('the booking stays "{status}" and its payment is refunded in full for "{reason}"'))
@then(parsers.parse('the booking is "{status}" and its payment is refunded in full for "{reason}"'))
def refunded_in_full(visitor: Visitor, checkout: dict, status: str, reason: str):
    booking = wait_for_booking(
        visitor,
        checkout["booking_id"],
        lambda b: (b["payment"] or {}).get("status") == "refunded",
        "the payment to be refunded",
    )
    payment = booking["payment"]
    assert booking["status"] == status, booking
    assert payment["refunded_cents"] == payment["amount_cents"] and not payment["refund_pending"], payment
    assert payment["refund_reasons"] == [reason], payment


@then(parsers.parse('the booking page tells the client "{sentence}"'))
def booking_page_tells(visitors, world: World, checkout: dict, sentence: str):
    sentence = world.text(sentence)
    page = visitors()
    page.open(f"/bookings/{checkout['booking_id']}")
    assert page.page.status_code == 200
    assert sentence in page_text(page.page), page_text(page.page)[:1500]


@then(parsers.parse('Stripe captured {amount:d} "{currency}" once for the booking and refunded it in full'))
def captured_and_refunded(stripe_sim: StripeDriver, checkout: dict, amount: int, currency: str):
    money = stripe_sim.money_for(checkout["booking_id"])
    assert money == {"captured": [amount], "refunded": [amount], "currencies": [currency]}, money


@when("the client cancels the booking on Calendly")
def cancel_on_calendly(calendly_sim: CalendlyDriver, visitor: Visitor, checkout: dict):
    invitee_uri = booking_json(visitor, checkout["booking_id"])["calendly_invitee_uri"]
    assert invitee_uri, "the booking was never put on the calendar"
    calendly_sim.cancel(invitee_uri, by="invitee", reason="Plans changed")


# --- Refunds that change later: Stripe's asynchronous refund cards -----------------------------------


@then(parsers.parse('the booking is "{status}" and its refund of {amount:d} "{currency}" is pending at Stripe'))
def refund_pending(visitor: Visitor, stripe_sim: StripeDriver, checkout: dict, status: str, amount: int, currency: str):
    booking = wait_for_booking(
        visitor,
        checkout["booking_id"],
        lambda b: (b["payment"] or {}).get("refund_pending") is True,
        "the refund to be recorded as pending",
    )
    payment = booking["payment"]
    assert booking["status"] == status, booking
    assert payment["status"] == "paid" and payment["refunded_cents"] == 0, payment  # not back with the client yet
    [refund] = stripe_sim.refunds_for(checkout["booking_id"])
    assert (refund["status"], refund["amount"], refund["currency"]) == ("pending", amount, currency), refund


@when("Stripe settles the refund of the booking")
def settle_the_refund(stripe_sim: StripeDriver, checkout: dict):
    [refund] = stripe_sim.refunds_for(checkout["booking_id"])
    stripe_sim.settle_refund(refund["id"])


@then(parsers.parse('the booking is "{status}", its payment "paid" again and its refund "failed"'))
def refund_failed(visitor: Visitor, checkout: dict, status: str):
    booking = wait_for_booking(
        visitor,
        checkout["booking_id"],
        lambda b: (b["payment"] or {}).get("refund_failed") is True,
        "the refund to be recorded as failed",
    )
    payment = booking["payment"]
    assert booking["status"] == status, booking
    assert payment["status"] == "paid" and payment["refunded_cents"] == 0, payment
    assert not payment["refund_pending"] and payment["refund_reasons"] == ["canceled"], payment
