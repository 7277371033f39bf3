"""Calendly shapes the booking service reads, as Pact matchers, shared by the API and webhook cases.

Only what the app's readers (``calendly/payload.py``, the client)
look at is constrained; a simulator sending more is fine, one sending less or
in another format fails verification. Example values are coherent (the
invitee's ``event`` is the scheduled event's ``uri``) because the app checks.
"""

from __future__ import annotations

from typing import Any

from pact import match
from pact.match.matcher import GenericMatcher

TOKEN = "calendly-contract-token"  # the personal access token the provider states give the host
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
CAL_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"  # Calendly's own timestamp format
INVITEE_URI = rf"^https://api\.calendly\.com/scheduled_events/{UUID}/invitees/{UUID}$"
EVENT_UUID = "44444444-4444-4444-8444-444444444444"
INVITEE_UUID = "33333333-3333-4333-8333-333333333333"
EXAMPLE_EVENT_TYPE = "https://api.calendly.com/event_types/11111111-1111-4111-8111-111111111111"


def uri_of(kind: str, uuid: str = EVENT_UUID) -> str:
    return f"https://api.calendly.com/{kind}/{uuid}"


def uri_matching(kind: str, example: str) -> GenericMatcher:
    return match.regex(example, regex=rf"^https://api\.calendly\.com/{kind}/{UUID}$")


def from_state(example: str, expression: str, regex: str | None = None) -> GenericMatcher:
    """A request value the provider fills in from its state; the mock server accepts ``example`` (or ``regex``)."""
    from pact import generate

    if regex is None:
        return GenericMatcher("type", value=example, generator=generate.provider_state(expression))
    return GenericMatcher("regex", value=example, regex=regex, generator=generate.provider_state(expression))


def time(example: str) -> GenericMatcher:
    return match.regex(example, regex=CAL_TIME)


def scheduled_event_resource(
    *,
    event_uuid: str = EVENT_UUID,
    event_type: str = EXAMPLE_EVENT_TYPE,
    start: str = "2030-01-02T09:00:00.000000Z",
    end: str = "2030-01-02T09:30:00.000000Z",
) -> dict[str, Any]:
    return {
        "uri": uri_matching("scheduled_events", uri_of("scheduled_events", event_uuid)),
        "event_type": uri_matching("event_types", event_type),
        "start_time": time(start),
        "end_time": time(end),
        "status": match.regex("active", regex="^(active|canceled)$"),
    }


def invitee_resource(
    *,
    event_uuid: str = EVENT_UUID,
    invitee_uuid: str = INVITEE_UUID,
    email: str = "grace@example.com",
    name: str = "Grace Hopper",
    utm_content: str | None = "bk_contract",
) -> dict[str, Any]:
    event_uri = uri_of("scheduled_events", event_uuid)
    tracking = (
        {"utm_source": match.str("booking-app"), "utm_content": match.str(utm_content)}
        if utm_content
        else {"utm_content": None}
    )
    return {
        "uri": match.regex(f"{event_uri}/invitees/{invitee_uuid}", regex=INVITEE_URI),
        "email": match.str(email),
        "name": match.str(name),
        "status": match.regex("active", regex="^(active|canceled)$"),
        "timezone": match.str("Europe/Paris"),
        "event": uri_matching("scheduled_events", event_uri),
        "created_at": time("2029-12-31T10:00:00.000000Z"),
        "tracking": tracking,
        "rescheduled": match.bool(False),
        "no_show": None,
    }
