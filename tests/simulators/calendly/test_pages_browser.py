"""The hosted Calendly pages in a real Chromium on a 360 px phone: zone detection, booking, accessibility."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from harness.browser import DEVICES, scrolls_sideways, serious_violations

pytestmark = [pytest.mark.calendly, pytest.mark.browser, pytest.mark.mobile]


@pytest.fixture
def phone(recorded_context):
    return recorded_context(timezone_id="Asia/Tokyo", locale="en-GB", **DEVICES["phone"])


def check_page(page) -> None:
    assert serious_violations(page) == []
    assert not scrolls_sideways(page), f"{page.url} scrolls sideways"


def a_time_at_least_an_hour_ahead(page):
    """The first offered time an hour or more away: the invitee cancels it later in the test, which
    Calendly refuses once the event has started ("Event in the past"), and the first time on the page
    can start seconds from now (times step from the top of the host's hours)."""
    soon = datetime.now(UTC) + timedelta(hours=1)
    for link in page.locator("a[data-start-time]").all():
        if datetime.fromisoformat(link.get_attribute("data-start-time") or "") >= soon:
            return link
    raise AssertionError("no time is offered an hour or more from now")


def test_a_phone_visitor_books_in_their_own_zone_then_cancels(calendly, phone, receiver, helpers):
    host = calendly.host(name="Ada Builder", slug="ada")
    calendly.event_type(
        host,
        name="Intro call",
        slug="intro",
        custom_questions=[{"name": "Which pathway?", "answer_choices": ["Frontend", "Data"]}],
    )
    calendly.subscribe(host, receiver.url + "/hooks")
    phone.goto(f"{calendly.url}/calendly/ada/intro?utm_source=phone")
    phone.wait_for_url("**timezone=Asia%2FTokyo**")  # the page asks the browser for its zone
    check_page(phone)
    assert "Available times (Asia/Tokyo)" in phone.inner_text("main")
    a_time_at_least_an_hour_ahead(phone).click()
    check_page(phone)
    phone.get_by_label("Name").fill("Kei Client")
    phone.get_by_label("Email").fill("kei@example.com")
    phone.get_by_label("Which pathway?").select_option("Data")
    phone.get_by_role("button", name="Schedule Event").click()
    phone.get_by_role("heading", name="You are scheduled").wait_for()
    check_page(phone)
    calendly.flush()
    payload = helpers.assert_signed(receiver.wait_for(1)[0])["payload"]
    assert payload["timezone"] == "Asia/Tokyo" and payload["tracking"]["utm_source"] == "phone"
    assert payload["questions_and_answers"] == [{"question": "Which pathway?", "answer": "Data", "position": 0}]
    phone.get_by_role("link", name="Cancel").click()
    check_page(phone)
    phone.get_by_role("button", name="Cancel Event").click()
    phone.get_by_role("heading", name="Cancellation confirmed").wait_for()
    calendly.flush()
    assert helpers.assert_signed(receiver.wait_for(2)[1])["event"] == "invitee.canceled"
