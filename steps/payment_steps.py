"""Steps for paid sessions: the hosted checkout, Stripe's webhooks and faults, and where the money went.

The client's side goes over HTTP (the app's pages and Stripe's hosted page,
both through one ``Visitor``); Stripe's side goes through ``StripeDriver``
(control routes, delivery plans, stripe-python reads); the app is observed
through its public booking JSON and the operator API. Waits have deadlines.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import httpx
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
    assert PAGE_PATH in visitor.url, f"not on Stripe's page: {visitor.url} ({visitor.page.status_code}): " \
                                     f"{page_text(visitor.page)[:600]}"
    assert visitor.page.status_code == 200, visitor.page.text[:500]
    assert visitor.parsed.h1 == f"Pay {total}", visitor.parsed.h1
    session_id = urlsplit(visitor.url).path.rsplit("/", 1)[-1]
    session = stripe_sim.api.v1.checkout.sessions.retrieve(session_id)
    return {"session_id": session_id, "booking_id": session.client_reference_id, "url": visitor.url}


def later_slot(visitor: Visitor):
    """A slot at least a day away (the week's first one may be within the hour a scenario's clock moves)."""
    soon = datetime.now(timezone.utc) + timedelta(days=1)
    later = [s for s in visitor.parsed.slots if datetime.fromisoformat(s.value.replace("Z", "+00:00")) >= soon]
    if not later:
        visitor.follow_link("Later week")
        later = visitor.parsed.slots
    assert later, f"no slots a day away on {visitor.url}"
    return later[0]


# --- Given ---------------------------------------------------------------------------------------

@given(parsers.parse('"{name}" offers a paid session "{session}" of {minutes:d} minutes for {amount:d} "{currency}"'))
def builder_offers_paid_session(admin, simulators, name: str, session: str, minutes: int, amount: int,
                                currency: str):
    event_type = calendly.add_event_type(simulators, host_slug=slug(name), name=session, minutes=minutes)
    response = admin.post(f"/admin/api/builders/{slug(name)}/session_types", json={
        "name": session, "kind": "paid", "duration_minutes": minutes, "price_cents": amount, "currency": currency,
        "calendly_event_type_uri": event_type["uri"]})
    assert response.status_code == 201, response.text


@given(parsers.parse('"{client}" holds a "{session}" booking of "{builder}" and is on Stripe\'s payment page'),
       target_fixture="checkout")
def holds_booking(visitor: Visitor, stripe_sim: StripeDriver, client: str, session: str, builder: str) -> dict:
    visitor.open(session_path(builder, session))
    slot = later_slot(visitor)
    email = f"{client.split()[0].lower()}@example.com"
    visitor.submit(visitor.form("/book"), slot=slot.value, name=client, email=email)
    assert PAGE_PATH in visitor.url, page_text(visitor.page)[:600]
    checkout = on_checkout_page(visitor, stripe_sim, visitor.parsed.h1.removeprefix("Pay "))
    return {**checkout, "slot": slot.value, "builder": builder, "session": session}


# --- When: the client on Stripe's page -----------------------------------------------------------

@when(parsers.parse('the visitor pays with the card "{card}"'))
def pay_with_card(visitor: Visitor, card: str):
    assert PAGE_PATH in visitor.url, f"not on Stripe's page: {visitor.url}"
    visitor.submit(visitor.form(""), card_number=card, card_expiry="12 / 34",
                   card_cvc="1234" if card.startswith(("34", "37")) else "123", name="Grace Hopper")


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


@then(parsers.parse('Stripe has one open Checkout Session for the booking of {amount:d} "{currency}" that names '
                    'the booking'))
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


@then(parsers.parse('the booking is "{status}" with its payment "{payment_status}" for {amount:d} "{currency}" by '
                    'the card ending "{last4}"'))
def booking_and_payment(visitor: Visitor, checkout: dict, status: str, payment_status: str, amount: int,
                        currency: str, last4: str):
    booking = wait_for_booking(visitor, checkout["booking_id"],
                               lambda b: b["status"] == status and (b["payment"] or {}).get("last4") == last4,
                               f"the booking to be {status} with the card ending {last4}")
    payment = booking["payment"]
    assert (payment["status"], payment["amount_cents"], payment["currency"]) == (payment_status, amount, currency)
    assert payment["refunded_cents"] == 0 and payment["failure_code"] is None, payment


@then(parsers.parse('the booking stays held for payment, its last attempt declined with "{code}"'))
def held_after_decline(visitor: Visitor, visitors, checkout: dict, code: str):
    booking = wait_for_booking(visitor, checkout["booking_id"], lambda b: b["payment"]["failure_code"] == code,
                               f"the decline {code} to be recorded")
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
def hold_sweep(admin, visitor: Visitor, checkout: dict) -> dict:
    hold_end = datetime.fromisoformat(booking_json(visitor, checkout["booking_id"])["hold_expires_at"]
                                      .replace("Z", "+00:00"))
    as_of = (hold_end + timedelta(minutes=1)).isoformat()
    response = admin.post("/admin/api/payments/expire-holds", json={"as_of": as_of})
    assert response.status_code == 200, response.text
    return response.json()


@then("the sweep released the booking")
def sweep_released(sweep: dict, checkout: dict):
    assert sweep["released"] == [checkout["booking_id"]], sweep


@then("the sweep changed nothing")
def sweep_changed_nothing(sweep: dict):
    assert not any(sweep.values()), sweep


@then(parsers.parse('the booking expires, its payment "{payment_status}", and its slot is offered again'))
def booking_expired(visitor: Visitor, visitors, checkout: dict, payment_status: str):
    booking = wait_for_booking(visitor, checkout["booking_id"], lambda b: b["status"] == "expired",
                               "the booking to expire")
    assert booking["payment"]["status"] == payment_status, booking["payment"]
    assert checkout["slot"] in slots_offered(visitors, booking)


@then(parsers.parse('the booking stays "{status}" and its payment is refunded in full for "{reason}"'))
@then(parsers.parse('the booking is "{status}" and its payment is refunded in full for "{reason}"'))
def refunded_in_full(visitor: Visitor, checkout: dict, status: str, reason: str):
    booking = wait_for_booking(visitor, checkout["booking_id"], lambda b: (b["payment"] or {}).get("status")
                               == "refunded", "the payment to be refunded")
    payment = booking["payment"]
    assert booking["status"] == status, booking
    assert payment["refunded_cents"] == payment["amount_cents"] and not payment["refund_pending"], payment
    assert payment["refund_reasons"] == [reason], payment


@then(parsers.parse('the booking page tells the client "{sentence}"'))
def booking_page_tells(visitors, checkout: dict, sentence: str):
    page = visitors()
    page.open(f"/bookings/{checkout['booking_id']}")
    assert page.page.status_code == 200
    assert sentence in page_text(page.page), page_text(page.page)[:1500]


@then(parsers.parse('Stripe captured {amount:d} "{currency}" once for the booking and refunded it in full'))
def captured_and_refunded(stripe_sim: StripeDriver, checkout: dict, amount: int, currency: str):
    money = stripe_sim.money_for(checkout["booking_id"])
    assert money == {"captured": [amount], "refunded": [amount], "currencies": [currency]}, money


@when("the client cancels the booking on Calendly")
def cancel_on_calendly(simulators, visitor: Visitor, checkout: dict):
    invitee_uri = booking_json(visitor, checkout["booking_id"])["calendly_invitee_uri"]
    assert invitee_uri, "the booking was never put on the calendar"
    response = httpx.post(f"{simulators.url}/_sim/calendly/invitees/{invitee_uri.rstrip('/').rsplit('/', 1)[-1]}"
                          "/cancel", json={"by": "invitee", "reason": "Plans changed"}, timeout=30)
    assert response.status_code < 300, response.text


# --- Webhook faults: duplicates, order, missing data, signatures ------------------------------------

COMPLETED = "checkout.session.completed"
PLANS = {
    "a corrupted signature": {"corrupt_signature": True},
    "a signature 10 minutes old": {"stale_timestamp": 600},
    "a secret the app does not know": {"wrong_key": True},
}


@given(parsers.parse("Stripe will deliver checkout.session.completed {copies:d} times"))
def deliver_copies(stripe_sim: StripeDriver, copies: int):
    stripe_sim.plan({"duplicate": copies - 1})


@given(parsers.parse("Stripe will deliver checkout.session.completed {copies:d} times at the same moment"))
def deliver_concurrently(stripe_sim: StripeDriver, copies: int):
    stripe_sim.plan({"concurrent": copies})


@given("Stripe will also send a distinct event for the same completed checkout")
def deliver_distinct(stripe_sim: StripeDriver):
    stripe_sim.plan({"distinct_duplicate": True})


@given(parsers.parse("Stripe will deliver checkout.session.completed {minutes:d} minutes late"))
def deliver_late(stripe_sim: StripeDriver, minutes: int):
    stripe_sim.plan({"delay": minutes * 60})


@given("Stripe will deliver checkout.session.completed without metadata.bookingId and client_reference_id")
def deliver_without_references(stripe_sim: StripeDriver):
    stripe_sim.plan({"drop_fields": ["data.object.metadata.bookingId", "data.object.client_reference_id"]})


@given(parsers.parse("Stripe will deliver checkout.session.completed with {fault}"))
def deliver_with_fault(stripe_sim: StripeDriver, fault: str):
    stripe_sim.plan(PLANS[fault])


@given("Stripe will lose checkout.session.completed")
def lose_completed(stripe_sim: StripeDriver):
    stripe_sim.plan({"drop": True})


@when("the client pays on Stripe's side and never follows the redirect")
def pay_without_redirect(stripe_sim: StripeDriver, checkout: dict):
    answer = stripe_sim.pay(checkout["session_id"])
    assert answer.status_code == 200 and answer.json()["outcome"] == "succeeded", answer.text


@when("the visitor opens the page Stripe sends paying clients back to")
def open_success_page(visitor: Visitor, checkout: dict):
    visitor.open(f"/bookings/{checkout['booking_id']}/paid", session_id=checkout["session_id"])


@then(parsers.parse('the page says "{heading}" at once'))
def page_says_now(visitor: Visitor, heading: str):
    assert visitor.page.status_code == 200 and visitor.parsed.h1 == heading, visitor.parsed.h1


@then(parsers.parse('the page says "{heading}" and updates by itself'))
def page_waits(visitor: Visitor, checkout: dict, heading: str):
    assert visitor.page.status_code == 200 and visitor.parsed.h1 == heading, visitor.parsed.h1
    assert any(text == "Refresh" for text, _ in visitor.parsed.links)  # without JavaScript
    assert f"/api/v1/bookings/{checkout['booking_id']}" in visitor.page.text  # the page's polling script


@then("the booking is still held for payment")
def still_held(visitor: Visitor, checkout: dict):
    booking = booking_json(visitor, checkout["booking_id"])
    assert booking["status"] == "pending_payment" and booking["payment"]["status"] == "open", booking


@when(parsers.parse("{minutes:d} minutes pass at Stripe"))
def minutes_pass(stripe_sim: StripeDriver, minutes: int):
    stripe_sim.advance(minutes * 60 + 1)


@when("an hour passes at Stripe, so it retries the failed deliveries")
def hour_passes(stripe_sim: StripeDriver):
    stripe_sim.advance(3601)


def stored_events(admin, event_type: str, status: str | None = None) -> list[dict]:
    params = {"provider": "stripe", "event_type": event_type} | ({"status": status} if status else {})
    return admin.get("/admin/api/webhooks", params=params).json()["events"]


@then(parsers.parse("the app answered all {copies:d} deliveries of {event_type} with 200"))
def answered_all(stripe_sim: StripeDriver, copies: int, event_type: str):
    attempts = stripe_sim.wait_attempts(event_type, copies)
    assert len(attempts) == copies and all(a["response_status"] == 200 for a in attempts), \
        [(a["kind"], a["response_status"]) for a in attempts]
    assert len({a["event_id"] for a in attempts}) == 1


@then(parsers.parse("the app stored {event_type} once and processed it"))
def stored_once(admin, event_type: str):
    events = stored_events(admin, event_type)
    assert [e["status"] for e in events] == ["processed"], events


@then(parsers.parse("the app stored {count:d} distinct {event_type} events and processed both"))
def stored_distinct(admin, stripe_sim: StripeDriver, count: int, event_type: str):
    stripe_sim.wait_attempts(event_type, count)
    events = stored_events(admin, event_type)
    assert len(events) == count and len({e["dedupe_key"] for e in events}) == count, events
    assert all(e["status"] == "processed" for e in events), events


@when(parsers.parse("an operator replays both {event_type} events"), target_fixture="before_replay")
def replay_events(admin, visitor: Visitor, checkout: dict, event_type: str) -> dict:
    before = booking_json(visitor, checkout["booking_id"])
    for event in stored_events(admin, event_type):
        response = admin.post(f"/admin/api/webhooks/{event['id']}/replay")
        assert response.status_code == 200 and response.json()["status"] == "processed", response.text
    return before


@then("the booking and its payment are exactly as they were")
def unchanged(visitor: Visitor, checkout: dict, before_replay: dict):
    assert booking_json(visitor, checkout["booking_id"]) == before_replay


@when("someone pays a Checkout Session that was made outside the app", target_fixture="outside_session")
def pay_outside_session(stripe_sim: StripeDriver) -> str:
    session = stripe_sim.api.v1.checkout.sessions.create(params={
        "mode": "payment", "success_url": "https://elsewhere.example/thanks",
        "line_items": [{"price_data": {"currency": "gbp", "unit_amount": 1200,
                                       "product_data": {"name": "Something else"}}, "quantity": 1}]})
    assert stripe_sim.pay(session.id).status_code == 200
    return session.id


@then("the app dead-lettered that checkout.session.completed with a reason naming the session")
def dead_lettered(admin, outside_session: str):
    dead = wait_until(lambda: stored_events(admin, COMPLETED, "dead"), what="a dead-lettered checkout event")
    assert len(dead) == 1 and outside_session in dead[0]["last_error"], dead
    assert "not one this app opened" in dead[0]["last_error"]


@then(parsers.parse('the app refused the delivery of {event_type} with 400 "{reason}"'))
def refused_delivery(stripe_sim: StripeDriver, event_type: str, reason: str):
    [attempt] = stripe_sim.wait_attempts(event_type, 1)
    assert attempt["response_status"] == 400 and f'"{reason}"' in attempt["response_body"], attempt


@then(parsers.parse("the app stored no {event_type} event"))
def stored_none(admin, event_type: str):
    assert stored_events(admin, event_type) == []


@then("the sweep confirmed the booking from Stripe's API")
def sweep_confirmed(sweep: dict, checkout: dict):
    assert sweep["confirmed"] == [checkout["booking_id"]], sweep


@when("Stripe's signing secret is rolled and the old one stays valid for an hour")
def roll_keeping_old(stripe_sim: StripeDriver):
    stripe_sim.roll_secret(3600)


@when("Stripe's signing secret is rolled and the old one expires at once", target_fixture="new_secret")
def roll_dropping_old(stripe_sim: StripeDriver) -> str:
    return stripe_sim.roll_secret(0)


@then(parsers.parse("the delivery of {event_type} carried a signature for each of the {count:d} active secrets"))
def signed_per_secret(stripe_sim: StripeDriver, event_type: str, count: int):
    [attempt] = stripe_sim.wait_attempts(event_type, 1)
    header = attempt["request_headers"]["Stripe-Signature"]
    assert header.count("v1=") == count and attempt["response_status"] == 200, attempt


@when("the operator puts the new signing secret into the app's configuration")
def new_secret_in_config(app_server, new_secret: str):
    app_server.config.stripe_webhook_secret = new_secret


# --- Stripe API faults at checkout ----------------------------------------------------------------

@given(parsers.parse("Stripe's API answers the next Checkout Session request with a 500 {when} making the session"))
def one_api_error(stripe_sim: StripeDriver, when: str):
    stripe_sim.fault(method="POST", path="/v1/checkout/sessions", response="500", when=when, times=1)


@given(parsers.re(r"Stripe's API (?P<trouble>is down|drops every connection|rate limits every request)"))
def api_trouble(stripe_sim: StripeDriver, trouble: str):
    match trouble:
        case "is down":
            stripe_sim.down("503")
        case "drops every connection":
            stripe_sim.down("reset")
        case "rate limits every request":
            stripe_sim.fault(response="429", times=None)
        case _:
            raise AssertionError(f"unknown trouble {trouble!r}")


@when("Stripe's API is back")
def api_back(stripe_sim: StripeDriver):
    stripe_sim.clear_faults()


@then("Stripe made exactly one Checkout Session, after failing one request")
def exactly_one_session(stripe_sim: StripeDriver, checkout: dict):
    state = stripe_sim.state()
    assert [s["id"] for s in state["checkout_sessions"]] == [checkout["session_id"]]
    assert state["faults"]["faults"] == [], state["faults"]  # the one-shot fault fired


@then("the answer asks to retry in a minute")
def retry_after(visitor: Visitor):
    assert visitor.page.headers.get("Retry-After") == "60", dict(visitor.page.headers)
    assert "try again in a minute" in page_text(visitor.page)


@then("no payment was written and Stripe has no Checkout Session")
def no_payment(admin, stripe_sim: StripeDriver):
    assert admin.get("/admin/api/stats").json()["payments"] == 0
    assert stripe_sim.state()["checkout_sessions"] == []


@then("the chosen slot is still offered")
def slot_still_offered(visitors, chosen_slot):
    other = visitors()
    other.open(session_path("Ada Stone", "Portfolio review"), tz="UTC")
    assert chosen_slot.value in [slot.value for slot in other.parsed.slots]


@when(parsers.parse('a JSON client posts the booking as "{name}" with email "{email}"'))
def json_booking(visitor: Visitor, chosen_slot, name: str, email: str):
    form = visitor.form("/book")
    data = {**form.fields, "slot": chosen_slot.value, "name": name, "email": email}
    visitor.page = visitor.http.post(form.action, data=data, headers={"Accept": "application/json"})


@then(parsers.parse('the answer is JSON with status {status:d} and the code "{code}"'))
def json_answer(visitor: Visitor, status: int, code: str):
    assert visitor.page.status_code == status, visitor.page.text[:300]
    assert visitor.page.headers["content-type"].startswith("application/json")
    assert visitor.page.json()["error"]["code"] == code
