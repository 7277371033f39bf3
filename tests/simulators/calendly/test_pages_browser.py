"""The hosted Calendly pages in a real Chromium on a 360 px phone: zone detection, booking, accessibility."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.calendly, pytest.mark.browser, pytest.mark.mobile]

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-quic"]
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


@pytest.fixture
def phone():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; the bootstrap should have installed Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(timezone_id="Asia/Tokyo", locale="en-GB", **PHONE)
        yield context.new_page()
        context.close()
        browser.close()


def check_page(page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("load")
    serious = [v["id"] for v in Axe().run(page).response["violations"] if v.get("impact") in ("serious", "critical")]
    assert serious == [], f"{page.url}: {serious}"
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"), f"{page.url} scrolls sideways"


def test_a_phone_visitor_books_in_their_own_zone_then_cancels(calendly, phone, receiver, helpers):
    host = calendly.host(name="Ada Builder", slug="ada")
    calendly.event_type(host, name="Intro call", slug="intro",
                        custom_questions=[{"name": "Which pathway?", "answer_choices": ["Frontend", "Data"]}])
    calendly.subscribe(host, receiver.url + "/hooks")
    phone.goto(f"{calendly.url}/calendly/ada/intro?utm_source=phone")
    phone.wait_for_url("**timezone=Asia%2FTokyo**")  # the page asks the browser for its zone
    check_page(phone)
    assert "Available times (Asia/Tokyo)" in phone.inner_text("main")
    phone.locator("a[data-start-time]").first.click()
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
