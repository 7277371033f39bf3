"""Calendly's webhook signature: ``Calendly-Webhook-Signature: t=<unix>,v1=<hex>``.

Calendly ships no SDK that signs or verifies, so the scheme lives here: HMAC-SHA256
over ``"{t}.{raw body}"`` with the subscription's signing key, lowercase hex.
``verify`` exists for the simulator's own tests; the app under test has its own.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "Calendly-Webhook-Signature"
WRONG_KEY = "sim-wrong-signing-key"  # a key no receiver is configured with


class SignatureError(ValueError):
    """The header is missing, malformed, stale or does not match."""


def signature(body: bytes, timestamp: int, key: str) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def header_value(body: bytes, timestamp: int, key: str) -> str:
    return f"t={timestamp},v1={signature(body, timestamp, key)}"


class Signer:
    """Signs one subscription's deliveries; without a signing key deliveries go unsigned, as Calendly does."""

    def __init__(self, signing_key: str | None) -> None:
        self.signing_key = signing_key

    def headers(self, body: bytes, timestamp: int, *, wrong_key: bool = False) -> dict[str, str]:
        if self.signing_key is None and not wrong_key:
            return {}
        key = self.signing_key if self.signing_key is not None and not wrong_key else WRONG_KEY
        return {HEADER: header_value(body, timestamp, key)}


def verify(body: bytes, header: str | None, key: str, tolerance: float = 180, now: float | None = None) -> int:
    """Check ``header`` against the raw ``body``; return its timestamp or raise ``SignatureError``."""
    if not header:
        raise SignatureError("missing signature header")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        name, sep, value = item.partition("=")
        if not sep:
            raise SignatureError("malformed signature header")
        parts.setdefault(name, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        raise SignatureError("signature header has no timestamp") from None
    expected = signature(body, timestamp, key)
    if not any(hmac.compare_digest(expected, candidate) for candidate in parts.get("v1", [])):
        raise SignatureError("signature does not match")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureError("signature timestamp outside the tolerance")
    return timestamp
