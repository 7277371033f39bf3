"""The app's Stripe client against canned HTTP answers: what each failure becomes (milliseconds each).

stripe-python speaks ``requests`` (``stripe.RequestsClient``, as ``gateway.build_client`` sets it
up), so ``responses`` answers in place of the network. The simulator scenarios cover the same
failures end to end; these pin down the edges one by one: a card error, 429 with Retry-After,
5xx (retried by the library with the same idempotency key), a timeout, a body that is not JSON.
"""

from __future__ import annotations

import json

import pytest
import requests
import responses
import stripe

from app_under_test.config import Config
from app_under_test.payments.gateway import (
    NETWORK_RETRIES,
    ProviderRefused,
    ProviderUnavailable,
    build_client,
    classify,
)

API = "https://stripe.invalid"
REFUNDS = f"{API}/v1/refunds"
PARAMS = {"payment_intent": "pi_123", "amount": 4500}


@pytest.fixture
def client(monkeypatch) -> stripe.StripeClient:
    # The library's own backoff between retries, set to nothing so a retried 5xx takes milliseconds.
    monkeypatch.setattr(stripe._http_client.HTTPClient, "INITIAL_DELAY", 0)
    monkeypatch.setattr(stripe._http_client.HTTPClient, "MAX_DELAY", 0)
    return build_client(Config(env="test", stripe_secret_key="sk_test_unit", stripe_api_base=API))


def refund(client: stripe.StripeClient) -> stripe.StripeError:
    with pytest.raises(stripe.StripeError) as caught:
        client.v1.refunds.create(params=PARAMS, options={"idempotency_key": "refund-key-1"})
    return caught.value


def error_body(kind: str, code: str, message: str) -> str:
    return json.dumps({"error": {"type": kind, "code": code, "message": message}})


@responses.activate
def test_a_declined_card_is_refused_with_stripe_code_and_is_not_retried(client):
    responses.post(REFUNDS, status=402, body=error_body("card_error", "card_declined", "Your card was declined."))
    problem = classify(refund(client))
    assert isinstance(problem, ProviderRefused)
    assert problem.code == "card_declined" and "402" in problem.message
    assert len(responses.calls) == 1


@responses.activate
def test_429_with_retry_after_is_unavailable_and_rate_limited(client):
    responses.post(
        REFUNDS,
        status=429,
        headers={"Retry-After": "7"},
        body=error_body("invalid_request_error", "rate_limit", "Too many requests."),
    )
    error = refund(client)
    assert isinstance(error, stripe.RateLimitError) and error.headers["Retry-After"] == "7"
    problem = classify(error)
    assert isinstance(problem, ProviderUnavailable) and problem.rate_limited
    assert len(responses.calls) == 1  # Stripe's 429 carries no Stripe-Should-Retry: the caller decides


@responses.activate
def test_5xx_is_retried_with_the_same_idempotency_key_then_unavailable(client):
    responses.post(REFUNDS, status=503, body=error_body("api_error", "", "Service unavailable."))
    problem = classify(refund(client))
    assert isinstance(problem, ProviderUnavailable) and not problem.rate_limited
    assert "503" in problem.message
    assert len(responses.calls) == 1 + NETWORK_RETRIES
    assert {call.request.headers["Idempotency-Key"] for call in responses.calls} == {"refund-key-1"}


@responses.activate
def test_a_5xx_then_success_returns_the_object(client):
    responses.post(REFUNDS, status=500, body=error_body("api_error", "", "Internal error."))
    responses.post(REFUNDS, status=200, json={"id": "re_1", "object": "refund", "status": "succeeded"})
    made = client.v1.refunds.create(params=PARAMS, options={"idempotency_key": "refund-key-2"})
    assert (made.id, made.status) == ("re_1", "succeeded")
    assert len(responses.calls) == 2


@responses.activate
def test_a_timeout_is_retried_then_unavailable(client):
    responses.post(REFUNDS, body=requests.exceptions.ReadTimeout("read timed out"))
    error = refund(client)
    assert isinstance(error, stripe.APIConnectionError)
    problem = classify(error)
    assert isinstance(problem, ProviderUnavailable) and "could not be reached" in problem.message
    assert len(responses.calls) == 1 + NETWORK_RETRIES


@responses.activate
def test_a_body_that_is_not_json_is_unavailable_not_a_crash(client):
    responses.post(REFUNDS, status=200, body="<html>gateway</html>", content_type="text/html")
    error = refund(client)
    assert isinstance(error, stripe.APIError)
    assert isinstance(classify(error), ProviderUnavailable)


@responses.activate
def test_a_refused_parameter_is_refused_with_the_param_code(client):
    responses.post(
        REFUNDS, status=400, body=error_body("invalid_request_error", "charge_already_refunded", "Already refunded.")
    )
    problem = classify(refund(client))
    assert isinstance(problem, ProviderRefused) and problem.code == "charge_already_refunded"
    assert len(responses.calls) == 1
