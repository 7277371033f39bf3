"""Checkout Sessions, PaymentIntents and API errors through stripe-python, unmodified, over real HTTP."""

from __future__ import annotations

import pytest
import stripe

from harness import http_clients
from tests.simulators.stripe.conftest import API_KEY, session_params

pytestmark = [pytest.mark.stripe]


def test_module_configuration_creates_and_retrieves_a_session(stripe_module, simulator):
    created = stripe.checkout.Session.create(**session_params())
    assert created.id.startswith("cs_test_") and created.object == "checkout.session"
    assert (created.status, created.payment_status, created.mode) == ("open", "unpaid", "payment")
    assert (created.amount_total, created.amount_subtotal, created.currency) == (4500, 4500, "gbp")
    assert created.metadata["booking_id"] == "bk_123" and created.client_reference_id == "bk_123"
    assert created.customer_email == "client@example.com" and created.customer_details is None
    assert created.payment_intent is None  # created at the first payment attempt (API >= 2022-08-01)
    assert created.url == f"{simulator.url}/stripe/c/pay/{created.id}"
    assert created.livemode is False
    assert created.expires_at - created.created == 24 * 3600
    fetched = stripe.checkout.Session.retrieve(created.id)
    assert fetched.to_dict() == created.to_dict()


def test_currency_is_lower_cased_and_amounts_sum_line_items(new_session):
    session = new_session(
        line_items=[
            {"price_data": {"currency": "EUR", "unit_amount": 1500, "product_data": {"name": "A"}}, "quantity": 2},
            {"price_data": {"currency": "eur", "unit_amount": 700, "product_data": {"name": "B"}}, "quantity": 1},
        ]
    )
    assert (session.currency, session.amount_total) == ("eur", 3700)


def test_line_items_are_listed_and_expandable(new_session, stripe_client):
    session = new_session()
    items = stripe_client.v1.checkout.sessions.line_items.list(session.id)
    assert [(i.description, i.quantity, i.amount_total, i.price.unit_amount) for i in items.data] == [
        ("Portfolio review (60 min)", 1, 4500, 4500)
    ]
    expanded = stripe_client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["line_items"]})
    assert expanded.line_items.data[0].description == "Portfolio review (60 min)"


def test_list_filters_by_payment_intent(new_session, pay, stripe_client):
    paid, other = new_session(), new_session()
    intent_id = pay(paid.id)["payment_intent"]["id"]
    found = stripe_client.v1.checkout.sessions.list(params={"payment_intent": intent_id})
    assert [s.id for s in found.data] == [paid.id]
    everything = stripe_client.v1.checkout.sessions.list()
    assert [s.id for s in everything.data] == [other.id, paid.id]  # newest first
    assert everything.object == "list" and everything.has_more is False and everything.url == "/v1/checkout/sessions"


def test_list_paginates_with_auto_paging(new_session, stripe_client):
    ids = [new_session().id for _ in range(5)]
    page = stripe_client.v1.checkout.sessions.list(params={"limit": 2})
    assert page.has_more is True and len(page.data) == 2
    assert [s.id for s in page.auto_paging_iter()] == list(reversed(ids))


def test_expire_an_open_session_then_refuse_a_second_time(new_session, stripe_client):
    session = new_session()
    expired = stripe_client.v1.checkout.sessions.expire(session.id)
    assert (expired.status, expired.url) == ("expired", None)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_client.v1.checkout.sessions.expire(session.id)
    assert refused.value.http_status == 400 and 'status of "expired"' in refused.value.user_message


def test_retrieving_the_payment_intent_and_charge_after_payment(new_session, pay, stripe_client):
    session = new_session()
    pay(session.id, name="Ada Lovelace")
    fetched = stripe_client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["payment_intent.latest_charge"]}
    )
    intent = fetched.payment_intent
    assert intent.id.startswith("pi_") and intent.status == "succeeded"
    assert (intent.amount, intent.amount_received, intent.currency) == (4500, 4500, "gbp")
    charge = intent.latest_charge
    assert charge.id.startswith("ch_") and charge.paid and not charge.refunded and charge.amount_refunded == 0
    assert (charge.payment_method_details.card.brand, charge.payment_method_details.card.last4) == ("visa", "4242")
    assert fetched.customer_details.email == "client@example.com"
    assert fetched.customer_details.name == "Ada Lovelace"
    plain = stripe_client.v1.payment_intents.retrieve(intent.id)
    assert plain.latest_charge == charge.id and plain.last_payment_error is None


def test_unknown_ids_are_resource_missing(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as missing:
        stripe_client.v1.checkout.sessions.retrieve("cs_test_nope")
    assert missing.value.http_status == 404 and missing.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.payment_intents.retrieve("pi_nope")


@pytest.mark.parametrize(
    ("overrides", "param", "code"),
    [
        ({"surprise": "yes"}, "surprise", "parameter_unknown"),
        (
            {
                "line_items": [
                    {
                        "price_data": {
                            "currency": "usd",
                            "unit_amount": 100,
                            "product_data": {"name": "x"},
                            "colour": "red",
                        },
                        "quantity": 1,
                    }
                ]
            },
            "line_items[0][price_data][colour]",
            "parameter_unknown",
        ),
        ({"mode": None}, "mode", "parameter_missing"),
        ({"success_url": "not a url"}, "success_url", "url_invalid"),
        ({"customer_email": "nobody"}, "customer_email", "email_invalid"),
        (
            {
                "line_items": [
                    {
                        "price_data": {"currency": "usd", "unit_amount": "ten", "product_data": {"name": "x"}},
                        "quantity": 1,
                    }
                ]
            },
            "line_items[0][price_data][unit_amount]",
            "parameter_invalid_integer",
        ),
        (
            {"line_items": [{"price_data": {"currency": "usd", "unit_amount": 100, "product_data": {"name": "x"}}}]},
            "line_items[0][quantity]",
            "parameter_missing",
        ),
    ],
)
def test_invalid_parameters_fail_like_stripe(new_session, overrides, param, code):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        new_session(**overrides)
    assert (refused.value.http_status, refused.value.param, refused.value.code) == (400, param, code)
    assert refused.value.json_body["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    ("offset", "accepted"), [(29 * 60, False), (30 * 60, True), (24 * 3600, True), (24 * 3600 + 120, False)]
)
def test_expires_at_must_be_between_30_minutes_and_24_hours(new_session, simulator, offset, accepted):
    expires_at = int(simulator.hub.clock.now()) + offset
    if accepted:
        assert new_session(expires_at=expires_at).expires_at == expires_at
    else:
        with pytest.raises(stripe.InvalidRequestError) as refused:
            new_session(expires_at=expires_at)
        assert refused.value.param == "expires_at"


def test_unknown_and_missing_keys_are_401(api_base, stripe_control):
    bad = stripe.StripeClient("sk_test_unknown", base_addresses={"api": api_base}, max_network_retries=0)
    bad.v1.checkout.sessions.list()  # any sk_test_ key works until keys are configured
    assert stripe_control.post("/config", json={"api_keys": [API_KEY]}).status_code == 200
    with pytest.raises(stripe.AuthenticationError) as refused:
        bad.v1.checkout.sessions.list()
    assert refused.value.http_status == 401 and "Invalid API Key" in refused.value.user_message
    assert "sk_test_unknown" not in refused.value.user_message  # the key is redacted
    assert http_clients.get(f"{api_base}/v1/checkout/sessions").status_code == 401
    good = stripe.StripeClient(API_KEY, base_addresses={"api": api_base}, max_network_retries=0)
    assert good.v1.checkout.sessions.list().object == "list"


def test_unknown_url_is_a_stripe_style_404(stripe_module):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe.Customer.retrieve("cus_123")
    assert refused.value.http_status == 404 and "Unrecognized request URL" in refused.value.user_message


def test_responses_carry_request_id_and_pretty_json(api_base):
    response = http_clients.get(f"{api_base}/v1/checkout/sessions", headers={"Authorization": f"Bearer {API_KEY}"})
    assert response.headers["Request-Id"].startswith("req_")
    assert response.text.startswith('{\n  "object": "list",')
