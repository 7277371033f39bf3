"""A small webhook receiver, run as its own process, that checks signatures as a developer's app would.

    python -m harness.verifying_receiver --secret whsec_... [--port 0]

``POST /stripe`` verifies with ``stripe.Webhook.construct_event``, ``POST /calendly``
with an HMAC-SHA256 check written here from Calendly's documentation (so it does not
share code with the simulator that signs), ``POST /sendgrid`` with the sendgrid
library's ``EventWebhook`` once ``POST /_config {"sendgrid_public_key": ...}`` gave it
the key. A verified delivery is answered 200, any other 400. ``GET /_received``
lists every request with its verdict; ``POST /_reset`` forgets them. It prints ``receiver at <url>`` when listening.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import json
import sys
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import stripe
from sendgrid.helpers.eventwebhook import EventWebhook
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

CALENDLY_TOLERANCE = 180  # seconds, as Calendly recommends


def calendly_verified(body: bytes, header: str | None, key: str) -> bool:
    if not header:
        return False
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    if "t" not in parts or "v1" not in parts or not parts["t"].isdigit():
        return False
    expected = hmac.new(key.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - int(parts["t"])) <= CALENDLY_TOLERANCE


class VerifyingReceiver:
    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.sendgrid_public_key: str | None = None
        self.received: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def verify(self, provider: str, request: Request, body: bytes) -> tuple[bool, str]:
        if provider == "stripe":
            try:
                event = stripe.Webhook.construct_event(
                    body.decode("utf-8"), request.headers.get("Stripe-Signature", ""), self.secret
                )
            except (ValueError, stripe.SignatureVerificationError) as exc:
                return False, str(exc)
            return True, str(event["type"])
        if provider == "calendly":
            if not calendly_verified(body, request.headers.get("Calendly-Webhook-Signature"), self.secret):
                return False, "calendly signature does not match"
            return True, str(json.loads(body).get("event"))
        if provider == "sendgrid":
            if self.sendgrid_public_key is None:
                return False, "no SendGrid public key configured"
            webhook = EventWebhook()
            key = webhook.convert_public_key_to_ecdsa(self.sendgrid_public_key)
            ok = webhook.verify_signature(
                body.decode("utf-8"),
                request.headers.get("X-Twilio-Email-Event-Webhook-Signature", ""),
                request.headers.get("X-Twilio-Email-Event-Webhook-Timestamp", ""),
                key,
            )
            return bool(ok), ",".join(sorted({e.get("event", "?") for e in json.loads(body)})) if ok else "bad"
        return False, f"unknown provider {provider}"

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        path = request.path.strip("/")
        if request.method == "GET" and path == "_received":
            with self.lock:
                answer = json.dumps(self.received)
            return Response(answer, content_type="application/json")(environ, start_response)
        if request.method == "POST" and path == "_reset":
            with self.lock:
                self.received.clear()
            return Response("{}", content_type="application/json")(environ, start_response)
        if request.method == "POST" and path == "_config":
            self.sendgrid_public_key = (request.get_json(silent=True) or {}).get("sendgrid_public_key")
            return Response("{}", content_type="application/json")(environ, start_response)
        body = request.get_data()
        verified, detail = self.verify(path, request, body)
        with self.lock:
            self.received.append(
                {
                    "provider": path,
                    "verified": verified,
                    "detail": detail,
                    "body": body.decode("utf-8", errors="replace"),
                    "headers": dict(request.headers),
                }
            )
        status = 200 if verified else 400
        return Response(json.dumps({"verified": verified}), status=status, content_type="application/json")(
            environ, start_response
        )


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="verifying-receiver")
    parser.add_argument("--secret", required=True, help="the Stripe whsec_ secret, also the Calendly signing key")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    server = make_server("127.0.0.1", args.port, VerifyingReceiver(args.secret), threaded=True, request_handler=_Quiet)
    print(f"receiver at http://127.0.0.1:{server.server_port}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
