"""Production set-up with Calendly: the webhook subscription that sends this app its events.

``register_webhook`` is idempotent: it looks for a subscription to this app's
URL first and creates one (with the configured signing key) only when there is
none. A subscription Calendly disabled (24 hours of failed deliveries) cannot be
re-enabled, only replaced, so a disabled one is deleted and created again;
``force`` does the same for an active one (after rotating the signing key,
since Calendly never reads a key back). A 409 "Already Exists" means another
run got there first, which is success too.
"""

from __future__ import annotations

from typing import Any

from app_under_test.calendly.client import CalendlyClient, CalendlyConflict, path_of
from app_under_test.config import Config

EVENTS = [
    "invitee.created",
    "invitee.canceled",
    "invitee_no_show.created",
    "invitee_no_show.deleted",
    "routing_form_submission.created",
]  # the last needs the organization scope


def callback_url(config: Config) -> str:
    return f"{config.public_base_url.rstrip('/')}/webhooks/calendly"


def organization(client: CalendlyClient) -> str:
    organization_uri: str = client.me()["current_organization"]
    return organization_uri


def find_subscription(client: CalendlyClient, config: Config) -> dict[str, Any] | None:
    url = callback_url(config)
    for subscription in client.collection(
        "/webhook_subscriptions", organization=organization(client), scope="organization"
    ):
        if subscription.get("callback_url") == url:
            return subscription
    return None


def register_webhook(client: CalendlyClient, config: Config, *, force: bool = False) -> dict[str, Any]:
    """``{"status": created | exists | recreated, "subscription": {...}}``."""
    if not config.calendly_webhook_signing_key:
        raise ValueError("CALENDLY_WEBHOOK_SIGNING_KEY must be set: this app refuses unsigned Calendly webhooks")
    existing = find_subscription(client, config)
    if existing is not None and existing.get("state") == "active" and not force:
        return {"status": "exists", "subscription": existing}
    status = "created"
    if existing is not None:
        client.delete(path_of(existing["uri"]))
        status = "recreated"
    body = {
        "url": callback_url(config),
        "events": EVENTS,
        "organization": organization(client),
        "scope": "organization",
        "signing_key": config.calendly_webhook_signing_key,
    }
    try:
        created = client.post("/webhook_subscriptions", body)["resource"]
    except CalendlyConflict:
        return {"status": "exists", "subscription": find_subscription(client, config)}
    return {"status": status, "subscription": created}
