"""API faults exercised through stripe-python's own retries (same Idempotency-Key on every retry)."""

from __future__ import annotations

import threading
import time

import pytest
import stripe

from tests.simulators.stripe.conftest import API_KEY, session_params

pytestmark = [pytest.mark.stripe, pytest.mark.fault]

SESSIONS = "/v1/checkout/sessions"


@pytest.fixture
def retrying_client(api_base):
    return stripe.StripeClient(API_KEY, base_addresses={"api": api_base}, max_network_retries=2)


def add_fault(stripe_control, **spec) -> dict:
    response = stripe_control.post("/faults", json=spec)
    assert response.status_code == 201, response.text
    return response.json()


def sessions_in(stripe_control) -> list[dict]:
    return stripe_control.get("/state").json()["checkout_sessions"]


def faults_left(stripe_control) -> list[dict]:
    return stripe_control.get("/faults").json()["faults"]


@pytest.mark.parametrize("response", ["500", "503", "reset"])
def test_lost_response_after_processing_is_retried_into_exactly_one_session(retrying_client, stripe_control, response):
    add_fault(stripe_control, method="POST", path=SESSIONS, response=response, when="after")
    session = retrying_client.v1.checkout.sessions.create(params=session_params())
    assert [s["id"] for s in sessions_in(stripe_control)] == [session.id]
    assert session.last_response.headers["Idempotent-Replayed"] == "true"
    assert faults_left(stripe_control) == []


@pytest.mark.parametrize("response", ["500", "503", "reset"])
def test_failures_before_processing_are_retried(retrying_client, stripe_control, response):
    add_fault(stripe_control, method="POST", path=SESSIONS, response=response, times=2)
    session = retrying_client.v1.checkout.sessions.create(params=session_params())
    assert [s["id"] for s in sessions_in(stripe_control)] == [session.id]
    assert session.last_response.headers.get("Idempotent-Replayed") is None


def test_failures_beyond_the_retry_budget_surface_as_api_error(retrying_client, stripe_control):
    add_fault(stripe_control, method="POST", path=SESSIONS, response="500", times=3)
    with pytest.raises(stripe.APIError) as failed:
        retrying_client.v1.checkout.sessions.create(params=session_params())
    assert failed.value.http_status == 500 and failed.value.json_body["error"]["type"] == "api_error"
    assert sessions_in(stripe_control) == []


def test_rate_limit_is_not_retried_by_default(retrying_client, stripe_control):
    add_fault(stripe_control, method="POST", path=SESSIONS, response="429", times=3)
    with pytest.raises(stripe.RateLimitError) as limited:
        retrying_client.v1.checkout.sessions.create(params=session_params())
    assert limited.value.http_status == 429 and limited.value.json_body["error"]["code"] == "rate_limit"
    assert faults_left(stripe_control)[0]["fired"] == 1


def test_rate_limit_marked_retryable_surfaces_once_retries_are_exhausted(retrying_client, stripe_control):
    add_fault(stripe_control, method="POST", path=SESSIONS, response="429", times=3, should_retry=True)
    with pytest.raises(stripe.RateLimitError):
        retrying_client.v1.checkout.sessions.create(params=session_params())
    assert faults_left(stripe_control) == []  # the library tried 1 + 2 times
    assert sessions_in(stripe_control) == []


def test_faults_match_method_and_path(stripe_client, stripe_control, new_session):
    add_fault(stripe_control, method="POST", path="/v1/refunds", response="500", times=None)
    session = new_session()
    assert stripe_client.v1.checkout.sessions.retrieve(session.id).id == session.id
    assert faults_left(stripe_control)[0]["fired"] == 0


def test_timeout_after_processing_then_retry_gets_the_stored_result(api_base, stripe_control):
    add_fault(stripe_control, method="POST", path=SESSIONS, response="timeout", when="after", hold_seconds=30)
    impatient = stripe.StripeClient(
        API_KEY, base_addresses={"api": api_base}, max_network_retries=1, http_client=stripe.RequestsClient(timeout=1)
    )
    started = time.monotonic()
    session = impatient.v1.checkout.sessions.create(params=session_params())
    assert time.monotonic() - started < 20  # the retry answered; nobody waited out the hold
    assert [s["id"] for s in sessions_in(stripe_control)] == [session.id]
    assert stripe_control.delete("/faults").status_code == 200  # releases the held response


def test_a_timeout_without_retries_is_a_connection_error(api_base, stripe_control):
    add_fault(stripe_control, method="POST", path=SESSIONS, response="timeout", hold_seconds=30)
    impatient = stripe.StripeClient(
        API_KEY, base_addresses={"api": api_base}, max_network_retries=0, http_client=stripe.RequestsClient(timeout=0.5)
    )
    with pytest.raises(stripe.APIConnectionError):
        impatient.v1.checkout.sessions.create(params=session_params())
    stripe_control.delete("/faults")


def test_clearing_faults_releases_a_held_request(stripe_client, stripe_control):
    add_fault(stripe_control, method="GET", path=SESSIONS, response="timeout", hold_seconds=120)
    finished = threading.Event()

    def slow_call():
        stripe_client.v1.checkout.sessions.list()
        finished.set()

    worker = threading.Thread(target=slow_call, daemon=True)
    worker.start()
    deadline = time.monotonic() + 10
    while faults_left(stripe_control) and time.monotonic() < deadline:
        pass  # the fault disappears from the book once the request took it
    assert faults_left(stripe_control) == []
    assert not finished.is_set()
    stripe_control.delete("/faults")
    assert finished.wait(10)


def test_down_mode_answers_503_until_cleared(stripe_client, stripe_control):
    add_fault(stripe_control, down="503")
    with pytest.raises(stripe.APIError) as down:
        stripe_client.v1.checkout.sessions.list()
    assert down.value.http_status == 503
    stripe_control.delete("/faults")
    assert stripe_client.v1.checkout.sessions.list().object == "list"


def test_down_mode_with_resets_is_a_connection_error(retrying_client, stripe_control):
    add_fault(stripe_control, down="reset")
    with pytest.raises(stripe.APIConnectionError) as down:
        retrying_client.v1.checkout.sessions.create(params=session_params())
    assert down.value.should_retry is True
    assert sessions_in(stripe_control) == []


@pytest.mark.parametrize(
    "spec",
    [
        {"response": "418"},
        {"when": "during"},
        {"times": 0},
        {"colour": "red"},
        {"response": "timeout"},
        {"down": "maybe"},
        {"hold_seconds": -1},
    ],
)
def test_bad_fault_specs_are_refused(stripe_control, spec):
    response = stripe_control.post("/faults", json=spec)
    assert response.status_code == 400 and response.json()["error"]
