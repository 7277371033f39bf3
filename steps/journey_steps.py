"""Browser journeys around provider events: the hosted page's declines and challenges, and what the client's
booking page and mail say after Calendly and Stripe change a booking.

Set-up that a journey is not about (a paid booking, the event itself) goes over HTTP and the simulators'
control APIs; the client's side is Chromium (the ``tab`` of ``browser_steps``). The app is asked through its
booking JSON when the news has landed, then the page is reloaded as a person would: no fixed waits. Every page
the browser loads is audited (axe, sideways scrolling).
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from pytest_bdd import given, parsers, then, when

from harness.calendly_driver import CalendlyDriver, instant
from harness.sendgrid_driver import SendGridDriver
from harness.stripe_driver import StripeDriver
from harness.waiting import wait_until
from harness.web import Visitor
from steps.support import (
    PAGE_PATH,
    BrowserSession,
    World,
    booking_json,
    hold_booking,
    pay_with_card,
    session_path,
    settle,
    slug,
    wait_for_booking,
)

REFUND_STATES = {
    "pending": lambda p: p["refund_pending"],
    "succeeded": lambda p: p["refunded_cents"] >= p["amount_cents"],
    "failed": lambda p: p["refund_failed"],
}


def local_time(value: str, zone: str) -> str:
    """An instant as the app and its mails print it in ``zone`` (``timeutil.format_in_zone``)."""
    local = instant(value).astimezone(ZoneInfo(zone))
    return f"{local.strftime('%A %d %B %Y, %H:%M')} {zone} ({local.tzname()})"


# --- Given: a paid booking, made over HTTP -------------------------------------------------------


@given(
    parsers.parse('"{client}" has paid for a "{session}" booking of "{builder}" with the card "{card}"'),
    target_fixture="checkout",
)
def paid_booking(
    visitor: Visitor, stripe_sim: StripeDriver, world: World, client: str, session: str, builder: str, card: str
):
    email = world.email(f"{client.split(maxsplit=1)[0].lower()}@example.com")
    checkout = hold_booking(visitor, stripe_sim, client, email, session, world.builder(builder))
    pay_with_card(visitor, card)
    wait_for_booking(visitor, checkout["booking_id"], lambda b: b["status"] == "confirmed", "the booking to be paid")
    return checkout


# --- On Stripe's hosted page ---------------------------------------------------------------------


def _fill_card(tab: BrowserSession, card: str) -> None:
    page = tab.page
    page.get_by_label("Card number").fill(card)
    page.get_by_label("Expiry (MM / YY)").fill("12 / 34")
    page.get_by_label("CVC").fill("123")
    page.get_by_label("Cardholder name").fill("Grace Hopper")


@when(parsers.parse('the client tries the card "{card}" in the browser'))
def browser_try_card(tab: BrowserSession, card: str):
    _fill_card(tab, card)
    with tab.page.expect_navigation():
        tab.page.locator("#pay-button").click()
    tab.audit()


@then(parsers.parse('Stripe\'s page in the browser says "{message}"'))
def stripe_page_says(tab: BrowserSession, message: str):
    expect(tab.page.get_by_role("alert")).to_contain_text(message)
    expect(tab.page.locator("#pay-button")).to_be_visible()  # still on the hosted page, free to try again


@when("the client completes the 3-D Secure challenge in the browser")
def browser_pass_challenge(tab: BrowserSession):
    tab.page.get_by_role("button", name="Complete authentication").click()
    tab.page.wait_for_url(re.compile(r"/bookings/[^/]+/paid\?session_id=cs_test_"))
    tab.audit()


@when("the client fails the 3-D Secure challenge in the browser")
def browser_fail_challenge(tab: BrowserSession):
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Fail authentication").click()
    tab.audit()


@when("the client goes back from Stripe's page in the browser")
def browser_back_from_stripe(tab: BrowserSession):
    tab.page.get_by_role("link", name="Back").click()
    tab.page.wait_for_url(re.compile(r"/bookings/[^/]+/payment-canceled"))
    tab.booking_id = tab.page.url.split("/bookings/", 1)[1].split("/", 1)[0]
    tab.audit()


@when("the client pays now from the booking page in the browser")
def browser_pay_now(tab: BrowserSession):
    tab.page.get_by_role("button", name=re.compile(r"^Pay now")).click()
    tab.page.wait_for_url(re.compile(re.escape(PAGE_PATH) + "cs_test_"))


# --- The booking page ----------------------------------------------------------------------------


def _booking_id(tab: BrowserSession, request) -> str:
    return getattr(tab, "booking_id", None) or request.getfixturevalue("checkout")["booking_id"]


@when("the client opens the booking page in the browser")
def browser_open_booking(tab: BrowserSession, request):
    tab.booking_id = _booking_id(tab, request)
    tab.page.goto(f"{tab.base_url}/bookings/{tab.booking_id}")
    tab.audit()


def _reload_when(tab: BrowserSession, visitor: Visitor, check, what: str) -> None:
    """Once the app's booking JSON shows the news, the client reloads (or opens) the booking page."""
    wait_for_booking(visitor, tab.booking_id, check, what)
    url = f"{tab.base_url}/bookings/{tab.booking_id}"
    if tab.page.url == url:
        tab.page.reload()
    else:
        tab.page.goto(url)
    tab.audit()


@when(parsers.parse('the client reloads the booking page once it is "{status}"'))
def browser_reload_on_status(tab: BrowserSession, visitor: Visitor, status: str):
    _reload_when(tab, visitor, lambda b: b["status"] == status, f"the booking to be {status}")


@when(parsers.parse('the client reloads the booking page once the app has "{field}" set to {value}'))
def browser_reload_on_field(tab: BrowserSession, visitor: Visitor, field: str, value: str):
    wanted = {"true": True, "false": False}[value]
    _reload_when(tab, visitor, lambda b: b[field] is wanted, f"{field} to be {value}")


@when(parsers.parse('the client opens the booking page in the browser once its refund is "{state}"'))
@when(parsers.parse('the client reloads the booking page once its refund is "{state}"'))
def browser_reload_on_refund(tab: BrowserSession, visitor: Visitor, request, state: str):
    tab.booking_id = _booking_id(tab, request)
    _reload_when(tab, visitor, lambda b: REFUND_STATES[state](b["payment"] or {}), f"the refund to be {state}")


@then(parsers.parse('the booking page in the browser says "{sentence}"'))
def browser_page_says(tab: BrowserSession, world: World, sentence: str):
    expect(tab.page.locator("main")).to_contain_text(world.text(sentence))


@then(parsers.parse('the booking page in the browser does not say "{words}"'))
def browser_page_does_not_say(tab: BrowserSession, words: str):
    expect(tab.page.locator("main")).not_to_contain_text(re.compile(re.escape(words), re.IGNORECASE))


@then(parsers.parse('the booking page in the browser gives the new time in "{zone}"'))
def browser_page_new_time(tab: BrowserSession, moved: dict, zone: str):
    expect(tab.page.locator(".local-time")).to_have_text(local_time(moved["start"], zone))
    assert moved["start"] != moved["old_start"]


# --- Calendly's side, on the paid booking --------------------------------------------------------


@when(parsers.re(r'the (?P<who>invitee|host) cancels the paid booking on Calendly saying "(?P<reason>[^"]*)"'))
def cancel_paid_on_calendly(visitor: Visitor, calendly_sim: CalendlyDriver, checkout: dict, who: str, reason: str):
    booking = booking_json(visitor, checkout["booking_id"])
    if who == "invitee":
        calendly_sim.cancel(booking["calendly_invitee_uri"], by="invitee", reason=reason)
    else:  # the host cancels the whole event through the API, as Calendly's own app does
        calendly_sim.cancel_event_as_host(booking["calendly_event_uri"], reason)


@when("the invitee reschedules the paid booking to the next day on Calendly", target_fixture="moved")
def reschedule_paid(visitor: Visitor, calendly_sim: CalendlyDriver, checkout: dict) -> dict:
    booking = booking_json(visitor, checkout["booking_id"])
    event_type = calendly_sim.event_type(slug(checkout["builder"]), checkout["session"])
    new_start = calendly_sim.open_slots(event_type["uri"], after=instant(booking["start_at"]) + timedelta(days=1))[0]
    calendly_sim.reschedule(booking["calendly_invitee_uri"], new_start, "canceled_first")
    return {"start": new_start, "old_start": booking["start_at"]}


@when("the client reloads the booking page once it has moved")
def browser_reload_on_move(tab: BrowserSession, visitor: Visitor, moved: dict):
    _reload_when(
        tab,
        visitor,
        lambda b: b["status"] == "confirmed" and instant(b["start_at"]) == instant(moved["start"]),
        "the booking to move",
    )


@when("the host marks the paid booking's client as a no-show on Calendly", target_fixture="no_show")
def mark_paid_no_show(visitor: Visitor, calendly_sim: CalendlyDriver, checkout: dict) -> dict:
    return calendly_sim.mark_no_show(booking_json(visitor, checkout["booking_id"])["calendly_invitee_uri"])


# --- The mail, on the SendGrid simulator's inbox page ----------------------------------------------


@when(parsers.parse('the client opens the "{subject}" mail to "{email}" in the SendGrid inbox'))
def browser_open_mail(
    tab: BrowserSession, simulators, sendgrid_sim: SendGridDriver, world: World, subject: str, email: str
):
    email = world.email(email)
    try:
        wait_until(
            lambda: any(m["subject"].startswith(subject) for m in sendgrid_sim.messages(to=email)),
            what=f"a mail to {email} whose subject starts {subject!r}",
        )
    except AssertionError as exc:
        raise AssertionError(f"{exc}; it has {[m['subject'] for m in sendgrid_sim.messages(to=email)]}") from None
    tab.page.goto(f"{simulators.url}/sendgrid/inbox?{urlencode({'to': email})}")
    tab.audit()
    # Followed by its address: on a phone the inbox's table is wider than the screen (a tool's page, not the app's).
    href = tab.page.get_by_role("link", name=re.compile("^" + re.escape(subject))).first.get_attribute("href")
    tab.page.goto(f"{simulators.url}{href}" if href.startswith("/") else href)
    expect(tab.page.get_by_role("heading", level=1)).to_contain_text(subject)
    tab.audit()


@then(parsers.re(r'the mail page gives the (?:booked|new) time in "(?P<zone>[^"]+)"'))
def mail_page_time(tab: BrowserSession, visitor: Visitor, zone: str):
    start = booking_json(visitor, tab.booking_id)["start_at"]
    expect(tab.page.locator("pre").first).to_contain_text(local_time(start, zone))  # the text part, as read


@when(parsers.parse('the client follows the mail\'s "{label}" link'))
def browser_follow_mail_link(tab: BrowserSession, label: str):
    text = tab.page.locator("pre").first.inner_text()
    match = re.search(rf"^{re.escape(label)}: (\S+)$", text, re.MULTILINE)
    assert match, f"no {label!r} line in the mail's text part:\n{text}"
    assert match.group(1).endswith(f"/bookings/{tab.booking_id}"), match.group(1)
    tab.page.goto(match.group(1))
    tab.audit()


# --- A pathway session, signing in on the way ----------------------------------------------------


@when(parsers.parse('the client opens the "{session}" session of "{name}" in the browser without signing in'))
def browser_open_session_anonymously(tab: BrowserSession, world: World, session: str, name: str):
    tab.page.goto(tab.base_url + session_path(world.builder(name), session))
    tab.audit()


@when(parsers.parse('the client signs in as "{email}" with password "{password}" in the browser'))
def browser_sign_in(tab: BrowserSession, world: World, email: str, password: str):
    expect(tab.page.get_by_role("status")).to_contain_text("Please sign in to continue booking.")
    tab.page.get_by_label("Email").fill(world.email(email))
    tab.page.get_by_label("Password").fill(password)
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Sign in").click()
    tab.audit()


@then(parsers.parse('the browser is back on the "{session}" session of "{name}"'))
def browser_back_on_session(tab: BrowserSession, world: World, session: str, name: str):
    name = world.builder(name)
    expect(tab.page).to_have_url(re.compile(re.escape(tab.base_url + session_path(name, session))))
    expect(tab.page.get_by_role("heading", level=1)).to_have_text(f"{session} with {name}")


@when(parsers.parse('the client picks the first time and the pathway "{pathway}" and books in the browser'))
def browser_book_pathway(tab: BrowserSession, pathway: str):
    first = tab.page.locator("input[name=slot]").first
    first.check()
    tab.local_label = first.get_attribute("data-local")
    tab.page.get_by_label("Pathway").select_option(label=pathway)
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Confirm booking").click()
    tab.audit()


@then(parsers.parse('no mail to "{email}" mentions a no-show'))
def no_mail_about_no_show(simulators, sendgrid_sim: SendGridDriver, world: World, email: str):
    email = world.email(email)
    settle(simulators)  # every webhook due has been answered, and the app mails before it answers
    mails = sendgrid_sim.messages(to=email)
    assert mails, f"no mail at all to {email}: the check would prove nothing"
    about = [m["subject"] for m in mails if "no-show" in f"{m['subject']} {m['text']} {m['html']}".lower()]
    assert not about, about


@when(parsers.parse('the client chooses to pay in "{currency}" at the rate "{rate}" on Stripe\'s page in the browser'))
def browser_choose_currency(tab: BrowserSession, stripe_sim: StripeDriver, currency: str, rate: str):
    # The hosted page's currency selector (Adaptive Pricing) is the simulator's control route; the page then reloads.
    session_id = tab.page.url.rsplit("/", 1)[-1]
    answer = stripe_sim.control.post(
        f"/stripe/checkout/sessions/{session_id}/localize", json={"currency": currency, "fx_rate": rate}
    )
    assert answer.status_code == 200, answer.text
    tab.page.reload()
