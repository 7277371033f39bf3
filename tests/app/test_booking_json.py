"""The public booking JSON (``GET /api/v1/bookings/<id>``) of a paid booking: what an integration reads from it."""

from __future__ import annotations

import pytest

from tests.app.payments_fixtures import held_booking, payments_app, stripe_server  # noqa: F401 (pytest fixtures)

pytestmark = [pytest.mark.stripe, pytest.mark.database]


def test_a_held_paid_booking_shows_its_price_currency_and_hold(payments_app, stripe_server):
    with payments_app.app_context():
        booking_id, _ = held_booking(payments_app)
    answer = payments_app.test_client().get(f"/api/v1/bookings/{booking_id}")
    assert answer.status_code == 200
    booking = answer.get_json()
    assert (booking["id"], booking["status"], booking["kind"]) == (booking_id, "pending_payment", "paid")
    assert (booking["price_cents"], booking["currency"]) == (4500, "gbp")
    assert booking["hold_expires_at"].endswith("Z")
    assert (booking["payment"]["status"], booking["payment"]["amount_cents"], booking["payment"]["currency"]) == (
        "open",
        4500,
        "gbp",
    )
