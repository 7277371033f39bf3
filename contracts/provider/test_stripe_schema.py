"""The Stripe simulator's Checkout Sessions and events against Stripe's published OpenAPI schema.

The pacts say what the booking service needs; this says the simulator cannot
drift from Stripe itself. Sessions are created, paid, declined, expired and
refunded through stripe-python and the simulator's control API, then every
session (as the API returns it and as events carry it) and every event are
validated against the trimmed copy of Stripe's spec in ``contracts/schemas/``.
"""

from __future__ import annotations

import pytest
import stripe

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is a dev dependency of the schema checks")
from contracts.schemas.openapi import STRIPE, problems
from harness import http_clients

pytestmark = [pytest.mark.contract, pytest.mark.stripe]

KEY = "sk_test_contracts_schema"


def create_session(client: stripe.StripeClient, reference: str) -> stripe.checkout.Session:
    return client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "success_url": "https://app.example/paid?session={CHECKOUT_SESSION_ID}",
            "cancel_url": "https://app.example/cancel",
            "client_reference_id": reference,
            "customer_email": "client@example.com",
            "metadata": {"booking_id": reference},
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {"currency": "eur", "unit_amount": 4500, "product_data": {"name": "Pathway session"}},
                }
            ],
        }
    )


@pytest.fixture
def stripe_activity(simulators):
    """Sessions in every state the booking flow meets, and every event the simulator recorded for them."""
    client = stripe.StripeClient(KEY, base_addresses={"api": f"{simulators.url}/stripe"}, max_network_retries=0)
    control = http_clients.client(base_url=f"{simulators.url}/_sim/stripe", timeout=30)
    paid, declined, expired = (create_session(client, ref) for ref in ("bk_paid", "bk_declined", "bk_expired"))
    assert control.post(f"/checkout/sessions/{paid.id}/pay", json={"card": "4242424242424242"}).status_code == 200
    assert control.post(f"/checkout/sessions/{declined.id}/pay", json={"card": "4000000000000002"}).status_code == 200
    client.v1.checkout.sessions.expire(expired.id)
    paid = client.v1.checkout.sessions.retrieve(paid.id)
    client.v1.refunds.create(params={"payment_intent": paid.payment_intent})
    sessions = [client.v1.checkout.sessions.retrieve(s.id).to_dict() for s in (paid, declined, expired)]
    events = [e.to_dict() for e in client.v1.events.list(params={"limit": 100}).data]
    control.close()
    return {"sessions": sessions, "events": events}


def test_sessions_returned_by_the_api_match_the_checkout_session_schema(stripe_activity):
    assert {s["status"] for s in stripe_activity["sessions"]} == {"complete", "open", "expired"}
    for session in stripe_activity["sessions"]:
        assert problems(session, STRIPE, "checkout.session") == [], session["status"]


def test_every_event_matches_the_event_schema(stripe_activity):
    types = {e["type"] for e in stripe_activity["events"]}
    assert {
        "checkout.session.completed",
        "checkout.session.expired",
        "payment_intent.payment_failed",
        "charge.refunded",
    } <= types
    for event in stripe_activity["events"]:
        assert problems(event, STRIPE, "event") == [], event["type"]


def test_sessions_inside_checkout_events_match_too(stripe_activity):
    carried = [e["data"]["object"] for e in stripe_activity["events"] if e["type"].startswith("checkout.session.")]
    assert len(carried) >= 2
    for session in carried:
        assert problems(session, STRIPE, "checkout.session") == []


def test_a_session_that_breaks_stripes_schema_is_caught(stripe_activity):
    session = dict(stripe_activity["sessions"][0])
    del session["payment_status"]
    session["status"] = "paid"
    session["amount_total"] = "45.00"
    session["ui_mode"] = "embedded"  # neither the current value (embedded_page) nor a widened older one

    found = problems(session, STRIPE, "checkout.session")

    assert "<root>: 'payment_status' is a required property" in found
    assert any(p.startswith("status:") for p in found)
    assert any(p.startswith("amount_total:") for p in found)
    assert any(p.startswith("ui_mode:") for p in found)
