"""SendGrid Event Webhook verification and envelope checks.

SendGrid signs ``timestamp + raw body`` with ECDSA P-256; the official
library's ``EventWebhook`` verifies it with the account's public key
(``SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY``), over the bytes exactly as received.
The timestamp must be within 5 minutes of now, so a captured request cannot be
replayed later. The body is a JSON array of events; each event carries its own
``sg_event_id``. One delivery is one inbox row, keyed by its events' ids (one
id, or a digest of them all), so a re-sent batch is a duplicate; the handlers
are idempotent, so events that reappear in a different batch change nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
from typing import Any

from sendgrid.helpers.eventwebhook import EventWebhook
from sendgrid.helpers.eventwebhook.eventwebhook_header import EventWebhookHeader

from app_under_test.config import Config
from app_under_test.webhooks.base import RequestHeaders, WebhookRejected
from app_under_test.webhooks.inbox import IncomingEvent

SIGNATURE_HEADER = EventWebhookHeader.SIGNATURE
TIMESTAMP_HEADER = EventWebhookHeader.TIMESTAMP
TOLERANCE_SECONDS = 300
MAX_EVENTS = 1000


def verify_signature(raw: bytes, headers: RequestHeaders, public_key: str, *, now: float | None = None) -> None:
    signature, timestamp = headers.get(SIGNATURE_HEADER), headers.get(TIMESTAMP_HEADER)
    if not signature or not timestamp:
        raise WebhookRejected(
            400, "missing_signature", f"the {SIGNATURE_HEADER} and {TIMESTAMP_HEADER} headers are required"
        )
    if not (timestamp.isascii() and timestamp.isdigit()):
        raise WebhookRejected(400, "malformed_signature", f"{TIMESTAMP_HEADER} must be a unix time")
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        raise WebhookRejected(
            400, "stale_signature", f"the signature timestamp is more than {TOLERANCE_SECONDS} seconds away from now"
        )
    try:
        base64.b64decode(signature, validate=True)
        payload = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        raise WebhookRejected(
            400, "malformed_signature", "the signature is not base64, or the body not UTF-8"
        ) from None
    try:
        verifier = EventWebhook(public_key)
    except (ValueError, TypeError) as exc:
        raise WebhookRejected(503, "not_configured", "SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY is not a valid key") from exc
    try:
        valid = verifier.verify_signature(payload, signature, timestamp)
    except (ValueError, TypeError):
        valid = False
    if not valid:
        raise WebhookRejected(400, "invalid_signature", "the signature does not match the body")


def dedupe_key(events: list[dict[str, Any]], raw: bytes) -> str:
    ids = sorted(str(e["sg_event_id"]) for e in events if isinstance(e.get("sg_event_id"), str) and e["sg_event_id"])
    if len(ids) == 1 and len(events) == 1:
        return f"sendgrid:{ids[0]}"
    basis = ",".join(ids) if len(ids) == len(events) else raw.decode("utf-8")
    return f"sendgrid:batch:{hashlib.sha256(basis.encode()).hexdigest()}"


def parse(raw: bytes, headers: RequestHeaders, config: Config) -> IncomingEvent:
    if not config.sendgrid_event_webhook_public_key:
        raise WebhookRejected(503, "not_configured", "SendGrid event webhooks are not configured")
    verify_signature(raw, headers, config.sendgrid_event_webhook_public_key)
    try:
        events = json.loads(raw)
    except ValueError as exc:
        raise WebhookRejected(400, "invalid_json", f"the body is not valid JSON ({exc})") from exc
    if not isinstance(events, list) or not events or not all(isinstance(e, dict) for e in events):
        raise WebhookRejected(400, "invalid_envelope", "the body must be a non-empty JSON array of event objects")
    if len(events) > MAX_EVENTS:
        raise WebhookRejected(413, "too_many_events", f"at most {MAX_EVENTS} events per request")
    if not all(isinstance(e.get("event"), str) and e["event"] for e in events):
        raise WebhookRejected(400, "invalid_envelope", "every event needs its event name")
    kinds = ",".join(sorted({e["event"] for e in events}))[:80]
    return IncomingEvent(
        provider="sendgrid", dedupe_key=dedupe_key(events, raw), event_type=kinds, raw_body=raw.decode("utf-8")
    )
