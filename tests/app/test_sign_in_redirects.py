"""Where sign-in, sign-up and sign-out send the browser: back to the page that asked, never off the site.

``next`` comes from a query string anyone can write into a link, so only a same-site path is
followed; anything that could leave the site (another host, a scheme, a backslash a browser reads
as a slash) or break the Location header (a control character) sends the client home instead.
"""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from tests.app.web_fixtures import FREE_PATH, browser, csrf_token, sign_in, sign_up, web_app  # noqa: F401 (pytest fixtures, used by name)

pytestmark = [pytest.mark.database, pytest.mark.auth]

HOME = "/"
KEPT = [
    FREE_PATH,
    f"{FREE_PATH}?tz=Europe/London&week=2027-03-01",
    "/builders/ada-stone/sessions/caf\u00e9-chat",  # a non-ASCII path as a browser may send it undecoded
    "/a!b",  # the first printable character after the space
    "/" + "a" * 1999,  # 2,000 characters: the longest next that is followed
]
REFUSED = [
    "//evil.example/phish",
    "https://evil.example/phish",
    "http:/evil.example",
    "javascript:alert(1)",
    "evil.example/phish",
    "/\\evil.example",
    "/ok\\..\\evil",
    "/x\r\nSet-Cookie: stolen=1",
    "/with space",
    "/tab\there",
    "/del\x7f",
    "/" + "a" * 2000,
]


def _signed_up(browser) -> None:
    response = sign_up(browser, "grace@example.com")
    assert response.status_code == 303
    browser.post("/signout", data={"csrf_token": csrf_token(browser, "/")})


def test_sign_in_returns_to_the_page_that_asked(browser):
    _signed_up(browser)
    for target in KEPT:
        response = sign_in(browser, "grace@example.com", next_path=target)
        assert response.status_code == 303
        assert unquote(response.headers["Location"]) == target  # Werkzeug percent-encodes what is not ASCII
        browser.post("/signout", data={"csrf_token": csrf_token(browser, "/")})


def test_sign_in_never_follows_a_next_that_leaves_the_site_or_breaks_the_header(browser):
    _signed_up(browser)
    for target in REFUSED:
        response = sign_in(browser, "grace@example.com", next_path=target)
        assert response.status_code == 303
        assert response.headers["Location"] == HOME, target
        browser.post("/signout", data={"csrf_token": csrf_token(browser, "/")})


def test_sign_up_returns_to_the_session_that_asked_and_refuses_another_host(web_app):
    first = sign_up(web_app.test_client(), "ada.l@example.com", next_path=FREE_PATH)
    assert first.status_code == 303 and first.headers["Location"] == FREE_PATH
    second = sign_up(web_app.test_client(), "grace@example.com", next_path="//evil.example")
    assert second.status_code == 303 and second.headers["Location"] == HOME


def test_without_a_next_sign_in_goes_home(browser):
    _signed_up(browser)
    response = sign_in(browser, "grace@example.com")
    assert response.status_code == 303 and response.headers["Location"] == HOME


def test_the_sign_in_page_carries_the_next_it_was_sent_with(browser):
    page = browser.get("/signin", query_string={"next": FREE_PATH}).get_data(as_text=True)
    assert f'value="{FREE_PATH}"' in page


def test_signing_out_twice_and_signing_out_unsigned_go_home_quietly(browser, web_app):
    sign_up(browser, "grace@example.com")
    for _ in range(2):  # a second tab, already signed out, sends its own form again
        response = browser.post("/signout", data={"csrf_token": csrf_token(browser, "/signin")})
        assert response.status_code == 303 and response.headers["Location"] == HOME
    assert "Signed in as" not in browser.get("/").get_data(as_text=True)
    stranger = web_app.test_client()
    response = stranger.post("/signout", data={"csrf_token": csrf_token(stranger, "/signin")})
    assert response.status_code == 303 and response.headers["Location"] == HOME


def test_a_sign_out_form_from_a_tab_signed_out_elsewhere_goes_home(browser):
    sign_up(browser, "grace@example.com")
    stale = csrf_token(browser, "/")  # the second tab's form, loaded while still signed in
    first = browser.post("/signout", data={"csrf_token": csrf_token(browser, "/")})
    assert first.status_code == 303
    again = browser.post("/signout", data={"csrf_token": stale})  # its token ended with the visit
    assert again.status_code == 303 and again.headers["Location"] == HOME
    assert "Signed in as" not in browser.get("/").get_data(as_text=True)


def test_a_forged_sign_out_of_a_signed_in_client_is_still_refused(browser):
    sign_up(browser, "grace@example.com")
    forged = browser.post("/signout", data={"csrf_token": "not-the-token"})
    assert forged.status_code == 400 and "The form expired" in forged.get_data(as_text=True)
    assert "Signed in as" in browser.get("/").get_data(as_text=True)


def test_a_sign_out_forgets_what_the_visit_held(browser):
    sign_up(browser, "grace@example.com")
    with browser.session_transaction() as cookie:
        cookie["held"] = "a booking held during the visit"
    browser.post("/signout", data={"csrf_token": csrf_token(browser, "/")})
    with browser.session_transaction() as cookie:
        assert "held" not in cookie


def test_an_account_page_sends_a_visitor_to_sign_in_saying_why_and_back_afterwards(browser):
    asked = browser.get("/account/password")
    assert asked.status_code == 302 and "/signin?next=" in asked.headers["Location"]
    assert unquote(asked.headers["Location"]).endswith("next=/account/password")
    page = browser.get(asked.headers["Location"]).get_data(as_text=True)
    assert '<div class="notice" role="status"><p>Please sign in to manage your account.</p></div>' in page
