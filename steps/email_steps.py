"""Steps that act on mail: SendGrid's faults and account, the mail and reminder jobs, the operator's retries.

The helpers that read mail back from the SendGrid simulator's inbox (the subject, text and HTML a
person would read, and a mail's kind) live in ``support.py``; checks live in ``email_checks.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pytest_bdd import given, parsers, when

from harness.calendly_driver import CalendlyDriver, instant
from harness.sendgrid_driver import SendGridDriver
from harness.waiting import wait_until
from harness.web import SlotOption, Visitor
from steps.support import World, outbox, settle

# --- the SendGrid driver ------------------------------------------------------------------------------


@pytest.fixture
def sendgrid_sim(simulators):
    """SendGrid's side of a scenario: its inbox, faults and account settings."""
    driver = SendGridDriver(simulators)
    yield driver
    driver.close()


def only_booking(admin) -> dict:
    bookings = admin.get("/admin/api/bookings").json()["bookings"]
    assert len(bookings) == 1, bookings
    return bookings[0]


@pytest.fixture
def received() -> dict:
    """The mails the last "receives exactly" step counted, for steps that look at each of them."""
    return {}


# --- Given: SendGrid's side --------------------------------------------------------------------


@given("SendGrid is down")
def sendgrid_down(sendgrid_sim: SendGridDriver):
    sendgrid_sim.fault(status=503, down=True)


@given(parsers.parse("SendGrid rate-limits the next {count:d} requests"))
def sendgrid_rate_limits(sendgrid_sim: SendGridDriver, count: int):
    sendgrid_sim.fault(status=429, count=count)


@given("the SendGrid account no longer accepts the app's API key")
def key_revoked(sendgrid_sim: SendGridDriver):
    sendgrid_sim.configure(api_keys=["SG.revoked-and-replaced.key"])


@given(parsers.parse('mail to "{email}" bounces'))
def address_bounces(sendgrid_sim: SendGridDriver, world: World, email: str):
    sendgrid_sim.configure(bounce_addresses=[world.email(email)])


@given(parsers.parse('the receiving server blocks mail to "{email}" for now'))
def address_blocked(sendgrid_sim: SendGridDriver, world: World, email: str):
    sendgrid_sim.configure(blocked_addresses=[world.email(email)])


# --- When --------------------------------------------------------------------------------------


@when("SendGrid is back")
def sendgrid_back(sendgrid_sim: SendGridDriver):
    sendgrid_sim.clear_faults()


@when("the SendGrid account accepts the app's API key again")
def key_restored(sendgrid_sim: SendGridDriver, app_server):
    sendgrid_sim.configure(api_keys=[app_server.config.sendgrid_api_key])


@when(parsers.parse("the mail job runs {minutes:d} minutes later"), target_fixture="mail_job")
def mail_job_later(admin, minutes: int) -> dict:
    as_of = datetime.now(UTC) + timedelta(minutes=minutes)
    response = admin.post("/admin/api/mail/send-due", json={"as_of": as_of.strftime("%Y-%m-%dT%H:%M:%SZ")})
    assert response.status_code == 200, response.text
    return response.json()["outcomes"]


@when(
    parsers.re(r"the reminder job runs (?P<hours>\d+) hours before the session(?P<twice>, twice)?"),
    target_fixture="reminder_runs",
)
def reminder_job(admin, simulators, hours: str, twice: str | None) -> list[dict]:
    settle(simulators)
    start = instant(only_booking(admin)["start_at"])
    as_of = (start - timedelta(hours=int(hours))).strftime("%Y-%m-%dT%H:%M:%SZ")
    runs = []
    for _ in range(2 if twice else 1):
        response = admin.post("/admin/api/mail/send-reminders", json={"within_hours": 24, "as_of": as_of})
        assert response.status_code == 200, response.text
        runs.append(response.json()["reminders"])
    return runs


@when(
    parsers.parse(
        'the visitor books the first slot before the change as "{name}" with email "{email}" '
        "and returns to the slot picker"
    )
)
def book_before_change(visitor: Visitor, world: World, slot_before: SlotOption, name: str, email: str):
    form = visitor.form("/book")
    visitor.submit(form, slot=slot_before.value, name=name, email=world.email(email))
    assert visitor.parsed.h1 == "You're booked", visitor.page.text[:500]
    visitor.open(form.action.removesuffix("/book"))
    assert visitor.parsed.slots, visitor.page.text[:300]


@when(parsers.parse('the host cancels the paid booking on Calendly saying "{reason}"'))
def host_cancels_paid_booking(calendly_sim: CalendlyDriver, admin, checkout: dict, reason: str):
    booking = wait_until(
        lambda: (b := admin.get(f"/api/v1/bookings/{checkout['booking_id']}").json())["calendly_event_uri"] and b,
        what="the paid booking to be on the builder's calendar",
    )
    calendly_sim.cancel_event_as_host(booking["calendly_event_uri"], reason)


@when("the operator retries the dead mails")
def retry_dead(admin):
    dead = outbox(admin, status="dead")
    assert dead, "there is no dead mail to retry"
    for mail in dead:
        response = admin.post(f"/admin/api/mail/{mail['id']}/retry")
        assert response.status_code == 200, response.text
