"""A minimal Stripe event signed as Stripe signs it, for tests that post to the app's webhook themselves."""

from __future__ import annotations

import json
import time

import stripe


def signed_stripe_event(secret: str, event_id: str) -> tuple[bytes, str]:
    """The body of a ``customer.created`` event and its ``Stripe-Signature`` header, signed now."""
    body = json.dumps(
        {
            "id": event_id,
            "object": "event",
            "api_version": "2025-03-31.basil",
            "created": int(time.time()),
            "type": "customer.created",
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "data": {"object": {"id": "cus_launcher", "object": "customer"}},
        }
    ).encode()
    header = stripe.WebhookSignature.generate_signature_header(body.decode(), secret, int(time.time()))
    return body, header
