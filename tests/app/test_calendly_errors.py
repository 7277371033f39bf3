"""What a Calendly failure becomes: retry later (unavailable) or a refusal, described in Calendly's own words.

The operator sees the description (``Calendly 401: Unauthenticated: The access token is invalid``) in the
operator API's answers and the webhook inbox; the kind decides whether the app retries. Canned answers
through httpx's MockTransport, so each edge takes microseconds (the timeout: a socket that never answers).
A booking Calendly refuses is either a taken time (pick another) or the calendar's refusal (its 503).
"""

from __future__ import annotations

import json
import socket
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import httpx
import pytest

from app_under_test.availability import MINIMUM_NOTICE, CalendarRefused, Invitee, SlotUnavailable
from app_under_test.calendly.client import (
    CalendlyAuthError,
    CalendlyClient,
    CalendlyConflict,
    CalendlyError,
    CalendlyNotFound,
    CalendlyRequestError,
    CalendlySlotProvider,
    CalendlyUnavailable,
    iso,
)
from tests.app.log_capture import info_logs

pytestmark = [pytest.mark.calendly]
API = "https://api.calendly.com"


def failure(status: int, body: object = None, *, text: str | None = None) -> CalendlyError:
    content = text.encode() if text is not None else json.dumps(body).encode()
    transport = httpx.MockTransport(lambda request: httpx.Response(status, content=content))
    client = CalendlyClient("https://calendly.invalid", "token", transport=transport)
    with pytest.raises(CalendlyError) as caught:
        client.delete("/webhook_subscriptions/W")
    client.close()
    return caught.value


CALENDLY_BODY = {
    "title": "Invalid Argument",
    "message": "The supplied parameters are invalid.",
    "details": [{"parameter": "start_time", "message": "must be in the future"}],
}


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, CalendlyRequestError),
        (401, CalendlyAuthError),
        (403, CalendlyRequestError),
        (404, CalendlyNotFound),
        (409, CalendlyConflict),
        (428, CalendlyRequestError),
        (429, CalendlyUnavailable),
        (499, CalendlyRequestError),
        (500, CalendlyUnavailable),
        (503, CalendlyUnavailable),
    ],
)
def test_rate_limits_and_outages_are_worth_retrying_and_refusals_are_not(status, kind):
    error = failure(status, CALENDLY_BODY)
    assert type(error) is kind
    assert str(error) == f"Calendly {status}: Invalid Argument: The supplied parameters are invalid."
    assert error.status == status
    assert error.mentions("start_time") and not error.mentions("end_time")


def test_a_body_without_calendlys_fields_is_described_by_the_http_status_and_the_text():
    assert str(failure(502, text="<html>Bad gateway</html>")) == "Calendly 502: Bad Gateway: <html>Bad gateway</html>"
    assert str(failure(404, ["not", "an", "object"])) == 'Calendly 404: Not Found: ["not", "an", "object"]'
    assert str(failure(400, {"title": "", "message": ""})) == 'Calendly 400: Bad Request: {"title": "", "message": ""}'


def test_a_long_text_body_is_cut_to_two_hundred_characters():
    error = failure(500, text="x" * 500)
    assert str(error) == f"Calendly 500: Internal Server Error: {'x' * 200}"


def test_details_that_are_not_a_list_are_ignored():
    error = failure(400, {**CALENDLY_BODY, "details": {"parameter": "start_time"}})
    assert not error.mentions("start_time")
    assert failure(429, CALENDLY_BODY).mentions("start_time")


def test_unreachable_and_timeouts_are_unavailable_and_say_what_was_asked():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    for handler, expected in (
        (refuse, "Calendly unreachable: Unreachable: DELETE /webhook_subscriptions/W: connection refused"),
        (slow, "Calendly unreachable: Timeout: DELETE /webhook_subscriptions/W timed out"),
    ):
        client = CalendlyClient("https://calendly.invalid", "token", transport=httpx.MockTransport(handler))
        with pytest.raises(CalendlyUnavailable) as caught:
            client.delete("/webhook_subscriptions/W")
        client.close()
        assert str(caught.value) == expected


def test_a_delete_calendly_answers_with_no_content_is_done():
    transport = httpx.MockTransport(lambda request: httpx.Response(204))
    client = CalendlyClient("https://calendly.invalid/", "token", transport=transport)
    assert client.delete("/webhook_subscriptions/W") == {}
    client.close()


def test_a_calendly_that_never_answers_is_unavailable_once_the_clients_own_timeout_is_up():
    """The client waits as long as it was told to (10 s by default), not httpx's 5 s, nor longer."""
    silent = socket.create_server(("127.0.0.1", 0))  # connections queue in the kernel, never read nor answered
    client = CalendlyClient(
        f"http://127.0.0.1:{silent.getsockname()[1]}", "token", timeout=httpx.Timeout(0.3, connect=5.0)
    )
    started = time.monotonic()
    try:
        with pytest.raises(CalendlyUnavailable) as caught:
            client.get("/users/me")
        waited = time.monotonic() - started
    finally:
        client.close()
        silent.close()
    assert str(caught.value) == "Calendly unreachable: Timeout: GET /users/me timed out"
    # httpx alone would wait 5 s: the 4 s bound leaves a loaded machine more than 3 s of slack
    assert waited < 4, f"gave up after {waited:.1f} s, not after the 0.3 s the client was given"


TAKEN = {
    "title": "Invalid Argument",
    "message": "The selected time is not available.",
    "details": [{"parameter": "start_time", "message": "is not available"}],
}


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (400, SlotUnavailable),
        (409, SlotUnavailable),
        (422, SlotUnavailable),
        (403, CalendarRefused),
        (410, CalendarRefused),
    ],
)
def test_a_time_calendly_calls_taken_is_for_the_client_to_pick_again_any_other_refusal_is_the_calendars(
    status, outcome
):
    """A 400, 409 or 422 about the start time is a slot someone else took (the booking page asks the client to
    pick another); the same words with another status are a refusal the client cannot fix (the calendar's 503)."""
    transport = httpx.MockTransport(lambda request: httpx.Response(status, json=TAKEN))
    client = CalendlyClient("https://calendly.invalid", "token", transport=transport)
    intro = SimpleNamespace(calendly_event_type_uri=f"{API}/event_types/ET", duration_minutes=30, id=1)
    invitee = Invitee("Grace Hopper", "grace@example.com", "Europe/Paris")
    with pytest.raises((SlotUnavailable, CalendarRefused)) as caught:
        CalendlySlotProvider(client).book(intro, datetime(2027, 1, 4, 12, tzinfo=UTC), invitee, "ref-1")
    client.close()
    assert type(caught.value) is outcome


def test_a_start_time_calendly_calls_past_is_asked_again_further_on_and_each_step_is_logged():
    """Calendly's clock is ahead of the app's: it refuses the first start time as past (400 naming start_time). The
    picker asks again 15 minutes on, then 30 minutes further, and offers what Calendly then lists; each step is an
    info line naming the start time refused and how far the next request moves on, which tells the operator how far
    Calendly's clock is ahead."""
    now = datetime(2027, 1, 4, 9, tzinfo=UTC)
    earliest = now + MINIMUM_NOTICE
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.params["start_time"])
        if len(asked) <= 2:
            return httpx.Response(400, json=CALENDLY_BODY)  # details: start_time must be in the future
        slot = {"status": "available", "start_time": "2027-01-04T12:00:00.000000Z", "invitees_remaining": 1}
        return httpx.Response(200, json={"collection": [slot]})

    client = CalendlyClient("https://calendly.invalid", "token", transport=httpx.MockTransport(answer))
    intro = SimpleNamespace(calendly_event_type_uri=f"{API}/event_types/ET", duration_minutes=30, id=1)
    with info_logs() as logs:
        slots = CalendlySlotProvider(client, now=lambda: now).available_slots(intro, now, now + timedelta(days=1))
    client.close()
    assert [slot.start for slot in slots] == [datetime(2027, 1, 4, 12, tzinfo=UTC)]
    starts = [earliest + timedelta(minutes=m) for m in (0, 15, 45)]
    assert asked == [iso(start) for start in starts]
    steps = [line for line in logs if line["event"] == "calendly_start_time_in_its_past"]
    assert [(line["log_level"], line["start_time"], line["retry_after_seconds"]) for line in steps] == [
        ("info", iso(starts[0]), 900.0),
        ("info", iso(starts[1]), 1800.0),
    ]
