"""A browser without an account that holds several paid bookings may pay for each of them, not only the last."""

from __future__ import annotations

import re

import pytest

from tests.app.payments_fixtures import payments_app, stripe_server  # noqa: F401 (pytest fixtures, used by name)
from tests.app.web_fixtures import csrf_token

pytestmark = [pytest.mark.stripe, pytest.mark.database]
PAID_PATH = "/builders/ada-stone/sessions/portfolio-review"


def _book(client, slot: str) -> str:
    answer = client.post(
        f"{PAID_PATH}/book",
        data={
            "csrf_token": csrf_token(client, PAID_PATH),
            "slot": slot,
            "timezone": "UTC",
            "name": "Grace Hopper",
            "email": "grace@example.com",
        },
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)
    with client.session_transaction() as cookie:
        return cookie["held_bookings"][-1]


def _pay(client, public_id: str):
    return client.post(f"/bookings/{public_id}/pay", data={"csrf_token": csrf_token(client, PAID_PATH)})


def test_a_browser_that_held_two_paid_bookings_may_still_pay_for_the_first(payments_app):
    browser = payments_app.test_client()
    page = browser.get(PAID_PATH, query_string={"tz": "UTC"}).get_data(as_text=True)
    first_slot, second_slot = re.findall(r'name="slot" value="([^"]+)"', page)[:2]
    first = _book(browser, first_slot)
    _book(browser, second_slot)

    again = _pay(browser, first)
    assert again.status_code == 303, again.get_data(as_text=True)  # to Stripe's page for a new attempt
