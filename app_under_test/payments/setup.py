"""Registering the app's Stripe webhook endpoint through the API, as an operator does once per deployment.

Stripe returns an endpoint's signing secret only when the endpoint is created,
so the command prints it for the operator to put into ``STRIPE_WEBHOOK_SECRET``.
An endpoint for the same URL is reused (its secret is not shown again) unless
``replace`` asks for a fresh one: the old endpoint is deleted and a new one made.
"""

from __future__ import annotations

from typing import Any, Final

import stripe

from app_under_test.config import Config
from app_under_test.payments.gateway import classify

# What the handlers act on (``webhooks.stripe_handlers``); anything else would only be stored and ignored.
ENABLED_EVENTS: Final = (  # Final keeps the names as literals, the type Stripe's params ask for
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "charge.succeeded",
    "charge.refunded",
    "refund.created",
    "refund.updated",
    "refund.failed",
)


def webhook_url(config: Config) -> str:
    return f"{config.public_base_url.rstrip('/')}/webhooks/stripe"


def find_endpoint(client: stripe.StripeClient, url: str) -> stripe.WebhookEndpoint | None:
    try:
        for endpoint in client.v1.webhook_endpoints.list(params={"limit": 100}).auto_paging_iter():
            if endpoint.url == url:
                return endpoint
    except stripe.StripeError as exc:
        raise classify(exc) from exc
    return None


def register_webhook(client: stripe.StripeClient, config: Config, *, replace: bool = False) -> dict[str, Any]:
    """``{"status": created|exists|replaced, "id", "url", "secret" (new endpoints only)}``."""
    url = webhook_url(config)
    existing = find_endpoint(client, url)
    try:
        if existing is not None and not replace:
            return {"status": "exists", "id": existing.id, "url": url, "enabled_events": list(existing.enabled_events)}
        if existing is not None:
            client.v1.webhook_endpoints.delete(existing.id)
        created = client.v1.webhook_endpoints.create(
            params={
                "url": url,
                "enabled_events": list(ENABLED_EVENTS),
                "description": "Booking service: checkout, payments and refunds",
            }
        )
    except stripe.StripeError as exc:
        raise classify(exc) from exc
    return {
        "status": "replaced" if existing is not None else "created",
        "id": created.id,
        "url": url,
        "enabled_events": list(created.enabled_events),
        "secret": created.secret,
    }
