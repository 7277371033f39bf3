"""Steps for paying in a real browser (Chromium through Playwright; the tab comes from ``browser_steps``)."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from pytest_bdd import parsers, then, when

from steps.support import PAGE_PATH, World

# --- In a real browser ------------------------------------------------------------------------------


@when(parsers.parse('the client picks the first time and continues to payment as "{name}" with email "{email}"'))
def browser_continue_to_payment(tab, world: World, name: str, email: str):
    tab.page.locator("input[name=slot]").first.check()
    tab.page.get_by_label("Your name").fill(name)
    tab.page.get_by_label("Email").fill(world.email(email))
    tab.page.get_by_role("button", name="Continue to payment").click()
    expect(tab.page).to_have_url(re.compile(re.escape(PAGE_PATH) + "cs_test_"))


@then(parsers.parse('the browser is on Stripe\'s payment page for "{total}"'))
def browser_on_stripe_page(tab, total: str):
    expect(tab.page.get_by_role("heading", level=1)).to_have_text(f"Pay {total}")
    tab.audit()


@when(parsers.parse('the client pays with the card "{card}" in the browser'))
def browser_pay(tab, card: str):
    page = tab.page
    page.get_by_label("Card number").fill(card)
    page.get_by_label("Expiry (MM / YY)").fill("12 / 34")
    page.get_by_label("CVC").fill("123")
    page.get_by_label("Cardholder name").fill("Grace Hopper")
    page.locator("#pay-button").click()
    page.wait_for_url(re.compile(r"/bookings/[^/]+/paid\?session_id=cs_test_"))
    tab.audit()  # the page as it first comes back: usually still waiting for the webhook


@then(parsers.parse('the browser shows that "{amount}" was paid with the card ending "{last4}"'))
def browser_paid_note(tab, amount: str, last4: str):
    # the card's last digits arrive with a later Stripe event: as long as any other browser action waits (15 s)
    expect(tab.page.locator(".paid-note")).to_have_text(f"Paid {amount} with the card ending {last4}.", timeout=15_000)
    tab.audit()
