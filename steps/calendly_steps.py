"""Steps that act on Calendly's side (bookings, cancellations, reschedules, no-shows, forms, faults) or as the operator.

Everything goes over HTTP: the simulator's control API and Calendly API for
what people do on Calendly and for delivery faults, the app's pages and
operator API for the rest. Checks live in ``calendly_checks.py``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from pytest_bdd import given, parsers, when

from harness.calendly_driver import CalendlyDriver, instant
from harness.servers import serve_in_thread
from harness.web import Visitor
from steps.fault_phrases import delivery_plan
from steps.support import World, app_booking, people_bookings, person_name, session_path, slug


@pytest.fixture
def calendly_sim(simulators, app_server, world: World):
    """Calendly's side of a scenario, acting with the marketplace account's token."""
    driver = CalendlyDriver(simulators, app_server.config.calendly_api_token)
    if world.shared:  # the journal holds the earlier scenarios' deliveries too
        driver.since = world.journal_since
    yield driver
    driver.close()


# --- bookings ---------------------------------------------------------------------------------


@given(
    parsers.re(
        r'"(?P<email>[^"]+)" has booked the first "(?P<session>[^"]+)" slot of "(?P<name>[^"]+)" '
        r"(?P<where>in the app|on Calendly)"
    ),
    target_fixture="calendly_booking",
)
@when(
    parsers.re(
        r'"(?P<email>[^"]+)" books the first "(?P<session>[^"]+)" slot of "(?P<name>[^"]+)" '
        r"(?P<where>in the app|on Calendly)"
    ),
    target_fixture="calendly_booking",
)
def book_first_slot(
    visitors, admin, calendly_sim: CalendlyDriver, world: World, email: str, session: str, name: str, where: str
) -> dict:
    person = person_name(email)
    email, name = world.email(email), world.builder(name)
    if where == "in the app":
        visitor: Visitor = visitors()
        visitor.open(session_path(name, session))
        assert visitor.parsed.slots, f"no slots offered: {visitor.page.text[:300]}"
        visitor.submit(visitor.form("/book"), slot=visitor.parsed.slots[0].value, name=person, email=email)
        ref = visitor.parsed.data_attrs.get("data-booking")
        assert ref, visitor.page.text[:500]
        booking = admin.get(f"/api/v1/bookings/{ref}").json()
        return {
            "email": email,
            "ref": ref,
            "invitee": booking["calendly_invitee_uri"],
            "event": booking["calendly_event_uri"],
            "start": booking["start_at"],
            "session": session,
            "builder": name,
        }
    event_type = calendly_sim.event_type(slug(name), session)
    start = calendly_sim.open_slots(event_type["uri"])[0]
    invitee = calendly_sim.book(event_type["uri"], start, name=person, email=email)
    return {
        "email": email,
        "ref": None,
        "invitee": invitee["uri"],
        "event": invitee["event"],
        "start": start,
        "session": session,
        "builder": name,
    }


@when(
    parsers.re(
        r'the (?P<who>invitee|host) cancels the booking(?: on Calendly)? saying "(?P<reason>[^"]*)"'
        r"(?: on Calendly)?"
    )
)
def cancel_on_calendly(calendly_sim: CalendlyDriver, calendly_booking: dict, who: str, reason: str):
    if who == "invitee":
        calendly_sim.cancel(calendly_booking["invitee"], by="invitee", reason=reason)
    else:  # the host cancels the whole event through the API, as Calendly's own app does
        calendly_sim.cancel_event_as_host(calendly_booking["event"], reason)


@when(
    parsers.re(
        r"the invitee reschedules to the next day on Calendly, Calendly announcing the "
        r"(?P<order>canceled_first|created_first)"
    ),
    target_fixture="rescheduled",
)
def reschedule(calendly_sim: CalendlyDriver, admin, calendly_booking: dict, order: str) -> dict:
    calendly_sim.settle()
    current = app_booking(admin, calendly_booking["email"])
    assert current is not None and current["calendly_invitee_uri"], current
    event_type = calendly_sim.event_type(slug(calendly_booking["builder"]), calendly_booking["session"])
    old_start = instant(current["start_at"])
    new_start = calendly_sim.open_slots(event_type["uri"], after=old_start + timedelta(days=1))[0]
    new = calendly_sim.reschedule(current["calendly_invitee_uri"], new_start, order)
    return {"invitee": new["uri"], "event": new["event"], "start": new_start, "old_start": current["start_at"]}


@when(parsers.re(r"the host marks the invitee as a no-show(?: on Calendly)?"), target_fixture="no_show")
def mark_no_show(calendly_sim: CalendlyDriver, calendly_booking: dict) -> dict:
    return calendly_sim.mark_no_show(calendly_booking["invitee"])


@when("the host takes the no-show mark back on Calendly")
def unmark_no_show(calendly_sim: CalendlyDriver, no_show: dict):
    calendly_sim.unmark_no_show(no_show["uri"])


@given(
    parsers.parse('Calendly has a routing form "{name}" asking "{first}" and "{second}"'), target_fixture="routing_form"
)
def routing_form(calendly_sim: CalendlyDriver, name: str, first: str, second: str) -> dict:
    return calendly_sim.routing_form(name, [first, second])


@when(
    parsers.parse('"{email}" fills in the routing form and books the first "{session}" slot of "{name}"'),
    target_fixture="calendly_booking",
)
def submit_and_book(
    calendly_sim: CalendlyDriver, world: World, routing_form: dict, email: str, session: str, name: str
) -> dict:
    person = person_name(email)
    email, name = world.email(email), world.builder(name)
    event_type = calendly_sim.event_type(slug(name), session)
    start = calendly_sim.open_slots(event_type["uri"])[0]
    answer = calendly_sim.submit_routing_form(
        routing_form["uri"],
        {"Email": email, "Goal": "Ship my MVP"},
        booking={
            "event_type": event_type["uri"],
            "start_time": start,
            "invitee": {"name": person, "email": email},
        },
    )
    return {
        "email": email,
        "ref": None,
        "invitee": answer["invitee"]["uri"],
        "event": answer["invitee"]["event"],
        "start": start,
        "session": session,
        "builder": name,
    }


@when(parsers.parse('"{email}" fills in the routing form without booking'))
def submit_only(calendly_sim: CalendlyDriver, world: World, routing_form: dict, email: str):
    calendly_sim.submit_routing_form(routing_form["uri"], {"Email": world.email(email), "Goal": "Ship my MVP"})


# --- faults -----------------------------------------------------------------------------------


@given(
    parsers.re(
        r'Calendly will deliver the next "(?P<event>[^"]+)" (?P<copies>\d+) times '
        r"(?P<how>one after another|at the same moment)"
    ),
    target_fixture="planned_event",
)
def plan_copies(calendly_sim: CalendlyDriver, event: str, copies: str, how: str) -> str:
    count = int(copies)
    plan = {"duplicate": count - 1} if how == "one after another" else {"concurrent": count}
    calendly_sim.plan(plan, event)
    return event


@given(parsers.parse('Calendly will deliver the next "{event}" without "{field}"'))
def plan_missing_field(calendly_sim: CalendlyDriver, event: str, field: str):
    calendly_sim.plan({"drop_fields": [field]}, event)


@given(parsers.parse('Calendly will deliver the next "{event}" in the shape "{shape}"'))
def plan_wrong_shape(calendly_sim: CalendlyDriver, event: str, shape: str):
    calendly_sim.plan({"wrong_shape": shape}, event)


@given(parsers.re(r'Calendly will deliver the next "(?P<event>[^"]+)" with (?P<fault>.+)'))
def plan_signature_fault(calendly_sim: CalendlyDriver, event: str, fault: str):
    calendly_sim.plan(delivery_plan(fault), event)


@given(parsers.parse('Calendly will hold back the next "{event}" until a later event was sent'))
def plan_reorder(calendly_sim: CalendlyDriver, event: str):
    calendly_sim.plan({"reorder": True}, event)


@given(parsers.parse('Calendly will delay the next "{event}" by 1 hour'))
def plan_delay(calendly_sim: CalendlyDriver, event: str):
    calendly_sim.plan({"delay": 3600}, event)


@given(parsers.parse('Calendly will drop the next "{event}"'))
def plan_drop(calendly_sim: CalendlyDriver, event: str):
    calendly_sim.plan({"drop": True}, event)


# --- time, outages, operators -----------------------------------------------------------------


@when("Calendly's clock moves on 1 hour")
def clock_one_hour(calendly_sim: CalendlyDriver):
    calendly_sim.advance(3600)
    calendly_sim.settle()


@when("Calendly's clock moves on to the next retry")
def clock_to_next_retry(calendly_sim: CalendlyDriver):
    due = min(d["next_attempt_at"] for d in calendly_sim.pending())
    calendly_sim.advance(max(0.0, due - calendly_sim.virtual_now().timestamp()) + 1)
    calendly_sim.settle()


@when("Calendly retries for 24 hours without an answer")
def retry_for_a_day(calendly_sim: CalendlyDriver):
    calendly_sim.wait_attempts("invitee.created", 1)
    for _ in range(20):
        failing = [d for d in calendly_sim.pending() if d["status"] == "failed"]
        if not failing:
            break
        due = min(d["next_attempt_at"] for d in failing)
        calendly_sim.advance(max(0.0, due - calendly_sim.virtual_now().timestamp()) + 1)
    statuses = [d["status"] for d in calendly_sim.deliveries("invitee.created")["deliveries"]]
    assert statuses == ["exhausted"], statuses


@given("the app stops answering")
def app_down(app_server):
    app_server.server.stop()


@when("the app is back")
def app_back(app_server):
    app_server.server = serve_in_thread(app_server.flask_app, port=app_server.server.port, name="booking-app")


@when("the app's webhook retries fall due")
def retries_due(admin, calendly_sim: CalendlyDriver):
    calendly_sim.settle()
    as_of = datetime.now(UTC) + timedelta(minutes=10)
    response = admin.post("/admin/api/webhooks/process-due", json={"as_of": as_of.isoformat()})
    assert response.status_code == 200, response.text


@when("the app's webhook retries run out")
def retries_exhausted(admin, calendly_sim: CalendlyDriver):
    calendly_sim.settle()
    as_of = datetime.now(UTC)
    for _ in range(20):  # each pass runs what is due; the backoff grows, so step a day at a time
        as_of += timedelta(days=1)
        admin.post("/admin/api/webhooks/process-due", json={"as_of": as_of.isoformat()})
        if not admin.get("/admin/api/webhooks", params={"status": "retry"}).json()["events"]:
            return
    raise AssertionError("events still waiting for a retry after 20 days")


@when("the operator replays the dead letter", target_fixture="replay_answer")
def replay_dead_letter(admin, dead_letter: dict) -> dict:
    response = admin.post(f"/admin/api/webhooks/{dead_letter['id']}/replay")
    assert response.status_code == 200, response.text
    return response.json()


@when("the operator registers the Calendly webhook again")
def register_again(admin):
    response = admin.post("/admin/api/calendly/register-webhook", json={})
    assert response.status_code == 201 and response.json()["status"] == "recreated", response.text


@when("the operator runs the Calendly reconciliation", target_fixture="reconcile_report")
def run_reconciliation(admin, calendly_sim: CalendlyDriver, world: World) -> dict:
    calendly_sim.settle()
    response = admin.post("/admin/api/calendly/reconcile", json={})
    assert response.status_code == 200, response.text
    report = response.json()
    if world.shared:  # it reconciles every scenario's bookings: what it found about this one's people
        mine = {b["id"] for b in people_bookings(admin, world)}
        report["changes"] = [c for c in report["changes"] if c["booking"] in mine]
        report["problems"] = [
            p for p in report["problems"] if world.suffix in json.dumps(p) or p.get("booking") in mine
        ]
    return report
