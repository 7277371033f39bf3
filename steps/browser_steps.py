"""Playwright steps in Debian's Chromium (see ``harness.browser``), desktop and phone."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from pytest_bdd import given, parsers, then, when

from harness.browser import (
    DEVICES,
    enable_video,
    keep_screenshot,
    watch_csp_violations,
)
from harness.evidence import keep_browser_evidence
from steps.support import BrowserSession, World, session_path


@given(parsers.parse('a {device} browser whose time zone is "{zone}"'), target_fixture="tab")
def browser_tab(chromium, app_server, request, tmp_path, device: str, zone: str):
    """A fresh browser context; its trace, screenshot and video are kept only if the scenario fails."""
    recording = enable_video()
    video = {"record_video_dir": str(tmp_path / "video")} if recording else {}
    context = chromium.new_context(timezone_id=zone, locale="en-GB", **video, **DEVICES[device])
    # The trace keeps each action's DOM, network and console; its film strip of screenshots would repeat
    # the video at a cost paid by every passing journey, so it is taken only when there is no video.
    context.tracing.start(screenshots=not recording, snapshots=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    session = BrowserSession(page, app_server.url)
    watch_csp_violations(context, page, session.csp_violations)
    yield session
    shot = keep_screenshot(page, request.node.name)  # the page the client ends on, pass or fail
    keep_browser_evidence(request.node, context, page, screenshot=shot)


@when(parsers.parse('the client searches the marketplace for "{skill}" in the browser'))
def browser_search(tab: BrowserSession, skill: str):
    tab.page.goto(tab.base_url + "/")
    tab.audit()
    tab.page.get_by_label("Search by skill").fill(skill)
    tab.page.get_by_role("button", name="Search").click()
    expect(tab.page.get_by_role("status")).to_contain_text("for “python”")
    tab.audit()


@when(parsers.parse('the client clicks "{text}"'))
def browser_click(tab: BrowserSession, world: World, text: str):
    tab.page.get_by_role("link", name=world.text(text)).click()
    tab.page.wait_for_load_state("load")
    tab.audit()


@when(parsers.parse('the client opens the "{session}" session of "{name}" in the browser'))
def browser_open_session(tab: BrowserSession, world: World, session: str, name: str):
    name = world.builder(name)
    tab.page.goto(tab.base_url + session_path(name, session))
    expect(tab.page.get_by_role("heading", level=1)).to_have_text(f"{session} with {name}")
    tab.audit()


@then(parsers.parse('the slot picker shows times in "{zone}"'))
def picker_in_zone(tab: BrowserSession, zone: str):
    # The page script detects the browser's zone on a first visit and reloads with it.
    expect(tab.page).to_have_url(re.compile(r"tz=" + re.escape(zone.replace("/", "%2F"))))
    expect(tab.page.locator("legend")).to_contain_text(zone)
    tab.audit()


@when(parsers.parse('the client picks the first time and books as "{name}" with email "{email}"'))
def browser_book(tab: BrowserSession, world: World, name: str, email: str):
    first = tab.page.locator("input[name=slot]").first
    first.check()
    tab.local_label = first.get_attribute("data-local")
    tab.page.get_by_label("Your name").fill(name)
    tab.page.get_by_label("Email").fill(world.email(email))
    tab.page.get_by_role("button", name="Confirm booking").click()
    tab.page.wait_for_load_state("load")
    tab.audit()


@then(parsers.parse('the browser shows the field error "{message}"'))
def browser_field_error(tab: BrowserSession, message: str):
    expect(tab.page.locator(".field-error")).to_contain_text(message)


@when(parsers.parse('the client corrects the email to "{email}" and books again'))
def browser_correct_email(tab: BrowserSession, world: World, email: str):
    tab.page.get_by_label("Email").fill(world.email(email))
    tab.page.locator("input[name=slot]").first.check()
    tab.page.get_by_role("button", name="Confirm booking").click()
    tab.page.wait_for_load_state("load")
    tab.audit()


@then(parsers.parse('the browser shows "{heading}"'))
def browser_heading(tab: BrowserSession, heading: str):
    # The payment page reloads itself when Stripe's webhook lands: on a loaded machine that takes more than
    # expect's default 5 s, so this waits as long as any other browser action (the context's 15 s).
    expect(tab.page.get_by_role("heading", level=1)).to_have_text(heading, timeout=15_000)


@then(parsers.parse('the booked time is shown in "{zone}"'))
def booked_time_in_zone(tab: BrowserSession, zone: str):
    local_time = tab.local_label.split(" ")[1]
    expect(tab.page.locator(".local-time")).to_contain_text(f"{local_time} {zone}")


@then("no page had serious accessibility violations")
def no_serious_violations(tab: BrowserSession):
    assert not tab.violations, tab.violations


@then("no page scrolled sideways")
def no_sideways_scroll(tab: BrowserSession):
    assert not tab.sideways, tab.sideways


@then("no Content Security Policy violation was logged in the console")
def no_csp_violations(tab: BrowserSession):
    assert not tab.csp_violations, tab.csp_violations
