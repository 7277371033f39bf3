"""Steps for paid sessions: the hosted checkout, the pages the client comes back to, and where the money went.

The client's side goes over HTTP (the app's pages and Stripe's hosted page,
both through one ``Visitor``); Stripe's side goes through ``StripeDriver``
(control routes, delivery plans, stripe-python reads); the app is observed
through its public booking JSON and the operator API. Waits have deadlines.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from pytest_bdd import given, parsers, then, when

from harness.provision import calendly
from harness.stripe_driver import StripeDriver
from harness.waiting import wait_until
from harness.web import Visitor
from steps.booking_steps import session_path, slug
from steps.common_steps import page_text

PAGE_PATH = "/stripe/c/pay/"


@pytest.fixture
def stripe_sim(simulators, app_server):
    driver = StripeDriver(simulators, app_server.config.stripe_secret_key)
    yield driver
    driver.close()


def booking_json(visitor: Visitor, booking_id: str) -> dict:
    response = visitor.http.get(f"/api/v1/bookings/{booking_id}")
    assert response.status_code == 200, response.text
    return response.json()


def wait_for_booking(visitor: Visitor, booking_id: str, check, what: str, timeout: float = 20.0) -> dict:
    def current():
        booking = booking_json(visitor, booking_id)
        return booking if check(booking) else None

    try:
        return wait_until(current, timeout=timeout, what=what)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the booking is now {booking_json(visitor, booking_id)}") from None


def on_checkout_page(visitor: Visitor, stripe_sim: StripeDriver, total: str) -> dict:
    assert PAGE_PATH in visitor.url, (
        f"not on Stripe's page: {visitor.url} ({visitor.page.status_code}): {page_text(visitor.page)[:600]}"
    )
    assert visitor.page.status_code == 200, visitor.page.text[:500]
    assert visitor.parsed.h1 == f"Pay {total}", visitor.parsed.h1
    session_id = urlsplit(visitor.url).path.rsplit("/", 1)[-1]
    session = stripe_sim.api.v1.checkout.sessions.retrieve(session_id)
    return {"session_id": session_id, "booking_id": session.client_reference_id, "url": visitor.url}


def later_slot(visitor: Visitor):
    """A slot at least a day away (the week's first one may be within the hour a scenario's clock moves)."""
    soon = datetime.now(UTC) + timedelta(days=1)
    later = [s for s in visitor.parsed.slots if datetime.fromisoformat(s.value.replace("Z", "+00:00")) >= soon]
    if not later:
        visitor.follow_link("Later week")
        later = visitor.parsed.slots
    assert later, f"no slots a day away on {visitor.url}"
    return later[0]


# --- Given ---------------------------------------------------------------------------------------


@given(parsers.parse('"{name}" offers a paid session "{session}" of {minutes:d} minutes for {amount:d} "{currency}"'))
def builder_offers_paid_session(admin, simulators, name: str, session: str, minutes: int, amount: int, currency: str):
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
def holds_booking(visitor: Visitor, stripe_sim: StripeDriver, client: str, session: str, builder: str) -> dict:
    visitor.open(session_path(builder, session))
    slot = later_slot(visitor)
    email = f"{client.split(maxsplit=1)[0].lower()}@example.com"
    visitor.submit(visitor.form("/book"), slot=slot.value, name=client, email=email)
    assert PAGE_PATH in visitor.url, page_text(visitor.page)[:600]
    checkout = on_checkout_page(visitor, stripe_sim, visitor.parsed.h1.removeprefix("Pay "))
    return {**checkout, "slot": slot.value, "builder": builder, "session": session}


# --- When: the client on Stripe's page -----------------------------------------------------------


@when(parsers.parse('the visitor pays with the card "{card}"'))
def pay_with_card(visitor: Visitor, card: str):
    assert PAGE_PATH in visitor.url, f"not on Stripe's page: {visitor.url}"
    visitor.submit(
        visitor.form(""),
        card_number=card,
        card_expiry="12 / 34",
        card_cvc="1234" if card.startswith(("34", "37")) else "123",
        name="Grace Hopper",
    )


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


def slots_offered(visitors, booking: dict) -> list[str]:
    other = visitors()
    other.open(f"/builders/{booking['builder']}/sessions/{booking['session_type']}", tz="UTC")
    return [slot.value for slot in other.parsed.slots]


@then(
    parsers.parse(
        'Stripe has one open Checkout Session for the booking of {amount:d} "{currency}" that names the booking'
    )
)
def one_open_session(stripe_sim: StripeDriver, app_server, checkout: dict, amount: int, currency: str):
    [session] = stripe_sim.sessions_for(checkout["booking_id"])
    booking_id = checkout["booking_id"]
    assert session["id"] == checkout["session_id"] and session["status"] == "open"
    assert (session["amount_total"], session["currency"]) == (amount, currency)
    assert session["metadata"] == {"bookingId": booking_id} and session["client_reference_id"] == booking_id
    assert session["success_url"] == f"{app_server.url}/bookings/{booking_id}/paid?session_id={{CHECKOUT_SESSION_ID}}"
    assert session["cancel_url"] == f"{app_server.url}/bookings/{booking_id}/payment-canceled"
    assert session["customer_email"] == "grace@example.com"
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
