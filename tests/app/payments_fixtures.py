"""A real Stripe simulator, an unserved app on a scenario database, and held paid bookings for payment tests.

Checkout Sessions are opened by the app's own code (``payments.checkout``)
against the simulator over HTTP, paid through the simulator's control route,
and the events come back as Stripe made them (``/v1/events`` or signed
deliveries), so these tests feed handlers exactly what production would.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import stripe
from sqlalchemy import select

from app_under_test import create_app
from app_under_test.availability import LocalSchedule
from app_under_test.booking_service import BookingRequest, create_booking
from app_under_test.catalog import BuilderSpec, SessionTypeSpec, add_builder
from app_under_test.config import Config
from app_under_test.db import get_db
from app_under_test.models import Booking, Payment, SessionType
from app_under_test.payments.checkout import open_checkout
from app_under_test.payments.gateway import app_client
from app_under_test.webhooks import inbox, stripe_handlers
from harness import http_clients
from harness.servers import serve_in_thread
from simulators.server import create_simulator

SECRET_KEY = "sk_test_payments_unit"


@pytest.fixture(scope="module")
def stripe_server():
    sim = create_simulator(seed=99, auto_deliver=False)
    running = serve_in_thread(sim.wsgi_app, name="stripe-sim-unit")
    sim.url = running.url
    yield sim
    running.stop()
    sim.hub.engine.close()


@pytest.fixture
def payments_app(db_url, stripe_server):
    """The booking app (not served: handlers and payment code run in its app context) on a fresh database."""
    stripe_server.hub.reset(99)  # a clean Stripe account per test (its ids restart, the database is new too)
    config = Config(
        env="test",
        database_url=db_url,
        secret_key="x" * 40,
        slot_provider="local",
        stripe_secret_key=SECRET_KEY,
        stripe_api_base=f"{stripe_server.url}/stripe",
        public_base_url="https://book.example.com",
        log_level="ERROR",
    )
    app = create_app(config)
    with app.app_context():
        with get_db().transaction() as session:
            add_builder(
                session,
                BuilderSpec(
                    name="Ada Stone",
                    timezone="Europe/London",
                    email="ada@example.com",
                    session_types=[SessionTypeSpec("Portfolio review", "paid", 60, 4500, "gbp")],
                ),
            )
        app.extensions["test_slots"] = itertools.count()
        yield app
        get_db().dispose()


def held_booking(app) -> tuple[str, str]:
    """A new held booking with its Checkout Session opened at the simulator; (booking public id, session id)."""
    now = datetime.now(UTC)
    schedule = LocalSchedule(now=lambda: now)
    db = get_db()
    with db.transaction() as session:
        session_type = session.scalar(select(SessionType))
        index = next(app.extensions["test_slots"])
        # every example takes the next working-hours slot, so claims never collide
        slots = schedule.available_slots(session_type, now + timedelta(days=1), now + timedelta(days=300))
        start = slots[index].start
        booking = create_booking(
            session,
            BookingRequest(session_type, start, "Grace Hopper", "grace@example.com", "Europe/London"),
            schedule,
            now=now,
        )
        payment = open_checkout(session, booking, app_client(), app.extensions["booking_config"])
        return booking.public_id, payment.checkout_session_id


def control(sim) -> httpx.Client:
    return http_clients.client(base_url=f"{sim.url}/_sim/stripe", timeout=30)


def pay(sim, session_id: str, card: str = "4242424242424242", **extra) -> dict:
    with control(sim) as client:
        response = client.post(f"/checkout/sessions/{session_id}/pay", json={"card": card, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def pay_in_euros(sim, session_id: str, card: str = "4242424242424242") -> dict:
    """The client picks euros on the hosted page (Adaptive Pricing, 1.17 to the pound), then pays: not the price."""
    with control(sim) as client:
        localized = client.post(
            f"/checkout/sessions/{session_id}/localize", json={"currency": "eur", "fx_rate": "1.17"}
        )
    assert localized.status_code == 200, localized.text
    return pay(sim, session_id, card)


def events_for(booking_id: str) -> list[dict]:
    """Every event Stripe recorded about this booking's objects, oldest first, as Stripe serialises them.

    Only events created since the booking's first Checkout Session are listed: the simulator keeps every
    earlier example's events too, and paging through all of them made each example slower than the last.
    """
    client: stripe.StripeClient = app_client()
    with get_db().reader() as session:
        first_session = session.scalar(
            select(Payment.checkout_session_id)
            .join(Booking, Payment.booking_id == Booking.id)
            .where(Booking.public_id == booking_id)
            .order_by(Payment.id)
            .limit(1)
        )
    since = client.v1.checkout.sessions.retrieve(first_session).created
    found = []
    for event in client.v1.events.list(params={"limit": 100, "created": {"gte": since}}).auto_paging_iter():
        obj = event.data.object.to_dict()
        if (obj.get("metadata") or {}).get("bookingId") == booking_id or obj.get("client_reference_id") == booking_id:
            found.append(event.to_dict())
    return list(reversed(found))


def deliver(event: dict) -> str:
    """Store and process one event through the inbox, as the webhook view does after verifying it."""
    stored = inbox.store(
        get_db(), inbox.IncomingEvent("stripe", f"stripe:{event['id']}", event["type"], json.dumps(event))
    )
    return "duplicate" if stored.duplicate else inbox.process(get_db(), stored.event_id, stripe_handlers.dispatch)


def paid_booking(app, sim) -> tuple[str, str]:
    """A booking held, paid with the default card and confirmed by Stripe's events: (booking id, session id)."""
    booking_id, session_id = held_booking(app)
    pay(sim, session_id)
    for event in events_for(booking_id):
        deliver(event)
    assert state_of(booking_id)["status"] == "confirmed"
    return booking_id, session_id


def state_of(booking_id: str) -> dict:
    with get_db().reader() as session:
        booking = session.scalar(select(Booking).where(Booking.public_id == booking_id))
        payments = session.scalars(select(Payment).where(Payment.booking_id == booking.id).order_by(Payment.id)).all()
        from app_under_test.models import Refund

        refunds = session.scalars(select(Refund).where(Refund.payment_id.in_([p.id for p in payments]))).all()
        return {
            "status": booking.status.value,
            "claims": len(booking.claims),
            "payments": [(p.status, p.payment_intent_id is not None, p.card_last4, p.failure_code) for p in payments],
            "refunds": sorted((r.reason, r.status, r.amount_cents) for r in refunds),
        }
