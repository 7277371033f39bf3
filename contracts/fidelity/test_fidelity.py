"""The simulators measured against the providers' published descriptions: zero violations, table up to date.

One run of every flow (``contracts.fidelity.reports``, about two seconds)
feeds all the tests; ``docs/fidelity.md`` must be exactly what
``harness fidelity`` writes from it, so the table in the docs cannot go stale.
"""

from __future__ import annotations

import pytest

pytest.importorskip("jsonschema", reason="jsonschema is a dev dependency of the schema checks")
from contracts.fidelity import __main__ as fidelity
from contracts.fidelity.stripe_check import (
    DESCRIPTION,
    FIXTURE_KEYS,
    LATER_ADDITIONS,
    LATER_EVENT_TYPES,
    check,
    missing_from_fixtures,
    stripe_event_types,
)
from contracts.fidelity.stripe_probe import Answer
from contracts.fidelity.validate import load, problems
from simulators.stripe.events import EVENT_TYPES

pytestmark = [pytest.mark.contract]


@pytest.fixture(scope="module")
def reports():
    return {report.provider: report for report in fidelity.reports()}


@pytest.mark.parametrize("provider", ["Stripe", "Calendly", "SendGrid"])
def test_every_object_conforms_to_the_providers_description(reports, provider):
    report = reports[provider]
    assert sum(report.validated.values()) > 0
    assert report.violations == []


def test_the_stripe_flows_cover_every_simulated_event_type_and_object_kind(reports):
    stripe = reports["Stripe"]
    assert set(stripe.event_types) == set(EVENT_TYPES)
    assert set(EVENT_TYPES) - stripe_event_types() == set(LATER_EVENT_TYPES)
    assert {
        "checkout.session",
        "payment_intent",
        "charge",
        "refund",
        "list of item",
        "webhook_endpoint",
        "deleted_webhook_endpoint",
        "error",
        "event",
    } <= set(stripe.validated)


def test_the_sendgrid_flows_post_every_event_kind_the_booking_service_handles(reports):
    assert {"processed", "delivered", "bounce", "deferred", "dropped"} <= set(reports["SendGrid"].event_types)
    assert reports["SendGrid"].validated["mail send request (booking service)"] >= 4


def test_the_fidelity_table_in_the_docs_is_current(reports):
    expected = fidelity.document([reports[name] for name in ("Stripe", "Calendly", "SendGrid")])
    assert fidelity.TABLE.read_text(encoding="utf-8") == expected, "docs/fidelity.md is stale: run harness fidelity"


@pytest.mark.parametrize(
    "mutation, expected",
    [
        (lambda price: price.update(product_description="x"), "'product_description' was unexpected"),
        (lambda price: price.pop("billing_scheme"), "'billing_scheme' is a required property"),
        (lambda price: price.update(lookup_key=None) or price.pop("nickname"), "'nickname' is a required property"),
        (lambda price: price.update(type="per_seat"), "'per_seat' is not one of"),
    ],
)
def test_a_divergent_object_is_caught(mutation, expected):
    price = {
        "id": "price_1",
        "object": "price",
        "active": False,
        "billing_scheme": "per_unit",
        "created": 1,
        "currency": "eur",
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": None,
        "metadata": {},
        "nickname": None,
        "product": "prod_1",
        "recurring": None,
        "tax_behavior": "unspecified",
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "one_time",
        "unit_amount": 4500,
        "unit_amount_decimal": "4500",
    }
    assert problems(price, DESCRIPTION, "price") == []
    mutation(price)
    assert any(expected in problem for problem in problems(price, DESCRIPTION, "price"))


def test_an_error_body_outside_stripes_shape_is_caught():
    answer = Answer("get", "/v1/refunds/{refund}", 404, {"error": {"type": "not_found", "message": "gone"}})
    assert any("'not_found' is not one of" in v for v in check([answer], []).violations)


def test_every_property_accepted_beyond_the_description_is_one_stripe_sends_in_the_announced_version():
    keys = load(FIXTURE_KEYS)["keys"]
    nested = {
        "payment_pages_checkout_session_automatic_tax": keys["checkout.session.automatic_tax"],
        "payment_pages_checkout_session_custom_text": keys["checkout.session.custom_text"],
        "payment_method_details_card": keys["charge.payment_method_details.card"],
    }
    for schema, prop in LATER_ADDITIONS:
        assert prop in keys.get(schema, nested.get(schema, [])), (schema, prop)


def test_a_property_stripes_fixtures_carry_is_missed_when_absent():
    charge = {"object": "charge", "payment_method_details": {"type": "card", "card": {}}}
    found = missing_from_fixtures({"object": "list", "data": [charge]}, "")
    assert "data.0: 'outcome', which Stripe's fixtures carry, is missing" in found
    assert "data.0.payment_method_details.card: 'network_token', which Stripe's fixtures carry, is missing" in found
