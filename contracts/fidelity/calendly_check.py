"""The Calendly simulator's API answers and webhook bodies against Calendly's published description.

Every API answer the probe recorded is checked against its operation's
response schema in ``contracts/schemas/calendly.subset.openapi.json`` (an
error against the error response of its status). Every webhook body is
checked as ``WebhookPayload`` (for the events its enum names), each invitee
payload as ``Invitee``, cancellation blocks as ``Cancellation`` and routing
form submissions as ``RoutingFormSubmission``, nested blocks included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from contracts.fidelity.calendly_probe import CalendlyProbe
from contracts.fidelity.report import ProviderReport
from contracts.fidelity.stripe_probe import Answer
from contracts.fidelity.validate import load
from contracts.fidelity.validate import problems as _problems
from contracts.schemas.calendly_subset import OPERATIONS

DESCRIPTION = Path(__file__).resolve().parent.parent / "schemas" / "calendly.subset.openapi.json"
ENVELOPE_EVENTS = ("invitee.created", "invitee.canceled", "routing_form_submission.created")  # the spec's enum
# Sent in webhook payloads (Calendly's webhook documentation and sample payloads) but absent from the
# description, whose Invitee is the REST resource: accepted with any value, listed in the table.
WEBHOOK_ADDITIONS = (
    ("Invitee", "scheduled_event"),
    ("Invitee", "invitee_scheduled_by"),
    ("Invitee", "scheduling_method"),
    ("Cancellation", "created_at"),
)
# Properties Calendly's API reference documents that the (older) description pinned here lacks.
LATER_ADDITIONS = (
    ("User", "locale"),
    ("User", "time_notation"),
    ("User", "resource_type"),
    ("EventType", "duration_options"),
    ("EventType", "locations"),
    ("Event", "meeting_notes_plain"),
    ("Event", "meeting_notes_html"),
    ("Event", "event_memberships.items.user_email"),
    ("Event", "event_memberships.items.user_name"),
    ("WebhookSubscription", "group"),
)
NO_SHOW_EVENTS = ("invitee_no_show.created", "invitee_no_show.deleted")
WIDENED = (("WebhookSubscription", ("events", "items"), NO_SHOW_EVENTS), ("Event", ("calendar_event",), (None,)))
DIVERGENCES = [
    (
        "webhook-only properties " + ", ".join(f"`{s}.{p}`" for s, p in WEBHOOK_ADDITIONS),
        "Calendly's webhook payloads carry them; the description describes the REST resources, which lack "
        "them: accepted, any value",
    ),
    (
        "properties newer than the description: " + ", ".join(f"`{s}.{p}`" for s, p in LATER_ADDITIONS),
        "documented in Calendly's API reference, newer than the description pinned here (no newer one could "
        "be pinned); accepted, any value",
    ),
    (
        "`invitee_no_show.created`/`.deleted` in `WebhookSubscription.events`",
        "Calendly offers these subscriptions; the description's enum lacks them",
    ),
    (
        "`Event.calendar_event` is `null`",
        "the simulated hosts have no connected calendar, and Calendly sends "
        "`null` then; the description only has the object",
    ),
    (
        "`invitee_no_show.created`/`.deleted` envelopes not checked",
        "the description's `WebhookPayload.event` "
        "enum lacks the no-show events Calendly sends; their payloads are checked as `Invitee`",
    ),
    (
        "`POST /invitees` (the scheduling API) not checked",
        "newer than the description; the pacts pin what the booking service sends and reads",
    ),
]


def problems(payload: Any, schema: dict[str, Any] | str) -> list[str]:
    return _problems(payload, DESCRIPTION, schema, added=WEBHOOK_ADDITIONS + LATER_ADDITIONS, widened=WIDENED)


def _response_schema(answer: Answer) -> tuple[str, dict[str, Any] | None]:
    document = load(DESCRIPTION)
    responses = document["paths"][answer.template][answer.method]["responses"]
    response = responses.get(str(answer.status))
    if response is None:
        return f"undocumented {answer.status}", None
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    return ("error" if answer.status >= 400 else _kind(document, schema)), schema


def _kind(document: dict[str, Any], schema: dict[str, Any] | None) -> str:
    """What a successful answer holds: ``Event``, ``list of Invitee``, ``empty``..."""
    if schema is None:
        return "empty"
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    properties = schema.get("properties", {})
    if "resource" in properties:
        resource = properties["resource"]
        return resource.get("$ref", "").rsplit("/", 1)[-1] or "resource"
    if "collection" in properties:
        return "list of " + properties["collection"]["items"].get("$ref", "").rsplit("/", 1)[-1]
    return "object"


def check(probe: CalendlyProbe) -> ProviderReport:
    source = load(DESCRIPTION)["info"]["x-booking-harness-source"]
    report = ProviderReport(
        "Calendly",
        f"`{source['repository']}` `{source['path']}` at `{source['commit'][:12]}`",
        endpoints=[f"{m.upper()} {p}" for m, p in OPERATIONS],
        divergences=list(DIVERGENCES),
    )
    for answer in probe.answers:
        kind, schema = _response_schema(answer)
        where = f"{answer.method.upper()} {answer.template} -> {answer.status}"
        if schema is None:
            found = [] if answer.body is None else [f"a body where the description documents none: {answer.body}"]
            if kind.startswith("undocumented"):
                found = [f"status {answer.status} is not documented for this operation"]
            report.check(kind, found, where)
            continue
        report.check(kind, problems(answer.body, schema), where)
    report.event_types = sorted({body["event"] for body in probe.webhooks})
    for body in probe.webhooks:
        event = body["event"]
        if event in ENVELOPE_EVENTS:
            report.check("webhook WebhookPayload", problems(body, "WebhookPayload"), f"{event} envelope")
        kind = "RoutingFormSubmission" if event.startswith("routing_form") else "Invitee"
        report.check(f"webhook {kind}", problems(body["payload"], kind), f"{event} payload")
        if body["payload"].get("cancellation"):
            report.check(
                "webhook Cancellation",
                problems(body["payload"]["cancellation"], "Cancellation"),
                f"{event} payload.cancellation",
            )
    return report


def run(simulator_url: str) -> ProviderReport:
    probe = CalendlyProbe(simulator_url)
    probe.run()
    return check(probe)
