"""Stripe webhook verification and envelope checks.

The signature is checked by ``stripe.Webhook.construct_event`` over the raw
bytes exactly as received, with Stripe's 5-minute tolerance (during a secret
rotation Stripe sends one ``v1`` per active secret; any match passes). The
handlers read the event as a plain dict (``json.loads`` of the same bytes).
Refusals are told apart for the operator and the provider's journal:
``missing_signature``, ``stale_signature`` (a well-formed signature too old to
trust), ``invalid_signature``, ``invalid_json``, ``invalid_event``.

The dedupe key is Stripe's event id. Stripe can also send two *distinct* events
(new ids) for one change; those are stored twice and made harmless by the
handlers, which apply a change only once (``payments.settlement``).
"""

from __future__ import annotations

import json
import time
from typing import Any

import stripe

from app_under_test.config import Config
from app_under_test.webhooks.base import RequestHeaders, WebhookRejected
from app_under_test.webhooks.inbox import IncomingEvent

HEADER = "Stripe-Signature"
TOLERANCE_SECONDS = 300
MAX_EVENT_ID = 255


def _timestamp(header: str) -> int | None:
    for item in header.split(","):
        name, _, value = item.partition("=")
        if name == "t" and value.isascii() and value.isdigit():
            return int(value)
    return None


def verify(raw: bytes, header: str | None, secret: str, *, tolerance: int = TOLERANCE_SECONDS) -> dict[str, Any]:
    """The verified event as a dict, or ``WebhookRejected`` with the reason."""
    if not header:
        raise WebhookRejected(400, "missing_signature", f"the {HEADER} header is missing")
    try:
        payload = raw.decode("utf-8")
        stripe.Webhook.construct_event(payload, header, secret, tolerance)
        event = json.loads(payload)
    except (TypeError, AttributeError) as exc:  # JSON, but not an object stripe-python can read as an event
        raise WebhookRejected(400, "invalid_event", "the body must be a JSON object (a Stripe event)") from exc
    except ValueError as exc:  # not UTF-8, or not JSON
        raise WebhookRejected(400, "invalid_json", f"the body is not valid JSON ({exc})") from exc
    except stripe.SignatureVerificationError as exc:
        signed_at = _timestamp(header)
        if signed_at is not None and time.time() - signed_at > tolerance:
            raise WebhookRejected(
                400, "stale_signature", f"the signature timestamp is older than {tolerance} seconds"
            ) from exc
        raise WebhookRejected(400, "invalid_signature", "the signature does not match the body") from exc
    if not isinstance(event, dict):
        raise WebhookRejected(400, "invalid_event", "the body must be a JSON object (a Stripe event)")
    return event


def parse(raw: bytes, headers: RequestHeaders, config: Config) -> IncomingEvent:
    if not config.stripe_webhook_secret:
        raise WebhookRejected(503, "not_configured", "Stripe webhooks are not configured")
    event = verify(raw, headers.get(HEADER), config.stripe_webhook_secret)
    event_id, event_type = event.get("id"), event.get("type")
    if not isinstance(event_id, str) or not event_id.startswith("evt_") or len(event_id) > MAX_EVENT_ID:
        raise WebhookRejected(400, "invalid_event", "id must be a Stripe event id (evt_...)")
    if not isinstance(event_type, str) or not 0 < len(event_type) <= 80:
        raise WebhookRejected(400, "invalid_event", "type must be a Stripe event type")
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise WebhookRejected(400, "invalid_event", "data.object is required (the object the event is about)")
    return IncomingEvent(
        provider="stripe", dedupe_key=f"stripe:{event_id}", event_type=event_type, raw_body=raw.decode("utf-8")
    )
