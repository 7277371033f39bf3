"""Body limits under the production server (gunicorn): a body sent in chunks, with no Content-Length,
is held to the same limit as one that declares its length, and refused with the same 413 and JSON reason."""

from __future__ import annotations

import base64
import http.client
import json
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from harness.app_process import start_wired_app_process
from tests.app.signed_stripe_events import signed_stripe_event

pytestmark = [pytest.mark.database, pytest.mark.xdist_group("app-process"), pytest.mark.slow]


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        yield b"x" * piece
        sent += piece


def _signature_headers(path: str) -> dict[str, str]:
    """Well-formed, current, wrong signatures: the body is read (and the limit met) before they are checked."""
    now = str(int(time.time()))
    if path.endswith("stripe"):
        return {"Stripe-Signature": f"t={now},v1={'0' * 64}"}
    if path.endswith("calendly"):
        return {"Calendly-Webhook-Signature": f"t={now},v1={'0' * 64}"}
    return {
        "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(b"0" * 70).decode(),
        "X-Twilio-Email-Event-Webhook-Timestamp": now,
    }


def _post_chunked(
    url: str, path: str, chunks: Iterator[bytes], headers: dict[str, str] | None = None
) -> tuple[int, dict]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(
            "POST",
            path,
            body=chunks,
            headers={"Content-Type": "application/json", "Accept": "application/json"}
            | (headers if headers is not None else _signature_headers(path)),
            encode_chunked=True,
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


def test_a_chunked_webhook_body_over_the_limit_is_a_413_with_a_json_reason(db_url: str, simulators) -> None:
    with start_wired_app_process(db_url, simulators, workers=1, threads=1) as app:
        answers = {
            path: _post_chunked(app.url, path, _chunks(600 * 1024))
            for path in ("/webhooks/stripe", "/webhooks/calendly", "/webhooks/sendgrid")
        }
        codes = {path: (status, body.get("error", {}).get("code")) for path, (status, body) in answers.items()}
        assert set(codes.values()) == {(413, "request_entity_too_large")}, (codes, app.log_tail())


def test_a_signed_stripe_event_sent_in_chunks_is_read_whole_and_acknowledged(db_url: str, simulators) -> None:
    with start_wired_app_process(db_url, simulators, workers=1, threads=1) as app:
        body, header = signed_stripe_event(app.env["STRIPE_WEBHOOK_SECRET"], "evt_chunked")
        pieces = iter([body[i : i + 16] for i in range(0, len(body), 16)])  # a chunk every 16 bytes
        status, answer = _post_chunked(app.url, "/webhooks/stripe", pieces, {"Stripe-Signature": header})
        assert status == 200, (answer, app.log_tail())
