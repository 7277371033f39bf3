"""The hosted checkout page in a real Chromium on a 360 px phone: decline, 3-D Secure, redirect, accessibility."""

from __future__ import annotations

import pytest

from harness.browser import DEVICES, scrolls_sideways, serious_violations

pytestmark = [pytest.mark.stripe, pytest.mark.browser, pytest.mark.mobile]


@pytest.fixture
def phone(recorded_context):
    return recorded_context(locale="en-GB", **DEVICES["phone"])


def check_page(page) -> None:
    assert serious_violations(page) == []
    assert not scrolls_sideways(page), f"{page.url} scrolls sideways"


def fill_card(page, number: str) -> None:
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry (MM / YY)").fill("12 / 40")
    page.get_by_label("CVC").fill("123")
    page.get_by_label("Cardholder name").fill("Kei Client")


def test_a_phone_customer_is_declined_then_pays_with_3d_secure(phone, new_session, receiver, stripe_client):
    session = new_session(
        success_url=f"{receiver.url}/paid?session_id={{CHECKOUT_SESSION_ID}}", cancel_url=f"{receiver.url}/cancelled"
    )
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
    assert "/paid" in [r.path for r in receiver.wait_for(1)]  # (Chromium may also ask it for /favicon.ico)
    assert stripe_client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"


def test_back_link_leads_to_cancel_url(phone, new_session, receiver):
    session = new_session(cancel_url=f"{receiver.url}/cancelled?session_id={{CHECKOUT_SESSION_ID}}")
    phone.goto(session.url)
    phone.get_by_role("link", name="Back").click()
    phone.wait_for_url(f"{receiver.url}/cancelled?session_id={session.id}")
