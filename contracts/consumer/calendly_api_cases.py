"""What the booking service expects of Calendly's API v2, exercised through its own Calendly client.

Each case drives app code (``CalendlySlotProvider``, ``register_webhook``,
``reconcile``, ``CalendlyClient``) against the Pact mock server. Ids and
times the simulator chooses reach the replayed requests as provider-state
values (``${event_type_uri}``...); responses are matched by type and by the
formats the app relies on (Calendly URIs, Calendly's timestamp format).
Not covered: ``POST /scheduled_events/{uuid}/cancellation``: the app never
calls it (cancellations reach it as ``invitee.canceled`` webhooks).
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pact import match

from app_under_test.availability import Invitee, SlotUnavailable
from app_under_test.calendly.client import (
    CalendlyClient,
    CalendlyConflict,
    CalendlySlotProvider,
    CalendlyUnavailable,
)
from app_under_test.calendly.reconcile import reconcile
from app_under_test.calendly.setup import EVENTS, register_webhook
from app_under_test.config import Config
from app_under_test.db import Database
from app_under_test.migrate import upgrade
from app_under_test.models import SessionType
from contracts.consumer.shapes import (
    CAL_TIME,
    INVITEE_URI,
    TOKEN,
    from_state,
    invitee_resource,
    scheduled_event_resource,
    uri_of,
)
from contracts.support.cases import Exchange, HttpCase, Request, Response, State, provider_state_path
from contracts.support.names import CALENDLY_API

AUTH = {"Authorization": f"Bearer {TOKEN}"}
NOW = datetime(2030, 1, 1, tzinfo=UTC)
START, END = datetime(2030, 1, 2, tzinfo=UTC), datetime(2030, 1, 3, tzinfo=UTC)
EVENT_TYPE = "https://api.calendly.com/event_types/11111111-1111-4111-8111-111111111111"
ORGANIZATION = "https://api.calendly.com/organizations/22222222-2222-4222-8222-222222222222"
APP_URL = "https://bookings.example"
HOST = State("a Calendly host using the app's token, with an event type open every day", {"token": TOKEN})
BOOKED = State("an invitee booked through the app", {"token": TOKEN, "utm_content": "bk_contract"})
SUBSCRIBED = State(
    "the app's webhook subscription exists", {"token": TOKEN, "callback_url": f"{APP_URL}/webhooks/calendly"}
)
RATE_LIMITED = State("the app's token has used up its rate limit", {"token": TOKEN})
TAKEN = State("the host's first open time was just booked by someone else", {"token": TOKEN})
ERROR = {"title": match.str("Invalid Argument"), "message": match.str("The supplied parameters are invalid.")}


def session_type(duration: int = 30) -> SessionType:
    return SessionType(name="Intro", slug="intro", duration_minutes=duration, calendly_event_type_uri=EVENT_TYPE)


def client(base_url: str) -> CalendlyClient:
    return CalendlyClient(base_url, TOKEN)


def config() -> Config:
    return Config(public_base_url=APP_URL, calendly_webhook_signing_key="contract-signing-key")


def times_query(state: str = "") -> dict:
    return {
        "event_type": from_state(EVENT_TYPE, "${event_type_uri}"),
        "start_time": from_state("2030-01-02T00:00:00.000000Z", "${start_time}", CAL_TIME),
        "end_time": from_state("2030-01-03T00:00:00.000000Z", "${end_time}", CAL_TIME),
    }


def exercise_available_times(base_url: str) -> None:
    slots = CalendlySlotProvider(client(base_url), now=lambda: NOW).available_slots(session_type(), START, END)
    assert [s.start.isoformat() for s in slots] == ["2030-01-02T09:00:00+00:00"]
    assert slots[0].end.isoformat() == "2030-01-02T09:30:00+00:00" and slots[0].remaining == 1


AVAILABLE_TIMES = HttpCase(
    CALENDLY_API,
    (
        Exchange(
            "available times of an event type",
            Request("GET", "/event_type_available_times", query=times_query(), headers=AUTH),
            Response(
                200,
                {
                    "collection": match.each_like(
                        {
                            "status": "available",
                            "invitees_remaining": match.int(1),
                            "start_time": match.regex("2030-01-02T09:00:00.000000Z", regex=CAL_TIME),
                            "scheduling_url": match.str("https://calendly.com/host/intro/2030-01-02T09:00:00Z"),
                        }
                    )
                },
            ),
            states=(HOST,),
        ),
    ),
    exercise_available_times,
)


def exercise_rate_limited(base_url: str) -> None:
    with pytest.raises(CalendlyUnavailable) as raised:
        CalendlySlotProvider(client(base_url), now=lambda: NOW).available_slots(session_type(), START, END)
    assert raised.value.status == 429


RATE_LIMITED_TIMES = HttpCase(
    CALENDLY_API,
    (
        Exchange(
            "available times while rate limited",
            Request("GET", "/event_type_available_times", query=times_query(), headers=AUTH),
            Response(
                429,
                {"title": match.str("Too Many Requests"), "message": match.str("You have exceeded the rate limit.")},
            ),
            states=(RATE_LIMITED,),
        ),
    ),
    exercise_rate_limited,
)


def booking_body() -> dict:
    return {
        "event_type": from_state(EVENT_TYPE, "${event_type_uri}"),
        "start_time": from_state("2030-01-02T09:00:00.000000Z", "${slot_start}", CAL_TIME),
        "invitee": {"name": "Grace Hopper", "email": "grace@example.com", "timezone": "Europe/Paris"},
        "tracking": {"utm_source": "booking-app", "utm_content": "bk_contract"},
    }


def book(base_url: str):
    return CalendlySlotProvider(client(base_url), now=lambda: NOW).book(
        session_type(),
        datetime(2030, 1, 2, 9, tzinfo=UTC),
        Invitee("Grace Hopper", "grace@example.com", "Europe/Paris"),
        "bk_contract",
    )


def exercise_book(base_url: str) -> None:
    booked = book(base_url)
    assert booked.invitee_uri.startswith("https://api.calendly.com/scheduled_events/")
    assert booked.invitee_uri.startswith(booked.event_uri + "/invitees/")


BOOK = HttpCase(
    CALENDLY_API,
    (
        Exchange(
            "book a time for a booking made in the app",
            Request("POST", "/invitees", headers=AUTH, body=booking_body()),
            Response(
                201,
                {
                    "resource": {
                        "uri": match.regex(
                            f"{uri_of('scheduled_events')}/invitees/33333333-3333-4333-8333-333333333333",
                            regex=INVITEE_URI,
                        ),
                        "event": match.regex(
                            uri_of("scheduled_events"), regex=r"^https://api\.calendly\.com/scheduled_events/[^/]+$"
                        ),
                        "status": "active",
                    }
                },
            ),
            states=(HOST,),
        ),
    ),
    exercise_book,
)


def exercise_book_taken(base_url: str) -> None:
    with pytest.raises(SlotUnavailable):
        book(base_url)


BOOK_TAKEN = HttpCase(
    CALENDLY_API,
    (
        Exchange(
            "book a time someone else just took",
            Request("POST", "/invitees", headers=AUTH, body=booking_body()),
            Response(
                400,
                {
                    **ERROR,
                    "details": match.each_like(
                        {"parameter": "start_time", "message": match.str("The selected time is not available.")}
                    ),
                },
            ),
            states=(TAKEN,),
        ),
    ),
    exercise_book_taken,
)

ME = Exchange(
    "the token's own user",
    Request("GET", "/users/me", headers=AUTH),
    Response(
        200,
        {
            "resource": {
                "uri": match.regex(uri_of("users"), regex=r"^https://api\.calendly\.com/users/[^/]+$"),
                "current_organization": match.regex(
                    ORGANIZATION, regex=r"^https://api\.calendly\.com/organizations/[^/]+$"
                ),
            }
        },
    ),
    states=(HOST,),
)


def subscriptions_query() -> dict:
    return {"organization": from_state(ORGANIZATION, "${organization_uri}"), "scope": "organization", "count": "100"}


NO_SUBSCRIPTION = Exchange(
    "the organization's webhook subscriptions, none yet",
    Request("GET", "/webhook_subscriptions", query=subscriptions_query(), headers=AUTH),
    Response(200, {"collection": [], "pagination": {"next_page_token": None}}),
    states=(HOST,),
)


def subscription_body() -> dict:
    return {
        "url": f"{APP_URL}/webhooks/calendly",
        "events": EVENTS,
        "organization": from_state(ORGANIZATION, "${organization_uri}"),
        "scope": "organization",
        "signing_key": "contract-signing-key",
    }


def exercise_register(base_url: str) -> None:
    outcome = register_webhook(client(base_url), config())
    assert outcome["status"] == "created"
    assert outcome["subscription"]["state"] == "active"


REGISTER = HttpCase(
    CALENDLY_API,
    (
        ME,
        NO_SUBSCRIPTION,
        Exchange(
            "create the app's webhook subscription",
            Request("POST", "/webhook_subscriptions", headers=AUTH, body=subscription_body()),
            Response(
                201,
                {
                    "resource": {
                        "uri": match.regex(
                            uri_of("webhook_subscriptions"),
                            regex=r"^https://api\.calendly\.com/webhook_subscriptions/[^/]+$",
                        ),
                        "callback_url": match.str(f"{APP_URL}/webhooks/calendly"),
                        "state": "active",
                    }
                },
            ),
            states=(HOST,),
        ),
    ),
    exercise_register,
)


def exercise_already_registered(base_url: str) -> None:
    outcome = register_webhook(client(base_url), config())
    assert outcome["status"] == "exists"


ALREADY_REGISTERED = HttpCase(
    CALENDLY_API,
    (
        ME,
        Exchange(
            "the organization's webhook subscriptions, the app's among them",
            Request("GET", "/webhook_subscriptions", query=subscriptions_query(), headers=AUTH),
            Response(
                200,
                {
                    "collection": match.each_like(
                        {
                            "uri": match.str(uri_of("webhook_subscriptions")),
                            "callback_url": f"{APP_URL}/webhooks/calendly",
                            "state": match.regex("active", regex="^(active|disabled)$"),
                        }
                    ),
                    "pagination": {"next_page_token": None},
                },
            ),
            states=(SUBSCRIBED,),
        ),
    ),
    exercise_already_registered,
)


def exercise_conflict(base_url: str) -> None:
    with pytest.raises(CalendlyConflict) as raised:
        client(base_url).post("/webhook_subscriptions", {**subscription_body(), "organization": ORGANIZATION})
    assert raised.value.title == "Already Exists"


CONFLICT = HttpCase(
    CALENDLY_API,
    (
        Exchange(
            "create a webhook subscription that already exists",
            Request("POST", "/webhook_subscriptions", headers=AUTH, body=subscription_body()),
            Response(409, {"title": "Already Exists", "message": match.str("Hook with this url already exists")}),
            states=(SUBSCRIBED,),
        ),
    ),
    exercise_conflict,
)

INVITEE_PATH = provider_state_path(
    "/scheduled_events/44444444-4444-4444-8444-444444444444/invitees/33333333-3333-4333-8333-333333333333",
    r"^/scheduled_events/[^/]+/invitees/[^/]+$",
    "/scheduled_events/${event_uuid}/invitees/${invitee_uuid}",
)


def exercise_invitee(base_url: str) -> None:
    found = client(base_url).invitee(
        "https://api.calendly.com/scheduled_events/44444444-4444-4444-8444-444444444444/invitees/"
        "33333333-3333-4333-8333-333333333333"
    )
    assert found["status"] == "active" and found["tracking"]["utm_content"] == "bk_contract"


INVITEE = HttpCase(
    CALENDLY_API,
    (
        Exchange(
            "an invitee as Calendly holds it now",
            Request("GET", INVITEE_PATH, headers=AUTH),
            Response(200, {"resource": invitee_resource()}),
            states=(BOOKED,),
        ),
    ),
    exercise_invitee,
)


def exercise_unknown_invitee(base_url: str) -> None:
    assert (
        client(base_url).invitee(
            "https://api.calendly.com/scheduled_events/55555555-5555-4555-8555-555555555555/invitees/"
            "66666666-6666-4666-8666-666666666666"
        )
        is None
    )


UNKNOWN_INVITEE = HttpCase(
    CALENDLY_API,
    (
        Exchange(
            "an invitee Calendly does not know",
            Request(
                "GET",
                "/scheduled_events/55555555-5555-4555-8555-555555555555/invitees/66666666-6666-4666-8666-666666666666",
                headers=AUTH,
            ),
            Response(
                404,
                {
                    "title": "Resource Not Found",
                    "message": match.str("The server could not find the requested resource."),
                },
            ),
            states=(HOST,),
        ),
    ),
    exercise_unknown_invitee,
)

EVENTS_QUERY = {
    "organization": from_state(ORGANIZATION, "${organization_uri}"),
    "min_start_time": from_state("2030-01-02T00:00:00.000000Z", "${min_start_time}", CAL_TIME),
    "max_start_time": from_state("2030-01-09T00:00:00.000000Z", "${max_start_time}", CAL_TIME),
    "sort": "start_time:asc",
    "count": "100",
}
INVITEES_PATH = provider_state_path(
    "/scheduled_events/44444444-4444-4444-8444-444444444444/invitees",
    r"^/scheduled_events/[^/]+/invitees$",
    "/scheduled_events/${event_uuid}/invitees",
)


def exercise_reconcile(base_url: str) -> None:
    folder = Path(tempfile.mkdtemp(prefix="contract-reconcile-"))
    url = f"sqlite:///{folder / 'db.sqlite3'}"
    upgrade(url)
    db = Database(url)
    try:
        report = reconcile(
            db,
            client(base_url),
            start=datetime(2030, 1, 2, tzinfo=UTC),
            end=datetime(2030, 1, 9, tzinfo=UTC),
        )
    finally:
        db.dispose()
    assert report.invitees_checked == 1
    assert report.problems == []  # read cleanly; its event type is not a session type here, so nothing to change


RECONCILE = HttpCase(
    CALENDLY_API,
    (
        ME,
        Exchange(
            "the organization's scheduled events in a window",
            Request("GET", "/scheduled_events", query=EVENTS_QUERY, headers=AUTH),
            Response(
                200,
                {"collection": match.each_like(scheduled_event_resource()), "pagination": {"next_page_token": None}},
            ),
            states=(BOOKED,),
        ),
        Exchange(
            "the invitees of a scheduled event",
            Request("GET", INVITEES_PATH, query={"count": "100"}, headers=AUTH),
            Response(200, {"collection": match.each_like(invitee_resource()), "pagination": {"next_page_token": None}}),
            states=(BOOKED,),
        ),
    ),
    exercise_reconcile,
)

CASES = [
    AVAILABLE_TIMES,
    RATE_LIMITED_TIMES,
    BOOK,
    BOOK_TAKEN,
    REGISTER,
    ALREADY_REGISTERED,
    CONFLICT,
    INVITEE,
    UNKNOWN_INVITEE,
    RECONCILE,
]
