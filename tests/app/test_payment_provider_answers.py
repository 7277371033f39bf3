"""What a client is told when Stripe fails while a paid booking is opened or paid again: each kind of failure
has its own status, code and words, and only the retryable ones say when to retry (Retry-After); and Stripe's
answer later than the app's timeout is given up on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app_under_test.booking_locks import lock_booking
from app_under_test.db import get_db
from app_under_test.models import Booking, Payment
from app_under_test.payments import gateway
from app_under_test.payments.checkout import open_checkout
from app_under_test.payments.gateway import ProviderError, ProviderRefused, ProviderUnavailable, app_client
from app_under_test.payments.records import booking_by_public_id
from app_under_test.views.payments import provider_unavailable
from tests.app.log_capture import info_logs
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


def test_a_checkout_opened_again_after_stripes_answer_was_lost_is_the_same_stripe_session(payments_app, stripe_server):
    """Stripe made the Checkout Session but its answer never reached the app (the connection dropped on the way
    back, on every try), so nothing was recorded. Asked again for the same attempt, Stripe recognises the
    idempotency key and hands back that session: no second payment page is left open for the same booking."""

    def stripe_sessions(booking_id: str) -> list[str]:
        listed = app_client().v1.checkout.sessions.list(params={"limit": 100}).auto_paging_iter()
        return sorted(s.id for s in listed if (s.to_dict().get("metadata") or {}).get("bookingId") == booking_id)

    now = datetime.now(UTC)
    with payments_app.app_context():
        booking_id, first_session = held_booking(payments_app)
        config = payments_app.extensions["booking_config"]
        with control(stripe_server) as client:
            lost = {"method": "POST", "path": "/v1/checkout/sessions", "when": "after", "times": None}
            assert client.post("/faults", json=lost).status_code == 201
        try:
            with pytest.raises(ProviderUnavailable), get_db().transaction() as session:
                booking = lock_booking(session, booking_by_public_id(session, booking_id).id)
                open_checkout(session, booking, app_client(), config, now=now)
        finally:
            with control(stripe_server) as client:
                client.delete("/faults")
        with get_db().transaction() as session:
            booking = lock_booking(session, booking_by_public_id(session, booking_id).id)
            second_session = open_checkout(session, booking, app_client(), config, now=now).checkout_session_id
        assert stripe_sessions(booking_id) == sorted([first_session, second_session])  # two attempts, not three
        with get_db().reader() as session:
            assert session.scalar(select(func.count()).select_from(Payment)) == 2


def test_a_refusal_by_stripe_is_raised_to_the_operator_with_stripes_reason(web_app, monkeypatch):
    """The client is told "we have been notified"; the operator is: an error log line and a Sentry message that
    carry Stripe's reason. An outage (retryable) alerts no one from here."""
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        "app_under_test.views.payments.sentry_sdk.capture_message", lambda m, level: sent.append((m, level))
    )
    with info_logs() as logs, web_app.test_request_context("/api/bookings", method="POST"):
        provider_unavailable(ProviderRefused("Invalid currency: xyz", code="parameter_invalid"))
        provider_unavailable(ProviderUnavailable("Stripe could not be reached"))
    assert sent == [("Stripe refused to start a payment: Invalid currency: xyz", "error")]
    assert [(line["event"], line["code"], line["error"]) for line in logs if line["log_level"] == "error"] == [
        ("payment_provider_refused", "parameter_invalid", "Invalid currency: xyz")
    ]
