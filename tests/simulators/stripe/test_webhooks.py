"""Signed webhook deliveries, verified by the receiver with stripe-python exactly as an app would."""

from __future__ import annotations

import json

import pytest
import stripe

from harness import http_clients
from tests.simulators.stripe.conftest import session_params

pytestmark = [pytest.mark.stripe, pytest.mark.webhook]

SECRET = "whsec_receiver_knows_this_secret"


@pytest.fixture
def hook_url(receiver) -> str:
    return f"{receiver.url}/webhooks/stripe"


@pytest.fixture
def endpoint(stripe_control, hook_url) -> dict:
    """A webhook endpoint for every event type, with a secret chosen by the test."""
    response = stripe_control.post("/webhook_endpoints", json={"url": hook_url, "secret": SECRET})
    assert response.status_code == 201
    return response.json()


@pytest.fixture
def flush(control):
    def send_due() -> list[dict]:
        return control.post("/deliveries/flush").json()["attempts"]

    return send_due


def verified(request, secret: str = SECRET) -> stripe.Event:
    return stripe.Webhook.construct_event(request.body, request.headers["Stripe-Signature"], secret)


def test_endpoint_created_through_the_api_receives_only_its_events(
    stripe_client, hook_url, new_session, pay, flush, receiver
):
    created = stripe_client.v1.webhook_endpoints.create(
        params={"url": hook_url, "enabled_events": ["checkout.session.completed"]}
    )
    assert created.secret.startswith("whsec_") and created.status == "enabled"
    assert "secret" not in stripe_client.v1.webhook_endpoints.retrieve(created.id)
    session = new_session()
    pay(session.id)
    assert len(flush()) == 1
    [request] = receiver.requests
    event = verified(request, created.secret)
    assert event.type == "checkout.session.completed" and event.id.startswith("evt_")
    assert isinstance(event.data.object, stripe.checkout.Session)
    assert (event.data.object.id, event.data.object.metadata["booking_id"]) == (session.id, "bk_123")
    assert event.data.object.payment_status == "paid" and event.livemode is False
    assert event.api_version == "2024-06-20" and event.request.id is None and event.pending_webhooks == 1
    assert request.body.startswith(b'{\n  "id": "evt_')
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.headers["User-Agent"].startswith("Stripe/1.0")


def test_wildcard_endpoint_gets_every_event_in_emission_order(endpoint, new_session, pay, flush, receiver):
    pay(new_session().id)
    flush()
    assert [verified(r).type for r in receiver.requests] == [
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
        "checkout.session.completed",
    ]


def test_events_deserialize_with_construct_from(endpoint, new_session, pay, flush, receiver):
    pay(new_session().id, "4000000000000002")
    flush()
    body = json.loads(receiver.requests[-1].body)
    event = stripe.Event.construct_from(body, stripe.api_key)
    assert event.type == "payment_intent.payment_failed"
    intent = event.data.object
    assert isinstance(intent, stripe.PaymentIntent) and intent.status == "requires_payment_method"
    assert intent.last_payment_error.decline_code == "generic_decline"


def test_rotated_secret_sends_one_v1_per_active_secret(
    endpoint, stripe_control, simulator, new_session, pay, flush, receiver
):
    rolled = stripe_control.post(f"/webhook_endpoints/{endpoint['id']}/roll_secret", json={"expires_in": 3600}).json()
    new_secret = rolled["secret"]
    assert new_secret != SECRET and rolled["active_secrets"] == [new_secret, SECRET]
    pay(new_session().id)
    flush()
    request = receiver.requests[0]
    header = request.headers["Stripe-Signature"]
    assert header.count("v1=") == 2 and header.startswith("t=")
    assert verified(request, new_secret).id == verified(request, SECRET).id
    simulator.hub.clock.advance(3601)
    pay(new_session().id)
    flush()
    late = receiver.requests[-1]
    assert late.headers["Stripe-Signature"].count("v1=") == 1
    verified(late, new_secret)
    with pytest.raises(stripe.SignatureVerificationError):
        verified(late, SECRET)


def test_wrong_key_plan_fails_verification(endpoint, control, new_session, pay, flush, receiver):
    control.post(
        "/plans", json={"provider": "stripe", "plan": {"wrong_key": True}, "event_type": "checkout.session.completed"}
    )
    pay(new_session().id)
    flush()
    completed = [r for r in receiver.requests if b'"checkout.session.completed"' in r.body]
    with pytest.raises(stripe.SignatureVerificationError):
        verified(completed[0])
    assert all(verified(r) for r in receiver.requests if r not in completed)


@pytest.mark.parametrize("variant", ["missing_metadata", "data_object_missing", "not_an_event"])
def test_shape_variants_are_signed_but_malformed(endpoint, control, new_session, pay, flush, receiver, variant):
    control.post(
        "/plans",
        json={"provider": "stripe", "plan": {"wrong_shape": variant}, "event_type": "checkout.session.completed"},
    )
    session = new_session()
    pay(session.id)
    flush()
    body = next(
        json.loads(r.body)
        for r in receiver.requests
        if json.loads(r.body).get("type") in (None, "checkout.session.completed")
    )
    if variant == "missing_metadata":
        assert body["data"]["object"]["metadata"] == {}
    elif variant == "data_object_missing":
        assert "object" not in body["data"]
    else:
        assert body["object"] == "checkout.session" and body["id"] == session.id


def test_distinct_duplicate_is_a_second_event_for_the_same_change(
    endpoint, control, new_session, pay, flush, receiver, stripe_client
):
    control.post(
        "/plans",
        json={"provider": "stripe", "plan": {"distinct_duplicate": True}, "event_type": "checkout.session.completed"},
    )
    session = new_session()
    pay(session.id)
    flush()
    completed = [verified(r) for r in receiver.requests if b'"checkout.session.completed"' in r.body]
    assert len(completed) == 2 and completed[0].id != completed[1].id
    assert completed[0].data.object.id == completed[1].data.object.id == session.id
    assert completed[0].request.id != completed[1].request.id
    listed = stripe_client.v1.events.list(params={"type": "checkout.session.completed"})
    assert {e.id for e in listed.data} == {e.id for e in completed}


def test_failed_delivery_is_retried_on_the_virtual_clock(
    endpoint, control, new_session, pay, flush, receiver, stripe_client
):
    receiver.respond_with(500)
    session = new_session()
    stripe_client.v1.checkout.sessions.expire(session.id)
    [first] = flush()
    assert first["response_status"] == 500
    event_id = first["event_id"]
    assert stripe_client.v1.events.retrieve(event_id).pending_webhooks == 1
    assert [e.id for e in stripe_client.v1.events.list(params={"delivery_success": False}).data] == [event_id]
    assert control.post("/clock/advance", json={"seconds": 3599}).json()["attempts"] == []
    [retry] = control.post("/clock/advance", json={"seconds": 1}).json()["attempts"]
    assert retry["response_status"] == 200 and retry["attempt_no"] == 2
    assert verified(receiver.requests[-1]).id == event_id
    assert stripe_client.v1.events.retrieve(event_id).pending_webhooks == 0
    assert [e.id for e in stripe_client.v1.events.list(params={"delivery_success": True}).data] == [event_id]


def test_test_mode_gives_up_after_three_retries(
    endpoint, control, stripe_control, new_session, stripe_client, flush, receiver
):
    receiver.default_status = 503
    stripe_client.v1.checkout.sessions.expire(new_session().id)
    flush()
    for hours in (1, 2, 3):
        control.post("/clock/advance", json={"seconds": hours * 3600})
    assert len(receiver.requests) == 4
    [gave_up] = stripe_control.get("/state").json()["exhausted_deliveries"]
    assert gave_up["event_type"] == "checkout.session.expired" and gave_up["attempts"] == 4


def test_live_retry_schedule_via_config(endpoint, control, stripe_control, new_session, stripe_client, flush, receiver):
    assert stripe_control.post("/config", json={"retry": "live"}).json()["retry"] == "live"
    receiver.respond_with(500)
    stripe_client.v1.checkout.sessions.expire(new_session().id)
    flush()
    [retry] = control.post("/clock/advance", json={"seconds": 60}).json()["attempts"]
    assert retry["response_status"] == 200


def test_disabled_and_deleted_endpoints_get_nothing(stripe_client, hook_url, new_session, flush, receiver):
    created = stripe_client.v1.webhook_endpoints.create(params={"url": hook_url, "enabled_events": ["*"]})
    stripe_client.v1.webhook_endpoints.update(created.id, params={"disabled": True})
    stripe_client.v1.checkout.sessions.expire(new_session().id)
    stripe_client.v1.webhook_endpoints.update(created.id, params={"disabled": False})
    stripe_client.v1.checkout.sessions.expire(new_session().id)
    deleted = stripe_client.v1.webhook_endpoints.delete(created.id)
    assert deleted.deleted is True
    stripe_client.v1.checkout.sessions.expire(new_session().id)
    flush()
    assert len(receiver.requests) == 1
    assert stripe_client.v1.webhook_endpoints.list().data == []


def test_endpoint_api_version_is_reflected_in_its_payloads(stripe_client, hook_url, new_session, flush, receiver):
    created = stripe_client.v1.webhook_endpoints.create(
        params={"url": hook_url, "enabled_events": ["checkout.session.expired"], "api_version": "2023-10-16"}
    )
    stripe_client.v1.checkout.sessions.expire(new_session().id)
    flush()
    assert verified(receiver.requests[0], created.secret).api_version == "2023-10-16"


def test_events_api_filters_and_pages(endpoint, new_session, pay, stripe_client, simulator):
    first = new_session()
    pay(first.id)
    simulator.hub.clock.advance(100)
    cutoff = int(simulator.hub.clock.now())
    pay(new_session().id, "4000000000000002")
    recent = stripe_client.v1.events.list(params={"created": {"gte": cutoff}})
    assert [e.type for e in recent.data] == ["payment_intent.payment_failed", "charge.failed", "payment_intent.created"]
    wildcard = stripe_client.v1.events.list(params={"type": "payment_intent.*"})
    assert {e.type for e in wildcard.data} == {
        "payment_intent.created",
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
    }
    page = stripe_client.v1.events.list(params={"limit": 3})
    assert page.has_more is True
    assert len(list(page.auto_paging_iter())) == 7
    assert stripe_client.v1.events.retrieve(page.data[0].id).type == page.data[0].type


def test_automatic_delivery_needs_no_flush(auto_simulator, receiver, hook_url):
    """As with real Stripe: pay, and the signed events simply arrive."""
    base = f"{auto_simulator.url}/stripe"
    with http_clients.client(base_url=f"{auto_simulator.url}/_sim/stripe", timeout=30) as control:
        secret = control.post(
            "/webhook_endpoints", json={"url": hook_url, "enabled_events": ["checkout.session.completed"]}
        ).json()["secret"]
        client = stripe.StripeClient("sk_test_auto", base_addresses={"api": base}, max_network_retries=0)
        session = client.v1.checkout.sessions.create(params=session_params())
        control.post(f"/checkout/sessions/{session.id}/pay", json={"card": "4242424242424242"})
    [request] = receiver.wait_for(1)
    assert verified(request, secret).data.object.id == session.id
    assert auto_simulator.hub.engine.wait_idle(10)
