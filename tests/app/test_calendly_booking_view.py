"""The booking pages when Calendly cannot be asked: a clear, retryable 503, and nothing written."""

from __future__ import annotations

import pytest

from harness import http_clients
from harness.marketplace import SessionOffer, add_calendly_builder
from harness.web import Visitor

pytestmark = [pytest.mark.calendly, pytest.mark.database]
PAGE = "/builders/ada-stone/sessions/intro-call"


@pytest.fixture
def visitor(app_server, simulators):
    with app_server.admin() as admin:
        add_calendly_builder(
            simulators,
            admin,
            name="Ada Stone",
            slug="ada-stone",
            timezone="Europe/London",
            email="ada@example.com",
            sessions=[SessionOffer("Intro call", 30)],
        )
    opened = Visitor(app_server.url)
    yield opened
    opened.close()


def calendly_fails(simulators, **config) -> None:
    http_clients.post(f"{simulators.url}/_sim/calendly/config", json=config, timeout=10).raise_for_status()


@pytest.mark.parametrize(
    "fault", [{"fail_next": {"status": 503, "times": 1}}, {"rate_limit": {"limit": 0, "window_seconds": 3600}}]
)
def test_the_slot_picker_says_the_calendar_cannot_be_reached(visitor, simulators, fault):
    calendly_fails(simulators, **fault)
    response = visitor.open(PAGE)
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert "cannot be reached right now" in response.text


def test_a_booking_while_calendly_is_down_is_refused_and_writes_nothing(visitor, simulators, app_server):
    visitor.open(PAGE)
    slot = visitor.parsed.slots[0]
    form = visitor.form("/book")
    calendly_fails(simulators, fail_next={"status": 500, "times": 5})
    response = visitor.submit(form, slot=slot.value, name="Grace Hopper", email="grace@example.com")
    assert response.status_code == 503 and "nothing was booked" in response.text
    with app_server.admin() as admin:
        stats = admin.get("/admin/api/stats").json()
    assert (stats["bookings"], stats["slot_claims"], stats["clients"]) == (0, 0, 0)
    calendly_fails(simulators, fail_next=None)
    visitor.open(PAGE)
    retried = visitor.submit(visitor.form("/book"), slot=slot.value, name="Grace Hopper", email="grace@example.com")
    assert retried.status_code == 200 and visitor.parsed.h1 == "You're booked"


def test_after_the_calendar_clock_moves_ahead_the_slot_page_still_offers_the_bookable_slots(visitor, simulators):
    """``simulate advance 2h``: Calendly's clock is ahead of the app's, and it refuses start times it calls past
    (400 "Invalid Argument"). The page shows the slots Calendly still offers, and one can be booked."""
    http_clients.post(f"{simulators.url}/_sim/clock/advance", json={"duration": "2h"}, timeout=10).raise_for_status()
    response = visitor.open(PAGE)
    assert response.status_code == 200, response.text[:300]
    slots = visitor.parsed.slots
    assert slots
    booked = visitor.submit(visitor.form("/book"), slot=slots[0].value, name="Grace Hopper", email="grace@example.com")
    assert booked.status_code == 200 and visitor.parsed.h1 == "You're booked"


def test_a_program_asking_for_json_gets_the_reason_and_when_to_retry(visitor, simulators, app_server):
    calendly_fails(simulators, fail_next={"status": 503, "times": 1})
    response = http_clients.get(f"{app_server.url}{PAGE}", headers={"Accept": "application/json"}, timeout=10)
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert response.json() == {
        "error": {
            "code": "calendar_unavailable",
            "message": "The calendar cannot be reached right now; nothing was booked. Please try again in a minute.",
        }
    }


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_a_calendly_refusal_of_the_availability_request_is_a_clear_503_not_a_crash(visitor, simulators, status):
    """A 4xx that is neither "no such event type" nor "start time in the past" (bad credentials, a refused
    parameter) is nothing the client can fix: the picker answers the calendar's 503 page, not a 500."""
    calendly_fails(simulators, fail_next={"status": status, "times": 1})
    response = visitor.open(PAGE)
    if status == 404:  # the event type is gone on Calendly: the page offers nothing rather than failing
        assert response.status_code == 200 and not visitor.parsed.slots
        return
    assert response.status_code == 503, response.text[:300]
    assert "cannot be reached right now" in response.text


def test_a_calendly_refusal_of_the_booking_is_a_clear_503_and_writes_nothing(visitor, simulators, app_server):
    visitor.open(PAGE)
    slot = visitor.parsed.slots[0]
    calendly_fails(simulators, fail_next={"status": 403, "times": 1})
    response = visitor.submit(visitor.form("/book"), slot=slot.value, name="Grace Hopper", email="grace@example.com")
    assert response.status_code == 503 and "nothing was booked" in response.text
    with app_server.admin() as admin:
        stats = admin.get("/admin/api/stats").json()
    assert (stats["bookings"], stats["slot_claims"]) == (0, 0)
