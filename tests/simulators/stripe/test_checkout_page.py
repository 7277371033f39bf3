"""The hosted checkout page driven with plain form posts (the browser journeys use the same routes)."""

from __future__ import annotations

import httpx
import pytest
from markupsafe import escape

from harness import http_clients

pytestmark = [pytest.mark.stripe]

FUTURE = {"card_expiry": "12 / 40", "card_cvc": "123", "name": "Grace Hopper"}


@pytest.fixture
def browser():
    with http_clients.client(timeout=30, follow_redirects=False) as client:
        yield client


def submit(browser, session, card: str, **fields) -> httpx.Response:
    return browser.post(session.url, data={"card_number": card, **FUTURE, **fields})


def test_page_shows_item_amount_email_and_back_link(new_session, browser):
    session = new_session()
    page = browser.get(session.url)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "Portfolio review (60 min)" in html and "£45.00" in html and "client@example.com" in html
    assert f'href="https://app.example/bookings/bk_123/cancelled?session_id={session.id}"' in html
    assert 'name="viewport"' in html and '<html lang="en">' in html
    for field in ("card_number", "card_expiry", "card_cvc"):
        assert f'<label for="{field}">' in html


def test_paying_redirects_to_success_url_with_the_session_id(new_session, browser, stripe_client):
    session = new_session()
    answer = submit(browser, session, "4242 4242 4242 4242")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"https://app.example/bookings/bk_123/paid?session_id={session.id}"
    paid = stripe_client.v1.checkout.sessions.retrieve(session.id)
    assert (paid.status, paid.payment_status, paid.customer_details.name) == ("complete", "paid", "Grace Hopper")
    assert "already complete" in browser.get(f"{session.url}").text


def test_a_decline_shows_the_message_and_leaves_the_session_open(new_session, browser, stripe_client):
    session = new_session()
    answer = submit(browser, session, "4000000000009995")
    assert answer.status_code == 402
    assert "Your card has insufficient funds." in answer.text and 'role="alert"' in answer.text
    assert stripe_client.v1.checkout.sessions.retrieve(session.id).status == "open"
    assert submit(browser, session, "4242424242424242").status_code == 303


def test_three_d_secure_challenge_page(new_session, browser, stripe_client):
    session = new_session()
    challenge = submit(browser, session, "4000002500003155")
    challenge_url = str(httpx.URL(session.url).join(challenge.headers["location"]))
    assert challenge.status_code == 303 and challenge_url == f"{session.url}/authenticate"
    page = browser.get(challenge_url)
    assert "Complete authentication" in page.text and "Fail authentication" in page.text
    failed = browser.post(challenge_url, data={"outcome": "fail"})
    assert failed.status_code == 402 and "unable to authenticate" in failed.text
    assert submit(browser, session, "4000002500003155").status_code == 303
    passed = browser.post(challenge_url, data={"outcome": "pass"})
    assert passed.status_code == 303 and "session_id=" + session.id in passed.headers["location"]
    assert stripe_client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"


def test_the_page_shown_after_a_failed_challenge_posts_cards_to_the_page_itself(new_session, browser):
    session = new_session(
        line_items=[
            {
                "price_data": {"currency": "jpy", "unit_amount": 5000, "product_data": {"name": "Code clinic"}},
                "quantity": 1,
            }
        ]
    )
    browser.post(session.url, data={"card_number": "4000002500003155", **FUTURE})
    failed = browser.post(f"{session.url}/authenticate", data={"outcome": "fail"})
    page_path = httpx.URL(session.url).path
    assert failed.status_code == 402 and f'action="{page_path}"' in failed.text
    assert "Pay ¥5,000" in failed.text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"card_number": "1234 5678 9012 3456"}, "Your card number is incorrect."),
        ({"card_expiry": "01 / 20"}, "Your card's expiration date is in the past."),
        ({"card_cvc": "1"}, "Your card's security code is incomplete."),
    ],
)
def test_form_errors_are_shown_and_nothing_is_charged(new_session, browser, event_types, fields, message):
    session = new_session()
    answer = browser.post(session.url, data={"card_number": "4242424242424242", **FUTURE, **fields})
    assert answer.status_code == 422 and str(escape(message)) in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert event_types() == []


def test_email_is_asked_for_when_the_session_has_none(new_session, browser, stripe_client):
    session = new_session(customer_email=None)
    missing = submit(browser, session, "4242424242424242")
    assert missing.status_code == 422 and "Your email is incomplete." in missing.text
    assert submit(browser, session, "4242424242424242", email="walkin@example.com").status_code == 303
    assert stripe_client.v1.checkout.sessions.retrieve(session.id).customer_details.email == "walkin@example.com"


def test_bank_account_button_completes_unpaid(new_session, browser, stripe_client):
    session = new_session(payment_method_types=["card", "us_bank_account"])
    assert "Pay with test bank account" in browser.get(session.url).text
    answer = browser.post(session.url, data={"payment_method": "us_bank_account"})
    assert answer.status_code == 303
    assert stripe_client.v1.checkout.sessions.retrieve(session.id).payment_status == "unpaid"


def test_expired_and_unknown_sessions(new_session, browser, stripe_client, api_base):
    session = new_session()
    stripe_client.v1.checkout.sessions.expire(session.id)
    page = browser.get(session.url)
    assert page.status_code == 200 and "This checkout session has expired" in page.text
    assert submit(browser, session, "4242424242424242").status_code == 409
    assert browser.get(f"{api_base}/c/pay/cs_test_unknown").status_code == 404
