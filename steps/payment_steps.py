"""Steps for paid sessions: the hosted checkout, the pages the client comes back to, and where the money went.

The client's side goes over HTTP (the app's pages and Stripe's hosted page,
both through one ``Visitor``); Stripe's side goes through ``StripeDriver``
(control routes, delivery plans, stripe-python reads); the app is observed
through its public booking JSON and the operator API. Waits have deadlines.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from pytest_bdd import given, parsers, then, when

from harness.provision import calendly
from harness.stripe_driver import StripeDriver
from harness.waiting import wait_until
from harness.web import Visitor
from steps.support import (
    World,
    booking_json,
    hold_booking,
    on_checkout_page,
    pay_with_card,
    slots_offered,
    slug,
    wait_for_booking,
)


@pytest.fixture
def stripe_sim(simulators, app_server, world: World):
    driver = StripeDriver(simulators, app_server.config.stripe_secret_key)
    if world.shared:  # the journal holds the earlier scenarios' deliveries too
        driver.since = world.journal_since
    yield driver
    driver.close()


# --- Given ---------------------------------------------------------------------------------------


@given(parsers.parse('"{name}" offers a paid session "{session}" of {minutes:d} minutes for {amount:d} "{currency}"'))
def builder_offers_paid_session(
    admin, simulators, world: World, name: str, session: str, minutes: int, amount: int, currency: str
):
    name = world.builder(name)
    event_type = calendly.add_event_type(simulators, host_slug=slug(name), name=session, minutes=minutes)
    response = admin.post(
        f"/admin/api/builders/{slug(name)}/session_types",
        json={
            "name": session,
            "kind": "paid",
            "duration_minutes": minutes,
            "price_cents": amount,
            "currency": currency,
            "calendly_event_type_uri": event_type["uri"],
        },
    )
    assert response.status_code == 201, response.text


@given(
    parsers.parse('"{client}" holds a "{session}" booking of "{builder}" and is on Stripe\'s payment page'),
    target_fixture="checkout",
)
def holds_booking(
    visitor: Visitor, stripe_sim: StripeDriver, world: World, client: str, session: str, builder: str
) -> dict:
    email = world.email(f"{client.split(maxsplit=1)[0].lower()}@example.com")
    return hold_booking(visitor, stripe_sim, client, email, session, world.builder(builder))


# --- When: the client on Stripe's page -----------------------------------------------------------


@when(parsers.parse('the visitor pays with the card "{card}"'))
def pay_with_card_step(visitor: Visitor, card: str):
    pay_with_card(visitor, card)


@when("the visitor completes the authentication")
def complete_authentication(visitor: Visitor):
    visitor.submit(visitor.form(""), outcome="pass")


@when("the visitor fails the authentication")
def fail_authentication(visitor: Visitor):
    visitor.submit(visitor.form(""), outcome="fail")


@when("the visitor completes the authentication if Stripe asks for it")
def authenticate_if_asked(visitor: Visitor):
    if visitor.url.endswith("/authenticate"):
        complete_authentication(visitor)


# --- Then: pages ---------------------------------------------------------------------------------


@then(parsers.parse('the visitor is on Stripe\'s payment page for "{total}"'), target_fixture="checkout")
def on_stripe_page(visitor: Visitor, stripe_sim: StripeDriver, chosen_slot, total: str) -> dict:
    return {**on_checkout_page(visitor, stripe_sim, total), "slot": chosen_slot.value}


@then("Stripe asks the visitor to authenticate the payment")
def asked_to_authenticate(visitor: Visitor):
    assert visitor.url.endswith("/authenticate"), visitor.url
    assert visitor.parsed.h1 == "3D Secure test payment page"


@then(parsers.parse('Stripe\'s payment page shows "{message}"'))
def stripe_page_shows(visitor: Visitor, checkout: dict, message: str):
    # Still on the checkout page (re-rendered where the form was posted: the page, or its 3-D Secure step).
    assert urlsplit(visitor.url).path.startswith(urlsplit(checkout["url"]).path), visitor.url
    assert visitor.page.status_code == 402, (visitor.page.status_code, visitor.page.text[:500])
    assert any(message in alert for alert in visitor.parsed.alerts), visitor.parsed.alerts


@then("the visitor is back on the booking's payment page")
def back_on_paid_page(visitor: Visitor, checkout: dict):
    parts = urlsplit(visitor.url)
    assert parts.path == f"/bookings/{checkout['booking_id']}/paid", visitor.url
    assert parse_qs(parts.query)["session_id"] == [checkout["session_id"]]
    assert visitor.page.status_code == 200


@then(parsers.parse('the page says "{heading}" once the webhook has confirmed it'))
def page_says_once_confirmed(visitor: Visitor, checkout: dict, heading: str):
    def shown():
        visitor.open(f"/bookings/{checkout['booking_id']}/paid")  # what the page's refresh link does
        return visitor.parsed.h1 == heading

    wait_until(shown, what=f"the payment page to say {heading!r} (it says {visitor.parsed.h1!r})")


# --- Then: the booking and the money ---------------------------------------------------------------


@then("the booking is held for payment with its slot reserved")
def held_with_slot(visitor: Visitor, visitors, checkout: dict):
    booking = booking_json(visitor, checkout["booking_id"])
    assert booking["status"] == "pending_payment" and booking["hold_expires_at"], booking
    assert booking["payment"]["status"] == "open", booking["payment"]
    assert checkout["slot"] not in slots_offered(visitors, booking)


@then(
    parsers.parse(
        'Stripe has one open Checkout Session for the booking of {amount:d} "{currency}" that names the booking'
    )
)
def one_open_session(stripe_sim: StripeDriver, app_server, world: World, checkout: dict, amount: int, currency: str):
    [session] = stripe_sim.sessions_for(checkout["booking_id"])
    booking_id = checkout["booking_id"]
    assert session["id"] == checkout["session_id"] and session["status"] == "open"
    assert (session["amount_total"], session["currency"]) == (amount, currency)
    assert session["metadata"] == {"bookingId": booking_id} and session["client_reference_id"] == booking_id
    assert session["success_url"] == f"{app_server.url}/bookings/{booking_id}/paid?session_id={{CHECKOUT_SESSION_ID}}"
    assert session["cancel_url"] == f"{app_server.url}/bookings/{booking_id}/payment-canceled"
    assert session["customer_email"] == world.email("grace@example.com")
    assert session["expires_at"] - session["created"] >= 30 * 60


@then(
    parsers.parse(
        'the booking is "{status}" with its payment "{payment_status}" for {amount:d} "{currency}" by '
        'the card ending "{last4}"'
    )
)
def booking_and_payment(
    visitor: Visitor, checkout: dict, status: str, payment_status: str, amount: int, currency: str, last4: str
):
    booking = wait_for_booking(
        visitor,
        checkout["booking_id"],
        lambda b: b["status"] == status and (b["payment"] or {}).get("last4") == last4,
        f"the booking to be {status} with the card ending {last4}",
    )
    payment = booking["payment"]
    assert (payment["status"], payment["amount_cents"], payment["currency"]) == (payment_status, amount, currency)
    assert payment["refunded_cents"] == 0 and payment["failure_code"] is None, payment


@then(parsers.parse('the booking stays held for payment, its last attempt declined with "{code}"'))
def held_after_decline(visitor: Visitor, visitors, checkout: dict, code: str):
    booking = wait_for_booking(
        visitor,
        checkout["booking_id"],
        lambda b: b["payment"]["failure_code"] == code,
        f"the decline {code} to be recorded",
    )
    assert booking["status"] == "pending_payment" and booking["payment"]["status"] == "open", booking
    assert checkout["slot"] not in slots_offered(visitors, booking)


@then("the booking is on the builder's calendar")
def on_calendar(visitor: Visitor, checkout: dict):
    booking = booking_json(visitor, checkout["booking_id"])
    assert (booking["calendly_invitee_uri"] or "").startswith("http"), booking


@then(parsers.parse('Stripe captured {amount:d} "{currency}" once for the booking and refunded nothing'))
def captured_once(stripe_sim: StripeDriver, checkout: dict, amount: int, currency: str):
    money = stripe_sim.money_for(checkout["booking_id"])
    assert money == {"captured": [amount], "refunded": [], "currencies": [currency]}, money


@then("no money moved for the booking")
def no_money(stripe_sim: StripeDriver, checkout: dict):
    money = stripe_sim.money_for(checkout["booking_id"])
    assert money == {"captured": [], "refunded": [], "currencies": []}, money
