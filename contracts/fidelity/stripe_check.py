"""Every body the Stripe simulator answered, and every event's ``data.object``, against Stripe's description.

An API answer is checked against the response schema of its operation in
``contracts/schemas/stripe.subset.openapi.json`` (the status's own response,
else ``default``: Stripe's error object). An event is checked as an
``event``, its ``data.object`` as the resource its type names
(``payment_intent.succeeded`` -> ``payment_intent``), and the keys of
``data.previous_attributes`` must be properties of that resource.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from contracts.fidelity.report import ProviderReport
from contracts.fidelity.stripe_probe import Answer
from contracts.fidelity.validate import load, problems
from contracts.schemas.stripe_subset import OPERATIONS

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
DESCRIPTION = SCHEMAS / "stripe.subset.openapi.json"
FIXTURE_KEYS = SCHEMAS / "stripe.fixture-keys.json"

# Properties Stripe added after the pinned description, all carried by Stripe's fixtures of the API version the
# simulator announces, 2024-06-20 (stripe.fixture-keys.json; a test keeps it so): accepted, any value, listed.
LATER_ADDITIONS = (
    ("checkout.session", "client_secret"),
    ("checkout.session", "ui_mode"),
    ("checkout.session", "payment_method_configuration_details"),
    ("checkout.session", "saved_payment_method_options"),
    ("charge", "source"),
    *(
        ("payment_method_details_card", name)
        for name in (
            "amount_authorized",
            "authorization_code",
            "extended_authorization",
            "incremental_authorization",
            "multicapture",
            "overcapture",
        )
    ),
    ("payment_pages_checkout_session_automatic_tax", "liability"),
    ("payment_pages_checkout_session_custom_text", "after_submit"),
    ("payment_pages_checkout_session_custom_text", "terms_of_service_acceptance"),
    ("payment_intent", "payment_method_configuration_details"),
    ("payment_intent", "source"),
    ("refund", "destination_details"),
)
# Event types Stripe added after the pinned description (its enum of subscribable events lacks them).
LATER_EVENT_TYPES = ("refund.failed",)
# Nullable in the description, yet sent only when asked for (``expand[]=refunds``) since API version 2022-11-15.
ON_REQUEST = (("charge", "refunds"),)

DIVERGENCES = [
    (
        "properties added after the pinned description: " + ", ".join(f"`{s}.{p}`" for s, p in LATER_ADDITIONS),
        "the simulator answers as API version 2024-06-20, which has them (Stripe's fixtures of that version carry "
        "every one); accepted with any value; `checkout.session`'s top-level values (`ui_mode: hosted` included) are "
        "also checked against a 2026 copy (`stripe.openapi.json`)",
    ),
    (
        "event type `refund.failed`",
        "added by Stripe after the pinned description (so not in its list of "
        "event types); sent when a refund fails after it succeeded, as Stripe's 4000000000005126 test card does",
    ),
    (
        "presence checked against Stripe's fixtures too",
        "every property Stripe's own fixtures of API version "
        "2024-06-20 carry (`stripe.fixture-keys.json`) must be on the simulator's objects, so the properties "
        "added after the pinned description are checked for presence, though not for type",
    ),
    (
        "`charge.refunds` absent",
        "nullable in the description, but since API version 2022-11-15 Stripe sends "
        "it only when expanded; the simulator does not expand it",
    ),
    (
        "`mode` other than `payment`; `price`/`product` ids in line items; payment methods other than "
        "`card` and `us_bank_account`",
        "not simulated: the booking service sells one-off sessions; such "
        "requests get a Stripe-shaped `invalid_request_error` naming the parameter",
    ),
    (
        "objects the simulated ones point at (`customer`, `payment_method`, `balance_transaction`...)",
        "not simulated: their ids are never `expand`ed by the booking service; expanding one fails with "
        'Stripe\'s "This property cannot be expanded" error',
    ),
    (
        "request URLs over about 8 KB get an HTML 414",
        "refused by the HTTP server in front of the simulator "
        "(Schemathesis' negative examples reach it); the simulator itself never sees them",
    ),
    (
        "list filters `customer`, `subscription`, `payment_link` on `GET /v1/checkout/sessions`",
        "no customers, subscriptions or payment links are simulated; `customer`/`subscription` are "
        "refused as unknown parameters",
    ),
]


def stripe_event_types() -> set[str]:
    """Every event type Stripe's description lets a webhook endpoint subscribe to."""
    body = load(DESCRIPTION)["paths"]["/v1/webhook_endpoints"]["post"]["requestBody"]
    return set(
        body["content"]["application/x-www-form-urlencoded"]["schema"]["properties"]["enabled_events"]["items"]["enum"]
    )


def resource_of(event_type: str) -> str:
    return event_type.rsplit(".", 1)[0]


def _response_schema(answer: Answer) -> tuple[str, dict[str, Any]]:
    responses = load(DESCRIPTION)["paths"][answer.template][answer.method]["responses"]
    response = responses.get(str(answer.status)) or responses["default"]
    schema = response["content"]["application/json"]["schema"]
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1], schema
    item = schema["properties"]["data"]["items"]["$ref"].rsplit("/", 1)[-1]
    return f"list of {item}", schema


def _problems(payload: Any, schema: dict[str, Any] | str) -> list[str]:
    return problems(payload, DESCRIPTION, schema, added=LATER_ADDITIONS, on_request=ON_REQUEST)


def missing_from_fixtures(node: Any, where: str) -> list[str]:
    """Properties Stripe's fixtures carry that ``node`` (or an object inside it) lacks."""
    keys = load(FIXTURE_KEYS)["keys"]
    found: list[str] = []
    if isinstance(node, list):
        for index, item in enumerate(node):
            found += missing_from_fixtures(item, f"{where}.{index}")
    elif isinstance(node, dict):
        kind = node.get("object")
        if isinstance(kind, str) and kind in keys and not node.get("deleted"):
            optional = {prop for name, prop in ON_REQUEST if name == kind}
            found += [
                f"{where or '<root>'}: {name!r}, which Stripe's fixtures carry, is missing"
                for name in keys[kind]
                if name not in node and name not in optional
            ]
            card = (node.get("payment_method_details") or {}).get("card") if kind == "charge" else None
            if isinstance(card, dict):
                found += [
                    f"{where}.payment_method_details.card: {name!r}, which Stripe's fixtures carry, is missing"
                    for name in keys["charge.payment_method_details.card"]
                    if name not in card
                ]
        for name, value in node.items():
            found += missing_from_fixtures(value, f"{where}.{name}" if where else name)
    return found


def check(answers: list[Answer], events: list[dict[str, Any]]) -> ProviderReport:
    document = load(DESCRIPTION)
    source = document["info"]["x-booking-harness-source"]
    report = ProviderReport(
        "Stripe",
        f"`stripe/openapi` `{source['path']}` at `{source['commit'][:12]}` (API version {document['info']['version']})",
        endpoints=[f"{method.upper()} {path}" for method, path in OPERATIONS],
        event_types=sorted({event["type"] for event in events}),
        divergences=list(DIVERGENCES),
    )
    for answer in answers:
        kind, schema = _response_schema(answer)
        report.check(
            kind,
            _problems(answer.body, schema) + missing_from_fixtures(answer.body, ""),
            f"{answer.method.upper()} {answer.template} -> {answer.status}",
        )
    resources = document["components"]["schemas"]
    known = stripe_event_types() | set(LATER_EVENT_TYPES)
    report.violations += [
        f"event type {name!r} is not one of Stripe's" for name in report.event_types if name not in known
    ]
    for event in events:
        report.check("event", _problems(event, "event"), f"event {event['type']}")
        data = event.get("data", {})
        kind = resource_of(event["type"])
        report.check(
            f"event data.object ({kind})",
            _problems(data.get("object"), kind) + missing_from_fixtures(data.get("object"), ""),
            f"event {event['type']} data.object",
        )
        unknown = sorted(set(data.get("previous_attributes") or {}) - set(resources[kind]["properties"]))
        report.violations += [
            f"event {event['type']} data.previous_attributes: {name!r} is not a {kind} property" for name in unknown
        ]
    return report
