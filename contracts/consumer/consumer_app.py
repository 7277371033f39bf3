"""The booking service that the message cases hand their webhooks to: real app, real HTTP, its own database.

Message cases exercise the app's real webhook path (``POST /webhooks/<provider>``:
signature check, inbox, handler) rather than calling a handler function, so a
contract message is only "consumed" when the deployed app would accept and
apply it. One app serves the whole session (started on first use, stopped by
the contracts conftest); each case sets up its own builder, so cases share
nothing but the process.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import itertools
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app_under_test.migrate import upgrade
from harness import http_clients
from harness.apps import RunningApp, start_app

CALENDLY_SIGNING_KEY = "contracts-calendly-signing-key"
STRIPE_WEBHOOK_SECRET = "whsec_contracts_booking_service"
STRIPE_SECRET_KEY = "sk_test_contracts_consumer_app"
# The SendGrid Event Webhook's signing key pair: a fixed P-256 scalar, so every run signs with the same key.
# The app holds only the public half, as SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY (base64 DER, as SendGrid shows it).
SENDGRID_SIGNING_SCALAR = int.from_bytes(hashlib.sha256(b"contracts-sendgrid-event-webhook").digest(), "big") >> 1
_lock = threading.Lock()
_running: RunningApp | None = None
_builders = itertools.count(1)


def app() -> RunningApp:
    global _running  # noqa: PLW0603 (one app per test process, started on first use)
    with _lock:
        if _running is None:
            folder = Path(tempfile.mkdtemp(prefix="contracts-consumer-app-"))
            url = f"sqlite:///{folder / 'bookings.sqlite3'}"
            upgrade(url)
            _running = start_app(
                url,
                calendly_webhook_signing_key=CALENDLY_SIGNING_KEY,
                stripe_webhook_secret=STRIPE_WEBHOOK_SECRET,
                stripe_secret_key=STRIPE_SECRET_KEY,
                sendgrid_event_webhook_public_key=sendgrid_public_key(),
            )
        return _running


def stop() -> None:
    global _running  # noqa: PLW0603 (the one app per test process)
    with _lock:
        if _running is not None:
            _running.stop()
            _running = None


def builder_with_calendly_event_type(event_type_uri: str) -> str:
    """A builder whose one free session type is this Calendly event type; returns the builder's slug."""
    number = next(_builders)
    body = {
        "name": f"Contract Builder {number}",
        "timezone": "Europe/London",
        "email": f"builder{number}@example.com",
        "slug": f"contract-builder-{number}",
        "session_types": [
            {"name": "Intro", "kind": "free", "duration_minutes": 30, "calendly_event_type_uri": event_type_uri}
        ],
    }
    with app().admin() as admin:
        response = admin.post("/admin/api/builders", json=body)
    assert response.status_code == 201, response.text
    return response.json()["slug"]


def post_calendly(body: bytes | str) -> dict[str, Any]:
    """Deliver a Calendly webhook signed as Calendly signs it; returns the app's JSON answer (asserting 200)."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    stamp = int(time.time())
    signature = hmac.new(CALENDLY_SIGNING_KEY.encode(), f"{stamp}.".encode() + raw, hashlib.sha256).hexdigest()
    response = http_clients.post(
        f"{app().url}/webhooks/calendly",
        content=raw,
        timeout=30,
        headers={"Content-Type": "application/json", "Calendly-Webhook-Signature": f"t={stamp},v1={signature}"},
    )
    assert response.status_code == 200, f"the app refused the webhook: {response.status_code} {response.text}"
    return response.json()


def post_stripe(body: bytes | str) -> dict[str, Any]:
    """Deliver a Stripe webhook signed by stripe-python with the app's configured secret (asserting 200)."""
    import stripe

    raw = body.encode("utf-8") if isinstance(body, str) else body
    header = stripe.WebhookSignature.generate_signature_header(raw.decode("utf-8"), STRIPE_WEBHOOK_SECRET)
    response = http_clients.post(
        f"{app().url}/webhooks/stripe",
        content=raw,
        timeout=30,
        headers={"Content-Type": "application/json", "Stripe-Signature": header},
    )
    assert response.status_code == 200, f"the app refused the webhook: {response.status_code} {response.text}"
    return response.json()


def _sendgrid_private_key():
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.derive_private_key(SENDGRID_SIGNING_SCALAR, ec.SECP256R1())


def sendgrid_public_key() -> str:
    """The Event Webhook verification key as SendGrid's settings page gives it: base64 DER SubjectPublicKeyInfo."""
    from cryptography.hazmat.primitives import serialization

    der = (
        _sendgrid_private_key()
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return base64.b64encode(der).decode("ascii")


def post_sendgrid(body: bytes | str) -> dict[str, Any]:
    """Deliver a SendGrid Event Webhook batch signed as SendGrid signs it (ECDSA P-256 over timestamp + body)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from sendgrid.helpers.eventwebhook.eventwebhook_header import EventWebhookHeader

    raw = body.encode("utf-8") if isinstance(body, str) else body
    stamp = str(int(time.time()))
    algorithm = ec.ECDSA(hashes.SHA256(), deterministic_signing=True)  # RFC 6979: same bytes, same signature
    signature = _sendgrid_private_key().sign(stamp.encode() + raw, algorithm)
    response = http_clients.post(
        f"{app().url}/webhooks/sendgrid",
        content=raw,
        timeout=30,
        headers={
            "Content-Type": "application/json",
            EventWebhookHeader.SIGNATURE: base64.b64encode(signature).decode("ascii"),
            EventWebhookHeader.TIMESTAMP: stamp,
        },
    )
    assert response.status_code == 200, f"the app refused the webhook: {response.status_code} {response.text}"
    return response.json()


def held_paid_booking(
    public_id: str,
    *,
    price_cents: int = 5000,
    currency: str = "gbp",
    status: str = "pending_payment",
    payments: tuple[dict[str, Any], ...] = (),
) -> str:
    """A paid session booked (held, pending payment, unless ``status`` says otherwise) with these payment rows;
    returns the builder's slug.

    Written straight into the app's database with its own models: holding a booking through the app would
    open a Checkout Session, and the message cases must not depend on a Stripe API."""
    from datetime import timedelta

    from app_under_test.db import Database
    from app_under_test.models import Booking, BookingStatus, Builder, Client, Payment, SessionKind, SessionType
    from app_under_test.timeutil import utcnow

    number = next(_builders)
    slug = f"contract-builder-{number}"
    now = utcnow()
    db = Database(app().config.database_url)
    try:
        with db.transaction() as session:
            builder = Builder(
                slug=slug,
                name=f"Contract Builder {number}",
                timezone="Europe/London",
                email=f"builder{number}@example.com",
            )
            session_type = SessionType(
                builder=builder,
                slug="paid",
                name="Paid",
                kind=SessionKind.PAID,
                duration_minutes=30,
                price_cents=price_cents,
                currency=currency,
            )
            client = Client(email=f"client{number}@example.com", name="Grace Hopper")
            booking = Booking(
                public_id=public_id,
                builder=builder,
                session_type=session_type,
                client=client,
                start_at=now + timedelta(days=2),
                end_at=now + timedelta(days=2, minutes=30),
                client_timezone="Europe/Paris",
                status=BookingStatus(status),
                price_cents=price_cents,
                currency=currency,
                hold_expires_at=now + timedelta(minutes=10),
            )
            session.add_all([builder, session_type, client, booking])
            session.flush()
            for fields in payments:
                session.add(
                    Payment(
                        booking_id=booking.id,
                        amount_cents=price_cents,
                        currency=currency,
                        created_at=now,
                        updated_at=now,
                        **fields,
                    )
                )
    finally:
        db.dispose()
    return slug


@contextmanager
def stripe_api_at(base_url: str) -> Iterator[None]:
    """The app's Stripe client pointed at ``base_url`` (a Pact mock) for the duration: some webhook handlers
    ask the Stripe API (``charge.refunded`` lists the intent's refunds). Uses the app's own client slot."""
    from app_under_test.payments.gateway import build_client

    running = app()
    extensions = running.flask_app.extensions
    previous = extensions.get("stripe_client")
    extensions["stripe_client"] = build_client(dataclasses.replace(running.config, stripe_api_base=base_url))
    try:
        yield
    finally:
        if previous is None:
            extensions.pop("stripe_client", None)
        else:
            extensions["stripe_client"] = previous


def bookings_of(builder_slug: str) -> list[dict[str, Any]]:
    with app().admin() as admin:
        response = admin.get("/admin/api/bookings", params={"builder": builder_slug})
    assert response.status_code == 200, response.text
    return response.json()["bookings"]


def sent_mail(outbox_id: int, recipient: str, *, kind: str = "booking_confirmation") -> None:
    """A client and a booking mail the app has already handed to SendGrid (outbox row ``outbox_id``, sent).

    Written straight into the app's database with its own models, under the id the message's ``outbox_id``
    custom arg names (the id the app put into the send): sending through the app would need a Mail Send API."""
    from app_under_test.db import Database
    from app_under_test.models import Client, OutboxMessage
    from app_under_test.timeutil import utcnow

    now = utcnow()
    db = Database(app().config.database_url)
    try:
        with db.transaction() as session:
            session.add(Client(email=recipient, name="Grace Hopper"))
            session.add(
                OutboxMessage(
                    id=outbox_id,
                    idempotency_key=f"{kind}:contract-{outbox_id}:client",
                    kind=kind,
                    recipient=recipient,
                    template_id="d-9c85b537974ed61735fda4e8f18e9e7c",
                    data={},
                    status="sent",
                    attempts=1,
                    provider_message_id=f"contract-{outbox_id}",
                    created_at=now,
                    sent_at=now,
                )
            )
    finally:
        db.dispose()


def client(email: str) -> dict[str, Any]:
    with app().admin() as admin:
        response = admin.get("/admin/api/clients")
    assert response.status_code == 200, response.text
    [found] = [c for c in response.json()["clients"] if c["email"] == email]
    return found


def mail_to(recipient: str) -> list[dict[str, Any]]:
    with app().admin() as admin:
        response = admin.get("/admin/api/mail", params={"recipient": recipient})
    assert response.status_code == 200, response.text
    return response.json()["messages"]
