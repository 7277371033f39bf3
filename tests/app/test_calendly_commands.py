"""``booking-app calendly register-webhook`` and ``booking-app calendly reconcile`` against the simulator."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from app_under_test import create_app
from app_under_test.config import Config
from harness import http_clients
from harness.simulator import start_simulator

pytestmark = [pytest.mark.calendly, pytest.mark.database]
TOKEN = "cal_pat_command_tests"


@pytest.fixture(scope="module")
def sim():
    handle = start_simulator(seed=5, auto_deliver=False)  # nothing is delivered: only the API answers
    yield handle
    handle.stop()


@pytest.fixture
def app(sim, db_url):
    sim.reset(5)
    control = sim.control()
    control.post("/calendly/users", json={"name": "Ops", "slug": "ops", "token": TOKEN}).raise_for_status()
    host = control.post("/calendly/users", json={"name": "Ada Stone", "slug": "ada", "timezone": "UTC"}).json()
    event_type = control.post("/calendly/event_types", json={"user": "ada", "name": "Intro", "duration": 30}).json()
    flask_app = create_app(
        Config(
            env="test",
            database_url=db_url,
            calendly_api_base=f"{sim.url}/calendly",
            calendly_api_token=TOKEN,
            calendly_webhook_signing_key="key-for-tests",
            public_base_url="https://bookings.example.com",
            admin_api_token="t" * 24,
            log_level="WARNING",
        )
    )
    admin = flask_app.test_client()
    headers = {"Authorization": f"Bearer {'t' * 24}"}
    assert (
        admin.post(
            "/admin/api/builders",
            headers=headers,
            json={
                "name": "Ada Stone",
                "timezone": "UTC",
                "email": "ada@example.com",
                "calendly_user_uri": host["resource"]["uri"],
                "session_types": [
                    {
                        "name": "Intro",
                        "kind": "free",
                        "duration_minutes": 30,
                        "calendly_event_type_uri": event_type["resource"]["uri"],
                    }
                ],
            },
        ).status_code
        == 201
    )
    flask_app.calendly = {"control": control, "event_type": event_type["resource"]["uri"], "url": sim.url}
    yield flask_app
    control.close()
    flask_app.extensions["booking_db"].dispose()


def invoke(app, *args: str):
    result = app.test_cli_runner().invoke(args=["calendly", *args])
    return result.exit_code, result.output


def test_register_webhook_creates_then_finds_the_subscription(app):
    code, output = invoke(app, "register-webhook")
    assert code == 0 and output.startswith("created: ") and "(active)" in output, output
    code, output = invoke(app, "register-webhook")
    assert code == 0 and output.startswith("exists: ") and "https://bookings.example.com/webhooks/calendly" in output


def book_at_calendly(app) -> str:
    """An invitee books the first open time of the event type on Calendly itself (the app is not told)."""
    start = datetime.now(UTC) + timedelta(days=1)
    slots = http_clients.get(
        f"{app.calendly['url']}/calendly/event_type_available_times",
        headers={"Authorization": f"Bearer {TOKEN}"},
        params={
            "event_type": app.calendly["event_type"],
            "start_time": start.isoformat(),
            "end_time": (start + timedelta(days=6)).isoformat(),
        },
    ).json()["collection"]
    booked = app.calendly["control"].post(
        "/calendly/bookings",
        json={
            "event_type": app.calendly["event_type"],
            "start_time": slots[0]["start_time"],
            "invitee": {"name": "Grace Hopper", "email": "grace@example.com"},
        },
    )
    assert booked.status_code in (200, 201), booked.text
    return str(slots[0]["start_time"])


def test_reconcile_books_what_calendly_has_and_prints_the_report(app):
    book_at_calendly(app)
    code, output = invoke(app, "reconcile")
    report = json.loads(output)
    assert code == 0 and [c["action"] for c in report["changes"]] == ["created"], output
    code, output = invoke(app, "reconcile")
    assert code == 0 and json.loads(output)["changes"] == []


def test_reconcile_refuses_a_malformed_window(app):
    code, output = invoke(app, "reconcile", "--from", "yesterday")
    assert code != 0 and "Invalid value" in output


def test_without_a_token_the_commands_say_so(sim, db_url):
    flask_app = create_app(Config(env="test", database_url=db_url, log_level="WARNING"))
    code, output = invoke(flask_app, "reconcile")
    assert code != 0 and "CALENDLY_API_TOKEN is not set" in output
    flask_app.extensions["booking_db"].dispose()


@pytest.mark.parametrize(
    ("start", "reason"),
    [
        ("2027-03-15T14:00:00", "time must carry an offset or Z"),
        ("2027-03-15T14:00:00.000000000000000000000Z", "not an instant"),
    ],
)
def test_reconcile_says_why_a_window_bound_is_not_an_instant(db_url, start, reason):
    flask_app = create_app(Config(env="test", database_url=db_url, log_level="WARNING"))
    try:
        code, output = invoke(flask_app, "reconcile", "--from", start)
    finally:
        flask_app.extensions["booking_db"].dispose()
    assert code != 0 and f"Invalid value: {reason}\n" in output, output
