"""The Calendly simulator's webhook bodies against Calendly's published description (trimmed copy).

Drives what an account's people do (book with split and single names,
cancel as host, reschedule, mark and unmark a no-show, submit a routing form)
and validates, strictly, every webhook body the simulator sends: the
envelope as ``WebhookPayload`` (for the events its enum names), each invitee
payload as ``Invitee``, cancellation blocks as ``Cancellation``, routing form
submissions as ``RoutingFormSubmission``, and the REST no-show resource as
``InviteeNoShow``.
"""

from __future__ import annotations

import json

from contracts.fidelity.report import ProviderReport
from contracts.fidelity.validate import problems as _problems
from contracts.provider.calendly_sim import CalendlySim
from contracts.schemas.openapi import CALENDLY
from harness.receiver import RecordingReceiver
from harness.servers import serve_in_thread

ENVELOPE_EVENTS = ("invitee.created", "invitee.canceled", "routing_form_submission.created")  # the spec's enum
# Sent in webhook payloads (Calendly's webhook documentation and sample payloads) but absent from the
# description, whose Invitee is the REST resource: accepted with any value, listed in the table.
WEBHOOK_ADDITIONS = (("Invitee", "scheduled_event"), ("Invitee", "invitee_scheduled_by"),
                     ("Invitee", "scheduling_method"), ("Cancellation", "created_at"))
DIVERGENCES = [
    ("webhook-only properties " + ", ".join(f"`{s}.{p}`" for s, p in WEBHOOK_ADDITIONS),
     "Calendly's webhook payloads carry them; the description describes the REST resources, which lack "
     "them: accepted, any value"),
    ("`invitee_no_show.created`/`.deleted` envelopes not checked", "the description's `WebhookPayload.event` "
     "enum lacks the no-show events Calendly sends; their payloads are checked as `Invitee`"),
    ("nested blocks (`tracking`, `questions_and_answers`, submission `result`) checked as objects only",
     "the trimmed copy keeps them as plain objects (see `contracts/schemas/README.md`)"),
    ("API responses (`/users/me`, `/event_types`, `/scheduled_events`...) not validated here",
     "the trimmed copy has no response schemas for them; the pacts pin what the booking service reads"),
]


def problems(payload, document, schema):
    return _problems(payload, document, schema, added=WEBHOOK_ADDITIONS)


def _flows(calendly: CalendlySim, hook: str) -> dict:
    host = calendly.host(name="Ada Host")
    event_type = calendly.event_type(host)
    calendly.subscribe(host, hook)
    starts = calendly.open_starts(host, event_type)
    split = calendly.book(event_type, starts[0], {"first_name": "Grace", "last_name": "Hopper",
                                                   "email": "grace@example.com", "timezone": "Europe/Paris"},
                          tracking={"utm_source": "booking-app", "utm_content": "bk_123"},
                          questions_and_answers=[{"question": "Goal", "answer": "Learn Pact"}])
    single = calendly.book(event_type, starts[1], {"name": "Alan Turing", "email": "alan@example.com"})
    calendly.cancel(single, by="host", reason="Host unavailable")
    calendly.reschedule(split, starts[3])
    no_show = calendly.mark_no_show(host, calendly.book(event_type, starts[5], {"name": "Kay", "email": "k@example.com"}))
    calendly.unmark_no_show(host, no_show)
    calendly.submit(calendly.routing_form(), {"Goal": "Pathway", "Email": "r@example.com"},
                    event_type=event_type["uri"])
    return no_show


def run(simulator_url: str) -> ProviderReport:
    source = "`speakeasy-sdks/calendly-python` `openapi/openapi.yaml` at `42942ac54206` (trimmed)"
    report = ProviderReport("Calendly", source, divergences=list(DIVERGENCES),
                            endpoints=["POST /invitee_no_shows"])
    calendly, recorder = CalendlySim(simulator_url), RecordingReceiver()
    server = serve_in_thread(recorder, name="fidelity-calendly-receiver")
    try:
        no_show = _flows(calendly, f"{server.url}/hook")
        bodies = [json.loads(r.body) for r in recorder.wait_for(9, timeout=30)]
    finally:
        server.stop()
        calendly.close()
    report.event_types = sorted({body["event"] for body in bodies})
    for body in bodies:
        event = body["event"]
        if event in ENVELOPE_EVENTS:
            report.check("WebhookPayload", problems(body, CALENDLY, "WebhookPayload"), f"{event} envelope")
        kind = "RoutingFormSubmission" if event.startswith("routing_form") else "Invitee"
        report.check(kind, problems(body["payload"], CALENDLY, kind), f"{event} payload")
        if body["payload"].get("cancellation"):
            report.check("Cancellation", problems(body["payload"]["cancellation"], CALENDLY, "Cancellation"),
                         f"{event} payload.cancellation")
    report.check("InviteeNoShow", problems(no_show, CALENDLY, "InviteeNoShow"), "POST /invitee_no_shows")
    return report
