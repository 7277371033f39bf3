"""Only the client who holds a booking can start paying for it, and running out of attempts keeps the slot.

Against the real Stripe simulator: the app opens and expires Checkout Sessions over HTTP, and the events
Stripe recorded are then fed through the inbox as the webhook would, so a release the old code caused
(an expired session's event freeing the slot) would show here.
"""

from __future__ import annotations

import re
import threading

import pytest

from app_under_test.payments.checkout import MAX_ATTEMPTS
from tests.app.payments_fixtures import SECRET_KEY, deliver, events_for, state_of, stripe_server  # noqa: F401 (pytest fixtures, used by name)
from tests.app.web_fixtures import csrf_token, first_slot, make_web_app, sign_in, sign_up, stats

pytestmark = [pytest.mark.database, pytest.mark.paid]
PAID_PATH = "/builders/ada-stone/sessions/deep-dive"


@pytest.fixture
def paid_app(db_url, stripe_server):
    stripe_server.hub.reset(99)
    app = make_web_app(
        db_url,
        stripe_secret_key=SECRET_KEY,
        stripe_api_base=f"{stripe_server.url}/stripe",
        public_base_url="https://book.example.com",
    )
    yield app  # no app context held here: each request must have its own (Flask-WTF keeps the CSRF token in g)
    app.extensions["booking_db"].dispose()


def book_paid(client, email: str = "grace@example.com") -> str:
    response = client.post(
        f"{PAID_PATH}/book",
        data={
            "csrf_token": csrf_token(client, PAID_PATH),
            "slot": first_slot(client, PAID_PATH),
            "timezone": "UTC",
            "name": "Grace Hopper",
            "email": email,
        },
    )
    assert response.status_code == 303 and "/c/pay/" in response.headers["Location"], response.get_data(as_text=True)
    return re.search(r"/bookings/([^/]+)/paid", _checkout_success_url(client)).group(1)


def _checkout_success_url(client) -> str:
    from tests.app.web_fixtures import ADMIN_TOKEN

    bookings = client.get("/admin/api/bookings", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).get_json()
    return f"/bookings/{bookings['bookings'][-1]['id']}/paid"


def pay(client, public_id: str):
    return client.post(f"/bookings/{public_id}/pay", data={"csrf_token": csrf_token(client, "/signin")})


def stripe_events_applied(app, public_id: str) -> dict:
    """Feed every event Stripe recorded for the booking through the inbox; the booking's state afterwards."""
    with app.app_context():
        for event in events_for(public_id):
            deliver(event)
        return state_of(public_id)


def test_a_stranger_with_the_link_cannot_start_payments_even_sixteen_at_once(paid_app):
    public_id = book_paid(paid_app.test_client())
    strangers = [paid_app.test_client() for _ in range(16)]
    tokens = [csrf_token(s, "/signin") for s in strangers]
    barrier, answers = threading.Barrier(16), []

    def attempt(stranger, token) -> None:
        barrier.wait(timeout=30)
        answers.append(stranger.post(f"/bookings/{public_id}/pay", data={"csrf_token": token}).status_code)

    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(strangers, tokens, strict=False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == [403] * 16
    state = stripe_events_applied(paid_app, public_id)
    assert state["status"] == "pending_payment" and state["claims"] > 0
    assert [p[0] for p in state["payments"]] == ["open"]


def test_a_stranger_sees_no_pay_button_and_a_403_page(paid_app):
    public_id = book_paid(paid_app.test_client())
    stranger = paid_app.test_client()
    assert "Pay now" not in stranger.get(f"/bookings/{public_id}").get_data(as_text=True)
    refused = pay(stranger, public_id)
    assert refused.status_code == 403 and "This is not your booking" in refused.get_data(as_text=True)


def test_the_browser_that_booked_pays_again_and_sees_its_hold_once(paid_app):
    holder = paid_app.test_client()
    public_id = book_paid(holder)
    page = holder.get(f"/bookings/{public_id}").get_data(as_text=True)
    assert "Pay now" in page
    assert re.search(r"until \d\d:\d\d UTC \(UTC\)\.", page) and "UTC UTC" not in page
    assert pay(holder, public_id).status_code == 303


def test_a_signed_in_client_pays_from_another_browser(paid_app):
    booker = paid_app.test_client()
    sign_up(booker, "grace@example.com")
    public_id = book_paid(booker)
    other_device = paid_app.test_client()
    sign_in(other_device, "grace@example.com")
    assert pay(other_device, public_id).status_code == 303


def test_running_out_of_attempts_keeps_the_slot_and_the_last_payment_page(paid_app):
    holder = paid_app.test_client()
    public_id = book_paid(holder)
    for _ in range(MAX_ATTEMPTS - 1):
        assert pay(holder, public_id).status_code == 303
    before = stats(holder)
    refused = pay(holder, public_id)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "No more payment attempts" in page and "still open" in page
    last_page = re.search(r'<a href="([^"]+)" class="button primary">Open your payment page', page).group(1)
    state = stripe_events_applied(paid_app, public_id)
    assert state["status"] == "pending_payment" and state["claims"] > 0
    assert [p[0] for p in state["payments"]] == ["expired"] * (MAX_ATTEMPTS - 1) + ["open"]
    assert "/c/pay/" in last_page and stats(holder)["payments"] == before["payments"]
