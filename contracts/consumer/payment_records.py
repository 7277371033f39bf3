"""A booking service database holding what the payment code works on: a held paid booking and its payments.

The Stripe API cases run the app's own payment functions (``open_checkout``,
``expire_open_sessions``, ``issue_requested``), which read and write these
rows; a fresh SQLite database per case keeps cases apart. Ids the simulator
chooses (``cs_test_...``, ``pi_...``) are stored here as the pact's example
values; the verifier replays them as provider-state values instead.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app_under_test.db import Database
from app_under_test.migrate import upgrade
from app_under_test.models import Booking, BookingStatus, Builder, Client, Payment, SessionKind, SessionType
from app_under_test.payments.refunds import request_refund

NOW = datetime(2030, 1, 1, tzinfo=UTC)
BOOKING_ID = "bk_contract_paid"
PRICE, CURRENCY = 5000, "gbp"
CLIENT_EMAIL = "grace@example.com"


@contextmanager
def database() -> Iterator[Database]:
    folder = Path(tempfile.mkdtemp(prefix="contract-payments-"))
    url = f"sqlite:///{folder / 'db.sqlite3'}"
    upgrade(url)
    db = Database(url)
    try:
        yield db
    finally:
        db.dispose()


def held_booking(db: Database, *, hold_minutes: int = 10) -> int:
    """A paid session booked and held until NOW + ``hold_minutes``; returns the booking's row id."""
    with db.transaction() as session:
        builder = Builder(slug="ada", name="Ada Lovelace", timezone="Europe/London", email="ada@example.com")
        session_type = SessionType(
            builder=builder,
            slug="intro",
            name="Intro",
            kind=SessionKind.PAID,
            duration_minutes=30,
            price_cents=PRICE,
            currency=CURRENCY,
        )
        client = Client(email=CLIENT_EMAIL, name="Grace Hopper")
        booking = Booking(
            public_id=BOOKING_ID,
            builder=builder,
            session_type=session_type,
            client=client,
            start_at=NOW + timedelta(days=1),
            end_at=NOW + timedelta(days=1, minutes=30),
            client_timezone="Europe/Paris",
            status=BookingStatus.PENDING_PAYMENT,
            price_cents=PRICE,
            currency=CURRENCY,
            hold_expires_at=NOW + timedelta(minutes=hold_minutes),
        )
        session.add_all([builder, session_type, client, booking])
        session.flush()
        return booking.id


def add_payment(
    db: Database,
    booking_id: int,
    checkout_session_id: str,
    *,
    status: str = "open",
    payment_intent_id: str | None = None,
) -> int:
    with db.transaction() as session:
        payment = Payment(
            booking_id=booking_id,
            checkout_session_id=checkout_session_id,
            payment_intent_id=payment_intent_id,
            amount_cents=PRICE,
            currency=CURRENCY,
            status=status,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(payment)
        session.flush()
        return payment.id


def request_refund_of(db: Database, payment_id: int, reason: str) -> None:
    """A refund decided and not yet sent, made by the app's own ``request_refund`` (outside a request)."""
    with db.transaction() as session:
        assert request_refund(session, session.get(Payment, payment_id), reason) is not None
