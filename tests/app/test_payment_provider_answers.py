"""What a client is told when Stripe fails while a paid booking is opened or paid again: each kind of failure
has its own status, code and words, and only the retryable ones say when to retry (Retry-After)."""

from __future__ import annotations

import pytest

from app_under_test.payments.gateway import ProviderError, ProviderRefused, ProviderUnavailable
from app_under_test.views.payments import provider_unavailable
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
