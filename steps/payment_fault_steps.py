"""Steps for Stripe's faults: webhook deliveries (copies, order, missing data, signatures, loss) and API errors."""

from __future__ import annotations

import json

from pytest_bdd import given, parsers, then, when

from harness.stripe_driver import StripeDriver
from harness.waiting import wait_until
from harness.web import Visitor
from steps.fault_phrases import delivery_plan
from steps.support import World, booking_json, page_text, session_path

# --- Webhook faults: duplicates, order, missing data, signatures ------------------------------------

COMPLETED = "checkout.session.completed"


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
    stripe_sim.plan(delivery_plan(fault))


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


def stored_events(admin, stripe_sim: StripeDriver, event_type: str, status: str | None = None) -> list[dict]:
    """The app's stored Stripe events; on a shared deployment only those this scenario's deliveries stored."""
    params = {"provider": "stripe", "event_type": event_type} | ({"status": status} if status else {})
    rows = admin.get("/admin/api/webhooks", params=params).json()["events"]
    if stripe_sim.since is None:
        return rows
    answers = [json.loads(a["response_body"]) for a in stripe_sim.attempts() if a["response_status"] == 200]
    mine = {answer["event"] for answer in answers if "event" in answer}
    return [row for row in rows if row["id"] in mine]


@then(parsers.parse("the app answered all {copies:d} deliveries of {event_type} with 200"))
def answered_all(stripe_sim: StripeDriver, copies: int, event_type: str):
    attempts = stripe_sim.wait_attempts(event_type, copies)
    assert len(attempts) == copies and all(a["response_status"] == 200 for a in attempts), [
        (a["kind"], a["response_status"]) for a in attempts
    ]
    assert len({a["event_id"] for a in attempts}) == 1


@then(parsers.parse("the app stored {event_type} once and processed it"))
def stored_once(admin, stripe_sim: StripeDriver, event_type: str):
    events = stored_events(admin, stripe_sim, event_type)
    assert [e["status"] for e in events] == ["processed"], events


@then(parsers.parse("the app stored {count:d} distinct {event_type} events and processed both"))
def stored_distinct(admin, stripe_sim: StripeDriver, count: int, event_type: str):
    stripe_sim.wait_attempts(event_type, count)
    events = stored_events(admin, stripe_sim, event_type)
    assert len(events) == count and len({e["dedupe_key"] for e in events}) == count, events
    assert all(e["status"] == "processed" for e in events), events


@when(parsers.parse("an operator replays both {event_type} events"), target_fixture="before_replay")
def replay_events(admin, stripe_sim: StripeDriver, visitor: Visitor, checkout: dict, event_type: str) -> dict:
    before = booking_json(visitor, checkout["booking_id"])
    for event in stored_events(admin, stripe_sim, event_type):
        response = admin.post(f"/admin/api/webhooks/{event['id']}/replay")
        assert response.status_code == 200 and response.json()["status"] == "processed", response.text
    return before


@then("the booking and its payment are exactly as they were")
def unchanged(visitor: Visitor, checkout: dict, before_replay: dict):
    assert booking_json(visitor, checkout["booking_id"]) == before_replay


@when("someone pays a Checkout Session that was made outside the app", target_fixture="outside_session")
def pay_outside_session(stripe_sim: StripeDriver) -> str:
    session = stripe_sim.api.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "success_url": "https://elsewhere.example/thanks",
            "line_items": [
                {
                    "price_data": {"currency": "gbp", "unit_amount": 1200, "product_data": {"name": "Something else"}},
                    "quantity": 1,
                }
            ],
        }
    )
    assert stripe_sim.pay(session.id).status_code == 200
    return session.id


@then("the app dead-lettered that checkout.session.completed with a reason naming the session")
def dead_lettered(admin, stripe_sim: StripeDriver, outside_session: str):
    dead = wait_until(
        lambda: stored_events(admin, stripe_sim, COMPLETED, "dead"), what="a dead-lettered checkout event"
    )
    assert len(dead) == 1 and outside_session in dead[0]["last_error"], dead
    assert "not one this app opened" in dead[0]["last_error"]


@then(parsers.parse('the app refused the delivery of {event_type} with 400 "{reason}"'))
def refused_delivery(stripe_sim: StripeDriver, event_type: str, reason: str):
    [attempt] = stripe_sim.wait_attempts(event_type, 1)
    assert attempt["response_status"] == 400 and f'"{reason}"' in attempt["response_body"], attempt


@then(parsers.parse("the app stored no {event_type} event"))
def stored_none(admin, stripe_sim: StripeDriver, event_type: str):
    assert stored_events(admin, stripe_sim, event_type) == []


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
def exactly_one_session(stripe_sim: StripeDriver, world: World, checkout: dict):
    state = stripe_sim.state()
    # Stripe holds every scenario's sessions on a shared deployment: those made for this booking
    sessions = stripe_sim.sessions_for(checkout["booking_id"]) if world.shared else state["checkout_sessions"]
    assert [s["id"] for s in sessions] == [checkout["session_id"]]
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
def slot_still_offered(visitors, world: World, chosen_slot):
    other = visitors()
    other.open(session_path(world.builder("Ada Stone"), "Portfolio review"), tz="UTC")
    assert chosen_slot.value in [slot.value for slot in other.parsed.slots]


@when(parsers.parse('a JSON client posts the booking as "{name}" with email "{email}"'))
def json_booking(visitor: Visitor, world: World, chosen_slot, name: str, email: str):
    form = visitor.form("/book")
    data = {**form.fields, "slot": chosen_slot.value, "name": name, "email": world.email(email)}
    visitor.page = visitor.http.post(form.action, data=data, headers={"Accept": "application/json"})


@then(parsers.parse('the answer is JSON with status {status:d} and the code "{code}"'))
def json_answer(visitor: Visitor, status: int, code: str):
    assert visitor.page.status_code == status, visitor.page.text[:300]
    assert visitor.page.headers["content-type"].startswith("application/json")
    assert visitor.page.json()["error"]["code"] == code
