"""The simulator's signed deliveries are what stripe-python and the app's webhook parser expect.

The app verifies with ``stripe.Webhook.construct_event`` and reads the body as a dict; these tests
hold its parser to accepting and refusing exactly what construct_event does.

The endpoint is registered by the app's own code (``payments.setup``), every
delivery is verified with ``stripe.Webhook.construct_event`` and deserialises
into stripe-python's typed objects, carrying every field the handlers read;
the app's parser accepts each one under its event id.
"""

from __future__ import annotations

import pytest
import stripe

from app_under_test.config import Config
from app_under_test.payments.gateway import app_client
from app_under_test.payments.setup import ENABLED_EVENTS, register_webhook
from app_under_test.webhooks import stripe_ingest
from harness import http_clients
from harness.receiver import RecordingReceiver
from harness.servers import serve_in_thread
from tests.app.payments_fixtures import control, held_booking, pay, payments_app, stripe_server  # noqa: F401 (pytest fixtures, used by name)

pytestmark = [pytest.mark.stripe, pytest.mark.webhook]
TYPES = {
    "checkout.session": stripe.checkout.Session,
    "payment_intent": stripe.PaymentIntent,
    "charge": stripe.Charge,
    "refund": stripe.Refund,
}


@pytest.fixture
def receiver():
    recording = RecordingReceiver()
    running = serve_in_thread(recording, name="stripe-receiver")
    recording.url = running.url
    yield recording
    running.stop()


@pytest.fixture
def endpoint_secret(payments_app, receiver) -> str:
    config: Config = payments_app.extensions["booking_config"]
    config.public_base_url = receiver.url
    with payments_app.app_context():
        result = register_webhook(app_client(), config)
        assert result["status"] == "created" and result["url"] == f"{receiver.url}/webhooks/stripe"
        again = register_webhook(app_client(), config)
        assert again["status"] == "exists" and "secret" not in again  # Stripe shows a secret only once
    return result["secret"]


def test_every_delivery_verifies_and_deserialises_with_stripe_python(
    payments_app, stripe_server, receiver, endpoint_secret
):
    config: Config = payments_app.extensions["booking_config"]
    config.stripe_webhook_secret = endpoint_secret
    with payments_app.app_context():
        declined_id, declined_session = held_booking(payments_app)
        pay(stripe_server, declined_session, "4000000000000002")
        pay(stripe_server, declined_session, "4000002760003184", three_d_secure="fail")
        with control(stripe_server) as client:
            assert client.post(f"/checkout/sessions/{declined_session}/expire").status_code == 200
        paid_id, paid_session = held_booking(payments_app)
        outcome = pay(stripe_server, paid_session, "4000002500003155", three_d_secure="pass")
        app_client().v1.refunds.create(
            params={"payment_intent": outcome["payment_intent"]["id"], "metadata": {"bookingId": paid_id}}
        )
        bank_id, bank_session = held_booking(payments_app)
        pay(stripe_server, bank_session, payment_method="us_bank_account")
        with control(stripe_server) as client:
            assert client.post(f"/checkout/sessions/{bank_session}/settle", json={"outcome": "failed"}).is_success
    assert http_clients.post(f"{stripe_server.url}/_sim/deliveries/flush", timeout=30).is_success
    requests = receiver.requests
    assert requests
    seen = set()
    for request in requests:
        event = stripe.Webhook.construct_event(request.body, request.headers["Stripe-Signature"], endpoint_secret)
        assert isinstance(event, stripe.Event) and event.id.startswith("evt_")
        obj = event.data.object
        assert isinstance(obj, TYPES[event.type.rsplit(".", 1)[0]]), (event.type, type(obj))
        incoming = stripe_ingest.parse(request.body, request.headers, config)
        assert (incoming.dedupe_key, incoming.event_type) == (f"stripe:{event.id}", event.type)
        seen.add(event.type)
        if event.type.startswith("checkout.session."):
            assert obj.metadata["bookingId"] == obj.client_reference_id in (declined_id, paid_id, bank_id)
            assert isinstance(obj.amount_total, int) and obj.currency == "gbp"
        elif event.type == "payment_intent.payment_failed":
            assert obj.last_payment_error.code in (
                "card_declined",
                "payment_intent_authentication_failure",
                "payment_method_provider_decline",
            )
            assert obj.metadata["bookingId"] in (declined_id, bank_id) and obj.metadata["attempt"] == "1"
        elif event.type == "charge.succeeded":
            assert obj.payment_method_details.card.last4 == "3155" and obj.metadata["bookingId"] == paid_id
        elif event.type in ("refund.created", "charge.refunded"):
            assert obj.payment_intent == outcome["payment_intent"]["id"] and obj.amount == 4500
    assert seen <= set(ENABLED_EVENTS)  # the endpoint was subscribed to the handled events only
    assert seen >= {
        "checkout.session.completed",
        "checkout.session.expired",
        "checkout.session.async_payment_failed",
        "payment_intent.payment_failed",
        "payment_intent.succeeded",
        "charge.succeeded",
        "charge.refunded",
        "refund.created",
    }


def test_the_parser_refuses_what_construct_event_refuses(payments_app, stripe_server, receiver, endpoint_secret):
    config: Config = payments_app.extensions["booking_config"]
    config.stripe_webhook_secret = endpoint_secret
    body = b'{"id": "evt_1", "object": "event", "type": "checkout.session.completed", "data": {"object": {}}}'
    good = stripe.WebhookSignature.generate_signature_header(body.decode(), endpoint_secret)
    assert stripe_ingest.parse(body, {"Stripe-Signature": good}, config).dedupe_key == "stripe:evt_1"
    timestamp = int(good.split(",")[0][2:])
    cases = {
        "missing_signature": {},
        "invalid_signature": {"Stripe-Signature": good.replace("v1=", "v1=0")},
        "stale_signature": {
            "Stripe-Signature": stripe.WebhookSignature.generate_signature_header(
                body.decode(), endpoint_secret, timestamp - 301
            )
        },
    }
    for code, headers in cases.items():
        with pytest.raises(stripe_ingest.WebhookRejected) as refused:
            stripe_ingest.parse(body, headers, config)
        assert (refused.value.status, refused.value.code) == (400, code)
        with pytest.raises(stripe.SignatureVerificationError):  # the library refuses exactly the same
            stripe.Webhook.construct_event(body, headers.get("Stripe-Signature"), endpoint_secret)
    not_json = b"{not json"
    with pytest.raises(stripe_ingest.WebhookRejected) as refused:
        stripe_ingest.parse(
            not_json,
            {"Stripe-Signature": stripe.WebhookSignature.generate_signature_header(not_json.decode(), endpoint_secret)},
            config,
        )
    assert refused.value.code == "invalid_json"
    for shapeless in (b'{"id": "evt_2", "type": "charge.refunded", "data": {}}', b'["evt_3"]'):
        with pytest.raises(stripe_ingest.WebhookRejected) as refused:
            stripe_ingest.parse(
                shapeless,
                {
                    "Stripe-Signature": stripe.WebhookSignature.generate_signature_header(
                        shapeless.decode(), endpoint_secret
                    )
                },
                config,
            )
        assert refused.value.code == "invalid_event"


def test_the_endpoint_is_described_on_stripes_dashboard_as_the_booking_services(payments_app, endpoint_secret):
    """What an operator reads beside the endpoint in Stripe's Dashboard (several services may share an account)."""
    with payments_app.app_context():
        [endpoint] = list(app_client().v1.webhook_endpoints.list().auto_paging_iter())
        assert endpoint.description == "Booking service: checkout, payments and refunds"
        assert sorted(endpoint.enabled_events) == sorted(ENABLED_EVENTS)


def test_a_base_url_ending_in_a_slash_registers_the_webhook_path_once(payments_app, stripe_server):
    """NEXT_PUBLIC_BASE_URL written with a trailing slash: Stripe is told the same endpoint URL as without it."""
    config: Config = payments_app.extensions["booking_config"]
    config.public_base_url = "https://book.example.com/"
    run = payments_app.test_cli_runner().invoke(args=["payments", "register-webhook"])
    assert run.exit_code == 0, run.output
    with payments_app.app_context():
        endpoints = list(app_client().v1.webhook_endpoints.list().auto_paging_iter())
    assert [endpoint.url for endpoint in endpoints] == ["https://book.example.com/webhooks/stripe"]
