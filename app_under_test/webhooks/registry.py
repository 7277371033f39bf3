"""Which providers' webhooks this app accepts, by URL name."""

from __future__ import annotations

from functools import cache

from app_under_test.webhooks.base import WebhookProvider


@cache
def webhook_providers() -> dict[str, WebhookProvider]:
    from app_under_test.webhooks import (
        calendly_handlers,
        calendly_ingest,
        sendgrid_handlers,
        sendgrid_ingest,
        stripe_handlers,
        stripe_ingest,
    )

    return {
        "calendly": WebhookProvider("calendly", calendly_ingest.parse, calendly_handlers.dispatch),
        "sendgrid": WebhookProvider("sendgrid", sendgrid_ingest.parse, sendgrid_handlers.dispatch),
        "stripe": WebhookProvider("stripe", stripe_ingest.parse, stripe_handlers.dispatch),
    }
