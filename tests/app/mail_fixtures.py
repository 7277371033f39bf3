"""Bookings built in memory for mail tests: real model objects, no database needed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app_under_test.config import Config
from app_under_test.models import (
    Booking,
    BookingStatus,
    Builder,
    Client,
    Pathway,
    Payment,
    Refund,
    SessionKind,
    SessionType,
)

CONFIG = Config(env="test", public_base_url="https://book.example.com")


def make_booking(
    *,
    start: datetime = datetime(2027, 3, 26, 17, 0, tzinfo=UTC),
    minutes: int = 30,
    client_zone: str = "Europe/London",
    builder_zone: str = "America/New_York",
    client_name: str = "Grace Hopper",
    builder_name: str = "Ada Stone",
    session_name: str = "Intro call",
    price_cents: int = 0,
    currency: str = "usd",
    pathway: str | None = None,
    reason: str | None = None,
    canceled_by: str | None = None,
) -> Booking:
    builder = Builder(
        id=1, slug="ada-stone", name=builder_name, timezone=builder_zone, email="ada@builders.example.com"
    )
    kind = SessionKind.PAID if price_cents else SessionKind.FREE
    session_type = SessionType(
        id=1,
        builder=builder,
        slug="intro-call",
        name=session_name,
        kind=kind,
        duration_minutes=minutes,
        price_cents=price_cents,
        currency=currency,
    )
    client = Client(id=1, email="grace@example.com", name=client_name, timezone=client_zone)
    return Booking(
        id=1,
        public_id="bk-ref-0001",
        builder=builder,
        session_type=session_type,
        client=client,
        pathway=Pathway(id=1, slug="p", name=pathway) if pathway is not None else None,
        start_at=start,
        end_at=start + timedelta(minutes=minutes),
        client_timezone=client_zone,
        status=BookingStatus.CONFIRMED,
        price_cents=price_cents,
        currency=currency,
        cancel_reason=reason,
        canceled_by=canceled_by,
    )


def make_payment(
    *,
    amount_cents: int = 5000,
    currency: str = "usd",
    last4: str | None = "4242",
    intent: str | None = "pi_test_123",
    paid_at: datetime | None = None,
) -> Payment:
    paid_at = paid_at or datetime(2027, 3, 20, 12, 0, tzinfo=UTC)
    return Payment(
        id=1,
        booking_id=1,
        checkout_session_id="cs_test_abc",
        payment_intent_id=intent,
        amount_cents=amount_cents,
        currency=currency,
        status="paid",
        card_last4=last4,
        created_at=paid_at,
        updated_at=paid_at,
    )


def make_refund(*, amount_cents: int = 5000, at: datetime | None = None) -> Refund:
    return Refund(
        id=1,
        payment_id=1,
        stripe_refund_id="re_test_9",
        amount_cents=amount_cents,
        reason="canceled",
        status="succeeded",
        created_at=at or datetime(2027, 3, 22, 9, 30, tzinfo=UTC),
    )
