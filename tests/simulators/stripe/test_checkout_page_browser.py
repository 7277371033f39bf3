"""The hosted checkout page in a real Chromium on a 360 px phone: decline, 3-D Secure, redirect, accessibility."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.stripe, pytest.mark.browser, pytest.mark.mobile]

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
        context = browser.new_context(locale="en-GB", **PHONE)
        yield context.new_page()
        context.close()
        browser.close()


def check_page(page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("load")
    serious = [v["id"] for v in Axe().run(page).response["violations"] if v.get("impact") in ("serious", "critical")]
    assert serious == [], f"{page.url}: {serious}"
    sideways = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    assert not sideways, f"{page.url} scrolls sideways"


def fill_card(page, number: str) -> None:
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry (MM / YY)").fill("12 / 40")
    page.get_by_label("CVC").fill("123")
    page.get_by_label("Cardholder name").fill("Kei Client")


def test_a_phone_customer_is_declined_then_pays_with_3d_secure(phone, new_session, receiver, stripe_client):
    session = new_session(success_url=f"{receiver.url}/paid?session_id={{CHECKOUT_SESSION_ID}}",
                          cancel_url=f"{receiver.url}/cancelled")
    phone.goto(session.url)
    check_page(phone)
    assert "Pay £45.00" in phone.inner_text("main")
    fill_card(phone, "4000 0000 0000 0002")
    phone.get_by_role("button", name="Pay £45.00").click()
    phone.get_by_role("alert").wait_for()
    assert phone.get_by_role("alert").inner_text() == "Your card was declined."
    check_page(phone)
    fill_card(phone, "4000 0025 0000 3155")
    phone.get_by_role("button", name="Pay £45.00").click()
    phone.get_by_role("button", name="Complete authentication").wait_for()
    check_page(phone)
    phone.get_by_role("button", name="Complete authentication").click()
    phone.wait_for_url(f"{receiver.url}/paid?session_id={session.id}")
    assert receiver.wait_for(1)[-1].path == "/paid"
    assert stripe_client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"


def test_back_link_leads_to_cancel_url(phone, new_session, receiver):
    session = new_session(cancel_url=f"{receiver.url}/cancelled?session_id={{CHECKOUT_SESSION_ID}}")
    phone.goto(session.url)
    phone.get_by_role("link", name="Back").click()
    phone.wait_for_url(f"{receiver.url}/cancelled?session_id={session.id}")
