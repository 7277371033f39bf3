"""Idempotency-Key: same key + same params replays, other params or endpoint is an idempotency_error."""

from __future__ import annotations

import pytest
import stripe

from harness import http_clients
from tests.simulators.stripe.conftest import API_KEY, session_params

pytestmark = [pytest.mark.stripe]


def count_sessions(client: stripe.StripeClient) -> int:
    return len(client.v1.checkout.sessions.list(params={"limit": 100}).data)


def test_same_key_and_params_replay_the_stored_response(stripe_client, api_base):
    options = {"idempotency_key": "booking-bk_123-attempt-1"}
    first = stripe_client.v1.checkout.sessions.create(params=session_params(), options=options)
    second = stripe_client.v1.checkout.sessions.create(params=session_params(), options=options)
    assert second.id == first.id
    assert count_sessions(stripe_client) == 1
    raw = http_clients.post(
        f"{api_base}/v1/checkout/sessions",
        headers={"Authorization": f"Bearer {API_KEY}", "Idempotency-Key": "booking-bk_123-attempt-1"},
        content=_encoded(session_params()),
    )
    assert raw.headers["Idempotent-Replayed"] == "true" and raw.headers["Original-Request"].startswith("req_")
    assert raw.headers["Original-Request"] != raw.headers["Request-Id"]
    assert raw.json()["id"] == first.id


def _encoded(params: dict) -> str:
    from urllib.parse import urlencode

    from stripe._encode import _api_encode

    return urlencode(list(_api_encode(params)))


def test_same_key_with_other_params_is_an_idempotency_error(stripe_client):
    options = {"idempotency_key": "key-1"}
    stripe_client.v1.checkout.sessions.create(params=session_params(), options=options)
    with pytest.raises(stripe.IdempotencyError) as refused:
        stripe_client.v1.checkout.sessions.create(
            params=session_params(metadata={"booking_id": "other"}), options=options
        )
    assert refused.value.http_status == 400 and "key-1" in refused.value.user_message
    assert count_sessions(stripe_client) == 1


def test_same_key_on_another_endpoint_is_an_idempotency_error(stripe_client, new_session):
    session = new_session()
    stripe_client.v1.checkout.sessions.expire(session.id, options={"idempotency_key": "shared"})
    with pytest.raises(stripe.IdempotencyError):
        stripe_client.v1.checkout.sessions.create(params=session_params(), options={"idempotency_key": "shared"})


def test_keys_are_scoped_to_the_api_key(stripe_client, api_base):
    other = stripe.StripeClient("sk_test_another_account", base_addresses={"api": api_base}, max_network_retries=0)
    first = stripe_client.v1.checkout.sessions.create(params=session_params(), options={"idempotency_key": "k"})
    second = other.v1.checkout.sessions.create(params=session_params(), options={"idempotency_key": "k"})
    assert first.id != second.id


def test_validation_errors_are_not_stored(stripe_client):
    options = {"idempotency_key": "fix-and-retry"}
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.checkout.sessions.create(params=session_params(success_url="nope"), options=options)
    # Stripe saves no result when parameters fail validation, so the corrected request may reuse the key.
    created = stripe_client.v1.checkout.sessions.create(params=session_params(), options=options)
    assert created.status == "open"


def test_refusals_made_while_executing_are_replayed(stripe_client, new_session):
    session = new_session()
    stripe_client.v1.checkout.sessions.expire(session.id)
    options = {"idempotency_key": "expire-again"}
    for _ in range(2):
        with pytest.raises(stripe.InvalidRequestError) as refused:
            stripe_client.v1.checkout.sessions.expire(session.id, options=options)
        assert refused.value.code == "checkout_session_not_open"
    assert refused.value.headers.get("Idempotent-Replayed") == "true"


def test_get_requests_ignore_idempotency_keys(stripe_client, new_session):
    session = new_session()
    stripe_client.v1.checkout.sessions.expire(session.id)
    fetched = stripe_client.v1.checkout.sessions.retrieve(session.id, options={"idempotency_key": "g"})
    again = stripe_client.v1.checkout.sessions.retrieve(session.id, options={"idempotency_key": "g"})
    assert fetched.status == again.status == "expired"
    assert again.last_response.headers.get("Idempotent-Replayed") is None
