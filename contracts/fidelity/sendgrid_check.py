"""The SendGrid simulator's Mail Send answers against SendGrid's published description (``sendgrid/sendgrid-oai``).

The booking service's real Mail Send requests (from its pact) must match the
description's request schema. Requests that the description calls valid
(checked against it first, so the probe itself cannot drift) must be accepted
with 202, an empty body and ``X-Message-Id``; refused ones must come back with
a status the description lists and an error body that matches it. The
description has no schema for Event Webhook posts; what it does say is which
event kinds exist (the Event Webhook settings), so every event the simulator
posts must be one of those.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx

from contracts.fidelity.report import ProviderReport
from contracts.fidelity.validate import load, problems
from harness.receiver import RecordingReceiver
from harness.servers import serve_in_thread
from harness.waiting import wait_until

CONTRACTS = Path(__file__).resolve().parent.parent
DESCRIPTION = CONTRACTS / "schemas" / "sendgrid.subset.openapi.json"
PACT = CONTRACTS / "pacts" / "booking-service-sendgrid-api.json"  # what the booking service really sends
KEY = "SG.fidelity-check-key"
TEMPLATE_MAIL = {
    "personalizations": [
        {"to": [{"email": "client@example.com", "name": "Ada"}], "dynamic_template_data": {"name": "Ada"}}
    ],
    "from": {"email": "bookings@example.com", "name": "Bookings"},
    "template_id": "d-0123456789abcdef0123456789abcdef",
}
PLAIN_MAIL = {
    "personalizations": [{"to": [{"email": "client@example.com"}]}],
    "from": {"email": "bookings@example.com"},
    "subject": "Your booking",
    "content": [{"type": "text/plain", "value": "See you soon"}],
    "categories": ["booking"],
}
REFUSED = [  # (why, body, headers)
    (
        "no personalizations",
        {"from": {"email": "bookings@example.com"}, "subject": "x", "content": [{"type": "text/plain", "value": "x"}]},
        {},
    ),
    (
        "no from",
        {
            "personalizations": [{"to": [{"email": "client@example.com"}]}],
            "subject": "x",
            "content": [{"type": "text/plain", "value": "x"}],
        },
        {},
    ),
    ("bad recipient", {**PLAIN_MAIL, "personalizations": [{"to": [{"email": "not-an-address"}]}]}, {}),
    ("no Authorization header", PLAIN_MAIL, {"Authorization": ""}),
    ("bad key", PLAIN_MAIL, {"Authorization": "Bearer SG.wrong"}),
]
TEMPLATE = {
    "id": TEMPLATE_MAIL["template_id"],
    "name": "Booking confirmation",
    "subject": "Booked, {{name}}",
    "html_content": "<p>See you soon, {{name}}</p>",
    "plain_content": "See you soon, {{name}}",
}
DIVERGENCES = [
    (
        "`errors[].help` is a URL string or `null`",
        "SendGrid sends it so (and the simulator copies it); the "
        "description says an object: the check accepts a string, `null` or an object there",
    ),
    (
        "top-level `custom_args` is an object",
        "SendGrid documents and takes an object of strings (as in "
        "`personalizations[].custom_args`); the description says a string: the check accepts an object",
    ),
    (
        "a mail with `template_id` needs no `subject` or `content`",
        "SendGrid takes them from the template; the "
        "description lists both as always required: the check drops that requirement when `template_id` is set",
    ),
    (
        "Event Webhook bodies checked for their event kind only",
        "`sendgrid-oai` publishes no schema for Event "
        "Webhook posts, only the kinds (its Event Webhook settings); the shape is pinned by the pacts and the "
        "simulator's own tests instead",
    ),
    (
        "429 (rate limit) and 503 answers",
        "SendGrid sends them, but the description lists neither; not "
        "checked here (the simulator's own tests pin their bodies and `X-RateLimit-*` headers)",
    ),
    (
        "`personalizations`, `from` and `content` checks beyond the schema",
        "SendGrid refuses more than its schema says (an invalid address, a missing subject); the simulator "
        "follows SendGrid's documented refusals",
    ),
]


def _schema(status: int) -> dict[str, Any] | None:
    document = load(DESCRIPTION)
    response = document["paths"]["/mail/send"]["post"]["responses"].get(str(status))
    if response is None:
        return None
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    return response.get("content", {}).get("application/json", {}).get("schema")


def _request_schema(body: dict[str, Any]) -> dict[str, Any]:
    post = load(DESCRIPTION)["paths"]["/mail/send"]["post"]
    schema = copy.deepcopy(post["requestBody"]["content"]["application/json"]["schema"])
    if "template_id" in body:  # the description's gap, see DIVERGENCES
        schema["required"] = [name for name in schema["required"] if name not in ("subject", "content")]
    schema["properties"]["custom_args"] = {"type": "object", "additionalProperties": {"type": "string"}}
    return schema


def _error_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The error body schema with ``help`` as SendGrid really sends it (see DIVERGENCES)."""
    document = load(DESCRIPTION)
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    schema = copy.deepcopy(schema)
    item = schema["properties"]["errors"]["items"]
    if "help" in item.get("properties", {}):
        item["properties"]["help"] = {"type": ["string", "object", "null"]}
    return schema


# Recipients the simulator is told to treat as SendGrid would treat a bouncing, slow or blocking mailbox.
OUTCOMES = {
    "bounce_addresses": ["bounce@example.com"],
    "deferred_addresses": ["slow@example.com"],
    "blocked_addresses": ["blocked@example.com"],
    "unknown_template": "drop",
}
WANTED_KINDS = {"processed", "delivered", "bounce", "deferred", "dropped"}


def event_kinds() -> set[str]:
    """The Event Webhook's event kinds, as SendGrid's description of its settings names them."""
    settings = load(DESCRIPTION)["components"]["schemas"]["event-webhook-response"]["properties"]
    return set(settings) - {"enabled", "url", "oauth_client_id", "oauth_token_url"}


def _events(simulator_url: str, send: Any, report: ProviderReport) -> None:
    """Mail to every kind of mailbox; every event posted back must be a kind SendGrid's description names."""
    recorder = RecordingReceiver()
    server = serve_in_thread(recorder, name="fidelity-sendgrid-receiver")
    try:
        with httpx.Client(base_url=f"{simulator_url}/_sim", timeout=30) as control:
            assert (
                control.post(
                    "/sendgrid/config", json={**OUTCOMES, "event_webhook_url": f"{server.url}/events"}
                ).status_code
                == 200
            )
            for address in ("client@example.com", "bounce@example.com", "slow@example.com", "blocked@example.com"):
                send({**PLAIN_MAIL, "personalizations": [{"to": [{"email": address}]}]}, {})
            send({**TEMPLATE_MAIL, "template_id": "d-ffffffffffffffffffffffffffffffff"}, {})

            def posted() -> list[dict[str, Any]]:
                control.post("/clock/advance", json={"seconds": 600})
                return [event for request in recorder.requests for event in json.loads(request.body)]

            def every_kind() -> list[dict[str, Any]] | None:
                events = posted()
                return events if {x["event"] for x in events} >= WANTED_KINDS else None

            events = wait_until(
                every_kind,
                timeout=30,
                what="the SendGrid simulator's events of every kind",
            )
    finally:
        server.stop()
    known = event_kinds()
    report.event_types = sorted({event["event"] for event in events})
    for event in events:
        found = [] if event["event"] in known else [f"event kind {event['event']!r} is not one of {sorted(known)}"]
        report.check("Event Webhook event", found, f"event {event['event']} for {event.get('email')}")


def run(simulator_url: str) -> ProviderReport:
    report = ProviderReport(
        "SendGrid",
        "`sendgrid/sendgrid-oai` `oai_v3_stoplight.json` at `{}`".format(
            load(DESCRIPTION)["info"]["x-booking-harness-source"]["commit"][:12]
        ),
        endpoints=["POST /v3/mail/send"],
        divergences=list(DIVERGENCES),
    )
    client = httpx.Client(base_url=f"{simulator_url}/sendgrid/v3", timeout=30)
    with httpx.Client(base_url=f"{simulator_url}/_sim/sendgrid", timeout=30) as control:
        assert control.post("/config", json={"api_keys": [KEY]}).status_code == 200
        assert control.post("/templates", json=TEMPLATE).status_code == 201

    def send(body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
        return client.post("/mail/send", json=body, headers={"Authorization": f"Bearer {KEY}", **headers})

    for interaction in json.loads(PACT.read_text(encoding="utf-8"))["interactions"]:
        body = interaction["request"]["body"]["content"]
        report.check(
            "mail send request (booking service)",
            problems(body, DESCRIPTION, _request_schema(body), lenient_presence=True),
            f"request of the booking service ({interaction['description']})",
        )
    try:
        for why, body in (("template mail", TEMPLATE_MAIL), ("plain mail", PLAIN_MAIL)):
            report.check(
                "mail send request",
                problems(body, DESCRIPTION, _request_schema(body), lenient_presence=True),
                f"request ({why})",
            )
            response = send(body, {})
            found = (
                []
                if response.status_code == 202 and not response.content and response.headers.get("X-Message-Id")
                else [
                    f"answered {response.status_code} {response.text[:200]!r}, not 202 with an "
                    "empty body and X-Message-Id"
                ]
            )
            report.check("202 accepted", found, f"POST /v3/mail/send ({why})")
        for why, body, headers in REFUSED:
            response = send(body, headers)
            schema = _schema(response.status_code)
            if schema is None or response.status_code < 400:
                report.check(
                    "error body",
                    [f"status {response.status_code} is not one the description lists"],
                    f"POST /v3/mail/send ({why})",
                )
                continue
            report.check(
                f"{response.status_code} error body",
                problems(response.json(), DESCRIPTION, _error_schema(schema), lenient_presence=True),
                f"POST /v3/mail/send ({why}) -> {response.status_code}",
            )
        _events(simulator_url, send, report)
    finally:
        client.close()
    return report
