"""Calendly webhook verification and envelope checks.

The signature is an HMAC-SHA256 over ``"{t}.{raw body}"`` with the
subscription's signing key, checked over the bytes exactly as received (never
re-serialised JSON) with a constant-time compare and a 3-minute tolerance.
Calendly sends no event id, so the dedupe key is derived: event name +
``payload.uri`` (+ the no-show's uri, or the delivery time for a no-show removal).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from app_under_test.config import Config
from app_under_test.webhooks.base import RequestHeaders, WebhookRejected
from app_under_test.webhooks.inbox import IncomingEvent

HEADER = "Calendly-Webhook-Signature"
TOLERANCE_SECONDS = 180
MAX_URI = 255  # the length of every URI column; longer is no Calendly URI
EVENTS = frozenset(
    {
        "invitee.created",
        "invitee.canceled",
        "invitee_no_show.created",
        "invitee_no_show.deleted",
        "routing_form_submission.created",
    }
)


def verify_signature(
    raw: bytes, header: str | None, key: str, *, now: float | None = None, tolerance: int = TOLERANCE_SECONDS
) -> None:
    if not header:
        raise WebhookRejected(400, "missing_signature", f"the {HEADER} header is missing")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        name, sep, value = item.partition("=")
        if not sep:
            raise WebhookRejected(400, "malformed_signature", f"{HEADER} must look like t=<unix>,v1=<hex>")
        # Spaces around items change nothing about what was signed, so they are tolerated.
        parts.setdefault(name.strip(), []).append(value.strip())
    if len(parts.get("t", [])) != 1 or "v1" not in parts or not (parts["t"][0].isascii() and parts["t"][0].isdigit()):
        raise WebhookRejected(400, "malformed_signature", f"{HEADER} must carry one t=<unix> and v1=<hex>")
    timestamp = int(parts["t"][0])
    now = time.time() if now is None else now
    if now - timestamp > tolerance:
        raise WebhookRejected(400, "stale_signature", f"the signature timestamp is older than {tolerance} seconds")
    if timestamp - now > tolerance:
        raise WebhookRejected(
            400, "future_signature", f"the signature timestamp is more than {tolerance} seconds ahead"
        )
    expected = hmac.new(key.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
    # Every v1 is compared (constant time each): one per active key while a key is being rotated.
    if not any(
        hmac.compare_digest(expected.encode(), candidate.lower().encode("utf-8", "replace"))
        for candidate in parts["v1"]
    ):
        raise WebhookRejected(400, "invalid_signature", "the signature does not match the body")


def dedupe_key(envelope: dict[str, Any]) -> str:
    payload = envelope["payload"]
    event = envelope["event"]
    key = f"calendly:{event}:{payload['uri']}"
    if event == "invitee_no_show.created":
        no_show = payload.get("no_show")
        key += f":{no_show.get('uri') or '' if isinstance(no_show, dict) else ''}"
    elif event == "invitee_no_show.deleted":
        key += f":{envelope.get('created_at', '')}"
    return key


def parse(raw: bytes, headers: RequestHeaders, config: Config) -> IncomingEvent:
    if not config.calendly_webhook_signing_key:
        raise WebhookRejected(503, "not_configured", "Calendly webhooks are not configured")
    verify_signature(raw, headers.get(HEADER), config.calendly_webhook_signing_key)
    try:
        envelope = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise WebhookRejected(400, "invalid_json", f"the body is not valid JSON ({exc})") from exc
    if not isinstance(envelope, dict):
        raise WebhookRejected(400, "invalid_envelope", "the body must be a JSON object")
    event = envelope.get("event")
    if not isinstance(event, str) or event not in EVENTS:
        raise WebhookRejected(400, "unknown_event", f"unsupported Calendly event {event!r}")
    payload = envelope.get("payload")
    if not isinstance(payload, dict):
        raise WebhookRejected(400, "invalid_envelope", "payload must be a JSON object")
    if not isinstance(payload.get("uri"), str) or not payload["uri"] or len(payload["uri"]) > MAX_URI:
        raise WebhookRejected(
            400,
            "invalid_envelope",
            f"payload.uri is required to identify the event (a string of at most {MAX_URI} characters)",
        )
    if not isinstance(envelope.get("created_at"), str) or not 0 < len(envelope["created_at"]) <= 64:
        raise WebhookRejected(400, "invalid_envelope", "created_at is required (an ISO-8601 time)")
    return IncomingEvent(
        provider="calendly", dedupe_key=dedupe_key(envelope), event_type=event, raw_body=raw.decode("utf-8")
    )
