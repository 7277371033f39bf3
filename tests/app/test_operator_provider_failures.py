"""What the operator API answers when a provider fails it: 503 when worth retrying, 502 when the provider
refused, each with the provider named in the reason code and the provider's own words in the message."""

from __future__ import annotations

import pytest
from flask import Flask, jsonify

from harness.servers import serve_in_thread
from tests.app.web_fixtures import ADMIN_TOKEN, make_web_app

pytestmark = [pytest.mark.database]
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def refusing_provider():
    """A provider that refuses every request with 401 and a JSON error in both Stripe's and Calendly's shape."""
    fake = Flask("refusing-provider")

    @fake.route("/<path:anything>", methods=["GET", "POST"])
    def refuse(anything: str):
        return jsonify(
            {
                "error": {"type": "invalid_request_error", "message": "Invalid API Key provided: sk_test_****"},
                "title": "Unauthenticated",
                "message": "The access token is invalid",
            }
        ), 401

    running = serve_in_thread(fake, name="refusing-provider")
    yield running.url
    running.stop()


@pytest.fixture
def stripe_in_maintenance():
    """A Stripe that answers every request 503 with its own words, its request id, and no retry to make."""
    fake = Flask("stripe-in-maintenance")

    @fake.route("/<path:anything>", methods=["GET", "POST"])
    def unavailable(anything: str):
        body = {"error": {"type": "api_error", "message": "Stripe is down for scheduled maintenance."}}
        return jsonify(body), 503, {"Request-Id": "req_maintenance_1", "Stripe-Should-Retry": "false"}

    running = serve_in_thread(fake, name="stripe-in-maintenance")
    yield running.url
    running.stop()


def test_stripe_unreachable_is_a_503_stripe_error(db_url):
    app = make_web_app(db_url)  # its Stripe is a closed port
    response = app.test_client().post("/admin/api/payments/register-webhook", json={}, headers=AUTH)
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "stripe_error"
    assert response.get_json()["error"]["message"]
    app.extensions["booking_db"].dispose()


def test_stripe_refusing_the_key_is_a_502_with_stripes_words(db_url, refusing_provider):
    app = make_web_app(db_url, stripe_api_base=refusing_provider)
    response = app.test_client().post("/admin/api/payments/register-webhook", json={}, headers=AUTH)
    assert response.status_code == 502
    error = response.get_json()["error"]
    assert error["code"] == "stripe_error" and "Invalid API Key" in error["message"]
    app.extensions["booking_db"].dispose()


def test_stripe_down_is_a_503_naming_stripes_status_and_its_own_words(db_url, stripe_in_maintenance):
    app = make_web_app(db_url, stripe_api_base=stripe_in_maintenance)
    response = app.test_client().post("/admin/api/payments/register-webhook", json={}, headers=AUTH)
    assert response.status_code == 503
    assert response.get_json()["error"] == {
        "code": "stripe_error",
        "message": "Stripe answered 503: Stripe is down for scheduled maintenance.",
    }
    app.extensions["booking_db"].dispose()


def test_calendly_unreachable_is_a_503_calendly_error(db_url):
    app = make_web_app(db_url, calendly_api_token="token", calendly_api_base="http://127.0.0.1:9")
    client = app.test_client()
    for response in (
        client.get("/admin/api/calendly/subscription", headers=AUTH),
        client.post("/admin/api/calendly/reconcile", json={}, headers=AUTH),
    ):
        assert response.status_code == 503
        error = response.get_json()["error"]
        assert error["code"] == "calendly_error" and "Calendly unreachable" in error["message"]
    app.extensions["booking_db"].dispose()


def test_calendly_refusing_the_token_is_a_502_with_calendlys_words(db_url, refusing_provider):
    app = make_web_app(db_url, calendly_api_token="token", calendly_api_base=refusing_provider)
    response = app.test_client().get("/admin/api/calendly/subscription", headers=AUTH)
    assert response.status_code == 502
    error = response.get_json()["error"]
    assert error["code"] == "calendly_error"
    assert "401" in error["message"] and "The access token is invalid" in error["message"]
    app.extensions["booking_db"].dispose()
