"""The app's CSP holds in a real Chromium, and the journeys' CSP watch does see a violation when one happens."""

from __future__ import annotations

import pytest

from harness.browser import watch_csp_violations
from harness.servers import serve_in_thread
from harness.waiting import wait_until
from tests.app.web_fixtures import FREE_PATH, web_app  # noqa: F401 (pytest fixtures, used by name)

pytestmark = [pytest.mark.browser, pytest.mark.database]


@pytest.fixture
def tab(chromium, web_app):
    server = serve_in_thread(web_app, name="csp-app")
    context = chromium.new_context()
    page = context.new_page()
    seen: list[str] = []
    watch_csp_violations(context, page, seen)
    yield server.url, page, seen
    context.close()
    server.stop()


def test_the_app_pages_and_their_own_scripts_run_without_a_violation(tab):
    base, page, seen = tab
    for path in ("/", "/signup", f"{FREE_PATH}?tz=UTC", "/signin"):
        page.goto(base + path)
        page.wait_for_load_state("load")
    page.goto(base + "/signup")
    # The sign-up page's own (nonced) script filled in the browser's zone: it was allowed to run.
    wait_until(lambda: page.input_value("#signup-tz"), timeout=10, what="the sign-up script to run")
    assert seen == []


def test_an_injected_inline_script_is_blocked_and_reported(tab):
    base, page, seen = tab
    page.goto(base + "/")
    page.evaluate("""() => { const s = document.createElement('script');
                              s.textContent = 'window.injected = true'; document.body.appendChild(s); }""")
    wait_until(lambda: seen, timeout=10, what="the CSP violation to be reported")
    assert page.evaluate("window.injected === undefined")
    assert any("script-src" in line for line in seen), seen
