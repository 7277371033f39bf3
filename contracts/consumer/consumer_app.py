"""The booking service that the message cases hand their webhooks to: real app, real HTTP, its own database.

Message cases exercise the app's real webhook path (``POST /webhooks/<provider>``:
signature check, inbox, handler) rather than calling a handler function, so a
contract message is only "consumed" when the deployed app would accept and
apply it. One app serves the whole session (started on first use, stopped by
the contracts conftest); each case sets up its own builder, so cases share
nothing but the process.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from app_under_test.migrate import upgrade
from harness.apps import RunningApp, start_app

CALENDLY_SIGNING_KEY = "contracts-calendly-signing-key"
_lock = threading.Lock()
_running: RunningApp | None = None
_builders = itertools.count(1)


def app() -> RunningApp:
    global _running
    with _lock:
        if _running is None:
            folder = Path(tempfile.mkdtemp(prefix="contracts-consumer-app-"))
            url = f"sqlite:///{folder / 'bookings.sqlite3'}"
            upgrade(url)
            _running = start_app(url, calendly_webhook_signing_key=CALENDLY_SIGNING_KEY)
        return _running


def stop() -> None:
    global _running
    with _lock:
        if _running is not None:
            _running.stop()
            _running = None


def builder_with_calendly_event_type(event_type_uri: str) -> str:
    """A builder whose one free session type is this Calendly event type; returns the builder's slug."""
    number = next(_builders)
    body = {"name": f"Contract Builder {number}", "timezone": "Europe/London",
            "email": f"builder{number}@example.com", "slug": f"contract-builder-{number}",
            "session_types": [{"name": "Intro", "kind": "free", "duration_minutes": 30,
                               "calendly_event_type_uri": event_type_uri}]}
    with app().admin() as admin:
        response = admin.post("/admin/api/builders", json=body)
    assert response.status_code == 201, response.text
    return response.json()["slug"]


def post_calendly(body: bytes | str) -> dict[str, Any]:
    """Deliver a Calendly webhook signed as Calendly signs it; returns the app's JSON answer (asserting 200)."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    stamp = int(time.time())
    signature = hmac.new(CALENDLY_SIGNING_KEY.encode(), f"{stamp}.".encode() + raw, hashlib.sha256).hexdigest()
    response = httpx.post(f"{app().url}/webhooks/calendly", content=raw, timeout=30,
                          headers={"Content-Type": "application/json",
                                   "Calendly-Webhook-Signature": f"t={stamp},v1={signature}"})
    assert response.status_code == 200, f"the app refused the webhook: {response.status_code} {response.text}"
    return response.json()


def bookings_of(builder_slug: str) -> list[dict[str, Any]]:
    with app().admin() as admin:
        response = admin.get("/admin/api/bookings", params={"builder": builder_slug})
    assert response.status_code == 200, response.text
    return response.json()["bookings"]
