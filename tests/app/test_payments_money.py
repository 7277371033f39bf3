"""Money in minor units per currency, what a Checkout Session asks Stripe for, and the idempotency keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app_under_test.config import Config
from app_under_test.payments import checkout, money, refunds

pytestmark = [pytest.mark.stripe, pytest.mark.paid]
NOW = datetime(2027, 1, 4, 9, 0, 17, tzinfo=UTC)


@pytest.mark.parametrize(
    "amount, currency, shown",
    [
        (4500, "gbp", "£45.00"),
        (5, "usd", "$0.05"),
        (5000, "jpy", "¥5,000"),
        (123456, "eur", "€1,234.56"),
        (12340, "kwd", "12.340 KWD"),
        (990, "krw", "990 KRW"),
        (100000, "chf", "1,000.00 CHF"),
    ],
)
def test_amounts_are_shown_with_the_currency_exponent(amount, currency, shown):
    assert money.format_amount(amount, currency) == shown


@pytest.mark.parametrize("amount", [45.0, -1, True, "4500"])
def test_an_amount_is_a_non_negative_integer_of_minor_units(amount):
    with pytest.raises(ValueError):
        money.check_minor_units(amount, "gbp")


def test_three_decimal_currencies_must_end_in_zero():
    assert money.check_minor_units(12340, "kwd") == 12340
    with pytest.raises(ValueError, match="end in 0"):
        money.check_minor_units(12345, "kwd")


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(["usd", "gbp", "jpy", "kwd", "eur", "vnd"]))
def test_formatting_never_loses_a_minor_unit(amount, currency):
    digits = "".join(ch for ch in money.format_amount(amount, currency) if ch.isdigit())
    assert int(digits) == amount


def booking(price: int = 4500, currency: str = "gbp", public_id: str = "bk_abc123", hold_minutes: int = 30):
    session_type = SimpleNamespace(name="Portfolio review", duration_minutes=60)
    return SimpleNamespace(
        public_id=public_id,
        price_cents=price,
        currency=currency,
        session_type=session_type,
        builder=SimpleNamespace(name="Ada Stone"),
        client=SimpleNamespace(email="grace@example.com"),
        hold_expires_at=NOW + timedelta(minutes=hold_minutes),
    )


@pytest.mark.parametrize("price, currency", [(4500, "gbp"), (5000, "jpy"), (12340, "kwd")])
def test_the_session_asks_for_the_session_types_price_in_minor_units(price, currency):
    params = checkout.session_params(
        booking(price, currency), Config(public_base_url="https://app.example/"), expires_at=1, attempt=2
    )
    [item] = params["line_items"]
    assert item == {
        "price_data": {
            "currency": currency,
            "unit_amount": price,
            "product_data": {"name": "Portfolio review with Ada Stone", "description": "60 minutes"},
        },
        "quantity": 1,
    }
    assert params["metadata"] == {"bookingId": "bk_abc123"} and params["client_reference_id"] == "bk_abc123"
    assert params["payment_intent_data"]["metadata"] == {"bookingId": "bk_abc123", "attempt": "2"}
    assert params["success_url"] == "https://app.example/bookings/bk_abc123/paid?session_id={CHECKOUT_SESSION_ID}"
    assert params["cancel_url"] == "https://app.example/bookings/bk_abc123/payment-canceled"


def test_a_float_price_never_reaches_stripe():
    with pytest.raises(ValueError):
        checkout.session_params(booking(price=45.0), Config(), expires_at=1, attempt=1)


@given(st.integers(min_value=0, max_value=24 * 60))
def test_a_session_expires_with_the_hold_but_never_sooner_than_stripe_allows(hold_minutes):
    hold_end = NOW + timedelta(minutes=hold_minutes)
    expires_at = checkout.session_expiry(hold_end, NOW)
    assert expires_at % 60 == 0
    assert expires_at >= (NOW + timedelta(minutes=31)).timestamp()
    assert expires_at >= hold_end.timestamp() and expires_at - max(hold_end.timestamp(), NOW.timestamp() + 1860) < 60


def test_checkout_keys_name_the_booking_and_attempt_and_never_collide_across_parameters():
    held = booking()
    key = checkout.idempotency_key(held, 1, 1_800_000_000)
    assert key == checkout.idempotency_key(held, 1, 1_800_000_000)  # a retry replays
    assert "bk_abc123" in key and "checkout-1" in key
    others = {
        checkout.idempotency_key(held, 2, 1_800_000_000),
        checkout.idempotency_key(held, 1, 1_800_000_060),
        checkout.idempotency_key(booking(public_id="bk_other"), 1, 1_800_000_000),
    }
    assert key not in others and len(others) == 3
    assert all(len(k) <= 255 for k in others | {key})


def test_refund_keys_are_one_per_payment_and_reason():
    payment = SimpleNamespace(id=7, checkout_session_id="cs_test_1")
    assert refunds.idempotency_key(payment, "canceled") == refunds.idempotency_key(payment, "canceled")
    assert refunds.idempotency_key(payment, "canceled") != refunds.idempotency_key(payment, "late_payment")
    other = SimpleNamespace(id=8, checkout_session_id="cs_test_2")
    assert refunds.idempotency_key(payment, "canceled") != refunds.idempotency_key(other, "canceled")
    assert refunds.refund_key(payment, "late_payment") == "7:late_payment"
