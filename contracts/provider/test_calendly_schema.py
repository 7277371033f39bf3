"""The Calendly simulator's payloads against Calendly's own published schemas.

Pacts say what the booking service needs; this says the simulator cannot
drift from Calendly itself. Every webhook the simulator sends for a booking,
a cancellation, a reschedule, a no-show and a routing form, and the REST
no-show resource, are validated against the trimmed copy of Calendly's
OpenAPI description in ``contracts/schemas/`` (see its README for the origin
and what was left out).
"""

from __future__ import annotations

import json

import pytest

from contracts.provider.calendly_sim import CalendlySim
from harness.receiver import RecordingReceiver
from harness.servers import serve_in_thread

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is a dev dependency of the schema checks")
from contracts.schemas.openapi import CALENDLY, problems

pytestmark = [pytest.mark.contract, pytest.mark.calendly]

ENVELOPE_EVENTS = ("invitee.created", "invitee.canceled", "routing_form_submission.created")  # the spec's enum


@pytest.fixture
def calendly(simulators):
    sim = CalendlySim(simulators.url)
    yield sim
    sim.close()


@pytest.fixture
def receiver():
    recorder = RecordingReceiver()
    server = serve_in_thread(recorder, name="calendly-receiver")
    yield recorder, server.url
    server.stop()


@pytest.fixture
def webhooks(calendly, receiver):
    """Everything an account's people do, and the webhook bodies the simulator sent for it."""
    recorder, url = receiver
    host = calendly.host(name="Ada Host")
    event_type = calendly.event_type(host)
    calendly.subscribe(host, f"{url}/hook")
    starts = calendly.open_starts(host, event_type)
    split = calendly.book(
        event_type,
        starts[0],
        {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com", "timezone": "Europe/Paris"},
        tracking={"utm_source": "booking-app", "utm_content": "bk_123"},
        questions_and_answers=[{"question": "Goal", "answer": "Learn Pact"}],
    )
    single = calendly.book(event_type, starts[1], {"name": "Alan Turing", "email": "alan@example.com"})
    calendly.cancel(single, by="host", reason="Host unavailable")
    calendly.reschedule(split, starts[3])
    no_show = calendly.mark_no_show(
        host, calendly.book(event_type, starts[5], {"name": "Kay", "email": "k@example.com"})
    )
    calendly.unmark_no_show(host, no_show)
    form = calendly.routing_form()
    calendly.submit(form, {"Goal": "Pathway", "Email": "r@example.com"}, event_type=event_type["uri"])
    bodies = [json.loads(r.body) for r in recorder.wait_for(9, timeout=30)]
    return {"bodies": bodies, "no_show_resource": no_show}


def _by_event(bodies, event):
    found = [b for b in bodies if b["event"] == event]
    assert found, f"the simulator sent no {event}"
    return found


def test_every_invitee_payload_is_a_calendly_invitee(webhooks):
    invitee_events = [b for b in webhooks["bodies"] if b["event"].startswith("invitee")]
    assert {b["event"] for b in invitee_events} == {
        "invitee.created",
        "invitee.canceled",
        "invitee_no_show.created",
        "invitee_no_show.deleted",
    }
    for body in invitee_events:
        assert problems(body["payload"], CALENDLY, "Invitee") == [], body["event"]


def test_the_envelopes_match_calendlys_webhook_payload(webhooks):
    for body in webhooks["bodies"]:
        if body["event"] in ENVELOPE_EVENTS:
            assert problems(body, CALENDLY, "WebhookPayload") == [], body["event"]


def test_cancellation_and_reschedule_blocks_match(webhooks):
    canceled = _by_event(webhooks["bodies"], "invitee.canceled")
    assert {b["payload"]["rescheduled"] for b in canceled} == {True, False}
    for body in canceled:
        assert problems(body["payload"]["cancellation"], CALENDLY, "Cancellation") == []


def test_the_no_show_block_and_resource_match(webhooks):
    [created] = _by_event(webhooks["bodies"], "invitee_no_show.created")
    assert created["payload"]["no_show"] is not None
    assert problems(webhooks["no_show_resource"], CALENDLY, "InviteeNoShow") == []


def test_the_routing_form_submission_matches(webhooks):
    [submitted] = _by_event(webhooks["bodies"], "routing_form_submission.created")
    assert problems(submitted["payload"], CALENDLY, "RoutingFormSubmission") == []


def test_a_payload_missing_what_calendly_promises_is_caught(webhooks):
    [created] = _by_event(webhooks["bodies"], "invitee_no_show.created")
    broken = {k: v for k, v in created["payload"].items() if k != "reschedule_url"}
    broken["status"] = "no_show"

    found = problems(broken, CALENDLY, "Invitee")

    assert any("'reschedule_url' is a required property" in p for p in found)
    assert any(p.startswith("status:") for p in found)
