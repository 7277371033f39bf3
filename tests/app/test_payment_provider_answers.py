"""What a client is told when Stripe fails while a paid booking is opened or paid again: each kind of failure
has its own status, code and words, and only the retryable ones say when to retry (Retry-After); and Stripe's
answer later than the app's timeout is given up on."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app_under_test.db import get_db
from app_under_test.models import Booking
from app_under_test.payments import gateway
from app_under_test.payments.gateway import ProviderError, ProviderRefused, ProviderUnavailable
from app_under_test.views.payments import provider_unavailable
from tests.app.payments_fixtures import (  # noqa: F401 (pytest fixtures, used by name)
    control,
    held_booking,
    payments_app,
    stripe_server,
)
from tests.app.web_fixtures import web_app  # noqa: F401 (pytest fixture, used by name)

pytestmark = [pytest.mark.stripe, pytest.mark.database]
NOTHING_DONE = "nothing was booked or charged."


@pytest.mark.parametrize(
    ("failure", "status", "code", "message", "retry_after"),
    [
        (
            ProviderUnavailable("429 from Stripe", rate_limited=True),
            429,
            "payment_provider_busy",
            f"Our payment provider is busy right now; {NOTHING_DONE} Please try again in a minute.",
            "60",
        ),
        (
            ProviderUnavailable("Stripe could not be reached"),
            503,
            "payment_provider_unavailable",
            f"Our payment provider cannot be reached right now; {NOTHING_DONE} Please try again in a minute.",
            "60",
        ),
        (
            ProviderRefused("Invalid currency: xyz", code="parameter_invalid"),
            502,
            "payment_provider_error",
            f"Our payment provider refused to start the payment; {NOTHING_DONE} We have been notified.",
            None,  # retrying the same request would be refused the same way
        ),
    ],
)
def test_a_stripe_failure_answers_with_its_own_status_code_and_words(
    web_app, failure: ProviderError, status, code, message, retry_after
):
    with web_app.test_request_context("/api/bookings", method="POST"):
        response = web_app.make_response(provider_unavailable(failure))
    assert response.status_code == status
    assert response.get_json() == {"error": {"code": code, "message": message}}
    assert response.headers.get("Retry-After") == retry_after


def test_a_stripe_that_answers_too_late_is_given_up_on_and_nothing_is_booked(payments_app, stripe_server, monkeypatch):
    """Stripe holds every answer to a new Checkout Session longer than the app's timeout: the booking fails
    as "unavailable" (503 to the client) within a few timeouts, instead of waiting for Stripe as long as it takes."""
    monkeypatch.setattr(gateway, "TIMEOUT_SECONDS", 0.5)  # 20 s in production; the client is built after this
    with control(stripe_server) as client:
        fault = {
            "method": "POST",
            "path": "/v1/checkout/sessions",
            "response": "timeout",
            "hold_seconds": 6,
            "times": None,
        }
        assert client.post("/faults", json=fault).status_code == 201
    try:
        with payments_app.app_context(), pytest.raises(ProviderUnavailable):
            held_booking(payments_app)  # the library's retries time out too
    finally:
        with control(stripe_server) as client:  # releases the held answers
            client.delete("/faults")
    with payments_app.app_context(), get_db().reader() as session:
        assert session.scalar(select(func.count()).select_from(Booking)) == 0
