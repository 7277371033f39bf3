"""Checks after Calendly events: the final state through the app's surface, and that nothing took effect twice.

Every check first lets the simulator deliver what is due (the app applies an
event before answering it), then reads the app's public and operator APIs and
Calendly's journal; nothing reads the database.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

from pytest_bdd import parsers, then

from harness.calendly_driver import CalendlyDriver, instant
from harness.web import Visitor
from steps.support import World, app_booking, people_bookings, session_path, wait_for_client_booking


def iso_z(value: str) -> str:
    """Calendly's microsecond timestamps as the app shows them (whole seconds, Z)."""
    return instant(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def webhook_inbox(admin, calendly_sim: CalendlyDriver, **filters) -> list[dict]:
    """The app's stored Calendly events; on a shared deployment only those this scenario's deliveries stored."""
    rows = admin.get("/admin/api/webhooks", params={"provider": "calendly", **filters}).json()["events"]
    if calendly_sim.since is None:
        return rows
    return [row for row in rows if row["id"] in stored_by(calendly_sim)]


def stored_by(calendly_sim: CalendlyDriver) -> set[int]:
    """The app's event ids its answers to the journal's (this scenario's) deliveries named."""
    answers = [json.loads(a["response_body"]) for a in calendly_sim.deliveries()["attempts"] if a["succeeded"]]
    return {answer["event"] for answer in answers if "event" in answer}


def submissions(admin, world: World) -> list[dict]:
    """The routing form submissions the app stored; on a shared deployment those naming this scenario's people."""
    rows = admin.get("/admin/api/calendly/routing-form-submissions").json()["submissions"]
    return [row for row in rows if not world.shared or world.suffix in json.dumps(row)]


def current_booking(admin, calendly_sim: CalendlyDriver, calendly_booking: dict) -> dict:
    calendly_sim.settle()
    booking = app_booking(admin, calendly_booking["email"])
    assert booking is not None, f"no booking for {calendly_booking['email']}"
    return booking


@then(parsers.parse('the booking is "{status}" and linked to its Calendly invitee and event'))
def linked(admin, calendly_sim: CalendlyDriver, calendly_booking: dict, status: str):
    booking = current_booking(admin, calendly_sim, calendly_booking)
    assert booking["status"] == status, booking
    assert booking["calendly_invitee_uri"] == calendly_booking["invitee"], booking
    assert booking["calendly_event_uri"] == calendly_booking["event"], booking
    invitee = calendly_sim.invitee(booking["calendly_invitee_uri"])
    assert invitee["email"] == booking["client_email"] and invitee["event"] == booking["calendly_event_uri"]
    assert iso_z(calendly_booking["start"]) == booking["start_at"], (calendly_booking, booking)


@then("Calendly's invitee carries the booking's id in its tracking")
def tracking_carries_id(calendly_sim: CalendlyDriver, calendly_booking: dict):
    tracking = calendly_sim.invitee(calendly_booking["invitee"])["tracking"]
    assert tracking["utm_content"] == calendly_booking["ref"] and tracking["utm_source"] == "booking-app", tracking


@then(parsers.parse('the booking was made on "{source}"'))
def made_on(admin, calendly_sim: CalendlyDriver, calendly_booking: dict, source: str):
    assert current_booking(admin, calendly_sim, calendly_booking)["source"] == source


@then(parsers.re(r'the app has (?P<count>\d+) bookings? for "(?P<email>[^"]+)"'))
def booking_count(admin, calendly_sim: CalendlyDriver, world: World, count: str, email: str):
    calendly_sim.settle()
    bookings = admin.get("/admin/api/bookings", params={"email": world.email(email)}).json()["bookings"]
    assert len(bookings) == int(count), bookings


@then("the booking's status last changed when Calendly says it did")
def status_changed_at_event_time(admin, calendly_sim: CalendlyDriver, calendly_booking: dict):
    booking = current_booking(admin, calendly_sim, calendly_booking)
    if booking["status"] == "canceled":
        expected = calendly_sim.invitee(booking["calendly_invitee_uri"])["cancellation"]["created_at"]
    else:
        created = [json.loads(a["request_body"]) for a in calendly_sim.deliveries("invitee.created")["attempts"]]
        expected = next(
            body["created_at"] for body in created if body["payload"]["uri"] == booking["calendly_invitee_uri"]
        )
    assert booking["status_changed_at"] == iso_z(expected), (booking, expected)


@then(parsers.parse('the booking is "{status}" by "{who}" saying "{reason}"'))
def canceled_by(
    admin, calendly_sim: CalendlyDriver, world: World, calendly_booking: dict, status: str, who: str, reason: str
):
    booking = current_booking(admin, calendly_sim, calendly_booking)
    who = world.text(who)  # the host is the scenario's own builder
    assert (booking["status"], booking["canceled_by"], booking["cancel_reason"]) == (status, who, reason), booking


@then(parsers.parse('the booking is still "{status}" and not flagged as a no-show'))
def unchanged(admin, calendly_sim: CalendlyDriver, calendly_booking: dict, status: str):
    booking = current_booking(admin, calendly_sim, calendly_booking)
    assert booking["status"] == status and booking["no_show"] is False, booking


@then(parsers.re(r"the booking is (?P<negation>not )?flagged as a no-show"))
def no_show_flag(admin, calendly_sim: CalendlyDriver, calendly_booking: dict, negation: str | None):
    booking = current_booking(admin, calendly_sim, calendly_booking)
    assert booking["no_show"] is (not negation), booking


def slot_offered(visitors, builder: str, session: str, start: str) -> bool:
    visitor: Visitor = visitors()
    visitor.open(session_path(builder, session), week=instant(start).date().isoformat(), tz="UTC")
    return iso_z(start) in {s.value for s in visitor.parsed.slots}


@then(parsers.parse('the "{session}" slot of "{builder}" is offered again'))
def slot_free_again(
    visitors, admin, calendly_sim: CalendlyDriver, world: World, calendly_booking: dict, session: str, builder: str
):
    current_booking(admin, calendly_sim, calendly_booking)
    assert slot_offered(visitors, world.builder(builder), session, calendly_booking["start"])


@then(parsers.parse('the old "{session}" slot of "{builder}" is offered again'))
def old_slot_free_again(visitors, world: World, rescheduled: dict, session: str, builder: str):
    assert slot_offered(visitors, world.builder(builder), session, rescheduled["old_start"])


@then(parsers.parse('the booking is "{status}" at the new time and linked to the new invitee'))
def moved(admin, calendly_booking: dict, rescheduled: dict, status: str):
    booking = wait_for_client_booking(
        admin,
        calendly_booking["email"],
        lambda b: b["calendly_invitee_uri"] == rescheduled["invitee"],
        "the moved booking",
    )
    assert booking["start_at"] == iso_z(rescheduled["start"]), booking
    assert booking["end_at"] == (instant(rescheduled["start"]) + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert booking["status"] == status and booking["calendly_event_uri"] == rescheduled["event"], booking


@then(parsers.parse('the app processed {count:d} "{event}" event'))
def processed(admin, calendly_sim: CalendlyDriver, count: int, event: str):
    calendly_sim.settle()
    rows = webhook_inbox(admin, calendly_sim, event_type=event)
    assert [r["status"] for r in rows] == ["processed"] * count, rows


@then(parsers.re(r"Calendly got a 2xx for all (?P<copies>\d+) copies, 1 accepted and the rest as duplicates"))
def copies_answered(calendly_sim: CalendlyDriver, calendly_booking: dict, planned_event: str, copies: str):
    calendly_sim.settle()
    mine = [
        a
        for a in calendly_sim.deliveries(planned_event)["attempts"]
        if json.loads(a["request_body"])["payload"]["uri"] == calendly_booking["invitee"]
    ]
    assert len(mine) == int(copies) and all(a["succeeded"] for a in mine), [
        (a["kind"], a["response_status"]) for a in mine
    ]
    answers = Counter(json.loads(a["response_body"])["status"] for a in mine)
    assert answers == Counter({"accepted": 1, "duplicate": int(copies) - 1}), answers


@then(parsers.parse('the delivery was acknowledged and the event is a dead letter saying "{reason}"'))
def dead_letter(admin, calendly_sim: CalendlyDriver, reason: str):
    calendly_sim.settle()
    assert all(a["succeeded"] for a in calendly_sim.deliveries()["attempts"])
    dead = webhook_inbox(admin, calendly_sim, status="dead")
    assert len(dead) == 1 and reason in dead[0]["last_error"], dead
    assert dead[0]["attempts"] == 1, dead  # dead at once: retrying cannot add a missing field


@then(parsers.parse('Calendly\'s delivery was refused with {status:d} and the reason "{reason}"'))
def refused(calendly_sim: CalendlyDriver, status: int, reason: str):
    attempt = calendly_sim.wait_attempts("invitee.created", 1)[0]
    assert attempt["response_status"] == status, attempt
    assert reason in json.loads(attempt["response_body"])["error"]["message"], attempt["response_body"]


@then("Calendly will retry that delivery")
def will_retry(calendly_sim: CalendlyDriver):
    deliveries = calendly_sim.deliveries("invitee.created")["deliveries"]
    assert [d["status"] for d in deliveries] == ["failed"], deliveries


@then("the app stored no Calendly event")
def nothing_stored(admin, calendly_sim: CalendlyDriver):
    if calendly_sim.since is not None:  # the deployment stores every scenario's events: this one's stored none
        calendly_sim.settle()
        assert stored_by(calendly_sim) == set(), calendly_sim.deliveries()["attempts"]
        return
    assert admin.get("/admin/api/stats").json()["webhook_events"] == 0


@then(parsers.parse('the app stored the routing form submission with the answer "{answer}"'))
def submission_stored(admin, calendly_sim: CalendlyDriver, world: World, answer: str):
    calendly_sim.settle()
    stored = submissions(admin, world)
    assert len(stored) == 1 and answer in [a["answer"] for a in stored[0]["answers"]], stored


@then("the app stored no routing form submission")
def no_submission(admin, calendly_sim: CalendlyDriver, world: World):
    calendly_sim.settle()
    assert submissions(admin, world) == []


@then(parsers.re(r'the submission is (?:linked to the client "(?P<email>[^"]+)"|not linked to any client)'))
def submission_client(admin, calendly_sim: CalendlyDriver, world: World, email: str | None):
    calendly_sim.settle()
    [submission] = submissions(admin, world)
    assert submission["client_email"] == (world.email(email) if email else None), submission


@then(parsers.parse('the "{event}" event is waiting for a retry'))
def parked(admin, calendly_sim: CalendlyDriver, event: str):
    calendly_sim.settle()
    rows = webhook_inbox(admin, calendly_sim, event_type=event)
    assert [r["status"] for r in rows] == ["retry"] and "no booking is linked" in rows[0]["last_error"], rows


@then(parsers.parse('the "{event}" event was ignored as stale'))
def ignored_stale(admin, calendly_sim: CalendlyDriver, event: str):
    calendly_sim.settle()
    rows = webhook_inbox(admin, calendly_sim, event_type=event)
    assert [r["status"] for r in rows] == ["ignored"] and "stale" in rows[0]["last_error"], rows


@then(parsers.parse('Calendly\'s delivery of "{event}" failed and will be retried'))
def delivery_failed(calendly_sim: CalendlyDriver, event: str):
    calendly_sim.wait_attempts(event, 1)
    assert [d["status"] for d in calendly_sim.deliveries(event)["deliveries"]] == ["failed"]


@then(parsers.parse('the app reports its Calendly subscription as "{state}"'))
def subscription_state(admin, state: str):
    response = admin.get("/admin/api/calendly/subscription")
    assert response.status_code == 200 and response.json()["subscription"]["state"] == state, response.text


@then(parsers.re(r'the reconciliation reports (?P<actions>"[^"]+"(?: and "[^"]+")*) for "(?P<email>[^"]+)"'))
def reconciliation_reports(admin, world: World, reconcile_report: dict, actions: str, email: str):
    booking = app_booking(admin, world.email(email))
    assert booking is not None
    expected = [(action, booking["id"]) for action in actions.strip('"').split('" and "')]
    assert [(c["action"], c["booking"]) for c in reconcile_report["changes"]] == expected, reconcile_report


@then(parsers.parse('the operator finds the "{event}" event among the dead letters'), target_fixture="dead_letter")
def find_dead_letter(admin, calendly_sim: CalendlyDriver, event: str) -> dict:
    dead = webhook_inbox(admin, calendly_sim, status="dead")
    assert [row["event_type"] for row in dead] == [event], dead
    assert "no booking is linked" in dead[0]["last_error"], dead[0]
    return dead[0]


@then(parsers.parse('the replay answers "{status}"'))
def replay_answered(replay_answer: dict, status: str):
    assert replay_answer == {"status": status}


@then("the reconciliation reports no changes")
def reconciliation_quiet(reconcile_report: dict):
    assert reconcile_report["changes"] == [] and reconcile_report["problems"] == [], reconcile_report


@then("no Calendly event took effect twice")
def nothing_twice(admin, calendly_sim: CalendlyDriver, world: World):
    calendly_sim.settle()
    rows = webhook_inbox(admin, calendly_sim)
    assert not [r for r in rows if r["status"] in ("received", "retry")], rows  # none unapplied or parked
    answers = [json.loads(a["response_body"]) for a in calendly_sim.deliveries()["attempts"] if a["succeeded"]]
    accepted = Counter(answer["event"] for answer in answers if answer["status"] == "accepted")
    duplicates = {answer["dedupe_key"] for answer in answers if answer["status"] == "duplicate"}
    # Every stored event was accepted (and so applied) through exactly one delivery; every other copy was
    # acknowledged as a duplicate of a stored one.
    assert accepted == Counter({row["id"]: 1 for row in rows}), (accepted, rows)
    assert duplicates <= {row["dedupe_key"] for row in rows}, duplicates
    bookings = people_bookings(admin, world)
    active = [b for b in bookings if b["status"] in ("confirmed", "pending_payment")]
    assert len({(b["client_email"], b["start_at"]) for b in active}) == len(active), active
    invitees = [b["calendly_invitee_uri"] for b in bookings if b["calendly_invitee_uri"]]
    assert len(invitees) == len(set(invitees)), invitees
    if not world.shared:  # the claim count covers the whole deployment
        blocks = sum((instant(b["end_at"]) - instant(b["start_at"])) // timedelta(minutes=15) for b in active)
        assert admin.get("/admin/api/stats").json()["slot_claims"] == blocks
